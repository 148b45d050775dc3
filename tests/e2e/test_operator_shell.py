"""Issue 24 (the operator's shell, round 3) in real shells under tmux, each with an
empty HOME: values beginning with ``-``, the device picker, batch progress with rows on
the same terminal, and installing completion as the README says."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import BIN, ROOT, Terminal, require

SHELLS = {"bash": ["bash", "-i"], "zsh": ["zsh", "-i"], "fish": ["fish", "-i"]}
STATUS = {"bash": "$?", "zsh": "$?", "fish": "$status"}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONENUMBER_")}
    env.update(ONENUMBER_DATA_DIR=str(folder), ONENUMBER_OPERATOR="t")
    subprocess.run([str(BIN / "onenumber"), "demo", "-q"], env=env, check=True,
                   capture_output=True, timeout=120)
    return folder


def fresh_env(home: Path, data: Path, shell: str) -> dict[str, str]:
    """An operator's empty HOME: no rc files, nothing installed but the program on PATH."""
    home.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8",
            "SHELL": f"/usr/bin/{shell}", "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "ONENUMBER_DATA_DIR": str(data), "ONENUMBER_OPERATOR": "t"}


class Session:
    """A shell in tmux; :meth:`run` types a command line and waits for its exit status."""

    def __init__(self, shell: str, env: dict[str, str], cwd: Path) -> None:
        require("tmux", shell)
        self.shell = shell
        self.term = Terminal(SHELLS[shell], env, cwd=cwd)
        self.term.wait(lambda s: bool(s.strip()), timeout=20)  # its first prompt

    def start(self, line: str) -> None:
        """Type ``line``; its end prints ``EXIT<n>=status`` (a marker of its own: the
        screen may still show the previous command's while it clears)."""
        self.runs = getattr(self, "runs", 0) + 1
        self.marker = f"EXIT{self.runs}="
        self.term.keys("C-l")
        self.term.type(f"{line}; echo {self.marker}{STATUS[self.shell]}")
        self.term.keys("Enter")

    def finished(self, timeout: float = 60) -> str:
        return self.term.wait(
            lambda s: any(x.startswith(self.marker) for x in s.splitlines()), timeout)

    def run(self, line: str, timeout: float = 60) -> tuple[int, str]:
        self.start(line)
        screen = self.finished(timeout)
        code = next(x for x in screen.splitlines() if x.startswith(self.marker))
        lines = screen.splitlines()
        mine = max(i for i, x in enumerate(lines) if self.marker in x and "echo" in x)
        return int(code.removeprefix(self.marker)), "\n".join(lines[mine:])

    def close(self) -> None:
        self.term.close()


@pytest.fixture(params=list(SHELLS))
def session(request: pytest.FixtureRequest, tmp_path: Path, data: Path) -> Iterator[Session]:
    name = request.param
    require("tmux", name)
    opened = Session(name, fresh_env(tmp_path / "home", data, name), tmp_path)
    try:
        yield opened
    finally:
        opened.close()


def test_a_name_beginning_with_a_dash_is_explained_then_given_after_double_dash(
        session: Session) -> None:
    status, screen = session.run("onenumber devices rename demo-single BMW '-通勤用'")
    assert status == 2
    assert "A value that begins with '-' goes after '--'" in screen
    status, screen = session.run("onenumber devices rename demo-single BMW -- -通勤用")
    assert status == 0, screen
    status, screen = session.run("onenumber devices show demo-single -- -通勤用")
    assert status == 0 and "-通勤用" in screen


@pytest.fixture
def bash(tmp_path: Path, data: Path) -> Iterator[Session]:
    require("tmux", "bash")
    opened = Session("bash", fresh_env(tmp_path / "home", data, "bash"), tmp_path)
    try:
        yield opened
    finally:
        opened.close()


PICK = "Device to unregister (slot number, id, IMEI or name):"


