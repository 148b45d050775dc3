"""Persistence: SQLAlchemy models, engine set-up, queries and the schema check."""
