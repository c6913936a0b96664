"""``seed-scale`` at work: plans, approved targets and a year of daily entries for every
employee of the scale instansi, bulk-inserted (no per-row ORM objects).

Each employee gets two approved targets with a monthly breakdown and about
``entries_per_employee`` entries spread over the working days of the period, mostly
accepted, some pending and a few rejected, so the verification queues, monthly
reports and dashboards have realistic volumes to work on.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from portal import clock
from portal.extensions import db
from portal.models import Employee, MonthlyTarget, Period, Plan, Target, TargetKind
from portal.models.reports import EntryStatus
from portal.models.types import utcnow
from portal.months import month_index
from portal.plans.services import spread_evenly

BATCH = 5000
TARGETS = (
    ("Menyusun laporan kegiatan bidang", 12, "laporan"),
    ("Menyelesaikan layanan administrasi", 240, "berkas"),
)


def bulk_insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        if returning:
            result = db.session.execute(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk
            )
            ids.extend(result.scalars())
        else:
            db.session.execute(insert(model), chunk)
    return ids


def _working_days(period: Period, until: date) -> list[date]:
    holidays = clock.holidays()
    day, days = period.start_date, []
    while day <= min(period.end_date, until):
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed_work(instansi_id: int, entries_per_employee: int, seed: int = 7) -> int:
    """Plans, targets and entries for every employee of the instansi; returns entries made."""
    period = db.session.scalar(
        select(Period).where(Period.instansi_id == instansi_id).order_by(Period.start_date)
    )
    people = db.session.execute(
        select(Employee.id, Employee.atasan_id).where(Employee.instansi_id == instansi_id)
    ).all()
    now = utcnow()
    plan_ids = bulk_insert(
        Plan,
        [
            {
                "employee_id": e,
                "period_id": period.id,
                "instansi_id": instansi_id,
                "created_at": now,
            }
            for e, _ in people
        ],
        returning=True,
    )
    months = period.month_count
    target_rows = []
    for (employee_id, atasan_id), plan_id in zip(people, plan_ids, strict=True):
        for position, (title, quantity, unit) in enumerate(TARGETS, 1):
            target_rows.append(
                {
                    "plan_id": plan_id,
                    "instansi_id": instansi_id,
                    "owner_id": employee_id,
                    "period_id": period.id,
                    "evaluator_id": atasan_id,
                    "position": position,
                    "title": title,
                    "kind": TargetKind.UTAMA,
                    "indicator": f"Jumlah {unit}",
                    "lower_is_better": False,
                    "quantity": quantity,
                    "quantity_unit": unit,
                    "quality_target": 100,
                    "time_months": months,
                    "state": "approved" if atasan_id else "drafted",
                    "version": 3,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    target_ids = bulk_insert(Target, target_rows, returning=True)
    bulk_insert(
        MonthlyTarget,
        [
            {"target_id": target_id, "month": month, "quantity": q}
            for target_id, row in zip(target_ids, target_rows, strict=True)
            for month, q in enumerate(spread_evenly(row["quantity"], months), 1)
        ],
    )
    rng = random.Random(seed)
    days = _working_days(period, clock.today() - timedelta(days=1))
    if not days or entries_per_employee <= 0:
        db.session.commit()
        return 0
    entries = 0
    rows: list[tuple] = []
    writer = _EntryWriter()
    approved = [
        (tid, row)
        for tid, row in zip(target_ids, target_rows, strict=True)
        if row["state"] == "approved"
    ]
    per_target = max(1, entries_per_employee // len(TARGETS))
    recent = days[-1] - timedelta(days=20)
    for target_id, row in approved:
        big = row["quantity"] > 100
        for day in sorted(rng.sample(days, min(per_target, len(days)))):
            roll = rng.random()
            if day >= recent and roll < 0.6:
                status = EntryStatus.PENDING
            elif roll < 0.03:
                status = EntryStatus.REJECTED
            else:
                status = EntryStatus.ACCEPTED
            entries += 1
            created = datetime.combine(day, time(16, 0), clock.zone()).astimezone(UTC)
            verified = status != EntryStatus.PENDING
            rows.append(
                (
                    target_id,
                    row["owner_id"],
                    instansi_id,
                    period.id,
                    day,
                    month_index(period, day),
                    f"{row['title']}: pekerjaan harian",
                    rng.choice((0, 0, 1, 1, 2)) if big else rng.choice((0, 0, 0, 0, 1)),
                    rng.choice((60, 90, 120, 180, 240)),
                    status.value,
                    "Lengkapi bukti dukung." if status == EntryStatus.REJECTED else "",
                    row["evaluator_id"] if verified else None,
                    created if verified else None,
                    2 if verified else 1,
                    f"scale-{target_id}-{day.isoformat()}-{entries}",
                    created,
                    created,
                )
            )
            if len(rows) >= BATCH * 4:
                writer.write(rows)
                rows.clear()
    writer.write(rows)
    _evaluate_share(period, target_ids, target_rows, rng)
    db.session.commit()
    _analyze()
    return entries


def _analyze() -> None:
    """Give PostgreSQL's planner statistics of the millions of rows just loaded, as
    autovacuum would a while later: until then it plans the dashboards' joins for empty
    tables (45 s instead of 0.1 s for one statement, seen here). SQLite's planner is left
    as in production, without statistics."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE")
    db.session.commit()


