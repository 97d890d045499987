"""Alembic migrations of the store, run by :func:`upgrade` at every start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

HERE = Path(__file__).resolve().parent
# The schema that sessiond 0.1 made with create_all, before migrations existed.
FIRST = "0001"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Brings the database to ``revision`` inside the caller's transaction.

    A database made before migrations existed (tables but no version table)
    is recorded as the first revision, then upgraded, so its data is kept.
    """
    tables = set(inspect(connection).get_table_names())
    cfg = config(connection)
    if "sessions" in tables and "alembic_version" not in tables:
        command.stamp(cfg, FIRST)
    command.upgrade(cfg, revision)
