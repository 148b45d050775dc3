"""Completion in the operator's real shells (bash with bash-completion, zsh, fish), from
the shipped files installed as the README says, driven through tmux."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import BIN, ROOT, Terminal, install_completions, require

SHELLS = {"bash": ["bash", "-i"], "zsh": ["zsh", "-i"], "fish": ["fish", "-i"]}
PROMPT = {"bash": "$ ", "zsh": "% ", "fish": "> "}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo customers plus a Japanese name with a space."""
    folder = tmp_path_factory.mktemp("data")
    env = {**os.environ, "ONENUMBER_DATA_DIR": str(folder), "ONENUMBER_OPERATOR": "t"}
    for name in [k for k in env if k.startswith("ONENUMBER_DATABASE")]:
        env.pop(name)
    for args in (["demo", "-q"],
                 ["devices", "register", "demo-multi", "--type", "Garmin", "--name", "電車 用",
                  "-q"]):
        subprocess.run([str(BIN / "onenumber"), *args], env=env, check=True,
                       capture_output=True, timeout=120)
    return folder


def shell_env(home: Path, data: Path) -> dict[str, str]:
    return {"HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8",
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "ONENUMBER_DATA_DIR": str(data),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share")}


@pytest.fixture(params=list(SHELLS))
def shell(request: pytest.FixtureRequest, tmp_path: Path, data: Path) -> Iterator[Shell]:
    name = request.param
    require("tmux", name, *(["bash-completion"] if name == "bash" else []))
    home = tmp_path / "home"
    install_completions(home)
    term = Terminal(SHELLS[name], shell_env(home, data), cwd=tmp_path)
    try:
        yield Shell(name, term)
    finally:
        term.close()


class Shell:
    def __init__(self, name: str, term: Terminal) -> None:
        self.name, self.term = name, term
        self.prompt = PROMPT[name]
        term.wait(lambda s: s.rstrip().endswith(self.prompt.strip()))

    def tab(self, text: str, *, times: int = 1) -> str:
        """The command line after typing ``text`` and TAB; the screen below it too."""
        self.term.keys("C-e", "C-u")
        self.term.type(text)
        self.term.wait_for(text.rstrip() if text.strip() else self.prompt.strip())
        before = self.term.screen()
        for _ in range(times):
            self.term.keys("Tab")
        try:
            return self.term.wait(lambda s: s != before, timeout=10)
        except AssertionError:
            return before

    def line(self, text: str) -> str:
        """The last command line after TAB (the one being edited)."""
        screen = self.tab(text)
        edited = [x for x in screen.splitlines() if x.startswith(self.prompt)]
        return edited[-1][len(self.prompt):].rstrip() if edited else ""


SHOW = "onenumber devices show demo-multi "


def test_a_name_with_spaces_completes_to_one_quoted_word(shell: Shell) -> None:
    assert shell.line(SHOW + "Apple\\ Watch\\ SE") == SHOW + "Apple\\ Watch\\ SE"
    assert shell.line(SHOW + "BM") == SHOW + "BMW"
    assert shell.line(SHOW + "Apple\\ Watch\\ Ser") == SHOW + "Apple\\ Watch\\ Series\\ 6"
    assert shell.line(SHOW + '"Apple Watch Ser').startswith(SHOW + '"Apple Watch Series 6')


def test_a_japanese_name_completes_to_one_word(shell: Shell) -> None:
    assert shell.line(SHOW + "電") == SHOW + "電車\\ 用"


def test_device_names_complete_ignoring_case(shell: Shell) -> None:
    assert shell.line(SHOW + "bm") == SHOW + "BMW"
    assert shell.line(SHOW + "apple\\ watch\\ ser") == SHOW + "Apple\\ Watch\\ Series\\ 6"


def test_device_names_complete_ignoring_width(shell: Shell) -> None:
    """Full-width input finds half-width names, as the commands resolve a DEVICE.  bash
    and zsh put the name itself on the line; fish keeps only values that match the typed
    word by its own rules, so it gets the typed characters followed by the rest of the
    name (completion.fish_value), a word that names the same device."""
    typed = "ＡＰＰＬＥ\\ Ｗａｔｃｈ\\ Ｓｅｒ"
    if shell.name == "fish":
        assert shell.line(SHOW + "ＢＭ") == SHOW + "ＢＭW"
        # both offered (fish's pager elides their common start), the common part inserted
        line, pager = shell.tab(SHOW + "ＡＰＰＬＥ").splitlines()[:2]
        assert line.endswith(SHOW + "ＡＰＰＬＥ\\ Watch\\ S")
        assert "Ｅ Watch SE" in pager and "Ｅ Watch Series 6" in pager
        completed = typed + "ies\\ 6"
    else:
        assert shell.line(SHOW + "ＢＭ") == SHOW + "BMW"
        # both names offered: the word becomes their common part
        assert shell.line(SHOW + "ＡＰＰＬＥ") == SHOW + "Apple\\ Watch\\ S"
        completed = "Apple\\ Watch\\ Series\\ 6"
    assert shell.line(SHOW + typed) == SHOW + completed
    shell.term.keys("Enter")  # the completed word reaches that device
    shell.term.wait_for("356938035643809")


def test_option_values_complete_and_never_offer_files(shell: Shell, tmp_path: Path) -> None:
    (tmp_path / "jsonfile.txt").write_text("x")
    assert shell.line("onenumber status demo-multi -o jso").endswith("-o json")
    assert shell.line("onenumber status demo-multi -o tab").endswith("-o table")
    assert shell.line("onenumber --lang j").endswith("--lang ja")
    assert shell.line("onenumber history demo-multi --kind unr").endswith("--kind unregister")
    screen = shell.tab("onenumber status demo-multi --operator ", times=2)
    assert "jsonfile.txt" not in screen  # a free value: nothing, and never file names


def test_accounts_and_commands_complete(shell: Shell) -> None:
    assert shell.line("onenumber status demo-s") == "onenumber status demo-single"
    assert shell.line("onenumber devices unr") == "onenumber devices unregister"


def test_batch_apply_completes_file_names(shell: Shell, tmp_path: Path) -> None:
    (tmp_path / "fixes-2026.csv").write_text("action,account\n")
    assert shell.line("onenumber batch apply fixes-") == "onenumber batch apply fixes-2026.csv"


def test_zsh_descriptions_keep_their_apostrophe(shell: Shell) -> None:
    screen = shell.tab("onenumber devices ", times=2)
    if shell.name == "bash":  # bash lists names only
        assert "unregister" in screen and "rename" in screen
        return
    assert "Remove a device's One Number registration" in screen


def test_installed_completion_works_on_the_first_tab(tmp_path: Path, data: Path) -> None:
    """``--install-completion`` for zsh (autoloaded from ~/.zfunc, with the rc lines it
    names): the first TAB of a new shell completes, and the shipped file starts with
    ``#compdef``."""
    require("tmux", "zsh")
    assert (ROOT / "completions/_onenumber").read_text().startswith("#compdef onenumber\n")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text("PS1='%% '\n")
    env = shell_env(home, data)
    said = subprocess.run(["zsh", "-c", "onenumber --install-completion; true"], env=env,
                          check=True, capture_output=True, text=True, timeout=60).stdout
    # (no $SHELL here: the program detects its parent shell); the rc lines it says to add
    assert said.splitlines()[-2:] == ["    fpath+=~/.zfunc",
                                      "    autoload -Uz compinit && compinit"]
    with (home / ".zshrc").open("a") as rc:
        rc.write("fpath+=~/.zfunc\nautoload -Uz compinit && compinit\n")
    text = (home / ".zfunc/_onenumber").read_text()
    assert text.startswith("#compdef onenumber")
    term = Terminal(["zsh", "-i"], env, cwd=tmp_path)
    try:
        term.wait(lambda s: s.strip().endswith("%"))
        term.type("onenumber status demo-s")
        term.wait_for("demo-s")
        term.keys("Tab")
        term.wait_for("onenumber status demo-single")
    finally:
        term.close()


def test_one_program_run_per_tab(tmp_path: Path, data: Path) -> None:
    """fish used to run the program twice per TAB (a condition, then the values)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "runs.log"
    (shim / "onenumber").write_text(f"#!/bin/sh\necho run >> '{log}'\n"
                                    f"exec '{BIN / 'onenumber'}' \"$@\"\n")
    (shim / "onenumber").chmod(0o755)
    for name, command in SHELLS.items():
        require("tmux", name, *(["bash-completion"] if name == "bash" else []))
        home = tmp_path / f"home-{name}"
        install_completions(home)
        env = shell_env(home, data)
        env["PATH"] = f"{shim}:{env['PATH']}"
        term = Terminal(command, env, cwd=tmp_path)
        try:
            shell = Shell(name, term)
            log.write_text("")
            assert shell.line("onenumber status demo-s") == "onenumber status demo-single"
            assert log.read_text().count("run") == 1, name
        finally:
            term.close()


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """``fleet.sqlite`` in the shell's folder holding the demo customers, while the default
    database (the data folder) does not exist."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONENUMBER_")}
    env.update(ONENUMBER_DATA_DIR=str(tmp_path / "unused"), ONENUMBER_OPERATOR="t")
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run([str(BIN / "onenumber"), "--db", "sqlite:///fleet.sqlite", *args, "-q"],
                       env=env, check=True, capture_output=True, timeout=120, cwd=tmp_path)
    return tmp_path / "fleet.sqlite"