def test_the_device_picker_asks_again_after_a_typo_and_takes_a_slot_number(
        bash: Session) -> None:
    bash.start("onenumber devices unregister demo-multi")
    screen = bash.term.wait_for(PICK)
    assert re.search(r"^  2  \w{8}  Apple Watch Series 6$", screen, re.M)  # by slot
    bash.term.type("xxx")
    bash.term.keys("Enter")
    screen = bash.term.wait(lambda s: s.count(PICK) == 2)
    assert "No registered device xxx: answer with a slot number (1, 2, 3)" in screen
    bash.term.type("2")
    bash.term.keys("Enter")
    screen = bash.term.wait_for("[y/N]:")
    assert "Apple Watch Series 6" in screen.split(PICK)[-1]  # slot 2's confirmation
    bash.term.keys("y", "Enter")
    screen = bash.finished()
    assert f"{bash.marker}0" in screen, screen
    status, listing = bash.run("onenumber devices list demo-multi -o csv")
    assert status == 0 and "Apple Watch Series 6" not in listing and "BMW" in listing


@pytest.mark.parametrize(("keys", "status", "said"), [
    (["C-c"], 130, "Interrupted; nothing was changed."),
    (["C-d"], 1, "Cancelled; nothing was changed."),
])
def test_the_device_picker_still_ends_on_ctrl_c_and_ctrl_d(
        bash: Session, keys: list[str], status: int, said: str) -> None:
    bash.start("onenumber devices unregister demo-multi")
    bash.term.wait_for(PICK)
    bash.term.type("nope")
    bash.term.keys("Enter")
    bash.term.wait(lambda s: s.count(PICK) == 2)
    bash.term.keys(*keys)
    screen = bash.finished()
    assert f"{bash.marker}{status}" in screen and said in screen


def _flips(count: int) -> str:
    """``count`` renames of demo-multi's BMW to Car and back: each row changes it."""
    rows = ["action,account,device,name"]
    rows += ["rename,demo-multi,BMW,Car" if i % 2 == 0 else "rename,demo-multi,Car,BMW"
             for i in range(count)]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("output", ["table", "jsonl", "csv", "csv --csv-encoding cp932"])
def test_batch_rows_on_the_terminal_never_share_a_line_with_the_progress_bar(
        bash: Session, tmp_path: Path, output: str) -> None:
    (tmp_path / "flips.csv").write_text(_flips(40))
    status, screen = bash.run(f"onenumber batch apply flips.csv -o {output}")
    assert status == 0, screen
    lines = screen.splitlines()
    bars = [x for x in lines if x.startswith("batch  [")]
    assert bars == [bars[-1]] and "100%" in bars[-1], screen  # one bar, the last drawn
    for line in lines:  # no row glued to the bar (it was: "batch [###--] 42%  27  rename")
        assert not ("%" in line and "demo-multi" in line), screen
    rows = [x for x in lines if "demo-multi" in x]
    assert len(rows) == 40 if output == "table" else len(rows) >= 20  # (screen: 50 lines)


def test_a_json_batch_report_on_the_terminal_stays_one_clean_document(
        bash: Session, tmp_path: Path) -> None:
    """``-o json`` leaves each item's line open until the next comma: the bar is not drawn
    into it."""
    (tmp_path / "flips.csv").write_text(_flips(6))
    status, screen = bash.run("onenumber batch apply flips.csv -o json")
    assert status == 0, screen
    lines = screen.splitlines()
    start, end = lines.index("["), lines.index("]")
    document = json.loads("\n".join(lines[start:end + 1]))
    assert [row["row"] for row in document] == [1, 2, 3, 4, 5, 6]


