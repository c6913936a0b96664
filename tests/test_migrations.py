"""The Alembic migrations build, from an empty database, exactly the schema of the models."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db as _db
from tests.conftest import BACKEND, _postgres_url, app_config

# The migration environment (migrations/env.py) uses no deprecated API.
pytestmark = pytest.mark.filterwarnings("error::DeprecationWarning")


@contextmanager
def sqlite_database(tmp_path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway database on the test server, dropped afterwards."""
    server = make_url(_postgres_url())
    name = f"portal_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _logging_left_as_found() -> Iterator[None]:
    """migrations/env.py calls logging.config.fileConfig, which disables every logger that
    exists (the app's among them) and replaces the root handlers: undo that for the tests
    that come after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {
        name: (logger.disabled, logger.level, logger.handlers[:], logger.propagate)
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:], root.level = handlers, level
    for name, (disabled, level, handlers, propagate) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level, logger.propagate = disabled, level, propagate
        logger.handlers[:] = handlers


BACKENDS = ["sqlite"] + (["postgresql"] if BACKEND == "postgres" else [])


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as url:
            yield url
    else:
        with postgres_database() as url:
            yield url


def test_migrations_build_the_schema_of_the_models(empty_database, tmp_path):
    app = create_app(app_config(empty_database, tmp_path))
    with app.app_context():
        try:
            assert inspect(_db.engine).get_table_names() == []
            upgrade()
            with _db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, _db.metadata)
                tables = set(inspect(conn).get_table_names())
        finally:
            _db.engine.dispose()
    assert differences == []
    assert tables == {t.name for t in _db.metadata.sorted_tables} | {"alembic_version"}


def test_the_check_that_the_schema_matches_can_fail(tmp_path):
    """A database missing a column and carrying an extra table is reported."""
    url = f"sqlite:///{tmp_path / 'drifted.sqlite3'}"
    app = create_app(app_config(url, tmp_path))
    with app.app_context():
        try:
            upgrade()
            with _db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE instansi DROP COLUMN city"))
                conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
            with _db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                differences = compare_metadata(context, _db.metadata)
        finally:
            _db.engine.dispose()
    kinds = {(d[0], getattr(d[-1], "name", None)) for d in differences if isinstance(d, tuple)}
    assert ("remove_table", "stray") in kinds
    assert ("add_column", "city") in kinds


# The last revision whose downgrade is exercised: the rollups and the acting atasan go
# back and forth over it.
ROUND_TRIP_FROM = "ad02c8f21d30"


def test_the_latest_migrations_go_down_and_up_again(empty_database, tmp_path):
    """Downgrading the latest migrations and upgrading again leaves the models' schema,
    the rollup triggers included (they keep report_month when an entry is written)."""
    from flask_migrate import downgrade

    app = create_app(app_config(empty_database, tmp_path))
    with app.app_context():
        try:
            upgrade()
            downgrade(revision=ROUND_TRIP_FROM)
            tables = set(inspect(_db.engine).get_table_names())
            assert "report_month" not in tables
            upgrade()
            with _db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, _db.metadata)
                triggers = _trigger_names(conn)
        finally:
            _db.engine.dispose()
    assert differences == []
    assert {"work_entry_rollup_update", "target_rollup_state"} <= triggers


def _trigger_names(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return set(conn.execute(text(sql)).scalars())
