"""Alembic's entry point: runs on the connection handed over by ``upgrade``."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("sessiond migrations run through core.store.migrations.upgrade")
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