README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_line(shell: str) -> str:
    """The ``mkdir -p ...`` command of the README's Shell completion table row for
    ``shell`` (``| shell | `...` |``), exactly as written."""
    section = README[README.index("## Shell completion"):]
    section = section[:section.index("\n## ")]
    spans: list[str] = [span for line in section.splitlines()
                        if line.startswith(f"| {shell} |")
                        for span in re.findall(r"`([^`]+)`", line)]
    return next(span for span in spans if span.startswith("mkdir -p "))


RC_LINE = {"bash": "echo 'source ~/.local/share/bash-completion/completions/onenumber' >> "
                   "~/.bashrc",
           "zsh": "printf '%s\\n' 'fpath+=~/.zfunc' 'autoload -Uz compinit && compinit' >> "
                  "~/.zshrc"}


def test_the_readme_rc_lines_are_the_ones_tested() -> None:
    assert f"`{RC_LINE['bash']}`" in README
    assert f"`{RC_LINE['zsh']}`" in README


def _completes_in_a_new_shell(session: Session, shell: str) -> None:
    """A new shell of the kind (its rc files read): TAB completes an account."""
    session.term.keys("C-l")
    session.term.type(f"exec {shell} -i")
    session.term.keys("Enter")
    def prompted(screen: str) -> bool:  # the new shell's prompt, below the exec line
        lines = screen.strip().splitlines()
        return bool(lines) and not lines[-1].endswith(f"exec {shell} -i")

    session.term.wait(prompted, timeout=20)
    session.term.type("onenumber status demo-s")
    session.term.wait_for("demo-s")
    session.term.keys("Tab")
    session.term.wait_for("onenumber status demo-single", timeout=20)


STARTED = {"bash": "bash", "zsh": "zsh", "fish": "fish"}
FIRST = {"bash": ["bash", "--norc", "-i"], "zsh": ["zsh", "-f", "-i"], "fish": ["fish", "-i"]}


def _fresh_session(shell: str, tmp_path: Path, data: Path) -> Session:
    """``shell`` with an empty HOME, in the clone's root (the README's lines are run
    from there); zsh first without rc files (zsh would otherwise start its new-user menu)."""
    require("tmux", shell, *(["bash-completion"] if shell == "bash" else []))
    env = fresh_env(tmp_path / "home", data, shell)
    session = Session.__new__(Session)
    session.shell = shell
    session.term = Terminal(FIRST[shell], env, cwd=ROOT)
    session.term.wait(lambda s: bool(s.strip()), timeout=20)
    return session


@pytest.mark.parametrize("shell", list(SHELLS))
def test_completion_install_on_a_fresh_home_then_tab_completes(
        shell: str, tmp_path: Path, data: Path) -> None:
    session = _fresh_session(shell, tmp_path, data)
    try:
        status, screen = session.run("onenumber completion install")  # from $SHELL
        assert status == 0, screen
        assert f"Wrote the {shell} completion to" in screen
        again_status, again = session.run("onenumber completion install")
        assert again_status == 0 and "is already current" in again  # idempotent
        if shell in RC_LINE:
            assert "Add to" in screen
            assert session.run(RC_LINE[shell])[0] == 0
            assert "Add to" not in session.run("onenumber completion install")[1]
        else:
            assert "Open a new shell" in screen
        _completes_in_a_new_shell(session, shell)
    finally:
        session.close()


@pytest.mark.parametrize("shell", list(SHELLS))
def test_the_readme_manual_lines_work_on_a_fresh_home(
        shell: str, tmp_path: Path, data: Path) -> None:
    """The README's ``mkdir -p ... && cp ...`` line for the shell, word for word, from
    the clone's root (the ``cp`` alone failed: the folders did not exist)."""
    line = readme_line(shell)
    assert line.startswith("mkdir -p ") and " && cp completions/" in line
    session = _fresh_session(shell, tmp_path, data)
    try:
        status, screen = session.run(line)
        assert status == 0, screen
        if shell in RC_LINE:
            assert session.run(RC_LINE[shell])[0] == 0
        _completes_in_a_new_shell(session, shell)
    finally:
        session.close()
