"""Reminders and escalation (``flask --app wsgi reminders``): each kind goes to the right
person at its threshold and not before, counted in working days (weekends and holidays
skipped); a run twice in a day writes each reminder once; the run's statements do not
grow with the number of employees; and the admin sets the thresholds per instansi."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Evaluation,
    EvaluationStatus,
    FollowUpItem,
    FollowUpKind,
    MonthlyReport,
    Notification,
    NotifySettings,
)
from portal.models.monthly import MONTHLY_SUBMITTED
from portal.models.periods import Cadence
from portal.notify import queries, reminders, thresholds
from portal.notify.forms import UNKNOWN_ZONE
from portal.notify.kinds import KINDS, text
from tests.reporting_helpers import add, build_world, entry, fix_today, sign_in
from workflows.states import APPROVED

HOLIDAY = date(2026, 6, 16)  # Tahun Baru Islam 1448 H, in portal/data/holidays.json


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


def run(day: date) -> int:
    written = reminders.run(day)
    db.session.commit()
    return written


def sent(kind: str | None = None) -> list[tuple[int, str]]:
    """(recipient, kind) of every notification written, oldest first."""
    query = select(Notification.recipient_id, Notification.kind).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return [tuple(row) for row in db.session.execute(query)]


def of_kind(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def set_thresholds(instansi_id: int, **values) -> None:
    db.session.add(NotifySettings(instansi_id=instansi_id, **values))
    db.session.commit()


def submitted(owner, period, *month_numbers: int) -> None:
    for month in month_numbers:
        db.session.add(
            MonthlyReport(
                employee_id=owner.id,
                instansi_id=owner.instansi_id,
                period_id=period.id,
                month=month,
                state=MONTHLY_SUBMITTED,
            )
        )
    db.session.commit()


def test_working_days_skip_weekends_and_holidays(app):
    assert not clock.is_working_day(HOLIDAY)
    assert not clock.is_working_day(date(2026, 6, 20))  # a Saturday
    assert clock.add_working_days(date(2026, 6, 15), 1) == date(2026, 6, 17)
    assert clock.add_working_days(date(2026, 6, 19), 1) == date(2026, 6, 22)
    assert clock.add_working_days(date(2026, 6, 22), -2) == date(2026, 6, 18)
    assert clock.working_days_between(date(2026, 6, 12), date(2026, 6, 19)) == 4


# -- each kind, to whom, when --------------------------------------------------------------


def test_the_planning_deadline_reminds_those_without_an_approved_plan(w):
    # The deadline is Saturday 31 January; five working days before it is Monday the 26th.
    assert run(date(2026, 1, 23)) == 0
    run(date(2026, 1, 26))
    told = {recipient for recipient, _ in sent("planning_due")}
    assert w.colleague.id in told and w.boss.id in told and w.admin.id in told
    assert w.owner.id not in told  # their target is approved
    assert w.stranger.id not in told  # another instansi, no period
    note = of_kind("planning_due")[0]
    assert note.endpoint == "plans.plan" and note.params["period"] == w.period.name
    assert run(date(2026, 1, 27)) == 0  # once per deadline
    assert run(date(2026, 2, 2)) == 0  # and none after it


def test_a_monthly_report_is_due_then_overdue_for_its_employee(w):
    submitted(w.owner, w.period, 1, 2, 3, 4)
    # May's report is due on Friday 5 June: two working days before is Wednesday the 3rd.
    assert run(date(2026, 6, 2)) == 0
    run(date(2026, 6, 3))
    assert sent() == [(w.owner.id, "monthly_due")]  # the colleague has no approved target
    note = of_kind("monthly_due")[0]
    assert note.endpoint_args == {"employee_id": w.owner.id, "period_id": w.period.id, "month": 5}
    assert run(date(2026, 6, 5)) == 0
    assert run(date(2026, 6, 6)) == 0  # Saturday: not yet overdue
    run(date(2026, 6, 8))  # the first working day after the deadline
    assert sent("monthly_overdue") == [(w.owner.id, "monthly_overdue")]
    assert run(date(2026, 6, 9)) == 0


def test_a_submitted_monthly_report_stops_its_reminders(w):
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    assert run(date(2026, 6, 3)) == 0
    assert run(date(2026, 6, 8)) == 0


def test_entries_waiting_remind_the_atasan_then_escalate_after_working_days(w, factory):
    set_thresholds(w.owner.instansi_id, verify_remind_days=2, verify_escalate_days=2)
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    # Sent on Friday 12 June; the weekend and Tuesday the 16th (a holiday) do not count.
    add(entry(w.target, date(2026, 6, 12)))
    assert run(date(2026, 6, 13)) == 0  # Saturday
    assert run(date(2026, 6, 15)) == 0  # one working day
    assert run(HOLIDAY) == 0
    run(date(2026, 6, 17))  # two working days: the atasan
    assert sent() == [(w.boss.id, "verify_remind")]
    assert of_kind("verify_remind")[0].params == {"count": 1, "days": 2}
    run(date(2026, 6, 18))  # three: the atasan again (each working day), no escalation yet
    assert sent() == [(w.boss.id, "verify_remind")] * 2
    run(date(2026, 6, 19))  # four = N + M: the atasan's atasan and the admin too
    kind = "verify_escalate"
    escalated = sent(kind)
    assert sorted(escalated) == sorted([(w.head.id, kind), (w.admin.id, kind)])
    note = of_kind("verify_escalate")[0]
    assert note.params["evaluator"] == w.boss.display_name and note.params["days"] == 4
    assert note.endpoint == "people.profile" and note.endpoint_args == {"employee_id": w.boss.id}
    assert run(date(2026, 6, 19)) == 0  # the same day again: nothing


def test_a_verified_entry_reminds_nobody(w):
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    add(entry(w.target, date(2026, 6, 1), status="accepted"))
    assert run(date(2026, 6, 15)) == 0


def test_periodic_evaluations_overdue_remind_the_evaluator(w):
    submitted(w.owner, w.period, *range(1, 7))
    # Semester I ends on 30 June; its evaluations are due fourteen days later (Tuesday the
    # 14th of July), overdue from the next working day.
    assert run(date(2026, 7, 14)) == 0
    run(date(2026, 7, 15))
    assert sent() == [(w.boss.id, "periodic_overdue")]
    note = of_kind("periodic_overdue")[0]
    assert note.params["count"] == 1 and note.endpoint_args == {"period_id": w.period.id}
    assert run(date(2026, 7, 16)) == 0


def test_annual_evaluations_overdue_remind_the_evaluator(w):
    w.period.evaluation_deadline = date(2026, 6, 12)  # a Friday
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    assert run(date(2026, 6, 12)) == 0
    run(date(2026, 6, 15))
    assert sent() == [(w.boss.id, "evaluation_overdue")]
    evaluation = _evaluation(w, status=EvaluationStatus.FINAL)
    assert evaluation.id
    db.session.query(Notification).delete()
    db.session.commit()
    assert run(date(2026, 6, 15)) == 0  # final: nothing overdue


def _evaluation(w, **values) -> Evaluation:
    evaluation = Evaluation(
        plan_id=w.target.plan_id,
        employee_id=w.owner.id,
        period_id=w.period.id,
        instansi_id=w.owner.instansi_id,
        evaluator_id=w.boss.id,
        **values,
    )
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


def test_an_objection_near_its_decision_deadline_reminds_the_atasan_who_decides(w):
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    # Objected on 1 June: decided by 15 June (PORTAL_OBJECTION_DECISION_DAYS = 14); three
    # working days before is Wednesday the 10th.
    _evaluation(
        w,
        status=EvaluationStatus.FINAL,
        employee_response="object",
        objection_status="open",
        responded_at=datetime(2026, 6, 1, 3, tzinfo=UTC),
    )
    assert run(date(2026, 6, 9)) == 0
    run(date(2026, 6, 10))
    assert sent() == [(w.head.id, "objection_due")]
    note = of_kind("objection_due")[0]
    assert note.params["owner"] == w.owner.display_name
    assert run(date(2026, 6, 11)) == 0
    db.session.query(Notification).delete()
    db.session.commit()
    assert run(HOLIDAY) == 0  # past the deadline: nothing more


def test_a_follow_up_item_coming_due_reminds_the_person_responsible(w):
    submitted(w.owner, w.period, 1, 2, 3, 4, 5)
    evaluation = _evaluation(w, status=EvaluationStatus.FINAL)
    db.session.add(_follow_up(w, evaluation, date(2026, 6, 19)))
    db.session.commit()
    # Three working days before Friday the 19th, without the holiday: Monday the 15th.
    assert run(date(2026, 6, 12)) == 0
    run(date(2026, 6, 15))
    assert sent() == [(w.owner.id, "follow_up_due")]
    assert of_kind("follow_up_due")[0].params["description"] == "Pelatihan analisis kebijakan"
    assert run(date(2026, 6, 17)) == 0


REMINDER_KINDS = {key for key, kind in KINDS.items() if kind.group == "reminders"}


def test_every_reminder_reads_whole_and_opens_a_page_for_its_recipient(w, app, make_client):
    run(date(2026, 1, 26))  # planning
    w.period.evaluation_deadline = date(2026, 6, 12)
    add(entry(w.target, date(2026, 6, 1)))
    run(date(2026, 6, 3))  # May's report due, April's overdue
    run(date(2026, 6, 15))  # entries waiting and escalated, the annual evaluation overdue
    evaluation = _evaluation(
        w,
        status=EvaluationStatus.FINAL,
        employee_response="object",
        objection_status="open",
        responded_at=datetime(2026, 6, 1, 3, tzinfo=UTC),
    )
    db.session.add(_follow_up(w, evaluation, date(2026, 6, 19)))
    db.session.commit()
    run(date(2026, 6, 10))  # the objection's deadline near
    run(date(2026, 6, 15))  # the follow-up item coming due
    run(date(2026, 7, 15))  # semester I's periodic evaluations overdue
    notes = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    assert {n.kind for n in notes} == REMINDER_KINDS
    clients = {}
    for note in notes:
        if note.recipient_id not in clients:
            person = db.session.get(type(w.owner), note.recipient_id)
            clients[note.recipient_id] = sign_in(make_client, person)
        client = clients[note.recipient_id]
        with app.test_request_context():
            title = text(KINDS[note.kind].title, note.params)
            detail = text(KINDS[note.kind].detail, note.params)
            link = queries.link(note)
        assert "—" not in title + detail, (note.kind, title, detail)
        assert client.get(link).status_code == 200, (note.kind, link)
    owner_page = clients[w.owner.id].get("/pemberitahuan").get_data(as_text=True)
    assert "Laporan bulanan Mei 2026 jatuh tempo 5 Juni 2026" in owner_page


def _follow_up(w, evaluation, due_date: date) -> FollowUpItem:
    return FollowUpItem(
        evaluation_id=evaluation.id,
        employee_id=w.owner.id,
        instansi_id=w.owner.instansi_id,
        kind=FollowUpKind.PENGEMBANGAN,
        description="Pelatihan analisis kebijakan",
        responsible_id=w.owner.id,
        due_date=due_date,
        created_by_id=w.boss.id,
    )


# -- once a day, and the command -----------------------------------------------------------


def test_the_command_run_twice_in_a_day_writes_each_reminder_once(w, app, monkeypatch):
    add(entry(w.target, date(2026, 6, 1)))
    fix_today(monkeypatch, date(2026, 6, 15))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders"])
    db.session.rollback()
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count()).select_from(Notification))
    assert count > 0 and f"{count} pengingat baru ditulis." in first.output
    second = runner.invoke(args=["reminders"])
    db.session.rollback()
    assert second.exit_code == 0 and "0 pengingat baru ditulis." in second.output
    assert db.session.scalar(select(func.count()).select_from(Notification)) == count
    fix_today(monkeypatch, date(2026, 6, 17))  # the next working day: only the daily ones
    runner.invoke(args=["reminders"])
    db.session.rollback()
    again = {kind for _, kind in sent()[count:]}
    assert again == {"verify_remind", "verify_escalate"}


def test_reminders_written_before_are_skipped_not_an_error(w):
    add(entry(w.target, date(2026, 6, 1)))
    due = reminders.due(date(2026, 6, 15))
    assert reminders.write(due[:1]) == 1  # an earlier run wrote one of them
    assert reminders.write(due) == len(due) - 1
    db.session.commit()
    assert reminders.write(reminders.due(date(2026, 6, 15))) == 0


@pytest.mark.parametrize("waiting", [5, 50])
def test_a_run_costs_the_same_statements_for_5_and_50_waiting_employees(
    w, factory, count_statements, waiting
):
    for _ in range(waiting - 1):
        owner = factory.employee(w.owner.unit, atasan=w.boss)
        target = factory.target(owner, w.period, state=APPROVED)
        db.session.add(entry(target, date(2026, 6, 8)))
    db.session.add(entry(w.target, date(2026, 6, 8)))
    db.session.commit()
    with count_statements() as counter:
        written = run(date(2026, 6, 19))
    # Each waiting employee's May report is overdue; the boss is reminded and escalated.
    assert written == waiting + 3
    assert counter.count == EXPECTED_RUN_STATEMENTS, counter.statements
    with count_statements() as counter:
        assert run(date(2026, 6, 19)) == 0
    assert counter.count == EXPECTED_RUN_STATEMENTS - 1, counter.statements  # no insert


# Thresholds, open periods, monthly reports, entries waiting, the late evaluators, the
# admins, objections, follow-up items, the keys already written, and the insert.
EXPECTED_RUN_STATEMENTS = 10


# -- the admin's thresholds page -----------------------------------------------------------


def form_of(saved_version: int = 0, **changes) -> dict:
    values = {
        "version": str(saved_version),
        "timezone": "Asia/Makassar",
        "planning_notice_days": "7",
        "monthly_notice_days": "3",
        "verify_remind_days": "4",
        "verify_escalate_days": "2",
        "objection_notice_days": "3",
        "follow_up_notice_days": "5",
        "digest_hour": "6",
        **changes,
    }
    return {key: value for key, value in values.items() if value is not None}


def audited() -> list[dict]:
    return list(
        db.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.action == "notify_settings.update")
        )
    )


def test_the_admin_sees_the_defaults_and_changes_them(w, make_client):
    admin = sign_in(make_client, w.admin)
    page = admin.get("/admin/pengingat")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ambang pengingat" in html and 'name="verify_remind_days"' in html
    assert 'href="/admin/pengingat"' in html  # in the Kelola menu
    response = admin.post("/admin/pengingat", form_of())
    assert response.status_code == 303
    saved = thresholds.current(w.admin.instansi_id)
    assert saved.version == 1
    assert saved.thresholds.verify_remind_days == 4
    assert saved.thresholds.timezone == "Asia/Makassar"
    changes = audited()[0]["changes"]
    assert changes["verify_remind_days"] == [3, 4] and "verify_escalate_days" not in changes
    # And again, from the saved version.
    response = admin.post("/admin/pengingat", form_of(1, digest_hour="0"))
    assert response.status_code == 303
    assert thresholds.current(w.admin.instansi_id).thresholds.digest_hour == 0
    assert len(audited()) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planning_notice_days", "0", "tidak boleh nol"),
        ("monthly_notice_days", "61", "terlalu besar"),
        ("verify_remind_days", "tiga", "bilangan bulat"),
        ("verify_escalate_days", "-2", "tidak boleh negatif"),
        ("objection_notice_days", "9" * 40, "bilangan bulat"),
        ("follow_up_notice_days", None, "wajib diisi"),
        ("digest_hour", "24", "terlalu besar"),
        ("timezone", "Europe/Berlin", str(UNKNOWN_ZONE)),
        ("version", "9" * 30, "Muat ulang"),
        ("version", "abc", "Muat ulang"),
    ],
)
def test_bad_input_is_refused_in_indonesian_and_changes_nothing(
    w, make_client, field, value, message
):
    admin = sign_in(make_client, w.admin)
    response = admin.post("/admin/pengingat", form_of(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(NotifySettings, w.admin.instansi_id) is None
    assert audited() == []


def test_a_stale_form_is_a_409_with_the_fresh_values(w, make_client):
    admin = sign_in(make_client, w.admin)
    assert admin.post("/admin/pengingat", form_of(verify_remind_days="9")).status_code == 303
    stale = admin.post("/admin/pengingat", form_of(0, verify_remind_days="5"))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "baru saja diubah admin lain" in html
    assert re.search(r'name="verify_remind_days"[^>]*value="9"', html)  # theirs, not "5"
    assert thresholds.current(w.admin.instansi_id).thresholds.verify_remind_days == 9
    assert len(audited()) == 1


@pytest.mark.parametrize("who", ["boss", "owner", "stranger"])
def test_only_the_instansis_admin_reaches_the_page(w, make_client, who):
    client = sign_in(make_client, getattr(w, who))
    assert client.get("/admin/pengingat").status_code == 403
    assert client.post("/admin/pengingat", form_of()).status_code == 403
    assert db.session.get(NotifySettings, w.admin.instansi_id) is None


def test_the_page_needs_a_sign_in_and_the_csrf_token(w, make_client, client):
    assert client.get("/admin/pengingat").status_code == 302
    admin = sign_in(make_client, w.admin)
    assert admin.post("/admin/pengingat", form_of(), csrf=False).status_code == 400
    assert db.session.get(NotifySettings, w.admin.instansi_id) is None


def test_the_saved_thresholds_are_what_the_run_counts_with(w, make_client):
    admin = sign_in(make_client, w.admin)
    assert admin.post("/admin/pengingat", form_of(verify_remind_days="1")).status_code == 303
    add(entry(w.target, date(2026, 6, 12)))
    run(date(2026, 6, 15))  # one working day: enough now
    assert sent("verify_remind") == [(w.boss.id, "verify_remind")]


def test_a_cadence_of_quarters_reminds_after_each_quarter(w, factory):
    w.period.cadence = Cadence.TRIWULANAN
    submitted(w.owner, w.period, 1, 2, 3)
    db.session.commit()
    # Triwulan I ends 31 March, due 14 April (Tuesday), overdue from Wednesday the 15th.
    assert run(date(2026, 4, 14)) == 0
    run(date(2026, 4, 15))
    assert sent("periodic_overdue") == [(w.boss.id, "periodic_overdue")]


@pytest.mark.commits
def test_two_runs_at_the_same_moment_write_each_reminder_once(w, app, monkeypatch):
    """Each run on a connection of its own: the first writes and holds its transaction
    open a moment; the second writes meanwhile, and must neither fail nor write twice."""
    add(entry(w.target, date(2026, 6, 1)))
    day = date(2026, 6, 15)
    first_wrote = threading.Event()
    write = reminders.write

    def slow_write(rows):
        written = write(rows)
        if threading.current_thread().name.startswith("first"):
            first_wrote.set()
            time.sleep(0.3)
        return written

    monkeypatch.setattr(reminders, "write", slow_write)

    def attempt(goes_second: bool) -> int:
        with app.app_context():
            try:
                if goes_second:
                    assert first_wrote.wait(timeout=10), "the first run never wrote"
                return reminders.run_and_commit(day)
            finally:
                db.session.remove()

    db.session.rollback()
    with (
        ThreadPoolExecutor(1, thread_name_prefix="first") as first,
        ThreadPoolExecutor(1, thread_name_prefix="second") as second,
    ):
        one, other = first.submit(attempt, False), second.submit(attempt, True)
        counts = (one.result(timeout=60), other.result(timeout=60))
    total = db.session.scalar(select(func.count()).select_from(Notification))
    assert counts == (total, 0) and total > 0
    keys = db.session.scalars(select(Notification.dedup_key)).all()
    assert len(keys) == len(set(keys))
