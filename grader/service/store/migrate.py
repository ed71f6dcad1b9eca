"""Apply the Alembic migrations in ``grader/service/store/migrations`` to a database, from code.

Every process (the API and each worker) calls ``upgrade`` on start; on PostgreSQL
an advisory lock makes the first one migrate while the others wait, and on
SQLite the database file's own lock does the same.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x67726164  # "grad": the advisory lock every process migrates under


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration, pointed at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
