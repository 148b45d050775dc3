"""``@frozen``: a dataclass the type checker treats as frozen, built plain at run time.

Results, batch rows and rule snapshots are built for every row of a batch, and
``dataclass(frozen=True)`` sets each field of each one through ``object.__setattr__``:
with five such classes an ``--atomic`` batch row ran 6% more instructions (callgrind,
benchmarks/batch_throughput.py's rows).  Nothing assigns to them after they are built,
and mypy (which runs in CI over the package and its tests) still refuses any code that
tries: ``dataclass_transform(frozen_default=True)`` tells it they are frozen.  What is
given up is the run-time guard alone (and hashing, which none of them needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from typing_extensions import dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T]) -> type[T]:
    """Make ``cls`` a dataclass (frozen for the type checker only)."""
    made: Any = dataclass(cls)
    return made  # type: ignore[no-any-return]
