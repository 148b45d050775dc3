"""English messages.  Keys and placeholders must match ``ja.py`` (tests enforce it)."""

MESSAGES: dict[str, str] = {
    # labels and values
    "label.error": "error",
    "label.hint": "hint",
    "value.yes": "yes",
    "value.no": "no",
    "value.not_registered": "Not registered",
    "value.current": "current",
    "value.not_current": "not current",
    "plan.one_number": "One Number Service",
    "plan.multi": "One Number Service + Multi-device option",
    "status.active": "active",
    "status.cancelled": "cancelled",
    "event.register": "Registered",
    "event.unregister": "Unregistered",
    # field headers
    "field.account": "d-account",
    "field.status": "Status",
    "field.plan": "Plan",
    "field.capacity": "Capacity",
    "field.registered": "Registered",
    "field.registered_count": "Registered devices",
    "field.slot": "Slot",
    "field.id": "ID",
    "field.name": "Device name",
    "field.type": "Device type",
    "field.imei": "IMEI",
    "field.registered_at": "Registered at",
    "field.registered_date": "Registration date",
    "field.unregistered_at": "Unregistered at",
    "field.event": "Event",
    "field.at": "Date and time",
    "field.device_id": "Device ID",
    "field.action": "Action",
    "field.changed": "Changed",
    "field.dry_run": "Dry run",
    "field.profile": "Profile",
    "field.confirm_changes": "every change is confirmed",
    "field.setting": "Setting",
    "field.value": "Value",
    "field.source": "Source",
    "field.config_file": "Config file",
    "value.missing": "not present",
    "help.example": "Example:",
    "field.url": "Database",
    "field.revision": "Schema revision",
    "field.head": "Program's revision",
    "field.schema_state": "Schema",
    # messages
    "msg.no_rows": "No rows.",
    "msg.no_devices": "No registered devices.",
    "msg.no_history": "No registration history.",
    "msg.declined": "Cancelled; nothing was changed.",
    "msg.demo_loaded": "Demo customers loaded: {accounts}.",
    "msg.demo_present": "Demo customers already present: {accounts}.",
    # status notes (seed screens 1 and 2)
    "note.heading": "Notes:",
    "note.option_offer": "With the Multi-device option, up to 5 accessory devices can be used "
                         "at the same time.",
    "note.option_fee": "Monthly charge {fee} JPY (tax included); One Number registration fee "
                       "{registration} JPY.",
    "note.option_how": "Apply: onenumber option subscribe {account}",
    "note.may_still_show": "Even after the One Number registration information is deleted on "
                           "the accessory device, it may still be shown here as in use.",
    "note.needs_one": "One Number Service needs one or more registered accessory devices. If "
                      "the customer does not use the service, cancel it: "
                      "onenumber service cancel {account}",
    "note.reduce_to_one": "Unregister the accessory devices no longer used (onenumber devices "
                          "unregister {account} DEVICE). After reducing the devices in use to "
                          "1, cancel the Multi-device option: onenumber option cancel {account}",
    "note.cancelled": "This contract is cancelled. Reactivate it with: "
                      "onenumber service subscribe {account}",
    # confirmations (seed screen 5)
    "confirm.unregister.title": "Unregister One Number registration?",
    "confirm.unregister.note1": "After unregistering, this accessory device can no longer use "
                                "One Number Service.",
    "confirm.unregister.note2": "To use it with the service again, One Number registration "
                                "must be done again.",
    "confirm.unregister.note3": "This operation cannot be undone.",
    "confirm.unregister.note4": "Unregistering does not cancel One Number Service or the "
                                "Multi-device option.",
    "confirm.unregister.note5": "Unregistering may not delete the registration information "
                                "from the accessory device itself.",
    "confirm.option_cancel": "Cancel the Multi-device option of {account}? The plan returns "
                             "to One Number Service (1 device).",
    "confirm.service_cancel": "Cancel One Number Service for {account}? This unregisters: "
                              "{devices}.",
    "prompt.proceed": "Proceed?",
    "prompt.invalid": "Please answer y or n.",
    "msg.interrupted": "Interrupted; nothing was changed.",
    # results of changing commands
    "result.dry_run": "Dry run, nothing written: {text}",
    "result.register.done": "Registered '{name}' (id {id}) in slot {slot} of {account}.",
    "result.register.replaced": "Replaced: {removed}.",
    "result.rename.done": "Renamed device {id} of {account} to '{name}'.",
    "result.rename.unchanged": "Device {id} of {account} is already named '{name}'; nothing "
                               "changed.",
    "result.unregister.done": "Unregistered '{name}' (id {id}) from {account}.",
    "result.unregister.unchanged": "Device '{name}' (id {id}) is not registered; nothing "
                                   "changed.",
    "result.option_subscribe.done": "{account} now has the plan: {plan}.",
    "result.option_subscribe.unchanged": "{account} already has the Multi-device option; "
                                         "nothing changed.",
    "result.option_cancel.done": "Multi-device option of {account} cancelled; plan: {plan}.",
    "result.option_cancel.unchanged": "{account} has no Multi-device option; nothing changed.",
    "result.service_subscribe.done": "{account} is subscribed: {plan}.",
    "result.service_subscribe.unchanged": "{account} is already subscribed ({plan}); nothing "
                                          "changed.",
    "result.service_cancel.done": "One Number Service of {account} cancelled.",
    "result.service_cancel.unchanged": "{account} is already cancelled; nothing changed.",
    # batch, audit, check
    "field.row": "Row",
    "field.ok": "OK",
    "field.error": "Error",
    "field.operator": "Operator",
    "field.before": "Before",
    "field.after": "After",
    "field.batch_id": "Batch",
    "field.kind": "Kind",
    "field.message": "Message",
    "batch.changed": "ok, changed",
    "batch.unchanged": "ok, nothing to change",
    "batch.summary.done": "batch {batch}: {rows} rows, {ok} ok ({changed} changed), "
                          "{failed} failed.",
    "batch.summary.dry_run": "batch {batch} (dry run, nothing written): {rows} rows, {ok} "
                             "ok ({changed} would change), {failed} failed.",
    "batch.summary.rolled_back": "batch {batch} (atomic): {failed} of {rows} rows failed, so "
                                 "nothing was written ({ok} ok, {changed} changed).",
    "batch.progress": "batch",
    "batch.more_failed": "... and {count} more failed rows: see the full report with -o csv "
                         "(or -o jsonl), or re-run with > report.txt.",
    "batch.header.row": "row",
    "batch.header.action": "action",
    "batch.header.account": "account",
    "batch.header.outcome": "outcome",
    "batch.stdin_terminal": "Reading the batch from the terminal: type CSV (a header row "
                            "first) or JSON Lines, then Ctrl-D. Usually a file is given: "
                            "onenumber batch apply FILE, or cmd | onenumber batch apply -",
    "batch.summary.interrupted": "batch {batch} interrupted after {rows} rows: {ok} applied "
                                 "({changed} changed), {failed} failed; the row in progress "
                                 "was not applied. Re-run the file to complete it.",
    "batch.summary.interrupted_nothing": "batch {batch} interrupted after {rows} rows; "
                                         "nothing was written.",
    "msg.check_clean": "No violations found.",
    "msg.check_found": "{count} violations found.",
    "check.plan": "{account}: unknown plan '{value}'.",
    "check.status": "{account}: unknown contract status '{value}'.",
    "check.capacity": "{account}: {count} devices registered, the plan allows {capacity}.",
    "check.slot_range": "{account}: device {device} is in slot {slot}, outside 1-{capacity}.",
    "check.slot_duplicate": "{account}: device {device} shares slot {slot} with another.",
    "check.cancelled_with_devices": "{account}: the contract is cancelled but {count} devices "
                                    "are registered.",
    "check.invalid_name": "{account}: device {device} has a name that breaks the rules: "
                          "'{name}'.",
    "check.type_key": "{account}: device {device} has a missing or stale search key for "
                      "its type '{type}'.",
    "check.name_key": "{account}: device {device} has a stale comparison key for '{name}'.",
    "check.duplicate_name": "{account}: device {device} is named '{name}', the same as "
                            "'{other}'.",
    "check.invalid_imei": "{account}: device {device} has an invalid IMEI '{imei}'.",
    "check.history_missing": "{account}: device {device} has no history.",
    "check.history_mismatch": "{account}: device {device}'s latest history event is "
                              "'{event}' but should be a matching '{expected}'.",
    "check.history_orphan": "{account}: history names device {device}, which does not exist.",
    "check.time_order": "{account}: device {device} was unregistered before it was "
                        "registered.",
    "check.future_time": "{account}: {table} has a time in the future ({at}) for "
                         "device {device}.",
    "error.invalid_batch.missing": "The batch file {path} does not exist.",
    "hint.invalid_batch.missing": "Check the path, or pass - to read standard input.",
    "error.invalid_batch.unreadable": "The batch file {path} cannot be read: {detail}.",
    "hint.invalid_batch.unreadable": "Check the path and its permissions.",
    "error.invalid_batch.encoding": "Line {line} of the batch file is not UTF-8: {detail}.",
    "hint.invalid_batch.encoding": "A file saved by Excel is usually Shift_JIS: pass "
                                   "--encoding cp932 (or save it as UTF-8). Nothing was "
                                   "changed.",
    "error.invalid_batch.encoding_given": "Line {line} of the batch file is not {encoding}: "
                                          "{detail}.",
    "hint.invalid_batch.encoding_given": "Check --encoding (auto reads UTF-8, or what a byte "
                                         "order mark says); nothing was changed.",
    "error.invalid_batch.action_column": "The batch file has an action column, and --action "
                                         "{action} gives every row an action.",
    "hint.invalid_batch.action_column": "Leave out --action, or remove the action column; "
                                        "nothing was changed.",
    "error.invalid_argument.encoding": "Unknown encoding '{value}'.",
    "hint.invalid_argument.encoding": "Choose one of: {choices}.",
    "error.invalid_batch.nul": "Line {line} of the batch file contains a NUL byte: it is not "
                               "a text file.",
    "hint.invalid_batch.nul": "Export the file again as UTF-8 text; nothing was changed.",
    "error.invalid_batch.json": "Line {line} of the batch file is not a JSON object: "
                                "{detail}.",
    "hint.invalid_batch.json": "Each line of a JSON Lines file is one object; nothing was "
                               "changed.",
    "error.invalid_batch.columns": "Line {line} of the batch file has unknown columns: "
                                   "{columns}.",
    "hint.invalid_batch.columns": "Known columns: {known}. Nothing was changed.",
    "error.invalid_batch.header": "Line {line} of the batch file is not a header with the "
                                  "columns action and account.",
    "hint.invalid_batch.header": "Start a CSV file with a header row, e.g. "
                                 "action,account,device,name (known: {known}).",
    "error.invalid_batch.cells": "Line {line} of the batch file has {count} cells; the "
                                 "header has {expected}.",
    "hint.invalid_batch.cells": "Quote values that contain commas; nothing was changed.",
    "error.invalid_batch.csv": "Line {line} of the batch file is not valid CSV: {detail}.",
    "hint.invalid_batch.csv": "Check the quotes on that line; nothing was changed.",
    "error.invalid_argument.batch_value": "The value of '{field}' is not valid: {value!r}.",
    "hint.invalid_argument.batch_value": "Use text for names and ids, and true/false for "
                                         "multi and replace.",
    "error.invalid_argument.batch_action": "Unknown action '{value}'.",
    "hint.invalid_argument.batch_action": "Use one of: {known}.",
    "error.invalid_argument.batch_field": "The action {action} needs the field '{field}'.",
    "hint.invalid_argument.batch_field": "Fill in '{field}' on this row.",
    # device names (R3)
    "name.offence": "'{char}' ({codepoint}) at position {position}",
    "name.separator": ", ",
    # errors and hints
    "error.internal": "error: an unexpected internal error occurred.",
    "hint.internal": "hint: run again with --debug to see the traceback, and report it.",
    "error.invalid_account": "'{value}' is not a valid d-account ID.",
    "hint.invalid_account": "Use 1-64 characters of A-Z a-z 0-9 . _ @ + -.",
    "error.invalid_time.format": "'{value}' is not a valid time.",
    "hint.invalid_time.format": "Use ISO 8601, e.g. 2022-09-12 or 2022-09-12T16:43 (read in "
                                "--tz unless an offset is given).",
    "error.invalid_time.future": "'{value}' is in the future.",
    "hint.invalid_time.future": "Give a time that has already passed, or leave it out for now.",
    "error.invalid_argument.config": "The configuration file {path} cannot be read: {detail}",
    "hint.invalid_argument.config": "Fix the TOML syntax or remove the file.",
    "error.invalid_argument.config_keys": "The configuration file {path} has unknown keys: "
                                          "{keys}.",
    "hint.invalid_argument.config_keys": "Known keys: database_url, output, lang, tz, "
                                         "operator, sqlite_synchronous.",
    "error.invalid_argument.output": "Unknown output format '{value}'.",
    "hint.invalid_argument.output": "Choose one of: {choices}.",
    "error.invalid_argument.lang": "Unknown language '{value}'.",
    "hint.invalid_argument.lang": "Choose one of: {choices}.",
    "error.invalid_argument.profile": "There is no profile '{value}' in the config file.",
    "hint.invalid_argument.profile": "Profiles defined ([profiles.NAME]): {choices}.",
    "error.invalid_argument.fields": "Unknown field '{value}' for --fields.",
    "hint.invalid_argument.fields": "Choose among: {choices}.",
    "msg.target": "Target: {target}",
    "msg.target.profile": "profile {profile}, database {url}",
    "msg.target.default": "database {url}",
    "prompt.confirm_change": "Profile {profile} asks to confirm every change. Proceed?",
    "prompt.device": "Device to unregister (id, IMEI or name; registered: {devices})",
    "error.invalid_argument.tz": "Unknown time zone '{value}'.",
    "hint.invalid_argument.tz": "Use an IANA name such as Asia/Tokyo or UTC.",
    "error.invalid_argument.lock_timeout": "Lock timeout {value} is not a number of seconds "
                                           "from {low} to {high}.",
    "hint.invalid_argument.lock_timeout": "Set it to e.g. 3 (seconds), or unset it.",
    "error.ambiguous_device": "'{device}' matches several devices of {account}: {ids}.",
    "hint.ambiguous_device": "Name the device by its id.",
    "error.account_not_found": "Account '{account}' was not found.",
    "hint.account_not_found": "Check the d-account ID (compared exactly), or create it with "
                              "onenumber service subscribe {account}.",
    "error.account_not_found.similar": "Account '{account}' was not found.",
    "hint.account_not_found.similar": "Did you mean: {similar}? (d-account IDs are compared "
                                      "exactly)",
    "error.device_not_found": "No device '{device}' on account {account}.",
    "hint.device_not_found": "See the devices with: onenumber devices list {account}",
    "error.capacity_exceeded.one_number": "{account} already has {capacity} device registered, "
                                          "the most its plan allows.",
    "hint.capacity_exceeded.one_number": "Subscribe to the Multi-device option (onenumber "
                                         "option subscribe {account}), or switch devices with "
                                         "--replace.",
    "error.capacity_exceeded.multi": "{account} already has {capacity} devices registered, "
                                     "the most its plan allows: {devices}.",
    "hint.capacity_exceeded.multi": "Unregister a device first (onenumber devices unregister "
                                    "{account} DEVICE).",
    "error.replace_not_allowed": "--replace is only for One Number Service without the "
                                 "Multi-device option.",
    "hint.replace_not_allowed": "Unregister the device to remove first (onenumber devices "
                                "unregister {account} DEVICE), then register.",
    "error.invalid_name.empty": "The device name is empty.",
    "hint.invalid_name.empty": "Use 1 to 30 characters.",
    "error.invalid_name.too_long": "The device name has {length} characters; at most {max} "
                                   "are allowed (the excess starts with {where}).",
    "hint.invalid_name.too_long": "Shorten it to {max} characters.",
    "error.invalid_name.blank": "The device name consists of spaces only.",
    "hint.invalid_name.blank": "Use letters, digits or - _ . +.",
    "error.invalid_name.edge_space": "The device name starts or ends with a space: {where}.",
    "hint.invalid_name.edge_space": "Use '{suggestion}'.",
    "error.invalid_name.dash": "The device name contains characters that are not allowed: "
                               "{where}.",
    "hint.invalid_name.dash": "Use the hyphen '-' instead of dash-like characters; only "
                              "letters, digits, spaces and - _ . + are allowed.",
    "error.invalid_name.outside_jis": "The device name contains characters outside JIS X 0208 "
                                      "/ JIS X 0201: {where}.",
    "hint.invalid_name.outside_jis": "Replace them with common characters (e.g. 高 for 髙, 1 "
                                     "for ①).",
    "error.invalid_name.bad_chars": "The device name contains characters that are not "
                                    "allowed: {where}.",
    "hint.invalid_name.bad_chars": "Only full-width or half-width letters and digits, spaces "
                                   "and the symbols - _ . + may be used.",
    "error.invalid_name.no_default": "No valid device name can be derived from the type "
                                     "'{type}'.",
    "hint.invalid_name.no_default": "Give one with --name.",
    "error.duplicate_name": "Another registered device is already named '{other}' (same as "
                            "'{name}').",
    "hint.duplicate_name": "Choose a different name; names are compared ignoring case and "
                           "full-width/half-width.",
    "error.invalid_imei.format": "'{value}' is not an IMEI: it must be exactly 15 digits.",
    "hint.invalid_imei.format": "Leave out --imei for devices that cannot link their IMEI.",
    "error.invalid_imei.check_digit": "'{value}' is not a valid IMEI: the check digit should "
                                      "be {expected}.",
    "hint.invalid_imei.check_digit": "Check the IMEI for typing errors.",
    "error.invalid_type": "'{value}' is not a valid device type.",
    "hint.invalid_type": "Use 1 to {max} printable characters.",
    "error.duplicate_imei": "A device with IMEI {imei} is already registered on {account}.",
    "hint.duplicate_imei": "See it with: onenumber devices show {account} {imei}",
    "error.not_registered": "Device {device} of {account} is not registered.",
    "hint.not_registered": "Only registered devices can be renamed; register it again first.",
    "error.last_device": "This is the last registered device of {account}; One Number "
                         "Service needs one or more.",
    "hint.last_device": "Cancel the service (onenumber service cancel {account}) or register "
                        "a replacement first.",
    "error.too_many_devices.option": "{account} has {count} registered devices: {devices}.",
    "hint.too_many_devices.option": "Unregister devices until 1 remains, then cancel the "
                                    "Multi-device option.",
    "error.too_many_devices.service": "{account} has {count} registered devices: {devices}.",
    "hint.too_many_devices.service": "Unregister devices until 1 remains, then cancel the "
                                     "service.",
    "error.not_subscribable.active_other_plan": "{account} is already subscribed with plan "
                                                "{plan}.",
    "hint.not_subscribable.active_other_plan": "Change the plan with onenumber option "
                                               "subscribe|cancel {account}.",
    "error.contract_cancelled": "The contract of {account} is cancelled.",
    "hint.contract_cancelled": "Reactivate it first: onenumber service subscribe {account}",
    "error.confirmation_required": "{command} needs confirmation, and there is no terminal to "
                                   "ask on.",
    "hint.confirmation_required": "Pass --yes to confirm.",
    "error.conflict.busy": "The database is busy with another change: {detail}",
    "hint.conflict.busy": "Try again in a moment.",
    "error.conflict.retries": "Another change to the same account got in the way {attempts} "
                              "times: {detail}",
    "hint.conflict.retries": "Try again in a moment; nothing was changed.",
    "error.database_unavailable.unsupported": "Database '{backend}' is not supported ({url}).",
    "hint.database_unavailable.unsupported": "Use SQLite or PostgreSQL "
                                             "(postgresql+psycopg://...).",
    "error.database_unavailable.missing_file": "There is no database at {url}.",
    "hint.database_unavailable.missing_file": "Create it with: onenumber --db sqlite:///{url} "
                                              "db upgrade",
    "error.database_unavailable.os_error": "The database file {url} cannot be created: "
                                           "{detail}",
    "hint.database_unavailable.os_error": "Check the directory and its permissions.",
    "error.database_unavailable.driver": "The database driver for {url} is not installed: "
                                         "{detail}",
    "hint.database_unavailable.driver": "Install the PostgreSQL extra: pip install "
                                        "'onenumber-cli[postgres]'",
    "error.database_unavailable.read_only": "The database {url} does not allow this change "
                                            "(read-only access).",
    "hint.database_unavailable.read_only": "Use an account with write permission, or only "
                                           "read.",
    "error.database_unavailable.unreachable": "The database {url} is not available: {detail}",
    "hint.database_unavailable.unreachable": "Check that the server runs, the URL, the "
                                             "credentials and that the database exists.",
    "error.database_unavailable.schema": "The database {url} does not have the expected "
                                         "tables: {detail}",
    "hint.database_unavailable.schema": "The database owner (the DBA, not an operator role) "
                                        "must run: onenumber db upgrade.",
    "error.schema_mismatch.empty": "The database {url} has no onenumber schema.",
    "hint.schema_mismatch.empty": "The database owner (the DBA, not an operator role) creates "
                                  "it: onenumber db upgrade, then onenumber db grant.",
    "error.schema_mismatch.behind": "The database {url} is at schema revision {revision}; this "
                                    "program needs {head}.",
    "hint.schema_mismatch.behind": "The database owner (the DBA, not an operator role) must "
                                   "run: onenumber db upgrade, then onenumber db grant.",
    "error.schema_mismatch.ahead": "The database {url} is at schema revision {revision}, newer "
                                   "than this program knows ({head}).",
    "hint.schema_mismatch.ahead": "Upgrade onenumber to a newer version (onenumber db upgrade "
                                  "cannot go back).",
    "batch.summary.unavailable": "batch {batch} stopped at row {stopped_at}: the database "
                                 "became unavailable. {ok} rows applied ({changed} changed), "
                                 "{failed} failed; row {stopped_at} and the rows after it were "
                                 "not applied. Re-run the file to complete it.",
    "batch.summary.unavailable_nothing": "batch {batch} stopped: the database became "
                                         "unavailable; nothing was written. Re-run the file "
                                         "when it is back.",
    "error.invalid_argument.db_url": "The database URL cannot be parsed.",
    "hint.invalid_argument.db_url": "Use sqlite:///PATH or "
                                    "postgresql+psycopg://USER@HOST:PORT/DB (the port is a "
                                    "number).",
    "error.invalid_argument.synchronous": "Unknown SQLite synchronous mode '{value}'.",
    "hint.invalid_argument.synchronous": "Choose one of: {choices} (full, the default, survives "
                                         "power loss).",
    "error.invalid_argument.config_value": "The configuration file {path} gives {key} a {type}, "
                                           "not a string.",
    "hint.invalid_argument.config_value": "Quote the value, e.g. {key} = \"...\".",
    "error.invalid_operator": "'{value}' cannot be used as an operator name.",
    "hint.invalid_operator": "Use 1 to {max} printable characters without leading or trailing "
                             "spaces (--operator or ONENUMBER_OPERATOR).",
    "error.invalid_type.formula": "The device type '{value}' starts with '{first}', which a "
                                  "spreadsheet would run as a formula.",
    "hint.invalid_type.formula": "Start the type with a letter or digit.",
    "error.invalid_time.range": "'{value}' is outside the times this tool accepts.",
    "hint.invalid_time.range": "Give a time between the years {earliest} and {latest}.",
    "error.invalid_time.before_latest": "'{value}' is earlier than the account's latest event "
                                        "({latest}).",
    "hint.invalid_time.before_latest": "History stays in order: give a time at or after "
                                       "{latest}, or leave --at out for now.",
    "error.duplicate_name.reference": "The name '{name}' is the id or IMEI of another "
                                      "registered device ({other}); that device would be found "
                                      "instead of this one.",
    "hint.duplicate_name.reference": "Choose a different name.",
    "error.duplicate_imei.name": "The IMEI {imei} is the name of another registered device "
                                 "({other}) of {account}.",
    "hint.duplicate_imei.name": "Rename that device first: onenumber devices rename {account} "
                                "{other} NEW_NAME",
    "error.invalid_batch.line_too_long": "Line {line} of the batch file is longer than {limit} "
                                         "bytes.",
    "hint.invalid_batch.line_too_long": "A row is one short line; check that this is the right "
                                        "file. Nothing was changed.",
    "error.invalid_batch.duplicate_key": "Line {line} of the batch file gives the key '{key}' "
                                         "twice.",
    "hint.invalid_batch.duplicate_key": "Give each key once per line; nothing was changed.",
    "error.invalid_batch.duplicate_column": "Line {line} of the batch file names the column(s) "
                                            "{columns} twice.",
    "hint.invalid_batch.duplicate_column": "Give each column once in the header; nothing was "
                                           "changed.",
    "error.database_unavailable.lost": "The connection to the database {url} was lost and could "
                                       "not be made again: {detail}",
    "hint.database_unavailable.lost": "Nothing of the interrupted change was written. Check "
                                      "that the server runs, then try again.",
    "error.database_unavailable.lost_at_commit": "The connection to the database {url} was lost "
                                                 "while the change was being committed: "
                                                 "{detail}",
    "hint.database_unavailable.lost_at_commit": "The change may or may not have been saved: "
                                                "look with onenumber audit or onenumber status "
                                                "before trying again.",
    "error.database_unavailable.file_replaced": "The database file {url} was deleted or "
                                                "replaced while the tool was using it.",
    "hint.database_unavailable.file_replaced": "The last change was not saved. Restore the file "
                                               "(or point --db at the right one) and try again.",
    # db grant (issue 15)
    "msg.granted": "Granted on database {database}: {operator} may read, change contracts and "
                   "devices and append history and audit; {reader} may read. Tables: {tables}. "
                   "CONNECT is revoked from PUBLIC.",
    "error.invalid_argument.grant_backend": "db grant is for PostgreSQL; a SQLite database has "
                                            "no roles.",
    "hint.invalid_argument.grant_backend": "Protect a SQLite file with its file mode (0600) "
                                           "instead.",
    "error.invalid_argument.role": "'{value}' is not a role name db grant accepts.",
    "hint.invalid_argument.role": "Use a name of letters, digits, _, $ and - (at most 63), "
                                  "as created with CREATE ROLE.",
    "error.invalid_argument.same_roles": "The operator and the reader are the same role "
                                         "({value}).",
    "hint.invalid_argument.same_roles": "Create two roles: the reader must not be able to "
                                        "change anything.",
    "error.invalid_argument.role_missing": "There is no role '{value}' on this server.",
    "hint.invalid_argument.role_missing": "As a superuser: CREATE ROLE {value} LOGIN; then set "
                                          "its password with \\password {value} in psql (see "
                                          "docs/postgres-roles.sql).",
    "error.invalid_argument.role_superuser": "The role '{value}' is a superuser: no grant "
                                             "could restrict it.",
    "hint.invalid_argument.role_superuser": "Give operators and readers roles of their own, "
                                            "without SUPERUSER.",
    "error.invalid_argument.name_pattern": "'{value}' is not a name pattern.",
    "hint.invalid_argument.name_pattern": "Give 1 to {max} characters of a name; * matches "
                                          "any characters, ? one.",
    # demo in a shared database (issue 15)
    "msg.demo_removed": "Demo customers removed: {accounts} ({rows} rows).",
    "msg.demo_absent": "No demo customers to remove ({accounts}).",
    "error.confirmation_required.demo": "The database {url} holds {count} other accounts: it "
                                        "looks like a real one, so no demo customers were "
                                        "loaded into it.",
    "hint.confirmation_required.demo": "Try the demo on your own database (omit --db), or pass "
                                       "--force; onenumber demo --remove takes them out again "
                                       "(on PostgreSQL, as the database owner).",
    "error.database_unavailable.remove_denied": "The database {url} does not let this role "
                                                "delete rows (operators and readers never may).",
    "hint.database_unavailable.remove_denied": "Removing the demo customers is the database "
                                               "owner's job: run onenumber demo --remove with "
                                               "the owner's URL.",
    # bounded waits (issue 15)
    "error.invalid_argument.statement_timeout": "Statement timeout {value} is not a number of "
                                                "seconds between {low} and {high}.",
    "hint.invalid_argument.statement_timeout": "Set ONENUMBER_STATEMENT_TIMEOUT to e.g. 60 "
                                               "(seconds), or unset it.",
    "error.database_unavailable.statement_timeout": "A read on the database {url} took longer "
                                                    "than the statement timeout: {detail}",
    "hint.database_unavailable.statement_timeout": "Try again when the database is less busy, "
                                                   "or allow more time with "
                                                   "ONENUMBER_STATEMENT_TIMEOUT (seconds, "
                                                   "default 60).",
    "error.conflict.upgrade_lock": "The migration could not lock the tables within the lock "
                                   "timeout (another session holds a lock): {detail}",
    "hint.conflict.upgrade_lock": "Nothing was changed. Find the session in pg_stat_activity "
                                  "(application_name names the tool and operator), let it "
                                  "finish, then run db upgrade again; ONENUMBER_LOCK_TIMEOUT "
                                  "sets the wait (seconds, default 3).",
    # db backup (issue 15)
    "msg.backed_up": "Backed up to {path}: {bytes} bytes, {accounts} accounts, integrity "
                     "{integrity}.",
    "error.invalid_argument.backup_backend": "db backup copies a SQLite database; this one is "
                                             "not.",
    "hint.invalid_argument.backup_backend": "On PostgreSQL use pg_dump -Fc -f FILE (as the "
                                            "owner) and pg_restore to restore (see the README).",
    "error.invalid_argument.backup_exists": "{path} exists already; db backup never overwrites "
                                            "a file.",
    "hint.invalid_argument.backup_exists": "Give a new file name, e.g. with the date in it.",
    "error.invalid_argument.backup_target": "{path} cannot be created: {detail}",
    "hint.invalid_argument.backup_target": "Check the directory and its permissions.",
    "error.database_unavailable.backup_failed": "The database {url} could not be copied: "
                                                "{detail}",
    "hint.database_unavailable.backup_failed": "Nothing was kept of the copy. Check the disk "
                                               "space and try again.",
    "error.batch_not_found": "No batch {batch} in the audit log (or it changed nothing).",
    "hint.batch_not_found": "Find the batch id with: onenumber audit --limit 20",
    "error.irreversible.unregister": "Unregistering device {device} ({name}) of {account} "
                                     "cannot be undone.",
    "hint.irreversible.unregister": "Register it again as a new device if the customer "
                                    "wants it back: onenumber devices register {account} "
                                    "--type '{type}' --name '{name}'",
    "error.irreversible.service_cancel": "Cancelling the service of {account} cannot be "
                                         "undone.",
    "hint.irreversible.service_cancel": "Subscribe again (onenumber service subscribe "
                                        "{account}) and register the devices anew.",
    "error.irreversible.replace": "The registration of {device} on {account} replaced "
                                  "{removed}; that removal cannot be undone.",
    "hint.irreversible.replace": "Register the replaced device again if the customer wants "
                                 "it back, after unregistering {device}.",
    "error.changed_since.rename": "Device {device} of {account} is now called '{current}', "
                                  "not '{expected}' as the batch left it.",
    "hint.changed_since.rename": "It was renamed after the batch; rename it by hand if it "
                                 "should still go back.",
}
