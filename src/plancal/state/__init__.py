"""The state store and what lives in it.

``store.Store`` (SQLAlchemy Core, SQLite or PostgreSQL, migrations applied on open) with the
tables of ``tables``; on top of it: ``outbox`` (reminders, exactly once), ``pushstate`` (what a
calendar target wrote, and writes in flight), ``tokens`` (feed tokens, stored as hashes),
``versions`` (Last-Modified of served files). Imports SQLAlchemy only inside functions, so
importing this package stays cheap.
"""