@pytest.mark.parametrize("name", list(SHELLS))
def test_global_options_before_the_subcommand_choose_the_database_completed_from(
        name: str, tmp_path: Path, fleet: Path) -> None:
    """``--db`` and ``--profile`` typed before the subcommand are honoured by completion
    as by the command (they were ignored: the values came from the default database)."""
    require("tmux", name, *(["bash-completion"] if name == "bash" else []))
    home = tmp_path / "home"
    install_completions(home)
    (home / ".config/onenumber").mkdir(parents=True)
    (home / ".config/onenumber/config.toml").write_text(
        f'[profiles.fleet]\ndatabase_url = "sqlite:///{fleet}"\n')
    term = Terminal(SHELLS[name], shell_env(home, tmp_path / "unused"), cwd=tmp_path)
    try:
        shell = Shell(name, term)
        for typed, done in [
            ("onenumber --db sqlite:///fleet.sqlite status demo-s", "demo-single"),
            ("onenumber --profile fleet status demo-s", "demo-single"),
            ("onenumber --profile fleet devices show demo-multi BM", "BMW"),
            ("onenumber status --db sqlite:///fleet.sqlite demo-s", "demo-single"),
            ("onenumber --profile fl", "fleet"),  # the config file's profiles
            ("onenumber config use fl", "fleet"),
        ]:
            assert shell.line(typed) == typed.rsplit(" ", 1)[0] + " " + done, typed
        # the default database (none here) still answers when no option names another
        assert shell.line("onenumber status demo-s") == "onenumber status demo-s"
    finally:
        term.close()
