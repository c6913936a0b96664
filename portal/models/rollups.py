"""Rollups the database keeps: small summaries of the work entries for the dashboards.

At 20,000 employees a period holds millions of work entries. The monitoring pages ask two
questions of all of them on every request — which months were reported late, and how
many entries wait for verification — so two small tables answer them instead:

- ``report_month``: per employee, period and month, whether an approved-or-later target
  planned work for it and when the first work entry of that month was created (the
  monthly report's definition of "late", ``portal.reports.queries.late_months``);
- ``target_backlog``: per target with pending entries, how many and the oldest.

They are derived data, kept by triggers on ``work_entry``, ``target`` and
``monthly_target`` (created with the tables and by the migration), so every write path —
the services, the seeds, a bulk insert, a test fixture — keeps them true without
remembering to. Each trigger recomputes the rows it touches from the source rows rather
than adding or subtracting, so a summary cannot drift. On PostgreSQL the triggers first
take a transaction-scoped advisory lock on the entry's owner: two transactions changing
the same employee's entries then recompute one after the other, the second seeing what the
first committed (read committed takes a fresh snapshot per statement).
:func:`rebuild_statements` fills both tables from scratch (the migration's backfill) and
:func:`drift` compares them with a recomputation (tests).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, event, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime
from workflows.states import APPROVED_OR_LATER


class ReportMonth(db.Model):
    """One employee's reporting month in a period (see the module's docstring)."""

    __tablename__ = "report_month"
    __table_args__ = (
        # The late months of a period: per due month, a range of the planned rows whose
        # first entry is missing or came after the deadline.
        Index("ix_report_month_due", "period_id", "planned", "month", "first_entry_at"),
    )

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("employee.id", ondelete="CASCADE"), primary_key=True
    )
    period_id: Mapped[int] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    planned: Mapped[bool] = mapped_column(Boolean)
    first_entry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TargetBacklog(db.Model):
    """The pending work entries of one target; a row only while there are some."""

    __tablename__ = "target_backlog"
    __table_args__ = (Index("ix_target_backlog_period", "period_id", "owner_id"),)

    target_id: Mapped[int] = mapped_column(
        ForeignKey("target.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"))
    pending: Mapped[int]
    oldest_pending_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- the statements the triggers run -----------------------------------------------------

PLANNED_STATES = ", ".join(f"'{state}'" for state in APPROVED_OR_LATER)
# An arbitrary first key of the advisory lock, so that it cannot meet another use of one.
LOCK_SPACE = 7301


def _refresh_months(keys: str) -> str:
    """Recompute the ``report_month`` rows of ``keys``, a SELECT of ``owner_id, period_id,
    month`` (in a trigger, from NEW or OLD)."""
    return (
        "INSERT INTO report_month (owner_id, period_id, month, planned, first_entry_at) "
        "SELECT k.owner_id, k.period_id, k.month, "
        "EXISTS (SELECT 1 FROM target t JOIN monthly_target m ON m.target_id = t.id "
        "WHERE t.owner_id = k.owner_id AND t.period_id = k.period_id "
        f"AND t.state IN ({PLANNED_STATES}) AND m.month = k.month AND m.quantity > 0), "
        "(SELECT min(w.created_at) FROM work_entry w WHERE w.owner_id = k.owner_id "
        "AND w.period_id = k.period_id AND w.month = k.month) "
        f"FROM ({keys}) AS k WHERE true "
        "ON CONFLICT (owner_id, period_id, month) DO UPDATE SET "
        "planned = excluded.planned, first_entry_at = excluded.first_entry_at"
    )


def _refresh_backlog(row: str) -> list[str]:
    """Recompute the ``target_backlog`` row of the entry ``row`` (NEW or OLD)'s target."""
    return [
        f"DELETE FROM target_backlog WHERE target_id = {row}.target_id",
        "INSERT INTO target_backlog (target_id, owner_id, period_id, pending, "
        f"oldest_pending_at) SELECT {row}.target_id, {row}.owner_id, {row}.period_id, "
        "count(*), min(w.created_at) FROM work_entry w "
        f"WHERE w.period_id = {row}.period_id AND w.target_id = {row}.target_id "
        "AND w.status = 'pending' HAVING count(*) > 0",
    ]


def _entry_month(row: str) -> str:
    return f"SELECT {row}.owner_id AS owner_id, {row}.period_id AS period_id, {row}.month AS month"


def _target_months(row: str) -> str:
    """Every month of the target ``row`` that has a ``report_month`` row or a monthly
    target (after a deletion the monthly targets may be gone already)."""
    return (
        f"SELECT {row}.owner_id AS owner_id, {row}.period_id AS period_id, month "
        f"FROM monthly_target WHERE target_id = {row}.id "
        f"UNION SELECT owner_id, period_id, month FROM report_month "
        f"WHERE owner_id = {row}.owner_id AND period_id = {row}.period_id"
    )


