"""The wheel carries everything the program needs at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_includes_migrations_catalogs_and_type_marker(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("onenumber_cli-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("onenumber_cli/migrations/env.py",
                     "onenumber_cli/migrations/script.py.mako",
                     "onenumber_cli/migrations/versions/0001_initial.py",
                     "onenumber_cli/i18n/locale/ja/LC_MESSAGES/onenumber.mo",
                     "onenumber_cli/py.typed"):
        assert required in names, required
    assert not any(name.startswith(("tests/", "scripts/", "benchmarks/")) for name in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: typer" in text and "Provides-Extra: postgres" in text
