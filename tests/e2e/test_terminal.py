"""The operator's terminal, for real (tmux): confirmation prompts (y, n, Ctrl-C,
Ctrl-D), batch progress and report, and output fitting 60 and 200 columns."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import BIN, Terminal, require


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONENUMBER_DATABASE")}
    env.update(ONENUMBER_DATA_DIR=str(folder), ONENUMBER_OPERATOR="t")
    subprocess.run([str(BIN / "onenumber"), "demo", "-q"], env=env, check=True,
                   capture_output=True, timeout=120)
    return folder


def open_terminal(tmp_path: Path, data: Path, width: int) -> Terminal:
    require("tmux", "bash")
    env = {"HOME": str(tmp_path), "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "PATH": f"{BIN}:/usr/bin:/bin", "ONENUMBER_DATA_DIR": str(data),
           "ONENUMBER_OPERATOR": "t", "PS1": "$ "}
    term = Terminal(["bash", "--norc", "--noprofile"], env, width=width, cwd=tmp_path)
    term.wait(lambda s: s.strip().endswith("$"))
    return term


@pytest.fixture
def term60(tmp_path: Path, data: Path) -> Iterator[Terminal]:
    term = open_terminal(tmp_path, data, 60)
    yield term
    term.close()


def run(term: Terminal, command: str) -> None:
    term.keys("C-l")
    term.type(command + "; echo EXIT=$?")
    term.keys("Enter")


def finished(term: Terminal, timeout: float = 60) -> str:
    """The screen once the command has ended (``EXIT=N`` on a line of its own)."""
    return term.wait(lambda s: any(x.startswith("EXIT=") for x in s.splitlines()), timeout)


UNREGISTER = "onenumber devices unregister demo-multi BMW"


@pytest.mark.parametrize(("keys", "status", "said"), [
    (["y", "Enter"], 0, "Unregistered"),
    (["n", "Enter"], 1, "Cancelled; nothing was changed."),
    (["C-c"], 130, "Interrupted; nothing was changed."),
    (["C-d"], 1, "Cancelled; nothing was changed."),
])
def test_the_confirmation_prompt_answers_keys_as_the_readme_says(
        term60: Terminal, keys: list[str], status: int, said: str) -> None:
    run(term60, UNREGISTER)
    term60.wait_for("[y/N]:")
    term60.keys(*keys)
    screen = finished(term60)
    assert f"EXIT={status}" in screen, screen
    assert said in screen
    assert "Aborted!" not in screen  # (the terminal itself echoes ^C at the prompt)
    prompt_line = next(line for line in screen.splitlines() if "[y/N]:" in line)
    assert said not in prompt_line  # the outcome starts a line of its own


def test_a_wrong_answer_is_explained_in_japanese(term60: Terminal) -> None:
    run(term60, UNREGISTER + " --lang ja")
    term60.wait_for("[y/N]:")
    term60.type("maybe")
    term60.keys("Enter")
    term60.wait_for("y（はい）か n（いいえ）で答えてください。")
    term60.keys("n", "Enter")
    screen = finished(term60)
    assert "EXIT=1" in screen and "Error: invalid input" not in screen


def test_a_batch_on_a_terminal_shows_progress_then_failures_and_summary(
        term60: Terminal, tmp_path: Path) -> None:
    rows = ["action,account,device,name"]
    rows += ["rename,demo-multi,BMW,BMW"] * 400  # ok, unchanged
    rows += ["rename,nobody,BMW,x"]
    (tmp_path / "fixes.csv").write_text("\n".join(rows) + "\n")
    run(term60, "onenumber batch apply fixes.csv")
    screen = finished(term60, 120)
    lines = [line for line in screen.splitlines() if line.strip()]
    assert "EXIT=1" in screen
    assert any(line.lstrip().startswith("row") and "outcome" in line for line in lines)
    assert any("nobody" in line for line in lines)
    assert not any("unchanged" in line for line in lines)  # ok rows: not shown
    assert any("401 rows, 400 ok" in line for line in lines)
    for line in lines:  # no progress fragment glued to a result line
        assert "%" not in line or line.startswith("batch")


def test_the_full_batch_report_goes_to_a_pipe(term60: Terminal, tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("action,account,device,name\nrename,demo-multi,BMW,Car\n")
    run(term60, "onenumber batch apply f.csv | cat")
    screen = finished(term60)
    assert any("Car" in line and "rename" in line for line in screen.splitlines())


def test_batch_from_a_terminal_says_what_it_expects(term60: Terminal) -> None:
    run(term60, "onenumber batch apply -")
    term60.wait_for("Ctrl-D")
    term60.keys("C-d")
    finished(term60)


def _fits(screen: str, width: int) -> None:
    from wcwidth import wcswidth

    for line in screen.splitlines():  # (capture-pane -J joins what the terminal wrapped)
        if not line.startswith("$ "):
            assert wcswidth(line) <= width, line


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_status_fits_60_columns_without_splitting_commands(term60: Terminal,
                                                           lang: str) -> None:
    name = {"ja": "とても長い名前の車載端末ナビゲーション",
            "en": "A-very-long-name-for-the-car-1"}[lang]
    run(term60, f"onenumber --lang {lang} devices rename demo-single BMW {name} -q >/dev/null; "
                f"onenumber status demo-single --lang {lang}")
    screen = finished(term60)
    _fits(screen, 60)
    assert "onenumber service cancel demo-single" in screen  # one line, copyable


def test_a_wide_table_is_shortened_with_a_marker_at_60_columns(term60: Terminal) -> None:
    run(term60, "onenumber devices rename demo-multi BMW "
                "Very-long-device-name-for-car1 -q; onenumber devices list demo-multi")
    screen = finished(term60)
    _fits(screen, 60)
    assert "…" in screen


def test_at_200_columns_nothing_is_shortened(tmp_path: Path, data: Path) -> None:
    term = open_terminal(tmp_path, data, 200)
    try:
        run(term, "onenumber devices rename demo-multi BMW "
                  "Very-long-device-name-for-car1 -q; onenumber devices list demo-multi")
        screen = finished(term)
        assert "Very-long-device-name-for-car1" in screen and "…" not in screen
    finally:
        term.close()


def test_a_left_out_device_is_asked_for_and_the_target_named(term60: Terminal) -> None:
    run(term60, "onenumber devices unregister demo-multi")
    screen = term60.wait_for("Device to unregister")
    assert "Target: database" in screen and "sqlite:///" in screen  # named first
    term60.type("BMW")
    term60.keys("Enter")
    term60.wait_for("[y/N]:")
    term60.keys("y", "Enter")
    assert "EXIT=0" in finished(term60)


def test_a_confirming_profile_asks_before_every_change(term60: Terminal,
                                                       tmp_path: Path) -> None:
    config = tmp_path / ".config" / "onenumber" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[profiles.prod]\nconfirm = true\n")
    run(term60, f"XDG_CONFIG_HOME={tmp_path / '.config'} onenumber --profile prod "
                "option subscribe demo-single")
    screen = term60.wait_for("Proceed?")
    assert "Target: profile prod, database" in screen and "sqlite:///" in screen
    flat = screen.replace("\n", "")  # the prompt wraps at 60 columns
    assert "option subscribe demo-single" in flat and flat.count("[y/N]") == 1
    term60.keys("n", "Enter")
    assert "EXIT=1" in finished(term60)


def test_audit_is_paged_on_a_terminal_only(term60: Terminal) -> None:
    pager = "ONENUMBER_PAGER='sed s/^/PAGED:/'"
    run(term60, f"{pager} onenumber audit")
    assert "PAGED:" in output_of(finished(term60))
    run(term60, f"{pager} onenumber audit --no-pager")
    assert "PAGED:" not in output_of(finished(term60))
    run(term60, f"{pager} onenumber audit | cat")
    assert "PAGED:" not in output_of(finished(term60))


def output_of(screen: str) -> str:
    """What the command printed: the lines between its command line and ``EXIT=``."""
    lines = screen.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("$ ")) + 1
    end = next(i for i, x in enumerate(lines) if x.startswith("EXIT="))
    return "\n".join(lines[start:end])
