"""The schema revision this program needs (no imports: read on the --version path).

A test asserts that HEAD_REVISION is the head of the shipped Alembic scripts and that
KNOWN_REVISIONS lists them all, oldest first.
"""

HEAD_REVISION = "0002"
KNOWN_REVISIONS = ("0001", "0002")  # every revision this program can upgrade from
