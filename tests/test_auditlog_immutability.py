"""The audit log is append-only in the database itself, on SQLite and on PostgreSQL:
rows go in, and no UPDATE, DELETE (or, on PostgreSQL, TRUNCATE) gets through, whether
through the ORM or as raw SQL; and ``flask db upgrade`` on an empty database builds
those triggers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.exc import DatabaseError

from portal import create_app
from portal.extensions import db as _db
from portal.models import AuditEvent
from portal.models.audit import APPEND_ONLY, POSTGRES_TRIGGERS, SQLITE_TRIGGERS
from tests.conftest import app_config
from tests.test_migrations import (  # the migration tests' throwaway databases
    BACKENDS,
    _logging_left_as_found,  # noqa: F401 (autouse: undoes Alembic's logging setup)
    postgres_database,
    sqlite_database,
)

WHEN = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def events(db, factory):
    employee = factory.employee()
    rows = [
        AuditEvent(
            occurred_at=WHEN,
            actor_id=employee.id,
            subject_id=employee.id,
            instansi_id=employee.instansi_id,
            action=action,
            object_type="Employee",
            object_id=employee.id,
            summary={"n": n},
            ip="192.0.2.1",
        )
        for n, action in enumerate(("auth.login", "employee.update"))
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def snapshot(db) -> list[tuple]:
    db.session.rollback()
    db.session.expire_all()
    return [
        (e.id, e.occurred_at, e.actor_id, e.subject_id, e.action, e.summary, e.ip)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_inserting_works(events, db):
    assert [row[4] for row in snapshot(db)] == ["auth.login", "employee.update"]


def _orm_update(db, ids):
    db.session.get(AuditEvent, ids[0]).summary = {"n": "forged"}
    db.session.flush()


def _orm_delete(db, ids):
    db.session.delete(db.session.get(AuditEvent, ids[1]))
    db.session.flush()


CHANGES = {
    "ORM update": _orm_update,
    "ORM delete": _orm_delete,
    "ORM bulk update": lambda db, ids: db.session.execute(
        update(AuditEvent).values(action="auth.logout")
    ),
    "ORM bulk delete": lambda db, ids: db.session.execute(delete(AuditEvent)),
    "SQL UPDATE": lambda db, ids: db.session.execute(
        text("UPDATE audit_event SET ip = '0.0.0.0' WHERE id = :id"), {"id": ids[0]}
    ),
    "SQL DELETE": lambda db, ids: db.session.execute(text("DELETE FROM audit_event")),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_database_refuses_to_change_or_delete_a_row(events, db, change):
    before = snapshot(db)
    with pytest.raises(DatabaseError, match=APPEND_ONLY):
        CHANGES[change](db, events)
    db.session.rollback()
    assert snapshot(db) == before


@pytest.mark.commits  # a raw connection of its own
def test_the_refusal_holds_on_a_raw_connection_too(events, db):
    """Not only the app's session: any connection, committing on its own."""
    before = snapshot(db)
    with pytest.raises(DatabaseError, match=APPEND_ONLY), db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_event SET action = 'x'")
    with pytest.raises(DatabaseError, match=APPEND_ONLY), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[0]})
    assert snapshot(db) == before


def test_postgresql_refuses_truncate(events, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is a PostgreSQL statement (SQLite's is DELETE, tested above)")
    before = snapshot(db)
    with pytest.raises(DatabaseError, match=APPEND_ONLY):
        db.session.execute(text("TRUNCATE audit_event"))
    db.session.rollback()
    assert snapshot(db) == before


def trigger_names(conn) -> set[str]:
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                "AND NOT tgisinternal AND tgenabled <> 'D'"
            )
        )
    else:
        rows = conn.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
        )
    return set(rows.scalars())


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as url:
            yield url
    else:
        with postgres_database() as url:
            yield url


def test_flask_db_upgrade_builds_the_triggers(empty_url, tmp_path):
    app = create_app(app_config(empty_url, tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            expected = POSTGRES_TRIGGERS if conn.dialect.name == "postgresql" else SQLITE_TRIGGERS
            assert trigger_names(conn) == set(expected)
            conn.execute(
                text(
                    "INSERT INTO audit_event (occurred_at, action, summary) "
                    "VALUES (CURRENT_TIMESTAMP, 'auth.login', '{}')"
                )
            )
        statements = ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_event")
        for statement in statements:
            with pytest.raises(DatabaseError, match=APPEND_ONLY), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT action FROM audit_event")).scalars().all() == [
                "auth.login"
            ]
    finally:
        engine.dispose()
        with app.app_context():
            _db.engine.dispose()
