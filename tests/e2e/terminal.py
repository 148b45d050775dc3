"""Real shells in a real terminal: a private tmux server per test.

Outside CI (env ``CI`` != "true") a test needing a missing program is skipped with the
reason; in CI it fails, since ``.ci/run`` installs them (bash-completion, zsh, fish, tmux).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


def require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if "bash-completion" in programs:
        missing = [p for p in missing if p != "bash-completion"]
        if not BASH_COMPLETION.exists():
            missing.append("bash-completion")
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (CI installs them: .ci/run)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def install_completions(home: Path) -> None:
    """The shipped completion files, installed as the README says."""
    bash = home / ".local/share/bash-completion/completions"
    zfunc = home / ".zfunc"
    fish = home / ".config/fish/completions"
    for folder in (bash, zfunc, fish):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "completions/onenumber.bash", bash / "onenumber")
    shutil.copy(ROOT / "completions/_onenumber", zfunc / "_onenumber")
    shutil.copy(ROOT / "completions/onenumber.fish", fish / "onenumber.fish")
    (home / ".bashrc").write_text(f"PS1='$ '\nsource {BASH_COMPLETION}\n")
    (home / ".zshrc").write_text("PS1='%% '\nfpath+=~/.zfunc\nautoload -Uz compinit && "
                                 "compinit\n")
    (home / ".config/fish/config.fish").write_text(
        "function fish_prompt; echo '> '; end\nset -g fish_greeting ''\n"
        "set -g fish_autosuggestion_enabled 0\n")


class Terminal:
    """One tmux session running ``command`` at ``width`` columns."""

    def __init__(self, command: list[str], env: dict[str, str], *, width: int = 200,
                 height: int = 50, cwd: Path | None = None) -> None:
        require("tmux")
        self.socket = f"onenumber-test-{uuid.uuid4().hex[:8]}"
        environment = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        shell_line = f"env -i {environment} {' '.join(_quote(c) for c in command)}"
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                   *(["-c", str(cwd)] if cwd else []), shell_line)
        self.socket_path = Path(self._tmux("display-message", "-p", "#{socket_path}").strip())

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=True, timeout=30).stdout

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "t")

    def lines(self) -> list[str]:
        return [line for line in self.screen().splitlines() if line.strip()]

    def wait(self, predicate: Callable[[str], bool], timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the screen was:\n{screen}")
            time.sleep(0.1)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        return self.wait(lambda screen: text in screen, timeout)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       check=False, timeout=30)
        self.socket_path.unlink(missing_ok=True)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