def _monthly_target_month(row: str) -> str:
    return (
        f"SELECT t.owner_id AS owner_id, t.period_id AS period_id, {row}.month AS month "
        f"FROM target t WHERE t.id = {row}.target_id"
    )


def _entry_work(row: str) -> list[str]:
    return [_refresh_months(_entry_month(row)), *_refresh_backlog(row)]


# The columns whose change moves an entry between months or queues.
ENTRY_KEYS = ("owner_id", "period_id", "month", "created_at", "target_id", "status")
PLANNED_CHANGE = f"(OLD.state IN ({PLANNED_STATES})) <> (NEW.state IN ({PLANNED_STATES}))"


def _changed(columns, *, postgres: bool) -> str:
    differ = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


def _sqlite_trigger(name: str, when: str, table: str, statements: list[str], cond="") -> str:
    condition = f" WHEN {cond}" if cond else ""
    body = "; ".join(statements)
    return (
        f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW{condition} BEGIN {body}; END"
    )


SQLITE_TRIGGERS = {
    "work_entry_rollup_insert": ("INSERT", "work_entry", _entry_work("NEW"), ""),
    "work_entry_rollup_delete": ("DELETE", "work_entry", _entry_work("OLD"), ""),
    "work_entry_rollup_update": (
        f"UPDATE OF {', '.join(ENTRY_KEYS)}",
        "work_entry",
        [*_entry_work("OLD"), *_entry_work("NEW")],
        _changed(ENTRY_KEYS, postgres=False),
    ),
    "target_rollup_state": (
        "UPDATE OF state",
        "target",
        [_refresh_months(_target_months("NEW"))],
        PLANNED_CHANGE,
    ),
    "target_rollup_delete": ("DELETE", "target", [_refresh_months(_target_months("OLD"))], ""),
    "monthly_target_rollup_insert": (
        "INSERT",
        "monthly_target",
        [_refresh_months(_monthly_target_month("NEW"))],
        "",
    ),
    "monthly_target_rollup_delete": (
        "DELETE",
        "monthly_target",
        [_refresh_months(_monthly_target_month("OLD"))],
        "",
    ),
    "monthly_target_rollup_update": (
        "UPDATE OF month, quantity, target_id",
        "monthly_target",
        [
            _refresh_months(_monthly_target_month("OLD")),
            _refresh_months(_monthly_target_month("NEW")),
        ],
        _changed(("month", "quantity", "target_id"), postgres=False),
    ),
}


def _plpgsql(name: str, parts: list[tuple[str, str, list[str]]]) -> str:
    """A trigger function running, per ``(operations, row, statements)``, the statements
    for that row under the owner's advisory lock."""
    blocks = []
    for operations, row, statements in parts:
        ops = ", ".join(f"'{op}'" for op in operations.split())
        lock = f"PERFORM pg_advisory_xact_lock({LOCK_SPACE}, {row}.owner_id::integer)"
        body = "; ".join([lock, *statements])
        blocks.append(f"IF TG_OP IN ({ops}) THEN {body}; END IF;")
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {' '.join(blocks)} RETURN NULL; END $$"
    )


