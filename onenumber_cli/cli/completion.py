"""Shell completion for bash, zsh and fish: one program run per TAB, every value one
correctly quoted word, and option values completed wherever the set is fixed.

Typer's own scripts (kept for PowerShell) lose the operator's quoting, fall back to file
names whenever nothing matched, and fish ran the program twice per TAB.  Here:

* bash passes the line up to the cursor (``COMP_LINE``/``COMP_POINT``); the program
  splits it as bash does and prints each value quoted for the word being typed (inside
  ``"...``/``'...`` or with backslashes);
* zsh and fish quote what they insert themselves; they get raw values;
* file names are offered only where the command takes a file (the ``:files`` line);
* values are produced by :data:`COMPLETERS` by parameter name, never filtered by a
  plain prefix again (device names match ignoring case and width);
* fish filters the values itself, by its own rules: a device name matched ignoring
  width reaches it as the typed characters followed by the rest of the name
  (:func:`fish_value`).

Nothing here imports SQLAlchemy: a TAB on a command or option name stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from typer import _click
from typer import _completion_classes as _typer_classes
from typer._click.shell_completion import (
    CompletionItem,
    ShellComplete,
    _resolve_context,
    _resolve_incomplete,
    add_completion_class,
    split_arg_string,
)

FILES = ":files"  # a response line: let the shell complete file names here
NAME = "name"  # the type of a device's name or id (matched as a DEVICE is resolved)

BASH_SCRIPT = """\
# bash completion for %(prog_name)s (generated; see scripts/regenerate.py)
%(complete_func)s() {
    local IFS=$'\\n' line
    local -a response
    response=( $(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \\
                 COMP_LINE="${COMP_LINE:0:$COMP_POINT}" \\
                 %(autocomplete_var)s=complete_bash "$1" 2>/dev/null) )
    COMPREPLY=()
    for line in "${response[@]}"; do
        if [[ $line == ':files' ]]; then
            compopt -o default
        else
            COMPREPLY+=("$line")
        fi
    done
    return 0
}

complete -F %(complete_func)s %(prog_name)s
"""

ZSH_SCRIPT = """\
#compdef %(prog_name)s
# zsh completion for %(prog_name)s (generated; see scripts/regenerate.py)

