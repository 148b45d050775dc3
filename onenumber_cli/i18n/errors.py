"""What each typed error says, in the current language: the only place errors become text.

The core raises :class:`~onenumber_cli.errors.OneNumberError` with a ``code``, a
``reason`` and parameters, and never formats a sentence; the CLI (and the batch report
it prints) render them here.  ``ERRORS`` maps ``(code, reason)`` to the message and the
hint, written as markers so the extractor finds every one of them (a test checks that
every error the code raises has an entry).

Parameter values are rendered by :func:`render_value` before formatting: offending
characters of a name (``names.Offence``) as ``'x' (U+0078) at position 3``, and
datetimes by the caller's display function (the CLI's time zone and format).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from onenumber_cli.domain.names import Offence
from onenumber_cli.errors import OneNumberError, ValueKind
from onenumber_cli.i18n import N_, Message, N_plural, pgettext, t, translate

Display = Callable[[datetime], str]

ERRORS: dict[tuple[str, str | None], tuple[Message, Message]] = {
    ("invalid_batch", "missing"): (
        N_("The batch file {path} does not exist."),
        N_("Check the path, or pass - to read standard input."),
    ),
    ("invalid_batch", "unreadable"): (
        N_("The batch file {path} cannot be read: {detail}."),
        N_("Check the path and its permissions."),
    ),
    ("invalid_batch", "encoding"): (
        N_("Line {line} of the batch file is not UTF-8: {detail}."),
        N_("A file saved by Excel is usually Shift_JIS: pass --encoding cp932 (or save it as "
           "UTF-8). Nothing was changed."),
    ),
    ("invalid_batch", "encoding_given"): (
        N_("Line {line} of the batch file is not {encoding}: {detail}."),
        N_("Check --encoding (auto reads UTF-8, or what a byte order mark says); nothing was "
           "changed."),
    ),
    ("invalid_batch", "action_column"): (
        N_("The batch file has an action column, and --action {action} gives every row an action."),
        N_("Leave out --action, or remove the action column; nothing was changed."),
    ),
    ("not_encodable", None): (
        N_("Row {row} (line {line}), column {column}: '{value}' has a character {encoding} cannot "
           "hold: {char} ({codepoint})."),
        N_("Nothing was written. Use -o xlsx or --csv-encoding utf-8-sig (Excel opens UTF-8 with a "
           "BOM too), or change the value."),
    ),
    ("output_failed", "closed"): (
        N_("The output could not be written: its reader closed it ({detail})."),
        N_("Nothing more was written to it. What was changed before is said on the next line "
           "or in the summary above; onenumber audit lists every change."),
    ),
    ("output_failed", None): (
        N_("The output could not be written: {detail}."),
        N_("Free disk space or send the output elsewhere. What was changed before is said on the "
           "next line or in the summary above; onenumber audit lists every change."),
    ),
    ("invalid_argument", "encoding"): (
        N_("Unknown encoding '{value}'."),
        N_("Choose one of: {choices}."),
    ),
    ("invalid_batch", "nul"): (
        N_("Line {line} of the batch file contains a NUL byte: it is not a text file."),
        N_("Export the file again as UTF-8 text; nothing was changed."),
    ),
    ("invalid_batch", "json"): (
        N_("Line {line} of the batch file is not a JSON object: {detail}."),
        N_("Each line of a JSON Lines file is one object; nothing was changed."),
    ),
    ("invalid_batch", "columns"): (
        N_("Line {line} of the batch file has unknown columns: {columns}."),
        N_("Known columns: {known}. Nothing was changed."),
    ),
    ("invalid_batch", "header"): (
        N_("Line {line} of the batch file is not a header with the columns action and account."),
        N_("Start a CSV file with a header row, e.g. action,account,device,name (known: {known})."),
    ),
    ("invalid_batch", "cells"): (
        N_plural("Line {line} of the batch file has {count} cell; the header has {expected}.",
                 "Line {line} of the batch file has {count} cells; the header has {expected}.",
                 "count"),
        N_("Quote values that contain commas; nothing was changed."),
    ),
    ("invalid_batch", "csv"): (
        N_("Line {line} of the batch file is not valid CSV: {detail}."),
        N_("Check the quotes on that line; nothing was changed."),
    ),
    ("invalid_argument", "batch_value"): (
        N_("The value of '{field}' is not valid: {value!r}."),
        N_("Use text for names and ids, and true/false for multi and replace."),
    ),
    ("invalid_argument", "batch_action"): (
        N_("Unknown action '{value}'."),
        N_("Use one of: {known}."),
    ),
    ("invalid_argument", "batch_field"): (
        N_("The action {action} needs the field '{field}'."),
        N_("Fill in '{field}' on this row."),
    ),
    ("invalid_account", None): (
        N_("'{value}' is not a valid d-account ID."),
        N_("Use 1-64 characters of A-Z a-z 0-9 . _ @ + -."),
    ),
    ("invalid_time", "format"): (
        N_("'{value}' is not a valid time."),
        N_("Use ISO 8601 (2022-09-12, 2022-09-12T16:43, 2022-09-12T16:43+09:00) or a form the "
           "tool prints: 2022年09月12日, 2022年09月12日 16:43, 2022/09/12 (read in --tz unless an "
           "offset is given)."),
    ),
    ("invalid_time", "future"): (
        N_("'{value}' is in the future."),
        N_("Give a time that has already passed, or leave it out for now."),
    ),
    ("invalid_argument", "config"): (
        N_("The configuration file {path} cannot be read: {detail}"),
        N_("Fix the TOML syntax or remove the file."),
    ),
    ("invalid_argument", "config_keys"): (
        N_("The configuration file {path} has unknown keys: {keys}."),
        N_("Known keys here: {known}."),
    ),
    ("invalid_argument", "xlsx_terminal"): (
        N_("-o xlsx writes a workbook, which a terminal cannot show."),
        N_("Write it to a file, e.g. onenumber devices search -o xlsx > devices.xlsx (or use -o "
           "table on a terminal)."),
    ),
    ("invalid_argument", "xlsx_rows"): (
        N_("The listing has more than {limit} rows, more than a spreadsheet sheet holds; nothing "
           "was written."),
        N_("Narrow the listing (e.g. --account-prefix, --type, --limit), or use -o csv or -o "
           "jsonl, which have no such limit."),
    ),
    ("invalid_batch", "xlsx"): (
        N_("The batch file is not a workbook that can be read: {detail}."),
        N_("Save it again from the spreadsheet as .xlsx (or as CSV); nothing was changed."),
    ),
    ("cell_retyped", "number"): (
        N_("Cell {cell} ({column}) holds {seen}, a number a spreadsheet made of text the tool "
           "wrote."),
        N_("Format the column as text and type the value again (or start it with '); this row "
           "was not applied."),
    ),
    ("cell_retyped", "boolean"): (
        N_("Cell {cell} ({column}) holds {seen}, a true/false value a spreadsheet made of text "
           "the tool wrote."),
        N_("Format the column as text and type the value again (or start it with '); this row "
           "was not applied."),
    ),
    ("cell_retyped", "date"): (
        N_("Cell {cell} ({column}) holds {seen}, a date a spreadsheet made of text the tool "
           "wrote."),
        N_("Format the column as text and type the value again (or start it with '); this row "
           "was not applied."),
    ),
    ("cell_retyped", "formula"): (
        N_("Cell {cell} ({column}) holds {seen}, a formula a spreadsheet made of text the tool "
           "wrote."),
        N_("Format the column as text and type the value again (or start it with '); this row "
           "was not applied."),
    ),
    ("value_retyped", "leading_zeros"): (
        N_("The new name '{value}' looks like a spreadsheet re-typed '{old}' "
           "(its leading zeros lost): it was not applied."),
        N_("Export with -o xlsx (or --csv-encoding cp932) and edit that file; if '{value}' is "
           "really meant, run again with --allow-reformatted."),
    ),
    ("value_retyped", "number"): (
        N_("The new name '{value}' looks like a spreadsheet re-typed '{old}' "
           "(the number reformatted): it was not applied."),
        N_("Export with -o xlsx (or --csv-encoding cp932) and edit that file; if '{value}' is "
           "really meant, run again with --allow-reformatted."),
    ),
    ("value_retyped", "exponent"): (
        N_("The new name '{value}' looks like a spreadsheet re-typed '{old}' "
           "(in exponent form): it was not applied."),
        N_("Export with -o xlsx (or --csv-encoding cp932) and edit that file; if '{value}' is "
           "really meant, run again with --allow-reformatted."),
    ),
    ("value_retyped", "boolean"): (
        N_("The new name '{value}' looks like a spreadsheet re-typed '{old}' "
           "(as TRUE/FALSE): it was not applied."),
        N_("Export with -o xlsx (or --csv-encoding cp932) and edit that file; if '{value}' is "
           "really meant, run again with --allow-reformatted."),
    ),
    ("value_retyped", "date"): (
        N_("The new name '{value}' looks like a spreadsheet re-typed '{old}' "
           "(as a date): it was not applied."),
        N_("Export with -o xlsx (or --csv-encoding cp932) and edit that file; if '{value}' is "
           "really meant, run again with --allow-reformatted."),
    ),
    ("invalid_argument", "output"): (
        N_("Unknown output format '{value}'."),
        N_("Choose one of: {choices}."),
    ),
    ("invalid_argument", "lang"): (
        N_("Unknown language '{value}'."),
        N_("Choose one of: {choices}."),
    ),
    ("invalid_argument", "profile"): (
        N_("There is no profile '{value}' in the config file."),
        N_("Profiles defined ([profiles.NAME]): {choices}."),
    ),
    ("invalid_argument", "fields"): (
        N_("Unknown field '{value}' for --fields."),
        N_("Choose among: {choices}."),
    ),
    ("invalid_argument", "config_key"): (
        N_("'{value}' is not a setting of the config file here."),
        N_("Choose one of: {choices}."),
    ),
    ("invalid_argument", "config_confirm"): (
        N_("confirm takes true or false, not '{value}'."),
        N_("Choose one of: {choices}."),
    ),
    ("invalid_argument", "config_empty"): (
        N_("{key} cannot be set to an empty value."),
        N_("Remove it instead: onenumber config unset {key}."),
    ),
    ("invalid_argument", "config_write"): (
        N_("The configuration file {path} cannot be written: {detail}."),
        N_("Check the folder's permissions and free space; the file was not changed."),
    ),
    ("invalid_argument", "completion_write"): (
        N_("The completion script {path} cannot be written: {detail}."),
        N_("Check the folder's permissions and free space; nothing was written (the README's "
           "Shell completion section shows how to install the script by hand)."),
    ),
    ("invalid_argument", "query"): (
        N_("The --query expression '{value}' is not valid at character {position}: {detail}."),
        N_("--query takes a JMESPath expression, as aws --query does (e.g. devices[].name); "
           "nothing was done."),
    ),
    ("invalid_argument", "query_output"): (
        N_("--query applies to JSON output, not to -o {value}."),
        N_("Use -o json, or -o jsonl to apply it to each line."),
    ),
    ("query_failed", None): (
        N_("The --query expression '{expression}' failed on this output: {detail}."),
        N_("The command itself ran (a change it reports was made); check the expression "
           "against the output of -o json."),
    ),
    ("invalid_argument", "fields_empty"): (
        N_("--fields names no field."),
        N_("Choose among: {choices}."),
    ),
    ("invalid_argument", "tz"): (
        N_("Unknown time zone '{value}'."),
        N_("Use an IANA name such as Asia/Tokyo or UTC."),
    ),
    ("invalid_argument", "lock_timeout"): (
        N_("Lock timeout {value} is not a number of seconds from {low} to {high}."),
        N_("Set it to e.g. 3 (seconds), or unset it."),
    ),
    ("ambiguous_device", None): (
        N_("'{device}' matches several devices of {account}: {ids}."),
        N_("Name the device by its id."),
    ),
    ("account_not_found", None): (
        N_("Account '{account}' was not found."),
        N_("Check the d-account ID (compared exactly), or create it with onenumber service "
           "subscribe {account}."),
    ),
    ("account_not_found", "similar"): (
        N_("Account '{account}' was not found."),
        N_("Did you mean: {similar}? (d-account IDs are compared exactly)"),
    ),
    ("device_not_found", None): (
        N_("No device '{device}' on account {account}."),
        N_("See the devices with: onenumber devices list {account}"),
    ),
    ("capacity_exceeded", "one_number"): (
        N_("{account} already has {capacity} device registered, the most its plan allows."),
        N_("Subscribe to the Multi-device option (onenumber option subscribe {account}), or switch "
           "devices with --replace."),
    ),
    ("capacity_exceeded", "multi"): (
        N_("{account} already has {capacity} devices registered, the most its plan allows: "
           "{devices}."),
        N_("Unregister a device first (onenumber devices unregister {account} DEVICE)."),
    ),
    ("replace_not_allowed", None): (
        N_("--replace is only for One Number Service without the Multi-device option."),
        N_("Unregister the device to remove first (onenumber devices unregister {account} DEVICE), "
           "then register."),
    ),
    ("invalid_name", "empty"): (
        N_("The device name is empty."),
        N_("Use 1 to 30 characters."),
    ),
    ("invalid_name", "too_long"): (
        N_("The device name has {length} characters; at most {max} are allowed (the excess starts "
           "with {where})."),
        N_("Shorten it to {max} characters."),
    ),
    ("invalid_name", "blank"): (
        N_("The device name consists of spaces only."),
        N_("Use letters, digits or - _ . +."),
    ),
    ("invalid_name", "edge_space"): (
        N_("The device name starts or ends with a space: {where}."),
        N_("Use '{suggestion}'."),
    ),
    ("invalid_name", "dash"): (
        N_("The device name contains characters that are not allowed: {where}."),
        N_("Use the hyphen '-' instead of dash-like characters; only letters, digits, spaces and - "
           "_ . + are allowed."),
    ),
    ("invalid_name", "outside_jis"): (
        N_("The device name contains characters outside JIS X 0208 / JIS X 0201: {where}."),
        N_("Replace them with common characters (e.g. 高 for 髙, 1 for ①)."),
    ),
    ("invalid_name", "bad_chars"): (
        N_("The device name contains characters that are not allowed: {where}."),
        N_("Only full-width or half-width letters and digits, spaces and the symbols - _ . + may "
           "be used."),
    ),
    ("invalid_name", "no_default"): (
        N_("No valid device name can be derived from the type '{type}'."),
        N_("Give one with --name."),
    ),
    ("duplicate_name", None): (
        N_("Another registered device is already named '{other}' (same as '{name}')."),
        N_("Choose a different name; names are compared ignoring case and full-width/half-width."),
    ),
    ("invalid_imei", "format"): (
        N_("'{value}' is not an IMEI: it must be exactly 15 digits."),
        N_("Leave out --imei for devices that cannot link their IMEI."),
    ),
    ("invalid_imei", "check_digit"): (
        N_("'{value}' is not a valid IMEI: the check digit should be {expected}."),
        N_("Check the IMEI for typing errors."),
    ),
    ("invalid_type", None): (
        N_("'{value}' is not a valid device type."),
        N_("Use 1 to {max} printable characters."),
    ),
    ("duplicate_imei", None): (
        N_("A device with IMEI {imei} is already registered on {account}."),
        N_("See it with: onenumber devices show {account} {imei}"),
    ),
    ("not_registered", None): (
        N_("Device {device} of {account} is not registered."),
        N_("Only registered devices can be renamed; register it again first."),
    ),
    ("last_device", None): (
        N_("This is the last registered device of {account}; One Number Service needs one or "
           "more."),
        N_("Cancel the service (onenumber service cancel {account}) or register a replacement "
           "first."),
    ),
    ("too_many_devices", "option"): (
        N_plural("{account} has {count} registered device: {devices}.",
                 "{account} has {count} registered devices: {devices}.",
                 "count"),
        N_("Unregister devices until 1 remains, then cancel the Multi-device option."),
    ),
    ("too_many_devices", "service"): (
        N_plural("{account} has {count} registered device: {devices}.",
                 "{account} has {count} registered devices: {devices}.",
                 "count"),
        N_("Unregister devices until 1 remains, then cancel the service."),
    ),
    ("not_subscribable", "active_other_plan"): (
        N_("{account} is already subscribed with plan {plan}."),
        N_("Change the plan with onenumber option subscribe|cancel {account}."),
    ),
    ("contract_cancelled", None): (
        N_("The contract of {account} is cancelled."),
        N_("Reactivate it first: onenumber service subscribe {account}"),
    ),
    ("confirmation_required", None): (
        N_("{command} needs confirmation, and there is no terminal to ask on."),
        N_("Pass --yes to confirm."),
    ),
    ("confirmation_required", "no_input"): (
        N_("{command} needs confirmation, and --no-input forbids asking for it."),
        N_("Pass --yes to confirm (or leave --no-input out to be asked)."),
    ),
    ("conflict", "busy"): (
        N_("The database is busy with another change: {detail}"),
        N_("Try again in a moment."),
    ),
    ("conflict", "retries"): (
        N_("Another change to the same account got in the way {attempts} times: {detail}"),
        N_("Try again in a moment; nothing was changed."),
    ),
    ("database_unavailable", "unsupported"): (
        N_("Database '{backend}' is not supported ({url})."),
        N_("Use SQLite or PostgreSQL (postgresql+psycopg://...)."),
    ),
    ("database_unavailable", "missing_file"): (
        N_("There is no database at {url}."),
        N_("Create it with: onenumber --db sqlite:///{url} db upgrade"),
    ),
    ("database_unavailable", "os_error"): (
        N_("The database file {url} cannot be created: {detail}"),
        N_("Check the directory and its permissions."),
    ),
    ("database_unavailable", "driver"): (
        N_("The database driver for {url} is not installed: {detail}"),
        N_("Install the PostgreSQL extra: pip install 'onenumber-cli[postgres]'"),
    ),
    ("database_unavailable", "read_only"): (
        N_("The database {url} does not allow this change (read-only access)."),
        N_("Use an account with write permission, or only read."),
    ),
    ("database_unavailable", "unreachable"): (
        N_("The database {url} is not available: {detail}"),
        N_("Check that the server runs, the URL, the credentials and that the database exists."),
    ),
    ("database_unavailable", "schema"): (
        N_("The database {url} does not have the expected tables: {detail}"),
        N_("The database owner (the DBA, not an operator role) must run: onenumber db upgrade."),
    ),
    ("database_unavailable", "prepared_statement"): (
        N_("The database {url} lost a statement this connection had prepared: {detail}"),
        N_("Behind a PgBouncer in transaction pooling, add prepare_threshold=none to the URL's "
           "query (or use session pooling)."),
    ),
    ("schema_mismatch", "empty"): (
        N_("The database {url} has no onenumber schema."),
        N_("The database owner (the DBA, not an operator role) creates it: onenumber db upgrade, "
           "then onenumber db grant."),
    ),
    ("schema_mismatch", "behind"): (
        N_("The database {url} is at schema revision {revision}; this program needs {head}."),
        N_("The database owner (the DBA, not an operator role) must run: onenumber db upgrade, "
           "then onenumber db grant."),
    ),
    ("schema_mismatch", "ahead"): (
        N_("The database {url} is at schema revision {revision}, newer than this program knows "
           "({head})."),
        N_("Upgrade onenumber to a newer version (onenumber db upgrade cannot go back)."),
    ),
    ("invalid_argument", "db_url"): (
        N_("The database URL cannot be parsed."),
        N_("Use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB (the port is a number)."),
    ),
    ("invalid_argument", "synchronous"): (
        N_("Unknown SQLite synchronous mode '{value}'."),
        N_("Choose one of: {choices} (full, the default, survives power loss)."),
    ),
    ("invalid_argument", "config_value"): (
        N_("The configuration file {path} gives {key} {given}; it must be {expected}."),
        N_("Quote the value, e.g. {key} = \"...\"."),
    ),
    ("invalid_argument", "config_table"): (
        N_("The configuration file {path} gives {key} {given}; it must be {expected}."),
        N_("Write each profile as a section: [profiles.NAME], then its keys on the lines below."),
    ),
    ("invalid_argument", "config_bool"): (
        N_("The configuration file {path} gives {key} {given}; it must be {expected}."),
        N_("Write {key} = true or {key} = false, without quotes."),
    ),
    ("invalid_operator", None): (
        N_("'{value}' cannot be used as an operator name."),
        N_("Use 1 to {max} printable characters without leading or trailing spaces (--operator or "
           "ONENUMBER_OPERATOR)."),
    ),
    ("invalid_type", "key_too_long"): (
        N_("The device type '{value}' becomes {length} characters when compared as names are "
           "(NFKC: some characters, such as ligatures, expand into several); at most {max} are "
           "allowed."),
        N_("Write the type with fewer or plainer characters (e.g. spell a ligature out)."),
    ),
    ("invalid_name", "key_too_long"): (
        N_("The device name becomes {length} characters when compared with other names (NFKC); "
           "at most {max} are allowed."),
        N_("Use a shorter name, or plainer characters."),
    ),
    ("invalid_type", "formula"): (
        N_("The device type '{value}' starts with '{first}', which a spreadsheet would run as a "
           "formula."),
        N_("Start the type with a letter or digit."),
    ),
    ("invalid_time", "range"): (
        N_("'{value}' is outside the times this tool accepts."),
        N_("Give a time between the years {earliest} and {latest}."),
    ),
    ("invalid_time", "before_latest"): (
        N_("'{value}' is earlier than the account's latest event ({latest})."),
        N_("History stays in order: give a time at or after {latest}, or leave --at out for now."),
    ),
    ("duplicate_name", "reference"): (
        N_("The name '{name}' is the id or IMEI of another registered device ({other}); that "
           "device would be found instead of this one."),
        N_("Choose a different name."),
    ),
    ("duplicate_imei", "name"): (
        N_("The IMEI {imei} is the name of another registered device ({other}) of {account}."),
        N_("Rename that device first: onenumber devices rename {account} {other} NEW_NAME"),
    ),
    ("invalid_batch", "line_too_long"): (
        N_("Line {line} of the batch file is longer than {limit} bytes."),
        N_("A row is one short line; check that this is the right file. Nothing was changed."),
    ),
    ("invalid_batch", "duplicate_key"): (
        N_("Line {line} of the batch file gives the key '{key}' twice."),
        N_("Give each key once per line; nothing was changed."),
    ),
    ("invalid_batch", "duplicate_column"): (
        N_("Line {line} of the batch file names the column(s) {columns} twice."),
        N_("Give each column once in the header; nothing was changed."),
    ),
    ("database_unavailable", "lost"): (
        N_("The connection to the database {url} was lost and could not be made again: {detail}"),
        N_("Nothing of the interrupted change was written. Check that the server runs (a "
           "failover may take longer than ONENUMBER_RECONNECT_TIMEOUT, 60 s by default), then "
           "try again."),
    ),
    ("database_unavailable", "lost_at_commit"): (
        N_("The connection to the database {url} was lost while the change was being committed: "
           "{detail}"),
        N_("The change may or may not have been saved: look with onenumber audit or onenumber "
           "status before trying again."),
    ),
    ("database_unavailable", "file_replaced"): (
        N_("The database file {url} was deleted or replaced while the tool was using it."),
        N_("The last change was not saved. Restore the file (or point --db at the right one) and "
           "try again."),
    ),
    ("stray_wal", None): (
        N_("The write-ahead log {wal} was not written for the database file {url}: the file was "
           "replaced and the old file's log left beside it. SQLite would apply it and corrupt "
           "the database."),
        N_("Nothing was opened or changed. If the database file was replaced on purpose (a "
           "restored backup), move the stray log away (mv {wal} {wal}.stray, and the -shm file "
           "beside it), then try again; otherwise put back the file the log belongs to."),
    ),
    ("database_unavailable", "hard_linked"): (
        N_("The database file {url} has {links} names (hard links): a process opening it by "
           "another name would use a write-ahead log of its own and corrupt the database."),
        N_("Keep one name: remove the other links (find them with find / -samefile {url}), or "
           "work on a copy."),
    ),
    ("invalid_argument", "grant_backend"): (
        N_("db grant is for PostgreSQL; a SQLite database has no roles."),
        N_("Protect a SQLite file with its file mode (0600) instead."),
    ),
    ("invalid_argument", "role"): (
        N_("'{value}' is not a role name db grant accepts."),
        N_("Use a name of letters, digits, _, $ and - (at most 63), as created with CREATE ROLE."),
    ),
    ("invalid_argument", "same_roles"): (
        N_("The operator and the reader are the same role ({value})."),
        N_("Create two roles: the reader must not be able to change anything."),
    ),
    ("invalid_argument", "role_missing"): (
        N_("There is no role '{value}' on this server."),
        N_("As a superuser: CREATE ROLE {value} LOGIN; then set its password with "
           "\\password {value} in psql (see docs/postgres-roles.sql)."),
    ),
    ("invalid_argument", "role_superuser"): (
        N_("The role '{value}' is a superuser: no grant could restrict it."),
        N_("Give operators and readers roles of their own, without SUPERUSER."),
    ),
    ("invalid_argument", "name_pattern"): (
        N_("'{value}' is not a name pattern."),
        N_("Give 1 to {max} characters of a name; * matches any characters, ? one."),
    ),
    ("confirmation_required", "demo"): (
        N_plural("The database {url} holds {count} other account: it looks like a real one, so no "
                 "demo customers were loaded into it.",
                 "The database {url} holds {count} other accounts: it looks like a real one, so no "
                 "demo customers were loaded into it.",
                 "count"),
        N_("Try the demo on your own database (omit --db), or pass --force; onenumber demo "
           "--remove takes them out again (on PostgreSQL, as the database owner)."),
    ),
    ("database_unavailable", "remove_denied"): (
        N_("The database {url} does not let this role delete rows (operators and readers never "
           "may)."),
        N_("Removing the demo customers is the database owner's job: run onenumber demo --remove "
           "with the owner's URL."),
    ),
    ("invalid_argument", "reconnect_timeout"): (
        N_("Reconnect timeout {value} is not a number of seconds between {low} and {high}."),
        N_("Set ONENUMBER_RECONNECT_TIMEOUT to e.g. 60 (seconds), or unset it."),
    ),
    ("invalid_argument", "statement_timeout"): (
        N_("Statement timeout {value} is not a number of seconds between {low} and {high}."),
        N_("Set ONENUMBER_STATEMENT_TIMEOUT to e.g. 60 (seconds), or unset it."),
    ),
    ("database_unavailable", "statement_timeout"): (
        N_("A read on the database {url} took longer than the statement timeout: {detail}"),
        N_("Try again when the database is less busy, or allow more time with "
           "ONENUMBER_STATEMENT_TIMEOUT (seconds, default 60)."),
    ),
    ("conflict", "schema_lock"): (
        N_("The change waited {attempts} times for its place against schema changes: a db "
           "upgrade is running, or a session holds a lock on the table onenumber_schema: "
           "{detail}"),
        N_("Nothing was changed. Try again when the upgrade has finished; if none is running, "
           "ask the database owner to end the session named (pg_stat_activity, by its pid)."),
    ),
    ("conflict", "upgrade_lock"): (
        N_("The migration could not lock the tables within the lock timeout (another session holds "
           "a lock): {detail}"),
        N_("Nothing was changed. Find the session in pg_stat_activity (application_name names the "
           "tool and operator), let it finish, then run db upgrade again; ONENUMBER_LOCK_TIMEOUT "
           "sets the wait (seconds, default 3)."),
    ),
    ("invalid_argument", "backup_backend"): (
        N_("db backup copies a SQLite database; this one is not."),
        N_("On PostgreSQL use pg_dump -Fc -f FILE (as the owner) and pg_restore to restore (see "
           "the README)."),
    ),
    ("invalid_argument", "backup_exists"): (
        N_("{path} exists already; db backup never overwrites a file."),
        N_("Give a new file name, e.g. with the date in it."),
    ),
    ("invalid_argument", "backup_target"): (
        N_("{path} cannot be created: {detail}"),
        N_("Check the directory and its permissions."),
    ),
    ("database_unavailable", "backup_failed"): (
        N_("The database {url} could not be copied: {detail}"),
        N_("Nothing was kept of the copy. Check the disk space and try again."),
    ),
    ("batch_not_found", None): (
        N_("No batch {batch} in the audit log (or it changed nothing)."),
        N_("Find the batch id with: onenumber audit --limit 20"),
    ),
    ("irreversible", "unregister"): (
        N_("Unregistering device {device} ({name}) of {account} cannot be undone."),
        N_("Register it again as a new device if the customer wants it back: onenumber devices "
           "register {account} --type '{type}' --name '{name}'"),
    ),
    ("irreversible", "service_cancel"): (
        N_("Cancelling the service of {account} cannot be undone."),
        N_("Subscribe again (onenumber service subscribe {account}) and register the devices "
           "anew."),
    ),
    ("irreversible", "replace"): (
        N_("The registration of {device} on {account} replaced {removed}; that removal cannot be "
           "undone."),
        N_("Register the replaced device again if the customer wants it back, after unregistering "
           "{device}."),
    ),
    ("changed_since", "rename"): (
        N_("Device {device} of {account} is now called '{current}', not '{expected}' as the batch "
           "left it."),
        N_("It was renamed after the batch; rename it by hand if it should still go back."),
    ),
    ("changed_since", "unregistered"): (
        N_("Device {device} ({name}) of {account} was unregistered after the batch; the batch's "
           "change to it cannot be undone."),
        N_("Nothing was changed: a revert never undoes a later change. The registration history "
           "shows what happened: onenumber history {account}"),
    ),
    ("changed_since", "register"): (
        N_("Device {device} of {account} is now '{current}' in slot {slot}, not '{expected}' in "
           "slot {expected_slot} as the batch left it."),
        N_("It was changed after the batch; unregister it by hand if it should still go: "
           "onenumber devices unregister {account} {device}"),
    ),
    ("changed_since", "contract"): (
        N_("The contract of {account} is now {status} ({plan}), not {expected_status} "
           "({expected_plan}) as the batch left it."),
        N_("It was changed after the batch, and nothing was changed now. See it with: onenumber "
           "status {account}"),
    ),
    ("changed_since", "registered_since"): (
        N_("Devices were registered on {account} after the batch: {devices}; undoing the batch's "
           "change would unregister or move them."),
        N_("Nothing was changed. If the batch's change should still be undone, undo it by hand: "
           "onenumber status {account} shows the devices and what can be done."),
    ),
    ("schema_mismatch", "copying"): (
        N_("The database {url} is being filled by onenumber db copy, which has not finished."),
        N_("Run the same onenumber db copy again: it starts the copy over and ends it (see the "
           "README)."),
    ),
    ("schema_mismatch", "compatible_only"): (
        N_("The database {url} is at schema revision {revision}, newer than this program ({head}); "
           "operators may use it, but this command needs the program's own revision."),
        N_("Run this command with the onenumber version that matches the schema."),
    ),
    ("target_not_empty", None): (
        N_("The target database {url} is not empty (tables: {tables}); db copy only fills an empty "
           "database."),
        N_("Give a new, empty database (PostgreSQL: createdb; SQLite: a new file name). db copy "
           "never overwrites data."),
    ),
    ("target_not_empty", "stale_copy"): (
        N_("The target database {url} holds an unfinished copy made for schema revision "
           "{revision}; this program copies revision {head}."),
        N_("Drop that database (or delete the file) and run db copy again."),
    ),
    ("copy_source_invalid", "too_long"): (
        N_("The source {url} holds a value longer than its column allows: table {table}, row "
           "{row}, column {column} has {length} characters (at most {max})."),
        N_("Nothing was written to the target. An older onenumber stored this value: shorten it "
           "in the source (the README's section on db copy shows the statement), then run the same "
           "db copy again."),
    ),
    ("copy_unverified", None): (
        N_("The copy in {url} does not have the source's row counts: {detail}"),
        N_("Something else wrote into the target during the copy. Make sure nobody uses it, then "
           "run the same db copy again (it starts over)."),
    ),
    ("database_unavailable", "disk_full"): (
        N_("The disk of the database {url} is full: {detail}"),
        N_("Nothing of the change was written. Free space on the database's disk (or ask the "
           "DBA to), then try again."),
    ),
    ("database_unavailable", "io_error"): (
        N_("The database file {url} could not be written or read: {detail}"),
        N_("Nothing was changed. Check the disk: free space (SQLite needs some even to read), "
           "the file size limit (ulimit -f) and errors in the system log, then try again."),
    ),
    ("database_unavailable", "read_only_transaction"): (
        N_("The database {url} accepts only reads (a read-only database or role, or a standby): "
           "{detail}"),
        N_("Nothing was changed. Point --db at the primary, or ask the DBA to lift "
           "default_transaction_read_only for this database or role."),
    ),
    ("database_unavailable", "idle_session"): (
        N_("The database {url} ended the session for being idle too long: {detail}"),
        N_("Nothing of the interrupted work was kept. Run it again; if it keeps happening, ask the "
           "DBA about idle_in_transaction_session_timeout for this role."),
    ),
    ("database_unavailable", "refused"): (
        N_("The database {url} refused the change: {detail}"),
        N_("Nothing was changed. A constraint or trigger of the database forbids it; run onenumber "
           "check, and report the message to the maintainers."),
    ),
    ("database_unavailable", "write_timeout"): (
        N_("A change on the database {url} took longer than the server's statement timeout (a "
           "setting of the role or database): {detail}"),
        N_("Nothing was changed. Ask the DBA to lift statement_timeout for the operator role "
           "(ALTER ROLE ... SET statement_timeout = 0), or try again when the database is less "
           "busy."),
    ),
    ("commit_unknown", "timeout"): (
        N_("The database {url} did not confirm the commit within {seconds} seconds (it may be "
           "waiting for a synchronous standby that does not answer): the change may or may not "
           "have been applied."),
        N_("Look with onenumber audit --limit 5 or onenumber status before trying again; ask the "
           "DBA about the standby. ONENUMBER_COMMIT_TIMEOUT sets the wait (seconds, default 30)."),
    ),
    ("commit_unknown", "interrupted"): (
        N_("Interrupted while the database {url} was committing the change: it may or may not "
           "have been applied."),
        N_("Look with onenumber audit --limit 5 or onenumber status before trying again."),
    ),
    ("invalid_argument", "commit_timeout"): (
        N_("Commit timeout {value} is not a number of seconds between {low} and {high}."),
        N_("Set ONENUMBER_COMMIT_TIMEOUT to e.g. 30 (seconds), or unset it."),
    ),
    ("conflict", "copy_running"): (
        N_("Another onenumber db copy is running into {url}."),
        N_("Nothing was changed. Let that copy finish (or stop it), then run db copy again if "
           "it did not end."),
    ),
    ("invalid_argument", "copy_same_database"): (
        N_("--to names the database being copied ({url})."),
        N_("Give another, empty database with --to."),
    ),
}


# A value kind in words: "gives output {given}; it must be {expected}".
VALUE_KINDS: dict[ValueKind, Message] = {
    ValueKind.STRING: N_("text in quotes"),
    ValueKind.NUMBER: N_("a number"),
    ValueKind.BOOLEAN: N_("true or false"),
    ValueKind.TABLE: N_("a table ([section])"),
    ValueKind.ARRAY: N_("a list ([...])"),
    ValueKind.DATETIME: N_("a date or time"),
    ValueKind.OTHER: N_("a value of another kind"),
}


def describe_offences(offences: Sequence[Offence]) -> str:
    """The offending characters of a name and their positions, in the current language."""
    return pgettext("list separator", ", ").join(
        t("'{char}' ({codepoint}) at position {position}", char=o.char,
          codepoint=o.codepoint, position=o.position)
        for o in offences
    )


def _utc_iso(value: datetime) -> str:
    return value.isoformat()


def render_value(value: Any, display: Display = _utc_iso) -> Any:
    if isinstance(value, datetime):
        return display(value)
    if isinstance(value, ValueKind):
        return translate(VALUE_KINDS[value])
    if isinstance(value, tuple) and value and all(isinstance(v, Offence) for v in value):
        return describe_offences(value)
    return value


def _entry(error: OneNumberError) -> tuple[Message, Message] | None:
    return ERRORS.get((error.code, error.reason)) or ERRORS.get((error.code, None))


def render(error: OneNumberError, display: Display = _utc_iso) -> tuple[str, str]:
    """The message and the hint of ``error`` in the current language."""
    entry = _entry(error)
    if entry is None:  # a gap the catalog test keeps from shipping: never crash on it
        return str(error), ""
    params = {name: render_value(value, display) for name, value in error.params.items()}
    message, hint = entry
    return translate(message, **params), translate(hint, **params)


def error_dict(error: OneNumberError, display: Display = _utc_iso) -> dict[str, Any]:
    """``{"code", "message", "hint"[, "details"]}``: the JSON shape of an error."""
    message, hint = render(error, display)
    data: dict[str, Any] = {"code": error.code, "message": message, "hint": hint}
    if error.details is not None:
        data["details"] = error.details
    return data
