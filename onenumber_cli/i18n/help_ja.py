"""Japanese help texts, keyed by the English text they translate (gettext style).

Keys are English paragraphs of command docstrings and option help, with whitespace
collapsed.  ``Example:`` paragraphs are not listed: only the word is translated.
A test fails when a command or option has English help with no entry here.
"""

HELP: dict[str, str] = {
    # the root and its global options
    "Operator tool for the One Number Service: contracts, accessory devices, history.":
        "ワンナンバーサービスのオペレーター用ツール: 契約、アクセサリ端末、登録履歴。",
    "Database URL (env ONENUMBER_DATABASE_URL; default: a SQLite file in the user data "
    "directory).":
        "データベースURL（環境変数 ONENUMBER_DATABASE_URL。既定: ユーザーデータディレクトリの "
        "SQLite ファイル）。",
    "table, json, jsonl, csv or tsv (env ONENUMBER_OUTPUT).":
        "table、json、jsonl、csv、tsv のいずれか（環境変数 ONENUMBER_OUTPUT）。",
    "Language (default from LANG/LC_ALL).": "言語（既定は LANG/LC_ALL に従う）。",
    "Time zone for display and input (default Asia/Tokyo).":
        "表示と入力のタイムゾーン（既定 Asia/Tokyo）。",
    "Who makes the change, for the audit log (env ONENUMBER_OPERATOR; default: the OS "
    "user).":
        "監査ログに記録する変更者（環境変数 ONENUMBER_OPERATOR。既定: OS のユーザー）。",
    "Only data and errors.": "データとエラーのみ表示します。",
    "No colour (also NO_COLOR).": "色を付けません（NO_COLOR でも同じ）。",
    "Show tracebacks and SQL on stderr.": "トレースバックと SQL を標準エラーに表示します。",
    "Show the version and exit.": "バージョンを表示して終了します。",
    "Install completion for the current shell.": "現在のシェルに補完をインストールします。",
    "Show completion for the current shell, to copy it or customize the installation.":
        "現在のシェル用の補完スクリプトを表示します。",
    "Show this message and exit.": "このヘルプを表示して終了します。",
    # shared arguments and options
    "The customer's d-account ID.": "お客さまのdアカウントID。",
    "Device id, IMEI, or current name (an id always wins).":
        "端末ID、IMEI、または現在の端末名（IDが常に優先）。",
    "Check everything and report what would change; write nothing.":
        "すべて検査し、何が変わるかを報告します。書き込みはしません。",
    "Do not ask for confirmation (needed when not on a terminal).":
        "確認を求めません（端末（TTY）がない場合は必須）。",
    # groups
    "Accounts across the database.": "データベース全体のアカウント。",
    "Batch support fixes from a file.": "ファイルによる一括修正。",
    "Configuration.": "設定。",
    "Use the settings of [profiles.NAME] in the config file (env ONENUMBER_PROFILE).":
        "設定ファイルの [profiles.NAME] の設定を使います（環境変数 ONENUMBER_PROFILE）。",
    "Only these fields of each record, in this order (every output format).":
        "各レコードのこれらの項目だけを、この順に出力します（すべての出力形式）。",
    "Never prompt: what would be asked is refused instead.":
        "確認や入力を求めません: 尋ねる必要がある操作は拒否します。",
    "Do not page long output on a terminal.": "端末で長い出力をページャーに通しません。",
    "Without DEVICE, on a terminal, the registered devices are listed and one is asked "
    "for (never without a terminal, nor with --no-input).":
        "DEVICE を省略すると、端末では登録中の端末を一覧表示して入力を求めます（端末でない"
        "場合や --no-input のときは求めません）。",
    "Device id, IMEI, or current name (an id always wins); asked for on a terminal when "
    "left out.":
        "端末ID、IMEI または現在の端末名（IDが優先）。省略すると端末では入力を求めます。",
    "Show the help of the program or of a command.":
        "プログラムまたはコマンドのヘルプを表示します。",
    "The command to explain, e.g. devices unregister.":
        "説明するコマンド（例: devices unregister）。",
    "Database schema.": "データベースのスキーマ。",
    "Accessory devices of an account.": "アカウントのアクセサリ端末。",
    "The Multi-device option (up to 5 devices).": "マルチデバイスオプション（最大5台）。",
    "The One Number Service contract itself.": "ワンナンバーサービスの契約そのもの。",
    # commands
    "List accounts (streams; use -o jsonl or csv for millions of rows).":
        "アカウントを一覧表示します（逐次出力。数百万件には -o jsonl か csv を使ってください）。",
    "Only this plan.": "このプランのみ。",
    # batch revert
    "The batch to undo (see onenumber audit).": "元に戻すバッチ（onenumber audit で確認）。",
    "Undo a batch from its audit records, newest row first, as a new batch.":
        "監査ログをもとに、バッチを新しい行から順に元に戻します（新しいバッチとして記録）。",
    "Renames go back (only where the name is still the one the batch gave), registrations "
    "are unregistered, option subscriptions and cancellations are swapped, new contracts "
    "cancelled. Unregistrations, service cancellations and --replace registrations cannot "
    "be undone: those rows fail with irreversible. Reverting twice changes nothing the "
    "second time. Exit codes as batch apply.":
        "名前の変更は元の名前に戻し（バッチが付けた名前のままの場合のみ）、登録は解除し、"
        "オプションの申込と解約は入れ替え、新しい契約は解約します。登録の解除、サービスの"
        "解約、--replace での登録は元に戻せないため irreversible で失敗します。2回目の実行"
        "では何も変わりません。終了コードは batch apply と同じです。",
    # batch apply --action / --encoding
    "Give every row this action; the file may then be devices search output (id is the "
    "device; columns the action does not use are ignored).":
        "すべての行にこの操作を適用します。devices search の出力をそのまま使えます（id が端末。"
        "操作に使わない列は無視します）。",
    "The file's encoding (auto: a byte order mark decides, else UTF-8; Excel's CSV is cp932 "
    "or utf-8-sig).":
        "ファイルの文字コード（auto: バイト順マークがあればそれに従い、なければ UTF-8。"
        "Excel の CSV は cp932 または utf-8-sig）。",
    # devices search
    "Find devices across all accounts (streams; filters combine with AND).":
        "全アカウントの端末を検索します（順次出力。条件はすべて満たすものに絞り込み）。",
    "Each result is a device object plus its account: the output of -o csv is a batch "
    "file for batch apply --action (id is the device).":
        "結果は端末とそのアカウントです。-o csv の出力はそのまま batch apply --action の"
        "バッチファイルになります（id が端末）。",
    "Devices of this type (compared as names are: case and width ignored).":
        "この種類の端末（名前と同じく大文字小文字・全角半角を区別せずに比較）。",
    "The name, case and width ignored; * and ? match any characters / one.":
        "端末名（大文字小文字・全角半角を区別しない）。* は任意の文字列、? は任意の1文字。",
    "The device with this IMEI (which account holds it).":
        "この IMEI の端末（どのアカウントに登録されているか）。",
    "Only accounts on this plan.": "このプランのアカウントのみ。",
    "Only accounts in this state.": "この契約状態のアカウントのみ。",
    "Registered at or after TIME.": "TIME 以降に登録された端末。",
    "Registered before TIME.": "TIME より前に登録された端末。",
    "Only accounts whose id starts so.": "ID がこの文字列で始まるアカウントのみ。",
    "Devices no longer registered too (with unregistered_at).":
        "登録を解除した端末も含めます（unregistered_at 付き）。",
    "At most N devices.": "最大 N 台。",
    "Only this state.": "この契約状態のみ。",
    "Show the audit log of changes, newest first (reads are not audited).":
        "変更の監査ログを新しい順に表示します（参照は記録されません）。",
    "Only this account.": "このアカウントのみ。",
    "Records at or after TIME.": "TIME 以降の記録。",
    "Records before TIME.": "TIME より前の記録。",
    "Only changes by this operator.": "このオペレーターによる変更のみ。",
    "Only this action.": "この操作のみ。",
    "Only the changes of this batch run.": "このバッチ実行による変更のみ。",
    "At most N records.": "最大 N 件。",
    "Apply one operation per row: CSV with a header, or JSON Lines.":
        "1行に1つの操作を適用します: 見出し行付きの CSV、または JSON Lines。",
    "Fields: action (register, rename, unregister, option-subscribe, option-cancel, "
    "service-subscribe, service-cancel), account, and as the action needs: device, name, "
    "type, imei, at, multi, replace. Each row is its own transaction unless --atomic. Exit 0 "
    "when every row succeeded, 1 when any failed, 2 when the file is unusable.":
        "項目: action（register、rename、unregister、option-subscribe、option-cancel、"
        "service-subscribe、service-cancel）、account、操作に応じて device、name、type、imei、"
        "at、multi、replace。--atomic でなければ各行が個別のトランザクションです。全行成功で"
        "終了コード 0、失敗行があれば 1、ファイル自体が使えなければ 2。",
    "The file, or - for stdin.": "ファイル。- なら標準入力。",
    "All rows in one transaction: all or nothing.":
        "全行を1つのトランザクションで実行します（すべて成功か、何もしないか）。",
    "File format (auto: JSON Lines if it starts with '{').":
        "ファイル形式（auto: 「{」で始まれば JSON Lines）。",
    "Verify capacity, slots, names, cancelled contracts and history over the whole "
    "database. Exit 0 when clean, 1 with one line (or object) per violation.":
        "データベース全体で台数上限、枠、端末名、解約済み契約、登録履歴を検査します。"
        "問題がなければ終了コード 0、不整合があれば1件ごとに1行（またはオブジェクト）で報告し 1。",
    "Show the effective settings (flag > environment > config file > default) and the "
    "source of each; passwords in the database URL are masked.":
        "有効な設定（フラグ > 環境変数 > 設定ファイル > 既定）とその設定元を表示します。"
        "データベースURLのパスワードは伏せます。",
    "Show the schema revision of the database and the one this program needs.":
        "データベースのスキーマのリビジョンと、このプログラムが必要とするリビジョンを表示します。",
    "Create or migrate the schema to this program's version.":
        "スキーマを作成するか、このプログラムの版に移行します。",
    "Load two demo customers (demo-single, demo-multi) and show demo-multi's status.":
        "デモのお客さま2件（demo-single、demo-multi）を登録し、demo-multi の契約情報を表示します。",
    "List the registered devices, by slot.": "登録中の端末を枠の順に一覧表示します。",
    "Register an accessory device in the lowest free slot.":
        "アクセサリ端末を空いている最も小さい枠にワンナンバー登録します。",
    "Device type, e.g. 'Apple Watch SE' (fixed).": "端末の種類（例: 'Apple Watch SE'。変更不可）。",
    "Device name (default: derived from the type).": "端末名（既定: 端末の種類から作成）。",
    "15-digit IMEI with a valid check digit.": "正しいチェックデジットを持つ15桁の IMEI。",
    "Registration time (ISO 8601; default: now).": "登録日時（ISO 8601。既定: 現在）。",
    "On a full one-number contract, switch to this device.":
        "ワンナンバーサービスのみの契約で登録済みの場合、この端末に切り替えます。",
    "Rename a registered device (the only field that can change).":
        "登録中の端末の端末名を変更します（変更できるのは端末名のみ）。",
    "The new name (1-30 characters; letters, digits, spaces and - _ . +).":
        "新しい端末名（1-30文字。全角/半角/英数字/一部記号「-_.+」と空白）。",
    "Show one device (also an unregistered one, by id).":
        "端末を1台表示します（IDを指定すれば登録解除済みの端末も）。",
    "Remove a device's One Number registration (cannot be undone).":
        "端末のワンナンバー登録を解除します（元に戻せません）。",
    "Show the registration history, newest first.": "ワンナンバー登録履歴を新しい順に表示します。",
    "Events at or after TIME (ISO 8601).": "TIME 以降の履歴（ISO 8601）。",
    "Events before TIME (ISO 8601).": "TIME より前の履歴（ISO 8601）。",
    "Only register or only unregister events.": "登録のみ、または解除のみ。",
    "At most N events.": "最大 N 件。",
    "Cancel the Multi-device option (at most 1 device may remain registered).":
        "マルチデバイスオプションを解約します（登録端末は1台以下である必要があります）。",
    "Subscribe to the Multi-device option (550 JPY a month, tax included).":
        "マルチデバイスオプションを申し込みます（月額使用料 550 円（税込））。",
    "Cancel the service: unregisters the last device and ends the option.":
        "ワンナンバーサービスを解約します: 最後の端末の登録を解除し、オプションも終了します。",
    "Create a contract, or reactivate a cancelled one (history is kept).":
        "契約を作成するか、解約済みの契約を再開します（登録履歴は残ります）。",
    "Subscribe with the Multi-device option.": "マルチデバイスオプション付きで契約します。",
    "Show a customer's contract: plan, state, registered count and every slot.":
        "お客さまの契約情報を表示します: ご契約プラン、契約状態、登録台数、すべての枠。",
    # issue 15: team deployment (db grant, db backup, db current, demo)
    "A health check: exit 6 (schema_mismatch) when the schema is not this program's, after "
    "the report.":
        "ヘルスチェックです: スキーマがこのプログラムのものでない場合は、結果を表示した後に"
        "終了コード 6（schema_mismatch）で終了します。",
    "Delete the demo accounts and all their rows (history and audit included); nothing else.":
        "デモのアカウントとそのすべての行（登録履歴と監査ログを含む）を削除します。"
        "ほかは削除しません。",
    "Load them even into a database that holds other accounts.":
        "ほかのアカウントがあるデータベースにも登録します。",
    "PostgreSQL: give the operator and reader roles exactly their privileges.":
        "PostgreSQL: オペレーター用と参照用のロールに、必要な権限だけを付与します。",
    "PostgreSQL: use pg_dump -Fc and pg_restore (see the README).":
        "PostgreSQL では pg_dump -Fc と pg_restore を使います（README を参照）。",
    "Read-only role (dashboards, CI smoke checks).":
        "参照専用のロール（ダッシュボード、CI のスモークチェック）。",
    "Refused on a database that holds other accounts unless --force; --remove takes them "
    "out again (on PostgreSQL, as the database owner).":
        "ほかのアカウントがあるデータベースでは、--force がなければ拒否します。"
        "--remove で削除できます（PostgreSQL ではデータベースの所有者が実行）。",
    "Role of the operators: read, change contracts and devices, append history and audit.":
        "オペレーターのロール: 参照、契約と機器の変更、登録履歴と監査ログの追記。",
    "Run as the database owner after db upgrade (again after every upgrade; re-runnable). "
    "Also revokes CONNECT on the database from PUBLIC.":
        "db upgrade の後にデータベースの所有者が実行します（更新のたびに再実行。"
        "何度実行しても同じ結果）。データベースへの CONNECT 権限を PUBLIC から取り消します。",
    "SQLite: a consistent copy of the database, while operators keep working.":
        "SQLite: オペレーターが作業中でも、データベースの一貫したコピーを作成します。",
    "The new file (never overwritten); mode 0600.":
        "新しいファイル（上書きはしません）。モード 0600。",
}