POSTGRES_FUNCTIONS = {
    "work_entry_rollups": _plpgsql(
        "work_entry_rollups",
        [
            ("UPDATE DELETE", "OLD", _entry_work("OLD")),
            ("INSERT UPDATE", "NEW", _entry_work("NEW")),
        ],
    ),
    "target_rollups": _plpgsql(
        "target_rollups",
        [
            ("UPDATE", "NEW", [_refresh_months(_target_months("NEW"))]),
            ("DELETE", "OLD", [_refresh_months(_target_months("OLD"))]),
        ],
    ),
    # A monthly target's owner is its target's; the lock is taken on a looked-up owner.
    "monthly_target_rollups": (
        "CREATE OR REPLACE FUNCTION monthly_target_rollups() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"PERFORM pg_advisory_xact_lock({LOCK_SPACE}, t.owner_id::integer) "
        "FROM target t WHERE t.id = OLD.target_id; "
        f"{_refresh_months(_monthly_target_month('OLD'))}; END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"PERFORM pg_advisory_xact_lock({LOCK_SPACE}, t.owner_id::integer) "
        "FROM target t WHERE t.id = NEW.target_id; "
        f"{_refresh_months(_monthly_target_month('NEW'))}; END IF; "
        "RETURN NULL; END $$"
    ),
}
POSTGRES_TRIGGERS = {
    "work_entry_rollup_change": (
        "CREATE TRIGGER work_entry_rollup_change AFTER INSERT OR DELETE ON work_entry "
        "FOR EACH ROW EXECUTE FUNCTION work_entry_rollups()"
    ),
    "work_entry_rollup_update": (
        f"CREATE TRIGGER work_entry_rollup_update AFTER UPDATE OF {', '.join(ENTRY_KEYS)} "
        f"ON work_entry FOR EACH ROW WHEN ({_changed(ENTRY_KEYS, postgres=True)}) "
        "EXECUTE FUNCTION work_entry_rollups()"
    ),
    "target_rollup_state": (
        "CREATE TRIGGER target_rollup_state AFTER UPDATE OF state ON target FOR EACH ROW "
        f"WHEN ({PLANNED_CHANGE}) EXECUTE FUNCTION target_rollups()"
    ),
    "target_rollup_delete": (
        "CREATE TRIGGER target_rollup_delete AFTER DELETE ON target FOR EACH ROW "
        "EXECUTE FUNCTION target_rollups()"
    ),
    "monthly_target_rollup_change": (
        "CREATE TRIGGER monthly_target_rollup_change AFTER INSERT OR DELETE ON monthly_target "
        "FOR EACH ROW EXECUTE FUNCTION monthly_target_rollups()"
    ),
    "monthly_target_rollup_update": (
        "CREATE TRIGGER monthly_target_rollup_update AFTER UPDATE OF month, quantity, "
        "target_id ON monthly_target FOR EACH ROW WHEN "
        f"({_changed(('month', 'quantity', 'target_id'), postgres=True)}) "
        "EXECUTE FUNCTION monthly_target_rollups()"
    ),
}


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the rollup triggers on this dialect."""
    if dialect == "postgresql":
        return [*POSTGRES_FUNCTIONS.values(), *POSTGRES_TRIGGERS.values()]
    if dialect == "sqlite":
        return [_sqlite_trigger(name, *spec) for name, spec in SQLITE_TRIGGERS.items()]
    return []


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        # Each trigger is named ``<table>_rollup_<what>``.
        return [
            *(
                f"DROP TRIGGER IF EXISTS {name} ON {name.split('_rollup')[0]}"
                for name in POSTGRES_TRIGGERS
            ),
            *(f"DROP FUNCTION IF EXISTS {name}()" for name in POSTGRES_FUNCTIONS),
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


# --- rebuilding and checking -------------------------------------------------------------

REPORT_MONTHS = (
    "SELECT owner_id, period_id, month, max(planned) = 1 AS planned, "
    "min(first_entry_at) AS first_entry_at FROM ("
    "SELECT owner_id, period_id, month, 0 AS planned, min(created_at) AS first_entry_at "
    "FROM work_entry GROUP BY owner_id, period_id, month "
    "UNION ALL SELECT t.owner_id, t.period_id, m.month, 1, NULL "
    "FROM target t JOIN monthly_target m ON m.target_id = t.id "
    f"WHERE t.state IN ({PLANNED_STATES}) AND m.quantity > 0"
    ") AS k GROUP BY owner_id, period_id, month"
)
TARGET_BACKLOGS = (
    "SELECT target_id, owner_id, period_id, count(*) AS pending, "
    "min(created_at) AS oldest_pending_at FROM work_entry WHERE status = 'pending' "
    "GROUP BY target_id, owner_id, period_id"
)


def rebuild_statements() -> list[str]:
    """Fill both rollups from the source rows (after emptying them)."""
    return [
        "DELETE FROM report_month",
        "DELETE FROM target_backlog",
        "INSERT INTO report_month (owner_id, period_id, month, planned, first_entry_at) "
        + REPORT_MONTHS,
        "INSERT INTO target_backlog (target_id, owner_id, period_id, pending, "
        "oldest_pending_at) " + TARGET_BACKLOGS,
    ]


def drift(connection) -> dict[str, list]:
    """What the rollups say that a recomputation does not, and the reverse (empty when
    they are true). Months neither planned nor reported carry no information and are
    ignored."""

    def rows(sql: str) -> set[tuple]:
        return {
            tuple(str(v) if v is not None else None for v in r)
            for r in connection.execute(text(sql))
        }

    kept_months = rows(
        "SELECT owner_id, period_id, month, planned = true, first_entry_at FROM report_month "
        "WHERE planned = true OR first_entry_at IS NOT NULL"
    )
    true_months = rows(
        "SELECT owner_id, period_id, month, planned, first_entry_at FROM ("
        + REPORT_MONTHS
        + ") AS r"
    )
    kept_backlog = rows(
        "SELECT target_id, owner_id, period_id, pending, oldest_pending_at FROM target_backlog"
    )
    true_backlog = rows(TARGET_BACKLOGS)
    return {
        "report_month: kept, not true": sorted(kept_months - true_months),
        "report_month: true, not kept": sorted(true_months - kept_months),
        "target_backlog: kept, not true": sorted(kept_backlog - true_backlog),
        "target_backlog: true, not kept": sorted(true_backlog - kept_backlog),
    }


@event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection, **_kw) -> None:
    for statement in trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
