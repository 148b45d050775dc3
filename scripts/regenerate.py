"""Regenerate the files derived from the program: ``docs/cli.md``, ``completions/`` and
the message catalogs (``onenumber_cli/i18n/locale``: extracted, updated, compiled; see
``scripts/catalogs.py``).

    python scripts/regenerate.py          # write them
    python scripts/regenerate.py --check  # exit 1 if any is stale or a message is not
                                          # translated (tests do the same)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from typer import _click

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: scripts/ is on the path, not the root
    sys.path.insert(0, str(ROOT))
SHELLS = {"bash": "onenumber.bash", "zsh": "_onenumber", "fish": "onenumber.fish",
          "powershell": "onenumber.ps1"}
WIDTH = 100


def completion_script(shell: str) -> str:
    """What the installed program itself prints for ``_ONENUMBER_COMPLETE=source_<shell>``."""
    program = shutil.which("onenumber", path=str(Path(sys.executable).parent)) or "onenumber"
    env = {**os.environ, "_ONENUMBER_COMPLETE": f"source_{shell}"}
    return subprocess.run([program], env=env, capture_output=True, text=True,
                          check=True).stdout


def _commands(command: _click.Command, parent: _click.Context | None, name: str
              ) -> Iterator[tuple[_click.Context, _click.Command]]:
    ctx = _click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH,
                         max_content_width=WIDTH)
    yield ctx, command
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _commands(sub, ctx, sub_name)


def cli_reference() -> str:
    """The command reference: every command's own --help, and the exit codes."""
    from onenumber_cli.cli.app import app
    from onenumber_cli.cli.exitcodes import ExitCode

    root = typer.main.get_command(app)
    out = ["# onenumber command reference", "",
           "Generated from the program by `python scripts/regenerate.py`; do not edit by hand.",
           "A test fails when this file and the program disagree.", ""]
    for ctx, command in _commands(root, None, "onenumber"):
        out += [f"## `{ctx.command_path}`", "", "```text", command.get_help(ctx).rstrip(),
                "```", ""]
    out += ["## Exit codes", "", "| code | name |", "|---|---|"]
    out += [f"| {code.value} | `{code.name.lower()}` |" for code in ExitCode]
    return "\n".join(out) + "\n"


def expected_files() -> dict[Path, str]:
    files = {ROOT / "docs" / "cli.md": cli_reference()}
    for shell, filename in SHELLS.items():
        files[ROOT / "completions" / filename] = completion_script(shell)
    return files


def _write_stale(files: dict[Path, str] | dict[Path, bytes], check: bool) -> list[Path]:
    stale = []
    for path, content in files.items():
        current = path.read_bytes() if path.exists() else None
        data = content.encode("utf-8") if isinstance(content, str) else content
        if current == data:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return stale


def main() -> None:
    from scripts import catalogs

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args()
    stale = _write_stale(expected_files(), args.check)
    catalog_files, gaps = catalogs.expected()
    stale += _write_stale(catalog_files, args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
    failed = bool(args.check and stale)
    for lang, missing in gaps.items():
        for message in missing:
            print(f"untranslated ({lang}): {message!r}")
        if missing:
            print(f"translate them in {catalogs.po_path(lang).relative_to(ROOT)}, then run "
                  "python scripts/regenerate.py again")
            failed = True
        if args.check and (problem := catalogs.msgfmt_errors(catalogs.po_path(lang))):
            print(f"msgfmt --check {catalogs.po_path(lang).relative_to(ROOT)}:\n{problem}")
            failed = True
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