# Scheme B predikat and how often they occur among the evaluated (a realistic spread).
PREDIKAT_SPREAD = (
    ("Sangat Baik", "di atas ekspektasi", "di atas ekspektasi", 0.15),
    ("Baik", "sesuai ekspektasi", "sesuai ekspektasi", 0.65),
    ("Butuh Perbaikan", "di bawah ekspektasi", "sesuai ekspektasi", 0.12),
    ("Kurang", "sesuai ekspektasi", "di bawah ekspektasi", 0.06),
    ("Sangat Kurang", "di bawah ekspektasi", "di bawah ekspektasi", 0.02),
)
EVALUATED_SHARE = 0.3


def _evaluate_share(period: Period, target_ids, target_rows, rng: random.Random) -> None:
    """Mark about a third of the supervised employees as evaluated: their targets move to
    ``evaluated`` and a final evaluation with a predikat is recorded (bulk, no letters)."""
    from sqlalchemy import update

    from portal.models import Evaluation

    by_owner: dict[int, list[tuple[int, dict]]] = {}
    for target_id, row in zip(target_ids, target_rows, strict=True):
        if row["state"] == "approved":
            by_owner.setdefault(row["owner_id"], []).append((target_id, row))
    chosen = [owner for owner in sorted(by_owner) if rng.random() < EVALUATED_SHARE]
    plan_of = dict(
        db.session.execute(
            select(Plan.employee_id, Plan.id).where(Plan.period_id == period.id)
        ).all()
    )
    weights = [w for *_, w in PREDIKAT_SPREAD]
    now = utcnow()
    evaluations, evaluated_targets = [], []
    for owner in chosen:
        predikat, hasil, perilaku, _ = rng.choices(PREDIKAT_SPREAD, weights)[0]
        evaluator = by_owner[owner][0][1]["evaluator_id"]
        evaluations.append(
            {
                "plan_id": plan_of[owner],
                "employee_id": owner,
                "period_id": period.id,
                "instansi_id": period.instansi_id,
                "evaluator_id": evaluator,
                "status": "final",
                "behaviour": {},
                "ekspektasi_khusus": "",
                "tugas_tambahan": 0,
                "suggested_hasil_kerja": hasil,
                "suggested_perilaku": perilaku,
                "rating_hasil_kerja": hasil,
                "rating_perilaku": perilaku,
                "departure_reason": "",
                "predikat": predikat,
                "notes": "",
                "evaluated_at": now,
                "version": 1,
                "response_reason": "",
                "objection_decision_reason": "",
            }
        )
        evaluated_targets.extend(target_id for target_id, _ in by_owner[owner])
    bulk_insert(Evaluation, evaluations)
    for start in range(0, len(evaluated_targets), BATCH):
        db.session.execute(
            update(Target)
            .where(Target.id.in_(evaluated_targets[start : start + BATCH]))
            .values(state="evaluated", version=Target.version + 2)
        )


class _EntryWriter:
    """Bulk rows straight to the driver: millions of entries in minutes, not an hour.

    The values are adapted as SQLAlchemy would store them (SQLite keeps UTC timestamps
    as text without an offset), so the ORM reads these rows like any other.
    """

    COLUMNS = (
        "target_id, owner_id, instansi_id, period_id, entry_date, month, description, "
        "quantity, minutes, status, reject_reason, verified_by_id, verified_at, version, "
        "form_token, created_at, updated_at, links"
    )

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        mark = "?" if self.sqlite else "%s"
        self.sql = (
            f"INSERT INTO work_entry ({self.COLUMNS}) VALUES ({', '.join([mark] * 17)}, '[]')"  # noqa: S608  (constant columns and placeholders only)
        )

    def _adapt(self, row: tuple) -> tuple:
        if not self.sqlite:
            return row
        return tuple(
            value.strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(value, datetime)
            else value.isoformat()
            if isinstance(value, date)
            else value
            for value in row
        )

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        cursor = self.connection.connection.cursor()
        try:
            cursor.executemany(self.sql, [self._adapt(r) for r in rows])
        finally:
            cursor.close()
