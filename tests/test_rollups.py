"""The rollups the triggers keep (``report_month``, ``target_backlog``) stay equal to a
recomputation from the entries and targets, whatever writes them: the services, plain
ORM writes as the seeds and fixtures make, deletions, moves, state changes; a random walk
of all of these (hypothesis); and, on PostgreSQL, two transactions changing the same
employee's month at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select, text, update

from portal.extensions import db
from portal.models import EntryStatus, MonthlyTarget, ReportMonth, Target, TargetBacklog, WorkEntry
from portal.models.rollups import drift, rebuild_statements
from portal.reports import verification
from tests.conftest import empty_all_tables
from tests.factories import Factory
from tests.reporting_helpers import add, build_world, entry
from workflows import engine
from workflows.targets import APPROVED, DISCUSSED, EVALUATED

NO_DRIFT = {
    "report_month: kept, not true": [],
    "report_month: true, not kept": [],
    "target_backlog: kept, not true": [],
    "target_backlog: true, not kept": [],
}


def _drift():
    db.session.flush()
    return drift(db.session.connection())


def _at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def world(factory, monkeypatch):
    return build_world(factory, monkeypatch)


def _month(world, month: int) -> ReportMonth | None:
    db.session.expire_all()
    return db.session.get(ReportMonth, (world.owner.id, world.period.id, month))


def test_an_approved_target_plans_its_months_and_entries_set_the_first_time(world):
    assert _month(world, 3).planned is True
    assert _month(world, 3).first_entry_at is None
    late, early = add(
        entry(world.target, date(2026, 3, 20), created_at=_at(date(2026, 4, 9))),
        entry(world.target, date(2026, 3, 2), created_at=_at(date(2026, 3, 2))),
    )
    assert _month(world, 3).first_entry_at == _at(date(2026, 3, 2))
    db.session.delete(db.session.get(WorkEntry, early.id))
    db.session.commit()
    assert _month(world, 3).first_entry_at == _at(date(2026, 4, 9))
    # Moving the remaining entry to February empties March and reports February.
    db.session.execute(
        update(WorkEntry)
        .where(WorkEntry.id == late.id)
        .values(entry_date=date(2026, 2, 20), month=2)
    )
    assert _month(world, 3).first_entry_at is None
    assert _month(world, 2).first_entry_at == _at(date(2026, 4, 9))
    assert _drift() == NO_DRIFT


def test_the_backlog_counts_pending_entries_until_they_are_verified(world):
    first, second, _ = add(
        entry(world.target, date(2026, 5, 4), created_at=_at(date(2026, 5, 4))),
        entry(world.target, date(2026, 5, 5), created_at=_at(date(2026, 5, 5))),
        entry(world.target, date(2026, 5, 6), status=EntryStatus.ACCEPTED),
    )
    backlog = db.session.get(TargetBacklog, world.target.id)
    assert (backlog.pending, backlog.oldest_pending_at) == (2, _at(date(2026, 5, 4)))
    verification.verify(first, world.boss, first.version, accept=True)
    db.session.commit()
    db.session.expire_all()
    backlog = db.session.get(TargetBacklog, world.target.id)
    assert (backlog.pending, backlog.oldest_pending_at) == (1, _at(date(2026, 5, 5)))
    verification.verify(second, world.boss, second.version, accept=False, reason="Bukti kurang.")
    db.session.commit()
    db.session.expire_all()
    # No pending entry left: no row (the dashboards read only targets with a queue).
    assert db.session.get(TargetBacklog, world.target.id) is None
    assert _drift() == NO_DRIFT


def test_a_target_leaving_the_approved_states_no_longer_plans_its_months(world):
    add(entry(world.target, date(2026, 1, 12)))
    engine.fire(world.target, "revert", world.admin, reason="Target salah disetujui.")
    db.session.commit()
    assert world.target.state == DISCUSSED
    assert _month(world, 2).planned is False
    # The entry of January is still the month's first entry.
    assert _month(world, 1).first_entry_at is not None
    engine.fire(world.target, "approve", world.boss)
    db.session.commit()
    assert _month(world, 2).planned is True
    assert _drift() == NO_DRIFT


def test_months_with_no_planned_quantity_are_not_planned(factory, world):
    monthly = [0, 0, 6, 6] + [0] * 8
    target = factory.target(world.owner, world.period, quantity=12, monthly=monthly)
    target.state = APPROVED
    db.session.commit()
    db.session.execute(delete(Target).where(Target.id == world.target.id))
    assert _month(world, 1).planned is False
    assert _month(world, 3).planned is True
    db.session.execute(
        update(MonthlyTarget)
        .where(MonthlyTarget.target_id == target.id, MonthlyTarget.month == 3)
        .values(quantity=0)
    )
    assert _month(world, 3).planned is False
    assert _drift() == NO_DRIFT


def test_rebuilding_gives_what_the_triggers_kept(world):
    add(
        entry(world.target, date(2026, 2, 3)),
        entry(world.target, date(2026, 4, 8), status=EntryStatus.ACCEPTED),
    )
    kept = sorted(
        (r.month, r.planned, r.first_entry_at) for r in db.session.scalars(select(ReportMonth))
    )
    for statement in rebuild_statements():
        db.session.execute(text(statement))
    db.session.expire_all()
    rebuilt = sorted(
        (r.month, r.planned, r.first_entry_at) for r in db.session.scalars(select(ReportMonth))
    )
    assert rebuilt == kept
    assert _drift() == NO_DRIFT


# --- a random walk -----------------------------------------------------------------------

STATES = (DISCUSSED, APPROVED, EVALUATED)


class EntryWalk(RuleBasedStateMachine):
    """Random entries, verifications, moves, deletions, state and quantity changes on two
    targets of one employee; after every step the rollups equal their recomputation."""

    def __init__(self) -> None:
        super().__init__()
        factory = Factory()
        _, _, (owner, _) = factory.team(2)
        period = factory.period(owner.instansi)
        self.targets = [factory.target(owner, period, state=APPROVED).id for _ in range(2)]
        db.session.commit()
        self.entries: list[int] = []

    def _target(self, i: int) -> Target:
        return db.session.get(Target, self.targets[i])

    @rule(
        i=st.integers(0, 1),
        month=st.integers(1, 12),
        day=st.integers(1, 28),
        late_by=st.integers(0, 60),
        status=st.sampled_from(list(EntryStatus)),
    )
    def log(self, i, month, day, late_by, status):
        made = date(2026, month, day)
        created = datetime.fromordinal(made.toordinal() + late_by).replace(hour=5, tzinfo=UTC)
        (new,) = add(entry(self._target(i), made, status=status, created_at=created))
        self.entries.append(new.id)

    @rule(k=st.integers(0, 50), status=st.sampled_from(list(EntryStatus)))
    def set_status(self, k, status):
        if self.entries:
            entry_id = self.entries[k % len(self.entries)]
            db.session.execute(
                update(WorkEntry).where(WorkEntry.id == entry_id).values(status=status)
            )
            db.session.commit()

    @rule(k=st.integers(0, 50), i=st.integers(0, 1), month=st.integers(1, 12))
    def move(self, k, i, month):
        if self.entries:
            entry_id = self.entries[k % len(self.entries)]
            db.session.execute(
                update(WorkEntry)
                .where(WorkEntry.id == entry_id)
                .values(target_id=self.targets[i], month=month, entry_date=date(2026, month, 10))
            )
            db.session.commit()

    @rule(k=st.integers(0, 50))
    def remove(self, k):
        if self.entries:
            entry_id = self.entries.pop(k % len(self.entries))
            db.session.execute(delete(WorkEntry).where(WorkEntry.id == entry_id))
            db.session.commit()

    @rule(i=st.integers(0, 1), state=st.sampled_from(STATES))
    def set_state(self, i, state):
        db.session.execute(update(Target).where(Target.id == self.targets[i]).values(state=state))
        db.session.commit()

    @rule(i=st.integers(0, 1), month=st.integers(1, 12), quantity=st.integers(0, 3))
    def set_quantity(self, i, month, quantity):
        db.session.execute(
            update(MonthlyTarget)
            .where(MonthlyTarget.target_id == self.targets[i], MonthlyTarget.month == month)
            .values(quantity=quantity)
        )
        db.session.commit()

    @invariant()
    def rollups_are_true(self):
        assert _drift() == NO_DRIFT

    def teardown(self):
        db.session.rollback()
        empty_all_tables()


def test_random_walks_keep_the_rollups_true(app):
    run_state_machine_as_test(
        EntryWalk,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.commits  # two writers on connections of their own
def test_deleting_and_logging_in_the_same_month_at_once_keeps_the_first_time(world, app):
    """One transaction deletes the month's only entry while another logs a new one. The
    second's trigger waits for the first's lock on the employee and recomputes after the
    first commits: the month's first entry is the new one (without the lock, it would have
    kept the deleted entry's time from its older snapshot)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    (old,) = add(entry(world.target, date(2026, 3, 2), created_at=_at(date(2026, 3, 2))))
    old_id = old.id
    engine_ = db.engine
    deleted = threading.Event()
    errors: list[BaseException] = []

    def delete_old():
        try:
            with engine_.connect() as conn:
                tx = conn.begin()
                conn.execute(delete(WorkEntry).where(WorkEntry.id == old_id))
                deleted.set()
                _wait_for_a_blocked_advisory_lock(engine_)
                tx.commit()
        except BaseException as error:  # surfaced by the main thread
            errors.append(error)
            deleted.set()

    first = threading.Thread(target=delete_old)
    first.start()
    assert deleted.wait(10)
    new_at = _at(date(2026, 3, 20))
    with engine_.begin() as conn:
        conn.execute(
            WorkEntry.__table__.insert().values(
                target_id=world.target.id,
                owner_id=world.owner.id,
                instansi_id=world.target.instansi_id,
                period_id=world.period.id,
                entry_date=date(2026, 3, 20),
                month=3,
                description="Laporan baru",
                quantity=1,
                minutes=60,
                links=[],
                status="pending",
                version=1,
                reject_reason="",
                form_token=uuid.uuid4().hex,
                created_at=new_at,
                updated_at=new_at,
            )
        )
    first.join(10)
    assert not errors
    assert _month(world, 3).first_entry_at == new_at
    assert _drift() == NO_DRIFT


def _wait_for_a_blocked_advisory_lock(engine_, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with engine_.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the second writer never waited for the first")
