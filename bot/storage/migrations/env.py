"""Alembic environment, configured from code (bot.storage.database.alembic_config): no alembic.ini.

At runtime open_database() passes its own connection, already inside a transaction (and, on
PostgreSQL, holding the migration advisory lock), in config.attributes["connection"]. Developers may
instead give a URL (alembic_config(url)) to autogenerate a revision or render offline SQL.

Logging is left alone on purpose: no fileConfig(), the application owns the logging setup.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations copy and swap tables (op.batch_alter_table).
        # Such a migration must run with foreign_keys OFF, which SQLite only allows outside a
        # transaction: give it its own step before the transaction if one is ever needed.
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        # The caller's transaction is external: Alembic neither commits nor rolls it back.
        with context.begin_transaction():
            context.run_migrations()
        return

    url = config.get_main_option("sqlalchemy.url")
    assert url, "no connection given and no sqlalchemy.url configured"
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as own_connection:
            _configure(connection=own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
