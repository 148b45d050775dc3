"""The schema revision this program needs (no imports: read on the --version path).

A test asserts that HEAD_REVISION is the head of the shipped Alembic scripts and that
KNOWN_REVISIONS lists them all, oldest first.

Revision ids are four decimal digits, in order ("0001" < "0002" < ...), so that a
program can compare a revision it has never seen (written by a newer version's
migration) with its own: from revision 0003 on, every migration declares
``compatible_from``, the oldest program revision that can still use the schema after
it, and the database keeps it (table ``onenumber_schema``).  An older program works
with a newer schema when its own HEAD_REVISION is at least that (an additive
migration: new tables, new nullable columns, new indexes).
"""

HEAD_REVISION = "0004"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004")  # every revision this program can upgrade from
COMPATIBILITY_SINCE = "0003"  # the first revision that records compatible_from


def ordinal(revision: str) -> int | None:
    """The number of a revision id ("0003" -> 3); None for anything else."""
    return int(revision) if revision.isascii() and revision.isdigit() else None


def can_use(compatible_from: str | None, head: str = HEAD_REVISION) -> bool:
    """Whether a program at ``head`` may use a schema whose migrations declare
    ``compatible_from`` (None: not recorded, so no)."""
    oldest, own = ordinal(compatible_from or ""), ordinal(head)
    return oldest is not None and own is not None and own >= oldest
