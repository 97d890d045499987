"""Alembic migrations of the store, run by :func:`upgrade` at every start.

Alembic is imported only when there is something to migrate: a server that
starts on an up-to-date database does not carry it in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
# The schema that sessiond 0.1 made with create_all, before migrations existed.
FIRST = "0001"
# The newest revision (a test checks it against the scripts).
HEAD = "0050"


def config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def current(connection: Connection) -> str | None:
    """The database's revision (None: no version table)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Brings the database to ``revision`` inside the caller's transaction.

    A database made before migrations existed (tables but no version table)
    is recorded as the first revision, then upgraded, so its data is kept.
    """
    if connection.dialect.name == "postgresql":
        from sessiond.core.store.schema import for_postgresql

        for_postgresql()
    version = current(connection)
    if revision == "head" and version == HEAD:
        return
    fresh = not inspect(connection).has_table("sessions")
    if revision == "head" and version is None and fresh:
        # A new database: the tables as of HEAD (a test proves the scripts
        # build the same), recorded as HEAD.
        from sessiond.core.store.schema import metadata

        metadata.create_all(connection)
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": HEAD})
        return
    from alembic import command

    cfg = config(connection)
    if version is None and not fresh:
        command.stamp(cfg, FIRST)
    command.upgrade(cfg, revision)
