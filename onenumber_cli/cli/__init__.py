"""The command line: parse, call one service function, format, map errors to exit codes.

Nothing here imports SQLAlchemy; the core is imported lazily so that ``--help`` and
completion stay fast.
"""
