"""日本語メッセージ。キーとプレースホルダは ``en.py`` と一致させる（テストで検査）。

画面の文言はシード（ワンナンバーサービス管理サイトの案内）の表現に合わせている。
"""

MESSAGES: dict[str, str] = {
    # ラベルと値
    "label.error": "エラー",
    "label.hint": "ヒント",
    "value.yes": "はい",
    "value.no": "いいえ",
    "value.not_registered": "未登録",
    "value.current": "最新",
    "value.not_current": "最新ではありません",
    "plan.one_number": "ワンナンバーサービス",
    "plan.multi": "ワンナンバーサービス＋マルチデバイスオプション",
    "status.active": "契約中",
    "status.cancelled": "解約済み",
    "event.register": "登録",
    "event.unregister": "解除",
    # 見出し
    "field.account": "dアカウント",
    "field.status": "契約状態",
    "field.plan": "ご契約プラン",
    "field.capacity": "上限台数",
    "field.registered": "登録台数",
    "field.registered_count": "登録台数",
    "field.slot": "枠",
    "field.id": "ID",
    "field.name": "端末名",
    "field.type": "端末の種類",
    "field.imei": "IMEI",
    "field.registered_at": "登録日時",
    "field.registered_date": "登録日",
    "field.unregistered_at": "解除日時",
    "field.event": "登録/解除",
    "field.at": "日時",
    "field.device_id": "端末ID",
    "field.action": "操作",
    "field.changed": "変更",
    "field.dry_run": "ドライラン",
    "field.profile": "プロファイル",
    "field.confirm_changes": "すべての変更を確認します",
    "field.setting": "設定",
    "field.value": "値",
    "field.source": "設定元",
    "field.config_file": "設定ファイル",
    "value.missing": "なし",
    "help.example": "例:",
    "field.url": "データベース",
    "field.revision": "スキーマのリビジョン",
    "field.head": "プログラムのリビジョン",
    "field.schema_state": "スキーマ",
    # メッセージ
    "msg.no_rows": "該当するデータはありません。",
    "msg.no_devices": "登録されているアクセサリ端末はありません。",
    "msg.no_history": "登録履歴はありません。",
    "msg.declined": "キャンセルしました。何も変更していません。",
    "msg.demo_loaded": "デモのお客さまを登録しました: {accounts}",
    "msg.demo_present": "デモのお客さまは登録済みです: {accounts}",
    # 契約状態の注意事項（シードの画面1・2）
    "note.heading": "ご注意事項:",
    "note.option_offer": "ワンナンバーサービスのマルチデバイスオプションを契約すれば、最大5台まで"
                         "同時にアクセサリ端末を利用できます。",
    "note.option_fee": "月額使用料 {fee} 円(税込)、ワンナンバー登録手数料 {registration} 円",
    "note.option_how": "お申込み: onenumber option subscribe {account}",
    "note.may_still_show": "アクセサリ端末のワンナンバー登録情報を削除しても、利用中のアクセサリ端末"
                           "としてこちらに表示される場合があります。",
    "note.needs_one": "ワンナンバーサービスは1台以上のアクセサリ端末をワンナンバー登録する必要が"
                      "あります。ワンナンバーサービスを利用されない場合は解約してください: "
                      "onenumber service cancel {account}",
    "note.reduce_to_one": "利用を終了するアクセサリ端末はワンナンバー登録を解除してください"
                          "（onenumber devices unregister {account} 端末）。利用中アクセサリ端末を"
                          "1台にした後、マルチデバイスオプションを解約してください: "
                          "onenumber option cancel {account}",
    "note.cancelled": "この契約は解約済みです。再開するには: onenumber service subscribe "
                      "{account}",
    # 確認（シードの画面5）
    "confirm.unregister.title": "ワンナンバー登録を解除しますか？",
    "confirm.unregister.note1": "ワンナンバー登録を解除すると、このアクセサリ端末でワンナンバー"
                                "サービスを利用できなくなります。",
    "confirm.unregister.note2": "このアクセサリ端末で再度ワンナンバーサービスを利用するには、"
                                "ワンナンバー登録を行う必要があります。",
    "confirm.unregister.note3": "この操作を実行すると元に戻せなくなります。",
    "confirm.unregister.note4": "ワンナンバー登録を解除してもワンナンバーサービス及びマルチデバイス"
                                "オプションは解約されません。",
    "confirm.unregister.note5": "ワンナンバー登録を解除してもアクセサリ端末からワンナンバー登録情報"
                                "が削除されない場合があります。",
    "confirm.option_cancel": "{account} のマルチデバイスオプションを解約しますか？ご契約プランは"
                             "ワンナンバーサービス（1台）に戻ります。",
    "confirm.service_cancel": "{account} のワンナンバーサービスを解約しますか？次の端末の登録を"
                              "解除します: {devices}",
    "prompt.proceed": "実行しますか？",
    "prompt.invalid": "y（はい）か n（いいえ）で答えてください。",
    "msg.interrupted": "中断しました。何も変更していません。",
    # 変更コマンドの結果
    "result.dry_run": "ドライラン（書き込みなし）: {text}",
    "result.register.done": "{account} の枠{slot}に「{name}」(ID {id}) を登録しました。",
    "result.register.replaced": "入れ替えた端末: {removed}",
    "result.rename.done": "{account} の端末 {id} の端末名を「{name}」に変更しました。",
    "result.rename.unchanged": "{account} の端末 {id} の端末名はすでに「{name}」です。"
                               "変更はありません。",
    "result.unregister.done": "{account} の「{name}」(ID {id}) の登録を解除しました。",
    "result.unregister.unchanged": "「{name}」(ID {id}) は登録されていません。変更はありません。",
    "result.option_subscribe.done": "{account} のご契約プラン: {plan}",
    "result.option_subscribe.unchanged": "{account} はすでにマルチデバイスオプションを契約して"
                                         "います。変更はありません。",
    "result.option_cancel.done": "{account} のマルチデバイスオプションを解約しました。"
                                 "ご契約プラン: {plan}",
    "result.option_cancel.unchanged": "{account} はマルチデバイスオプションを契約していません。"
                                      "変更はありません。",
    "result.service_subscribe.done": "{account} の契約を開始しました: {plan}",
    "result.service_subscribe.unchanged": "{account} はすでに契約中です（{plan}）。"
                                          "変更はありません。",
    "result.service_cancel.done": "{account} のワンナンバーサービスを解約しました。",
    "result.service_cancel.unchanged": "{account} はすでに解約済みです。変更はありません。",
    # 一括処理・監査ログ・検査
    "field.row": "行",
    "field.ok": "成否",
    "field.error": "エラー",
    "field.operator": "オペレーター",
    "field.before": "変更前",
    "field.after": "変更後",
    "field.batch_id": "バッチ",
    "field.kind": "種類",
    "field.message": "内容",
    "batch.changed": "成功（変更あり）",
    "batch.unchanged": "成功（変更なし）",
    "batch.summary.done": "バッチ {batch}: {rows} 行、成功 {ok}（変更 {changed}）、失敗 {failed}。",
    "batch.summary.dry_run": "バッチ {batch}（ドライラン、書き込みなし）: {rows} 行、成功 {ok}"
                             "（変更予定 {changed}）、失敗 {failed}。",
    "batch.summary.rolled_back": "バッチ {batch}（一括トランザクション）: {rows} 行中 {failed} 行が"
                                 "失敗したため、何も書き込んでいません（成功 {ok}、変更 {changed}）。",
    "batch.progress": "一括処理",
    "batch.more_failed": "…ほかに失敗した行が {count} 行あります。すべての結果は -o csv（または "
                         "-o jsonl）で表示するか、> report.txt に保存してください。",
    "batch.header.row": "行",
    "batch.header.action": "操作",
    "batch.header.account": "dアカウント",
    "batch.header.outcome": "結果",
    "batch.stdin_terminal": "端末から一括処理の内容を読み込みます: CSV（先頭に見出し行）または "
                            "JSON Lines を入力し、Ctrl-D で終えてください。通常はファイルを"
                            "指定します: onenumber batch apply FILE、または cmd | onenumber "
                            "batch apply -",
    "batch.summary.interrupted": "バッチ {batch} は {rows} 行で中断しました: 適用 {ok}（変更 "
                                 "{changed}）、失敗 {failed}。処理中の行は適用していません。"
                                 "完了するにはファイルを再実行してください。",
    "batch.summary.interrupted_nothing": "バッチ {batch} は {rows} 行で中断しました。何も書き込んで"
                                         "いません。",
    "msg.check_clean": "不整合は見つかりませんでした。",
    "msg.check_found": "{count} 件の不整合が見つかりました。",
    "check.plan": "{account}: 不明なプラン「{value}」です。",
    "check.status": "{account}: 不明な契約状態「{value}」です。",
    "check.capacity": "{account}: {count} 台登録されていますが、プランの上限は {capacity} 台です。",
    "check.slot_range": "{account}: 端末 {device} の枠 {slot} が 1〜{capacity} の範囲外です。",
    "check.slot_duplicate": "{account}: 端末 {device} の枠 {slot} が他の端末と重複しています。",
    "check.cancelled_with_devices": "{account}: 解約済みの契約に {count} 台の端末が登録されて"
                                    "います。",
    "check.invalid_name": "{account}: 端末 {device} の端末名「{name}」が規則に合いません。",
    "check.type_key": "{account}: 端末 {device} の種類「{type}」の検索キーがないか古いままです。",
    "check.name_key": "{account}: 端末 {device} の「{name}」の比較キーが古いままです。",
    "check.duplicate_name": "{account}: 端末 {device} の端末名「{name}」が「{other}」と同じ"
                            "です。",
    "check.invalid_imei": "{account}: 端末 {device} の IMEI「{imei}」が正しくありません。",
    "check.history_missing": "{account}: 端末 {device} の登録履歴がありません。",
    "check.history_mismatch": "{account}: 端末 {device} の最新の履歴が「{event}」ですが、"
                              "対応する「{expected}」であるべきです。",
    "check.history_orphan": "{account}: 登録履歴に存在しない端末 {device} があります。",
    "check.time_order": "{account}: 端末 {device} の解除日時が登録日時より前です。",
    "check.future_time": "{account}: {table} に未来の日時（{at}）があります（端末 {device}）。",
    "error.invalid_batch.missing": "バッチファイル {path} がありません。",
    "hint.invalid_batch.missing": "パスを確認するか、標準入力から読むには - を指定してください。",
    "error.invalid_batch.unreadable": "バッチファイル {path} を読めません: {detail}",
    "hint.invalid_batch.unreadable": "パスと権限を確認してください。",
    "error.invalid_batch.encoding": "バッチファイルの {line} 行目が UTF-8 ではありません: {detail}",
    "hint.invalid_batch.encoding": "Excel で保存したファイルは通常 Shift_JIS です。--encoding cp932 を指定するか、UTF-8 で保存してください。何も変更していません。",
    "error.invalid_batch.encoding_given": "バッチファイルの {line} 行目が {encoding} ではありません: {detail}",
    "hint.invalid_batch.encoding_given": "--encoding を確認してください（auto は UTF-8、またはバイト順マークが示す符号化で読みます）。何も変更していません。",
    "error.invalid_batch.action_column": "バッチファイルに action 列がありますが、--action {action} ですべての行の操作が指定されています。",
    "hint.invalid_batch.action_column": "--action を外すか、action 列を削除してください。何も変更していません。",
    "error.invalid_argument.encoding": "文字コード「{value}」は使えません。",
    "hint.invalid_argument.encoding": "次のいずれかを指定してください: {choices}",
    "error.invalid_batch.nul": "バッチファイルの {line} 行目に NUL バイトがあります。テキスト"
                               "ファイルではありません。",
    "hint.invalid_batch.nul": "UTF-8 のテキストとして出力し直してください。何も変更していません。",
    "error.invalid_batch.json": "バッチファイルの {line} 行目が JSON オブジェクトではありません: "
                                "{detail}",
    "hint.invalid_batch.json": "JSON Lines は1行に1つのオブジェクトです。何も変更していません。",
    "error.invalid_batch.columns": "バッチファイルの {line} 行目に不明な列があります: {columns}",
    "hint.invalid_batch.columns": "使える列: {known}。何も変更していません。",
    "error.invalid_batch.header": "バッチファイルの {line} 行目が action と account を含む"
                                  "見出し行ではありません。",
    "hint.invalid_batch.header": "CSV は見出し行から始めてください（例: action,account,device,"
                                 "name。使える列: {known}）。",
    "error.invalid_batch.cells": "バッチファイルの {line} 行目の項目数は {count} ですが、"
                                 "見出しは {expected} 列です。",
    "hint.invalid_batch.cells": "カンマを含む値は引用符で囲んでください。何も変更していません。",
    "error.invalid_batch.csv": "バッチファイルの {line} 行目が正しい CSV ではありません: {detail}",
    "hint.invalid_batch.csv": "その行の引用符を確認してください。何も変更していません。",
    "error.invalid_argument.batch_value": "「{field}」の値が正しくありません: {value!r}",
    "hint.invalid_argument.batch_value": "端末名やIDは文字列で、multi と replace は true/false "
                                         "で指定してください。",
    "error.invalid_argument.batch_action": "不明な操作「{value}」です。",
    "hint.invalid_argument.batch_action": "次のいずれかを指定してください: {known}",
    "error.invalid_argument.batch_field": "操作 {action} には項目「{field}」が必要です。",
    "hint.invalid_argument.batch_field": "この行の「{field}」を入力してください。",
    # 端末名（R3）
    "name.offence": "{position}文字目の「{char}」({codepoint})",
    "name.separator": "、",
    # エラーとヒント
    "error.internal": "エラー: 予期しない内部エラーが発生しました。",
    "hint.internal": "ヒント: --debug を付けて再実行するとトレースバックが表示されます。報告して"
                     "ください。",
    "error.invalid_account": "「{value}」はdアカウントIDとして正しくありません。",
    "hint.invalid_account": "A-Z a-z 0-9 . _ @ + - の1〜64文字で指定してください。",
    "error.invalid_time.format": "「{value}」は日時として正しくありません。",
    "hint.invalid_time.format": "ISO 8601 形式で指定してください（例: 2022-09-12、"
                                "2022-09-12T16:43。オフセットがなければ --tz の時刻）。",
    "error.invalid_time.future": "「{value}」は未来の日時です。",
    "hint.invalid_time.future": "過去の日時を指定するか、省略して現在時刻にしてください。",
    "error.invalid_argument.config": "設定ファイル {path} を読めません: {detail}",
    "hint.invalid_argument.config": "TOML の書式を直すか、ファイルを削除してください。",
    "error.invalid_argument.config_keys": "設定ファイル {path} に不明なキーがあります: {keys}",
    "hint.invalid_argument.config_keys": "使えるキー: database_url, output, lang, tz, "
                                         "operator, sqlite_synchronous",
    "error.invalid_argument.output": "出力形式「{value}」は使えません。",
    "hint.invalid_argument.output": "次のいずれかを指定してください: {choices}",
    "error.invalid_argument.lang": "言語「{value}」は使えません。",
    "hint.invalid_argument.lang": "次のいずれかを指定してください: {choices}",
    "error.invalid_argument.profile": "設定ファイルにプロファイル「{value}」はありません。",
    "hint.invalid_argument.profile": "定義済みのプロファイル（[profiles.NAME]）: {choices}",
    "error.invalid_argument.fields": "--fields の項目「{value}」は不明です。",
    "hint.invalid_argument.fields": "次から選んでください: {choices}",
    "msg.target": "対象: {target}",
    "msg.target.profile": "プロファイル {profile}、データベース {url}",
    "msg.target.default": "データベース {url}",
    "prompt.confirm_change": "プロファイル {profile} ではすべての変更に確認が必要です。実行しますか？",
    "prompt.device": "登録を解除する端末（ID、IMEI または端末名。登録中: {devices}）",
    "error.invalid_argument.tz": "タイムゾーン「{value}」は不明です。",
    "hint.invalid_argument.tz": "Asia/Tokyo や UTC などの IANA 名で指定してください。",
    "error.invalid_argument.lock_timeout": "ロック待ち時間 {value} は {low}〜{high} 秒の数値ではありません。",
    "hint.invalid_argument.lock_timeout": "例えば 3（秒）を指定するか、設定を外してください。",
    "error.ambiguous_device": "「{device}」は {account} の複数の端末に該当します: {ids}",
    "hint.ambiguous_device": "端末をIDで指定してください。",
    "error.account_not_found": "アカウント「{account}」は見つかりません。",
    "hint.account_not_found": "dアカウントID（完全一致）を確認するか、onenumber service "
                              "subscribe {account} で作成してください。",
    "error.account_not_found.similar": "アカウント「{account}」は見つかりません。",
    "hint.account_not_found.similar": "もしかして: {similar}（dアカウントIDは完全一致で比較します）",
    "error.device_not_found": "{account} に端末「{device}」はありません。",
    "hint.device_not_found": "端末の一覧: onenumber devices list {account}",
    "error.capacity_exceeded.one_number": "{account} はすでに {capacity} 台登録されており、"
                                          "ご契約プランの上限です。",
    "hint.capacity_exceeded.one_number": "マルチデバイスオプションを申し込むか（onenumber option "
                                         "subscribe {account}）、--replace で端末を切り替えて"
                                         "ください。",
    "error.capacity_exceeded.multi": "{account} はすでに {capacity} 台登録されており、"
                                     "ご契約プランの上限です: {devices}",
    "hint.capacity_exceeded.multi": "先に端末の登録を解除してください（onenumber devices "
                                    "unregister {account} 端末）。",
    "error.replace_not_allowed": "--replace はマルチデバイスオプションなしのワンナンバーサービス"
                                 "でのみ使えます。",
    "hint.replace_not_allowed": "先に外す端末の登録を解除してから（onenumber devices "
                                "unregister {account} 端末）、登録してください。",
    "error.invalid_name.empty": "端末名が空です。",
    "hint.invalid_name.empty": "1-30文字で設定してください。",
    "error.invalid_name.too_long": "端末名が {length} 文字です。{max} 文字までです（超過部分: "
                                   "{where}から）。",
    "hint.invalid_name.too_long": "{max} 文字以内にしてください。",
    "error.invalid_name.blank": "空白のみの端末名は設定できません。",
    "hint.invalid_name.blank": "全角/半角/英数字/一部記号「-_.+」を使ってください。",
    "error.invalid_name.edge_space": "端末名の先頭または末尾が空白です: {where}",
    "hint.invalid_name.edge_space": "「{suggestion}」としてください。",
    "error.invalid_name.dash": "端末名に使えない文字があります: {where}",
    "hint.invalid_name.dash": "ダッシュ類の代わりにハイフン「-」を使ってください。使える記号は"
                              "「-_.+」のみです。",
    "error.invalid_name.outside_jis": "端末名に JIS X 0208 / JIS X 0201 外の文字があります: "
                                      "{where}",
    "hint.invalid_name.outside_jis": "一般的な文字に置き換えてください（例: 髙→高、①→1）。",
    "error.invalid_name.bad_chars": "端末名に使えない文字があります: {where}",
    "hint.invalid_name.bad_chars": "全角/半角/英数字/一部記号「-_.+」と空白が利用できます。",
    "error.invalid_name.no_default": "端末の種類「{type}」から有効な端末名を作れません。",
    "hint.invalid_name.no_default": "--name で端末名を指定してください。",
    "error.duplicate_name": "既に設定されている端末と同じ名称です: 「{other}」（「{name}」）。",
    "hint.duplicate_name": "別の名称にしてください。大文字・小文字、全角・半角の違いは同じ名称と"
                           "みなします。",
    "error.invalid_imei.format": "「{value}」は IMEI ではありません。15桁の数字が必要です。",
    "hint.invalid_imei.format": "IMEI を連携できない端末では --imei を省略してください。",
    "error.invalid_imei.check_digit": "「{value}」は正しい IMEI ではありません。チェックデジット"
                                      "は {expected} のはずです。",
    "hint.invalid_imei.check_digit": "IMEI の入力誤りを確認してください。",
    "error.invalid_type": "「{value}」は端末の種類として正しくありません。",
    "hint.invalid_type": "表示可能な1〜{max}文字で指定してください。",
    "error.duplicate_imei": "IMEI {imei} の端末はすでに {account} に登録されています。",
    "hint.duplicate_imei": "確認: onenumber devices show {account} {imei}",
    "error.not_registered": "{account} の端末 {device} は登録されていません。",
    "hint.not_registered": "端末名を変更できるのは登録中の端末のみです。先に登録してください。",
    "error.last_device": "{account} の最後の登録端末です。ワンナンバーサービスは1台以上の"
                         "アクセサリ端末の登録が必要です。",
    "hint.last_device": "ワンナンバーサービスを解約するか（onenumber service cancel "
                        "{account}）、先に代わりの端末を登録してください。",
    "error.too_many_devices.option": "{account} には {count} 台の端末が登録されています: "
                                     "{devices}",
    "hint.too_many_devices.option": "利用中アクセサリ端末を1台にした後、マルチデバイスオプションを"
                                    "解約してください。",
    "error.too_many_devices.service": "{account} には {count} 台の端末が登録されています: "
                                      "{devices}",
    "hint.too_many_devices.service": "アクセサリ端末を1台まで減らしてから、ワンナンバーサービスを"
                                     "解約してください。",
    "error.not_subscribable.active_other_plan": "{account} はすでにプラン {plan} で契約中です。",
    "hint.not_subscribable.active_other_plan": "プランの変更は onenumber option "
                                               "subscribe|cancel {account} で行ってください。",
    "error.contract_cancelled": "{account} の契約は解約済みです。",
    "hint.contract_cancelled": "先に契約を再開してください: onenumber service subscribe "
                               "{account}",
    "error.confirmation_required": "{command} には確認が必要ですが、確認できる端末（TTY）が"
                                   "ありません。",
    "hint.confirmation_required": "確認済みとして実行するには --yes を付けてください。",
    "error.conflict.busy": "データベースは別の変更の処理中です: {detail}",
    "hint.conflict.busy": "しばらくしてから再実行してください。",
    "error.conflict.retries": "同じアカウントへの別の変更と {attempts} 回競合しました: {detail}",
    "hint.conflict.retries": "しばらくしてから再実行してください。何も変更していません。",
    "error.database_unavailable.unsupported": "データベース「{backend}」には対応していません"
                                              "（{url}）。",
    "hint.database_unavailable.unsupported": "SQLite か PostgreSQL "
                                             "(postgresql+psycopg://...) を使ってください。",
    "error.database_unavailable.missing_file": "{url} にデータベースがありません。",
    "hint.database_unavailable.missing_file": "作成するには: onenumber --db sqlite:///{url} "
                                              "db upgrade",
    "error.database_unavailable.os_error": "データベースファイル {url} を作成できません: "
                                           "{detail}",
    "hint.database_unavailable.os_error": "ディレクトリと権限を確認してください。",
    "error.database_unavailable.driver": "{url} 用のデータベースドライバがありません: {detail}",
    "hint.database_unavailable.driver": "PostgreSQL 用の追加パッケージを入れてください: "
                                        "pip install 'onenumber-cli[postgres]'",
    "error.database_unavailable.read_only": "データベース {url} ではこの変更は許可されていません"
                                            "（読み取り専用）。",
    "hint.database_unavailable.read_only": "書き込み権限のあるアカウントを使うか、参照のみにして"
                                           "ください。",
    "error.database_unavailable.unreachable": "データベース {url} を利用できません: {detail}",
    "hint.database_unavailable.unreachable": "サーバーの起動状態、URL、認証情報、データベースの"
                                             "有無を確認してください。",
    "error.database_unavailable.schema": "データベース {url} に想定したテーブルがありません: "
                                         "{detail}",
    "hint.database_unavailable.schema": "データベースの所有者（DBA。オペレーターのロールではできません）が "
                                        "onenumber db upgrade を実行してください。",
    "error.schema_mismatch.empty": "データベース {url} に onenumber のスキーマがありません。",
    "hint.schema_mismatch.empty": "データベースの所有者（DBA。オペレーターのロールではできません）が "
                                  "onenumber db upgrade と onenumber db grant を実行してください。",
    "error.schema_mismatch.behind": "データベース {url} のスキーマはリビジョン {revision} です。"
                                    "このプログラムには {head} が必要です。",
    "hint.schema_mismatch.behind": "データベースの所有者（DBA。オペレーターのロールではできません）が "
                                   "onenumber db upgrade と onenumber db grant を実行してください。",
    "error.schema_mismatch.ahead": "データベース {url} のスキーマはリビジョン {revision} で、"
                                   "このプログラム（{head}）より新しいものです。",
    "hint.schema_mismatch.ahead": "onenumber を新しい版に更新してください（onenumber db "
                                  "upgrade では戻せません）。",
    "batch.summary.unavailable": "バッチ {batch} は {stopped_at} 行目で停止しました: データベースを利用できなくなりました。適用 {ok}（変更 {changed}）、失敗 {failed}。{stopped_at} 行目以降は適用していません。完了するにはファイルを再実行してください。",
    "batch.summary.unavailable_nothing": "バッチ {batch} は停止しました: データベースを利用できなくなりました。何も書き込んでいません。復旧後にファイルを再実行してください。",
    "error.invalid_argument.db_url": "データベース URL を解釈できません。",
    "hint.invalid_argument.db_url": "sqlite:///パス または postgresql+psycopg://ユーザー@ホスト:ポート/DB の形で指定してください（ポートは数値）。",
    "error.invalid_argument.synchronous": "SQLite の synchronous モード「{value}」は不明です。",
    "hint.invalid_argument.synchronous": "次のいずれかを指定してください: {choices}（既定の full は停電でも失われません）。",
    "error.invalid_argument.config_value": "設定ファイル {path} の {key} の値が文字列ではありません（{type}）。",
    "hint.invalid_argument.config_value": "値を引用符で囲んでください（例: {key} = \"...\"）。",
    "error.invalid_operator": "「{value}」はオペレーター名として使えません。",
    "hint.invalid_operator": "前後に空白のない、表示可能な1〜{max}文字で指定してください（--operator または ONENUMBER_OPERATOR）。",
    "error.invalid_type.formula": "端末の種類「{value}」は「{first}」で始まっており、表計算ソフトが数式として実行します。",
    "hint.invalid_type.formula": "種類は英数字で始めてください。",
    "error.invalid_time.range": "「{value}」はこのツールで扱える日時の範囲外です。",
    "hint.invalid_time.range": "{earliest}年から{latest}年までの日時を指定してください。",
    "error.invalid_time.before_latest": "「{value}」はこのアカウントの最新の履歴（{latest}）より前です。",
    "hint.invalid_time.before_latest": "履歴の順序を保つため、{latest} 以降の日時を指定するか、--at を省略して現在時刻にしてください。",
    "error.duplicate_name.reference": "名前「{name}」は登録中の別の端末（{other}）の ID または IMEI です。その端末が代わりに選ばれてしまいます。",
    "hint.duplicate_name.reference": "別の名前を指定してください。",
    "error.duplicate_imei.name": "IMEI {imei} は {account} に登録中の別の端末（{other}）の名前です。",
    "hint.duplicate_imei.name": "先にその端末の名前を変更してください: onenumber devices rename {account} {other} 新しい名前",
    "error.invalid_batch.line_too_long": "バッチファイルの {line} 行目が {limit} バイトを超えています。",
    "hint.invalid_batch.line_too_long": "1行は短い1件の操作です。ファイルが正しいか確認してください。何も変更していません。",
    "error.invalid_batch.duplicate_key": "バッチファイルの {line} 行目にキー「{key}」が2回あります。",
    "hint.invalid_batch.duplicate_key": "キーは1行に1回だけ指定してください。何も変更していません。",
    "error.invalid_batch.duplicate_column": "バッチファイルの {line} 行目で列 {columns} が2回指定されています。",
    "hint.invalid_batch.duplicate_column": "見出し行の各列は1回だけ指定してください。何も変更していません。",
    "error.database_unavailable.lost": "データベース {url} との接続が切れ、再接続できませんでした: {detail}",
    "hint.database_unavailable.lost": "中断した変更は何も書き込まれていません。サーバーの起動状態を確認してから、もう一度実行してください。",
    "error.database_unavailable.lost_at_commit": "変更の確定中にデータベース {url} との接続が切れました: {detail}",
    "hint.database_unavailable.lost_at_commit": "変更が保存されたかどうかは不明です。再実行する前に onenumber audit または onenumber status で確認してください。",
    "error.database_unavailable.file_replaced": "使用中にデータベースファイル {url} が削除または置き換えられました。",
    "hint.database_unavailable.file_replaced": "最後の変更は保存されていません。ファイルを戻す（または --db で正しいファイルを指定する）と、もう一度実行できます。",
    # db grant (issue 15)
    "msg.granted": "データベース {database} に権限を付与しました: {operator} は参照、契約と機器の変更、履歴と監査ログの追記ができます。{reader} は参照のみです。テーブル: {tables}。PUBLIC の CONNECT 権限は取り消しました。",
    "error.invalid_argument.grant_backend": "db grant は PostgreSQL 用です。SQLite のデータベースにはロールがありません。",
    "hint.invalid_argument.grant_backend": "SQLite のファイルはファイルモード（0600）で保護してください。",
    "error.invalid_argument.role": "'{value}' は db grant で使えるロール名ではありません。",
    "hint.invalid_argument.role": "CREATE ROLE で作成した、英数字・_・$・- からなる 63 文字以内の名前を指定してください。",
    "error.invalid_argument.same_roles": "オペレーターと参照用が同じロール（{value}）です。",
    "hint.invalid_argument.same_roles": "ロールを 2 つ作成してください。参照用ロールは何も変更できない必要があります。",
    "error.invalid_argument.role_missing": "このサーバーにロール '{value}' はありません。",
    "hint.invalid_argument.role_missing": "スーパーユーザーで CREATE ROLE {value} LOGIN; を実行し、psql の \\password {value} でパスワードを設定してください（docs/postgres-roles.sql を参照）。",
    "error.invalid_argument.role_superuser": "ロール '{value}' はスーパーユーザーのため、権限で制限できません。",
    "hint.invalid_argument.role_superuser": "オペレーターと参照用には SUPERUSER でない専用のロールを使ってください。",
    "error.invalid_argument.name_pattern": "「{value}」は名前のパターンとして使えません。",
    "hint.invalid_argument.name_pattern": "名前の1〜{max}文字で指定してください（* は任意の文字列、? は任意の1文字）。",
    # demo in a shared database (issue 15)
    "msg.demo_removed": "デモのお客さまを削除しました: {accounts}（{rows} 行）",
    "msg.demo_absent": "削除するデモのお客さまはいません（{accounts}）。",
    "error.confirmation_required.demo": "データベース {url} にはほかのアカウントが {count} 件あります。本番のデータベースと思われるため、デモのお客さまは登録しませんでした。",
    "hint.confirmation_required.demo": "デモは自分用のデータベース（--db なし）で試すか、--force を付けてください。onenumber demo --remove で削除できます（PostgreSQL ではデータベースの所有者が実行）。",
    "error.database_unavailable.remove_denied": "データベース {url} では、このロールは行を削除できません（オペレーターと参照用のロールは削除できません）。",
    "hint.database_unavailable.remove_denied": "デモのお客さまの削除はデータベースの所有者が行います。所有者の URL で onenumber demo --remove を実行してください。",
    # bounded waits (issue 15)
    "error.invalid_argument.statement_timeout": "ステートメントのタイムアウト {value} は {low} 〜 {high} 秒の数値ではありません。",
    "hint.invalid_argument.statement_timeout": "ONENUMBER_STATEMENT_TIMEOUT に 60 などの秒数を設定するか、設定を外してください。",
    "error.database_unavailable.statement_timeout": "データベース {url} の読み取りがステートメントのタイムアウトを超えました: {detail}",
    "hint.database_unavailable.statement_timeout": "データベースが空いてから再実行するか、ONENUMBER_STATEMENT_TIMEOUT（秒、既定 60）で時間を延ばしてください。",
    "error.conflict.upgrade_lock": "ロックのタイムアウト内にマイグレーションがテーブルをロックできませんでした（別のセッションがロック中）: {detail}",
    "hint.conflict.upgrade_lock": "何も変更していません。pg_stat_activity でそのセッションを探し（application_name にツール名とオペレーター名が出ます）、終わってから db upgrade を再実行してください。待ち時間は ONENUMBER_LOCK_TIMEOUT（秒、既定 3）で設定できます。",
    # db backup (issue 15)
    "msg.backed_up": "{path} にバックアップしました: {bytes} バイト、アカウント {accounts} 件、整合性 {integrity}。",
    "error.invalid_argument.backup_backend": "db backup は SQLite のデータベースをコピーするコマンドです。このデータベースは SQLite ではありません。",
    "hint.invalid_argument.backup_backend": "PostgreSQL では pg_dump -Fc -f FILE（所有者で実行）を使い、pg_restore で復元してください（README を参照）。",
    "error.invalid_argument.backup_exists": "{path} は既にあります。db backup はファイルを上書きしません。",
    "hint.invalid_argument.backup_exists": "日付を入れるなどして、新しいファイル名を指定してください。",
    "error.invalid_argument.backup_target": "{path} を作成できません: {detail}",
    "hint.invalid_argument.backup_target": "ディレクトリと権限を確認してください。",
    "error.database_unavailable.backup_failed": "データベース {url} をコピーできませんでした: {detail}",
    "hint.database_unavailable.backup_failed": "コピーは残していません。ディスクの空き容量を確認して再実行してください。",
    "error.batch_not_found": "監査ログにバッチ {batch} がありません（または何も変更していません）。",
    "hint.batch_not_found": "バッチ ID の確認: onenumber audit --limit 20",
    "error.irreversible.unregister": "{account} の端末 {device}（{name}）の登録の解除は元に戻せません。",
    "hint.irreversible.unregister": "お客さまが必要な場合は新しい端末として登録し直してください: onenumber devices register {account} --type '{type}' --name '{name}'",
    "error.irreversible.service_cancel": "{account} のサービスの解約は元に戻せません。",
    "hint.irreversible.service_cancel": "もう一度申し込み（onenumber service subscribe {account}）、端末を登録し直してください。",
    "error.irreversible.replace": "{account} の {device} の登録で {removed} を置き換えました。この登録の解除は元に戻せません。",
    "hint.irreversible.replace": "お客さまが必要な場合は、{device} の登録を解除してから置き換えた端末を登録し直してください。",
    "error.changed_since.rename": "{account} の端末 {device} の名前は現在「{current}」で、バッチが変更した「{expected}」ではありません。",
    "hint.changed_since.rename": "バッチの後に名前が変更されています。戻す必要があれば手作業で変更してください。",
}
