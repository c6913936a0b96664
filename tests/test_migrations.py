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


def test_the_skp_2022_migration_keeps_every_targets_indicator_down_and_up(empty_database, tmp_path):
    """Populated, both ways (issue 14 item 1): up, each target's one indicator becomes its
    kuantitas IKI and a JPT's plan takes the JPT form; down, the target keeps it in its
    own columns; up again, it is an IKI once more, with what was written meanwhile."""
    from flask_migrate import downgrade

    from portal.models import Target

    before_skp = "b45b0b653ae1"
    app = create_app(app_config(empty_database, tmp_path))
    with app.app_context():
        try:
            upgrade(revision=before_skp)
            with _db.engine.begin() as conn:
                ids = _populate_before_iki(conn)
            upgrade()
            with _db.engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT target_id, aspect, text, target_value, unit, lower_is_better "
                        "FROM target_indicator ORDER BY target_id"
                    )
                ).all()
                forms = dict(conn.execute(text("SELECT employee_id, skp_form FROM plan")).all())
            assert [tuple(r) for r in rows] == [
                (ids["target"], "kuantitas", "Jumlah laporan", 12, "laporan", False),
                (ids["jpt_target"], "kuantitas", "Indeks kepuasan", 3, "%", True),
            ]
            assert forms == {ids["staff"]: "ja_jf", ids["jpt"]: "jpt"}
            downgrade(revision=before_skp)
            with _db.engine.begin() as conn:
                assert "target_indicator" not in inspect(conn).get_table_names()
                kept = conn.execute(
                    text("SELECT indicator, quantity FROM target WHERE id = :id"),
                    {"id": ids["target"]},
                ).one()
                assert tuple(kept) == ("Jumlah laporan", 12)
                conn.execute(
                    text("UPDATE target SET indicator = 'Diubah di versi lama' WHERE id = :id"),
                    {"id": ids["target"]},
                )
            upgrade()
            with _db.engine.connect() as conn:
                again = conn.execute(
                    text("SELECT text FROM target_indicator WHERE target_id = :id"),
                    {"id": ids["target"]},
                ).scalar_one()
            assert again == "Diubah di versi lama"
            # The models read the migrated rows.
            target = _db.session.get(Target, ids["target"])
            assert [(i.aspect.value, i.text) for i in target.indicators] == [
                ("kuantitas", "Diubah di versi lama")
            ]
        finally:
            _db.session.remove()
            _db.engine.dispose()


def _populate_before_iki(conn) -> dict:
    """An instansi, a unit, a JPT and a staff member, a period, their plans and one target
    each, in the schema before the IKI table (plain SQL: the models are newer)."""

    def insert(table: str, **values) -> int:
        # Any other required column gets a plain value of its type (the test's rows need
        # only the few named here).
        for column in inspect(conn).get_columns(table):
            name, kind = column["name"], str(column["type"]).upper()
            if name in values or name == "id" or column["nullable"] or column.get("default"):
                continue
            if "INT" in kind:
                values[name] = 5
            elif "BOOL" in kind:
                values[name] = False
            elif "DATE" in kind or "TIME" in kind:
                values[name] = now
            elif "NUM" in kind or "FLOAT" in kind or "REAL" in kind:
                values[name] = 0
            else:
                values[name] = ""
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        return conn.execute(
            # Table and column names of this test only, never input.
            text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"),  # noqa: S608
            values,
        ).scalar_one()

    now = "2026-01-05 08:00:00"
    instansi = insert("instansi", code="MIG", name="Instansi Migrasi", city="Kota", address="")
    unit = insert("unit", instansi_id=instansi, code="U1", name="Unit Satu")
    people = {}
    for key, nip, jenis in (
        ("jpt", "197001011995031001", "jpt"),
        ("staff", "199001012015031001", "fungsional"),
    ):
        people[key] = insert(
            "employee",
            nip=nip,
            name=key,
            gelar_depan="",
            gelar_belakang="",
            jabatan="Jabatan",
            jenis_jabatan=jenis,
            golongan="III/a",
            instansi_id=instansi,
            unit_id=unit,
            atasan_acting="",
            email="",
            active=True,
            is_admin=False,
            is_superadmin=False,
            language="id",
            must_change_password=False,
            session_version=1,
            created_at=now,
        )
    period = insert(
        "period",
        instansi_id=instansi,
        name="Tahun 2026",
        start_date="2026-01-01",
        end_date="2026-12-31",
        planning_deadline="2026-01-31",
        scheme="permenpanrb_6_2022",
        status="open",
        cadence="triwulanan",
        weight_skp=60,
        weight_perilaku=40,
    )
    ids = {"jpt": people["jpt"], "staff": people["staff"]}
    for key, indicator, quantity, unit_name, lower in (
        ("staff", "Jumlah laporan", 12, "laporan", False),
        ("jpt", "Indeks kepuasan", 3, "%", True),
    ):
        plan = insert(
            "plan",
            employee_id=people[key],
            period_id=period,
            instansi_id=instansi,
            created_at=now,
        )
        ids["target" if key == "staff" else "jpt_target"] = insert(
            "target",
            plan_id=plan,
            instansi_id=instansi,
            owner_id=people[key],
            period_id=period,
            position=1,
            title=f"Target {key}",
            kind="utama",
            indicator=indicator,
            lower_is_better=lower,
            quantity=quantity,
            quantity_unit=unit_name,
            quality_target=100,
            time_months=12,
            state="drafted",
            version=1,
            created_at=now,
            updated_at=now,
        )
    return ids
