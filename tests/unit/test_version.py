"""``--version`` reads installed versions from ``.dist-info`` names (importing
``importlib.metadata`` would cost more than the rest of the call): it must agree with it."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from onenumber_cli.versions import installed_version


@pytest.mark.parametrize("project", ["sqlalchemy", "SQLAlchemy", "typer", "wcwidth",
                                     "types-tabulate", "onenumber-cli"])
def test_matches_importlib_metadata(project: str) -> None:
    assert installed_version(project) == version(project)


def test_a_project_that_is_not_installed_has_no_version() -> None:
    assert installed_version("no-such-project-anywhere") is None
