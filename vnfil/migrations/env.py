from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from vnfil.models import metadata
from vnfil.platform.db import sync_url
from vnfil.platform.settings import Settings, get_settings

settings: Settings = context.config.attributes.get("settings") or get_settings()


def run_migrations_online() -> None:
    connect_args = {}
    if settings.database_url.startswith("postgresql") and settings.database_schema:
        connect_args = {"options": f"-csearch_path={settings.database_schema}"}
    engine = create_engine(sync_url(settings), connect_args=connect_args)
    with engine.connect() as conn:
        if settings.database_url.startswith("postgresql") and settings.database_schema:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"'))
            conn.commit()
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