%(complete_func)s() {
  local -a response values shown
  local line value help
  response=("${(@f)$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" \\
                       %(autocomplete_var)s=complete_zsh %(prog_name)s 2>/dev/null)}")
  for line in "${response[@]}"; do
    [[ -z $line ]] && continue
    if [[ $line == ':files' ]]; then
      _files
      continue
    fi
    value=${line%%%%$'\\t'*}
    help=${line#*$'\\t'}
    values+=("$value")
    if [[ $help != "$line" ]]; then
      shown+=("$value  -- $help")
    else
      shown+=("$value")
    fi
  done
  (( ${#values} )) && compadd -U -V unsorted -l -d shown -a values
  return 0
}

if [[ ${funcstack[1]} == _%(prog_name)s ]]; then
  # autoloaded from fpath (the file is the function _%(prog_name)s): complete this TAB too
  %(complete_func)s "$@"
else
  # sourced or eval'ed: register the function for the next TAB
  compdef %(complete_func)s %(prog_name)s
fi
"""

FISH_SCRIPT = """\
# fish completion for %(prog_name)s (generated; see scripts/regenerate.py)
function %(complete_func)s
    set -l response (env %(autocomplete_var)s=complete_fish \\
        _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog_name)s 2>/dev/null)
    for line in $response
        if test "$line" = ":files"
            __fish_complete_path (commandline -ct)
        else
            printf '%%s\\n' $line
        end
    end
end

complete --command %(prog_name)s --no-files --arguments '(%(complete_func)s)'
"""

Completer = Callable[[_click.Context, str], list[CompletionItem]]


def _fixed(*values: str) -> Completer:
    def complete(ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(v) for v in values if v.startswith(incomplete.lower())]
    return complete


def _files(ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(incomplete, type="file")]


# The lookups go to storage.lookups, not through the services package: importing that
# loads every use case, the change bodies and the unit of work, which a TAB never needs
# (a lookup must cost no more than ``status``: benchmarks/startup.py).


def _accounts(ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
    """Account ids; any problem (no database, a bad URL, an old schema) means none."""
    from onenumber_cli.cli.invocation import current

    try:
        db = current(ctx).database(create_default=False)
        from onenumber_cli.storage import lookups

        return [CompletionItem(v) for v in lookups.account_ids(db, incomplete)]
    except Exception:
        return []


def _devices(ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
    """The account's registered devices: ids, then names matched as the commands
    resolve them (ignoring case and width)."""
    from onenumber_cli.cli.invocation import current

    try:
        db = current(ctx).database(create_default=False)
        from onenumber_cli.storage import lookups

        account = str(ctx.params.get("account") or "")
        found = lookups.device_refs(db, account, incomplete)
    except Exception:
        return []
    # Exactly as typed first: a shell replacing the word by the matches' common prefix
    # must never lose what was typed ("Apple Watch SE" is not cut back to "...S").
    exact = [v for v in found if v.startswith(incomplete)]
    return [CompletionItem(v, type=NAME) for v in exact or found]


def _profiles(ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
    """The config file's profiles (``--profile``, ``config use``); none if it is broken."""
    from onenumber_cli.cli.settings import PROFILES, config_path, load_config

    try:
        names = sorted(load_config(config_path()).get(PROFILES, {}))
    except Exception:
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


# Values by parameter name; parameters not listed complete as Click has them (choices).
COMPLETERS: dict[str, Completer] = {
    "account": _accounts,
    "accounts": _accounts,  # status, devices list, history: several (or -)
    "device": _devices,
    "profile": _profiles,
    "output": _fixed("table", "json", "jsonl", "csv", "tsv", "xlsx"),
    "lang": _fixed("ja", "en"),
    "file": _files,
}


def _adopt_root_options(ctx: _click.Context) -> None:
    """The global options typed before the subcommand (``onenumber --db URL status ...``):
    the root's callback, which remembers them when a command runs, is not run while
    completing, so they are remembered here, as that callback would (one given after
    the subcommand wins).  The values then come from the same settings a command
    resolves: flag > environment > config file (and ``--profile``) > default."""
    from onenumber_cli.cli.invocation import current
    from onenumber_cli.cli.settings import OPTION

    root = ctx.find_root()
    run = current(ctx)
    for name, value in root.params.items():
        source = root.get_parameter_source(name)
        if (name in OPTION and value is not None and value is not False
                and source is not None and source.name == "COMMANDLINE"
                and name not in run.flags):
            run.remember(name, value)


def completions(cli: _click.Command, ctx_args: Any, prog_name: str, args: list[str],
                incomplete: str) -> list[CompletionItem]:
    ctx = _resolve_context(cli, ctx_args, prog_name, args)
    _adopt_root_options(ctx)
    obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
    if isinstance(obj, _click.Parameter):
        completer = COMPLETERS.get(obj.name or "")
        if completer is not None and not getattr(obj, "is_flag", False):
            return completer(ctx, incomplete)
    items = obj.shell_complete(ctx, incomplete)
    if isinstance(obj, _click.Parameter) and not items:
        return []  # a free value (a name, a time): nothing to offer, and never files
    return list(items)


def split_line(line: str) -> tuple[list[str], str, str | None]:
    """``line`` split as bash splits words: the complete words, the word being typed
    (unquoted) and the quote it is open in (``'``, ``"`` or None)."""
    words: list[str] = []
    word: list[str] = []
    quote: str | None = None
    started = False
    i = 0
    while i < len(line):
        char = line[i]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                word.append(char)
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and i + 1 < len(line) and line[i + 1] in '"\\$`':
                i += 1
                word.append(line[i])
            else:
                word.append(char)
        elif char in " \t\n":
            if started:
                words.append("".join(word))
                word, started = [], False
        elif char == "\\":
            started = True
            if i + 1 < len(line):
                i += 1
                word.append(line[i])
        elif char in "'\"":
            quote, started = char, True
        else:
            word.append(char)
            started = True
        i += 1
    return words, "".join(word) if started else "", quote


_BASH_SPECIAL = set(" \t\n'\"\\$`!&;|<>()*?[]#~{}^,=:")


def bash_quote(value: str, quote: str | None) -> str:
    """``value`` as the rest of a bash word typed so far in ``quote``."""
    if quote == "'":
        return value.replace("'", "'\\''")
    if quote == '"':
        return "".join("\\" + c if c in '"\\$`' else c for c in value)
    return "".join("\\" + c if c in _BASH_SPECIAL else c for c in value)


class _Complete(ShellComplete):
    def source_vars(self) -> dict[str, Any]:
        return {"complete_func": self.func_name, "autocomplete_var": self.complete_var,
                "prog_name": self.prog_name}

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        return completions(self.cli, self.ctx_args, self.prog_name, args, incomplete)

    def get_completion_args(self) -> tuple[list[str], str]:
        args, incomplete, _quote = self.args_from_line(os.environ.get("COMP_LINE", ""))
        return args, incomplete

    def args_from_line(self, line: str) -> tuple[list[str], str, str | None]:
        words, incomplete, quote = split_line(line)
        return words[1:], incomplete, quote

    def lines(self, items: list[CompletionItem], quote: str | None, *, shell_quotes: bool
              ) -> list[str]:
        out: list[str] = []
        for item in items:
            if item.type == "file":
                out.append(FILES)
            elif shell_quotes:
                out.append(bash_quote(item.value, quote))
            else:
                help_text = " ".join((item.help or "").split())
                out.append(f"{item.value}\t{help_text}" if help_text else item.value)
        return out

    def format_completion(self, item: CompletionItem) -> str:  # pragma: no cover - unused
        return str(item.value)


class BashComplete(_Complete):
    name = "bash"
    source_template = BASH_SCRIPT

    def complete(self) -> str:
        line = os.environ.get("COMP_LINE")
        if line is None:  # a script from an older release: words, raw values
            words = split_arg_string(os.environ.get("COMP_WORDS", ""))
            cword = int(os.environ.get("COMP_CWORD", "0"))
            incomplete = words[cword] if cword < len(words) else ""
            items = self.get_completions(words[1:cword], incomplete)
            return "\n".join(str(i.value) for i in items if i.type != "file")
        args, incomplete, quote = self.args_from_line(line)
        items = self.get_completions(args, incomplete)
        return "\n".join(self.lines(items, quote, shell_quotes=True))


class ZshComplete(_Complete):
    name = "zsh"
    source_template = ZSH_SCRIPT

    def complete(self) -> str:
        args, incomplete, quote = self.args_from_line(os.environ.get("_TYPER_COMPLETE_ARGS", ""))
        return "\n".join(self.lines(self.get_completions(args, incomplete), quote,
                                    shell_quotes=False))


def fish_value(value: str, typed: str) -> str:
    """``value`` (a device's name or id) as fish must get it for the word ``typed``.

    fish (3.6; its ``string_fuzzy_match_t``) keeps only the values that match the typed
    word by its own rules (a prefix, a substring or a subsequence of it, case folded by
    ``towlower``, never by width), and a completion cannot replace the word otherwise
    (``commandline -t`` is ignored while fish completes): ``ＡＰＰＬＥ`` would lose
    ``Apple Watch SE``.  Such a value goes to fish as the typed characters followed by
    the rest of the name, ``ＡＰＰＬＥ Watch SE``: fish keeps it (a prefix match) and the
    word names the same device, since a DEVICE's name is resolved by NFKC and case
    folding.  Values fish matches itself (``apple`` for ``Apple Watch SE``) are left
    alone: fish then puts the name itself on the line.
    """
    if value.lower().startswith(typed.lower()):
        return value
    from onenumber_cli.domain.names import name_key

    key = name_key(typed)
    for end in range(1, len(value) + 1):
        if name_key(value[:end]) == key:
            return typed + value[end:]
    return value  # no prefix of the name folds to the word (cannot happen for a match)


class FishComplete(ZshComplete):
    name = "fish"
    source_template = FISH_SCRIPT

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(fish_value(item.value, incomplete), type=item.type,
                               help=item.help) if item.type == NAME else item
                for item in super().get_completions(args, incomplete)]


class PowerShellComplete(_typer_classes.PowerShellComplete):
    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        return completions(self.cli, self.ctx_args, self.prog_name, args, incomplete)


SCRIPTS = {"bash": BASH_SCRIPT, "zsh": ZSH_SCRIPT, "fish": FISH_SCRIPT}


def install() -> None:
    """Use these classes for ``_ONENUMBER_COMPLETE=...`` and these scripts for
    ``--install-completion``/``--show-completion`` (Typer keeps its templates in a
    module dict; pinned Typer 0.28)."""
    from typer import _completion_shared

    for cls in (BashComplete, ZshComplete, FishComplete):
        add_completion_class(cls, cls.name)
    for name in ("powershell", "pwsh"):
        add_completion_class(PowerShellComplete, name)
    _completion_shared._completion_scripts.update(SCRIPTS)
