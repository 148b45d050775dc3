"""Versions of installed projects, for ``--version`` (no imports: it runs on that path)."""

from __future__ import annotations

import os
import sys


def installed_version(project: str) -> str | None:
    """An installed project's version, read from the name of its ``.dist-info`` directory
    (``{name}-{version}.dist-info``, the layout pip and every installer write), the
    first found along ``sys.path``.  Importing ``importlib.metadata`` would cost more
    than the rest of ``--version``; it is only the fallback."""
    wanted = project.lower().replace("-", "_")
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem = name.removesuffix(".dist-info")
            dist, _, version = stem.partition("-")
            if stem != name and version and dist.lower().replace(".", "_") == wanted:
                return version
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(project)
    except PackageNotFoundError:
        return None
