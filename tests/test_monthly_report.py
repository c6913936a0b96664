"""The monthly report (laporan bulanan): its workflow table, the employee's form and
submission, the supervisor's review (ratings, accept, return), the races (a double
submit, a review racing a new entry), bad input, who may see and do what, the inbox
source, and the year-end ``submit_report`` guard that needs the months accepted."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.inbox import monthly as inbox
from portal.models import (
    AuditEvent,
    Employee,
    EntryStatus,
    MonthlyQuality,
    MonthlyReport,
    MonthlyReportHistory,
    MonthlyReportTarget,
    Period,
    Target,
)
from portal.policy import MonthRef
from portal.reports import monthly_reports
from portal.reports.monthly_reports import TargetWords
from tests.reporting_helpers import (
    accept_monthly_reports,
    add,
    build_world,
    entry,
    fix_today,
    sign_in,
)
from workflows import engine, guards
from workflows import monthly as workflow
from workflows.states import EVALUATOR, OWNER

MAY, JUNE = 5, 6  # TODAY is 15 June 2026: May is over (its deadline, 5 June, passed)


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    return lambda employee: sign_in(make_client, employee)


def _url(w, month=MAY, *, review=False, employee=None):
    employee_id = (employee or w.owner).id
    url = f"/pegawai/{employee_id}/laporan-bulanan/{w.period.id}/{month}"
    return url + "/review" if review else url


def _words(w, **changes) -> dict:
    data = {
        "version": "0",
        "action": "submit",
        "targets-0-target_id": str(w.target.id),
        "targets-0-capaian": "Dua laporan kegiatan selesai.",
        "targets-0-kendala": "Data dari bidang terlambat.",
        "targets-0-rencana": "Menyusun laporan triwulan.",
    }
    data.update(changes)
    return data


def _report(w, month=MAY) -> MonthlyReport | None:
    db.session.expire_all()
    return monthly_reports.find_report(w.owner.id, w.period.id, month)


def _history(report) -> list[tuple[str, str, str]]:
    return [
        (h.trigger, h.from_state, h.to_state)
        for h in db.session.scalars(
            select(MonthlyReportHistory)
            .where(MonthlyReportHistory.report_id == report.id)
            .order_by(MonthlyReportHistory.version)
        )
    ]


def _audit(report) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "MonthlyReport", AuditEvent.object_id == report.id)
            .order_by(AuditEvent.id)
        )
    )


def _submitted(w, month=MAY) -> MonthlyReport:
    ref = monthly_reports.month_ref(w.owner, w.period, month)
    words = [TargetWords(w.target.id, "Selesai.", "", "")]
    report = monthly_reports.save(ref, w.owner, words, 0, submit=True)
    db.session.commit()
    return report


def _fingerprint(w, month=MAY) -> str:
    return monthly_reports.month_figures(w.owner.id, w.period.id, month)[1]


def _review(w, month=MAY, **changes) -> dict:
    report = _report(w, month)
    data = {
        "version": str(report.version),
        "fingerprint": _fingerprint(w, month),
        "decision": "accept",
        "reason": "",
        "targets-0-target_id": str(w.target.id),
        "targets-0-rating": "88",
        "targets-0-note": "Rapi, lampirkan notulen.",
    }
    data.update(changes)
    return data


# -- the table ------------------------------------------------------------------------------


def test_the_table_has_one_row_per_trigger_and_source_and_every_row_is_period_bound():
    rows = {(t.trigger, t.source, t.dest, t.roles, t.reason_required) for t in workflow.TRANSITIONS}
    assert rows == {
        ("submit", "draft", "submitted", frozenset({OWNER}), False),
        ("submit", "returned", "submitted", frozenset({OWNER}), False),
        ("accept", "submitted", "accepted", frozenset({EVALUATOR}), False),
        ("return_report", "submitted", "returned", frozenset({EVALUATOR}), True),
    }
    assert all(t.guards[0] == "period_open" for t in workflow.TRANSITIONS)


@pytest.mark.parametrize("state", workflow.STATES)
@pytest.mark.parametrize("trigger", ["submit", "accept", "return_report"])
@pytest.mark.parametrize("who", ["owner", "boss"])
def test_every_state_trigger_and_role(w, state, trigger, who):
    """Only the table's rows move a report; every other combination is refused and
    leaves it as it was."""
    report = MonthlyReport(
        employee_id=w.owner.id,
        instansi_id=w.owner.instansi_id,
        period_id=w.period.id,
        month=MAY,
        state=state,
    )
    db.session.add(report)
    db.session.commit()
    actor = getattr(w, who)
    row = workflow.transition_for(trigger, state)
    allowed = row is not None and (OWNER if who == "owner" else EVALUATOR) in row.roles
    if allowed:
        history = workflow.fire(report, trigger, actor, reason="Lengkapi bukti.")
        assert (history.from_state, history.to_state) == (state, row.dest)
        assert report.version == 2
    else:
        expected = Conflict if row is None else PermissionDenied
        with pytest.raises(expected):
            workflow.fire(report, trigger, actor, reason="Lengkapi bukti.")
        db.session.rollback()
        assert (_report(w).state, _report(w).version) == (state, 1)


def test_a_month_is_submitted_only_once_it_is_over(w):
    ref = monthly_reports.month_ref(w.owner, w.period, JUNE)
    with pytest.raises(InvalidInput) as refused:
        monthly_reports.save(ref, w.owner, [], 0, submit=True)
    assert "setelah bulan itu berakhir" in refused.value.message
    assert "Jun 2026" in refused.value.message
    db.session.rollback()
    assert _report(w, JUNE) is None


def test_a_closed_period_refuses_the_report(w):
    report = _submitted(w)
    w.period.status = "closed"
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        workflow.fire(_report(w), "accept", w.boss)
    assert refused.value.message == str(workflow.PERIOD_CLOSED)
    db.session.rollback()
    assert (_report(w).state, _report(w).version) == ("submitted", report.version)


# -- the employee's form ---------------------------------------------------------------------


def test_the_draft_shows_the_months_figures_per_target(w, login_as):
    add(
        entry(w.target, date(2026, 5, 4), quantity=2, minutes=90, status=EntryStatus.ACCEPTED),
        entry(w.target, date(2026, 5, 6), quantity=3, minutes=30),
        entry(w.target, date(2026, 5, 7), quantity=9, status=EntryStatus.REJECTED),
        entry(w.target, date(2026, 4, 7), quantity=7, status=EntryStatus.ACCEPTED),
    )
    figures, _ = monthly_reports.month_figures(w.owner.id, w.period.id, MAY)
    f = figures[w.target.id]
    assert (f.accepted, f.pending, f.entries, f.minutes, f.evidence) == (2, 3, 2, 120, 0)
    page = login_as(w.owner).get(_url(w))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="targets-0-capaian"' in html and "Kirim ke atasan" in html


def test_save_a_draft_then_submit_late(w, login_as):
    owner = login_as(w.owner)
    saved = owner.post(_url(w), _words(w, action="save"))
    assert saved.status_code == 303
    report = _report(w)
    assert (report.state, report.version, report.late) == ("draft", 1, False)
    assert report.targets[0].kendala == "Data dari bidang terlambat."
    submitted = owner.post(_url(w), _words(w, version="1", **{"targets-0-kendala": ""}))
    assert submitted.status_code == 303
    report = _report(w)
    # 15 June is after May's deadline (5 June): submitted, and flagged late.
    assert (report.state, report.late, report.submitted_on) == (
        "submitted",
        True,
        date(2026, 6, 15),
    )
    assert report.targets[0].kendala == ""
    assert _history(report) == [("submit", "draft", "submitted")]
    assert _audit(report) == [
        "monthly_report.create",
        "monthly_report.save",
        "monthly_report.save",
        "monthly_report.submit",
    ]
    listing = owner.get("/laporan-bulanan").get_data(as_text=True)
    assert "Terlambat" in listing and "Menunggu tinjauan atasan" in listing


def test_submitted_by_the_deadline_is_not_late(w, monkeypatch, login_as):
    fix_today(monkeypatch, date(2026, 6, 5))
    assert login_as(w.owner).post(_url(w), _words(w)).status_code == 303
    assert _report(w).late is False


def test_the_list_flags_an_overdue_month(w, login_as):
    html = login_as(w.owner).get("/laporan-bulanan").get_data(as_text=True)
    assert "Lewat batas waktu" in html  # Jan–May, none submitted
    assert "Bulan berjalan" in html  # June


def test_a_double_submit_saves_once(w, login_as):
    owner = login_as(w.owner)
    assert owner.post(_url(w), _words(w)).status_code == 303
    again = owner.post(_url(w), _words(w))  # the same form, posted again
    assert again.status_code == 409
    report = _report(w)
    assert _history(report) == [("submit", "draft", "submitted")]
    assert db.session.scalar(select(func.count()).select_from(MonthlyReport)) == 1


def test_a_submitted_report_can_no_longer_be_edited(w, login_as):
    _submitted(w)
    response = login_as(w.owner).post(_url(w), _words(w, version="2", action="save"))
    assert response.status_code == 409
    assert "tidak dapat diubah" in response.get_data(as_text=True)


# -- the supervisor's review -----------------------------------------------------------------


def test_accept_writes_the_ratings_and_the_history(w, login_as):
    _submitted(w)
    boss = login_as(w.boss)
    page = boss.get(_url(w, review=True))
    assert page.status_code == 200
    assert 'name="fingerprint"' in page.get_data(as_text=True)
    assert boss.post(_url(w, review=True), _review(w)).status_code == 303
    report = _report(w)
    assert (report.state, report.reviewed_by_id) == ("accepted", w.boss.id)
    rating = db.session.scalars(select(MonthlyQuality)).one()
    assert (rating.target_id, rating.month, rating.rating, rating.note) == (
        w.target.id,
        MAY,
        88,
        "Rapi, lampirkan notulen.",
    )
    assert _history(report)[-1] == ("accept", "submitted", "accepted")
    assert _audit(report)[-1] == "monthly_report.accept"


def test_accept_needs_every_rating(w, login_as):
    _submitted(w)
    response = login_as(w.boss).post(_url(w, review=True), _review(w, **{"targets-0-rating": ""}))
    assert response.status_code == 422
    assert 'id="targets-0-rating" aria-invalid="true"' in response.get_data(as_text=True) or (
        "targets-0-rating-error" in response.get_data(as_text=True)
    )
    assert _report(w).state == "submitted"


def test_return_needs_a_reason_then_the_employee_submits_again(w, login_as):
    _submitted(w)
    boss = login_as(w.boss)
    refused = boss.post(_url(w, review=True), _review(w, decision="return", reason="  "))
    assert refused.status_code == 422
    assert "Alasan pengembalian wajib diisi." in refused.get_data(as_text=True)
    returned = boss.post(
        _url(w, review=True), _review(w, decision="return", reason="Lampirkan notulen rapat.")
    )
    assert returned.status_code == 303
    report = _report(w)
    assert (report.state, report.return_reason) == ("returned", "Lampirkan notulen rapat.")
    owner = login_as(w.owner)
    page = owner.get(_url(w)).get_data(as_text=True)
    assert "Lampirkan notulen rapat." in page
    assert owner.post(_url(w), _words(w, version=str(report.version))).status_code == 303
    report = _report(w)
    assert report.state == "submitted" and report.return_reason == ""
    assert _history(report) == [
        ("submit", "draft", "submitted"),
        ("return_report", "submitted", "returned"),
        ("submit", "returned", "submitted"),
    ]


def test_a_review_racing_a_new_entry_is_a_409_and_changes_nothing(w, login_as):
    _submitted(w)
    boss = login_as(w.boss)
    data = _review(w)  # the screen as the supervisor loaded it
    add(entry(w.target, date(2026, 5, 28), quantity=4))  # the employee adds one meanwhile
    response = boss.post(_url(w, review=True), data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "berubah setelah Anda membuka halaman ini" in html
    assert 'name="fingerprint"' in html  # the fresh screen, with the fresh fingerprint
    assert _report(w).state == "submitted"
    assert db.session.scalar(select(func.count()).select_from(MonthlyQuality)) == 0


def test_an_edited_or_verified_entry_also_changes_the_fingerprint(w):
    (work,) = add(entry(w.target, date(2026, 5, 28)))
    before = _fingerprint(w)
    work.status = EntryStatus.ACCEPTED
    work.version += 1
    db.session.commit()
    assert _fingerprint(w) != before


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["101", "-1", "1e30", "abc", "9" * 40])
def test_an_out_of_range_rating_is_a_422_naming_the_field(w, login_as, rating):
    _submitted(w)
    response = login_as(w.boss).post(
        _url(w, review=True), _review(w, **{"targets-0-rating": rating})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="targets-0-rating-error"' in html
    assert "Nilai kualitas" in html
    assert _report(w).state == "submitted"


@pytest.mark.parametrize(
    "field, value",
    [
        ("targets-0-capaian", "Selesai\x00"),
        ("targets-0-kendala", "a" * 2001),
        ("targets-0-rencana", "Rencana\x1b[31m"),
        ("targets-0-target_id", str(2**63)),
        ("version", str(2**63)),
        ("action", "approve"),
    ],
)
def test_bad_words_are_a_422_and_save_nothing(w, login_as, field, value):
    response = login_as(w.owner).post(_url(w), _words(w, **{field: value}))
    assert response.status_code == 422
    assert _report(w) is None


def test_bad_review_fields_are_a_422(w, login_as):
    _submitted(w)
    boss = login_as(w.boss)
    for changes in (
        {"targets-0-note": "Bagus\x00"},
        {"reason": "x" * 2001, "decision": "return"},
        {"fingerprint": "abc"},
        {"version": "-1"},
        {"decision": "maybe"},
    ):
        assert boss.post(_url(w, review=True), _review(w, **changes)).status_code == 422
    assert _report(w).state == "submitted"


def test_a_target_that_is_not_in_the_report_is_refused(w, login_as, factory):
    other = factory.target(w.colleague, w.period, state="approved")
    db.session.commit()
    response = login_as(w.owner).post(_url(w), _words(w, **{"targets-0-target_id": str(other.id)}))
    assert response.status_code == 422
    assert _report(w) is None


@pytest.mark.parametrize(
    "url",
    [
        "/pegawai/{big}/laporan-bulanan/{period}/5",
        "/pegawai/{owner}/laporan-bulanan/{big}/5",
        "/pegawai/{owner}/laporan-bulanan/{period}/{big}",
        "/pegawai/{owner}/laporan-bulanan/{period}/13",
        "/pegawai/{owner}/laporan-bulanan/{period}/0",
        "/pegawai/{owner}/laporan-bulanan/{period}/5/review",
    ],
)
def test_urls_that_name_nothing_are_404(w, login_as, url):
    path = url.format(big=2**63, owner=w.owner.id, period=w.period.id)
    if path.endswith("/review"):  # no report yet: the owner's own month has no review
        path = path.replace(f"/pegawai/{w.owner.id}/", f"/pegawai/{w.stranger.id}/")
    assert login_as(w.owner).get(path).status_code == 404


def test_csrf_is_required(w, login_as):
    response = login_as(w.owner).post(_url(w), _words(w), csrf=False)
    assert response.status_code == 400
    assert _report(w) is None


# -- who may -------------------------------------------------------------------------------


def test_others_get_403_or_404(w, login_as):
    _submitted(w)
    colleague, stranger, head, owner = (
        login_as(w.colleague),
        login_as(w.stranger),
        login_as(w.head),
        login_as(w.owner),
    )
    assert colleague.get(_url(w)).status_code == 403
    assert colleague.post(_url(w), _words(w, version="2")).status_code == 403
    assert stranger.get(_url(w)).status_code == 404
    assert stranger.post(_url(w, review=True), _review(w)).status_code == 404
    # The head reads the subtree but does not evaluate the target: no review.
    assert head.get(_url(w)).status_code == 200
    assert head.get(_url(w, review=True)).status_code == 403
    assert head.post(_url(w, review=True), _review(w)).status_code == 403
    # The employee never reviews their own report; the boss never writes it.
    assert owner.post(_url(w, review=True), _review(w)).status_code == 403
    assert login_as(w.boss).post(_url(w), _words(w, version="2")).status_code == 403
    assert _report(w).state == "submitted"


# -- the year-end guard ----------------------------------------------------------------------


def test_submit_report_needs_every_ended_month_accepted_and_names_them(w):
    add(entry(w.target, date(2026, 1, 5), quantity=12, status=EntryStatus.ACCEPTED))
    for month in range(1, 7):
        db.session.add(
            MonthlyQuality(target_id=w.target.id, month=month, rating=90, rated_by_id=w.boss.id)
        )
    accept_monthly_reports(w.owner, w.period, [1, 3])
    _submitted(w, 4)  # submitted, not yet accepted: still missing
    db.session.commit()
    target = db.session.get(Target, w.target.id)
    with pytest.raises(InvalidInput) as refused:
        engine.fire(target, "submit_report", w.owner)
    assert refused.value.message == str(guards.MONTHLY_REPORTS_NOT_ACCEPTED) % {
        "months": "Feb 2026, Apr 2026, Mei 2026"
    }
    db.session.rollback()
    accept_monthly_reports(w.owner, w.period, [2, 5])
    monthly_reports.review(
        monthly_reports.month_ref(w.owner, w.period, 4),
        w.boss,
        [monthly_reports.TargetReview(w.target.id, 90, "")],
        accept=True,
        reason="",
        version=2,
        fingerprint=_fingerprint(w, 4),
    )
    db.session.commit()
    target = db.session.get(Target, w.target.id)
    engine.fire(target, "submit_report", w.owner)  # June is not over: not needed yet
    db.session.commit()
    assert db.session.get(Target, w.target.id).state == "reported"


def test_the_guard_alone(app):
    period = Period(start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    target = type("T", (), {"period": period})()
    months = [type("M", (), {"month": m, "planned": 1, "accepted": 0})() for m in range(1, 13)]
    realisation = type("R", (), {"months": months})()

    def facts(today, accepted):
        return guards.Facts(target, today, realisation, accepted_report_months=frozenset(accepted))

    assert guards.monthly_reports_accepted(facts(date(2026, 1, 31), [])) is None
    assert "Jan 2026" in guards.monthly_reports_accepted(facts(date(2026, 2, 1), []))
    assert guards.monthly_reports_accepted(facts(date(2026, 3, 1), [1, 2])) is None
    assert "Des 2026" in guards.monthly_reports_accepted(facts(date(2027, 1, 2), range(1, 12)))
    assert guards.monthly_reports_accepted(facts(date(2027, 1, 2), range(1, 13))) is None


# -- the inbox -------------------------------------------------------------------------------


def _badge(user) -> int:
    return db.session.scalar(select(inbox.count(user, date(2026, 6, 15))))


@pytest.fixture
def request_context(app):
    """The inbox builds its links with ``url_for``, as in a request."""
    with app.test_request_context():
        yield


def test_the_inbox_lists_due_returned_and_waiting_reports(w, request_context):
    today = date(2026, 6, 15)
    items = inbox.items(w.owner, today)
    assert [i.title for i in items] == [
        f"Laporan bulanan {m} 2026" for m in ("Jan", "Feb", "Mar", "Apr", "Mei")
    ]
    assert all(i.overdue and i.due for i in items)
    assert _badge(w.owner) == 5
    report = _submitted(w)
    assert len(inbox.items(w.owner, today)) == 4 and _badge(w.owner) == 4
    (waiting,) = inbox.items(w.boss, today)
    assert waiting.url.endswith(f"/{MAY}/review") and "terlambat" in waiting.detail
    assert _badge(w.boss) == 1
    workflow.fire(report, "return_report", w.boss, reason="Lengkapi bukti.")
    db.session.commit()
    returned = [i for i in inbox.items(w.owner, today) if "Lengkapi bukti." in i.note]
    assert len(returned) == 1 and _badge(w.owner) == 5
    assert inbox.items(w.boss, today) == [] and _badge(w.boss) == 0
    assert inbox.items(w.colleague, today) == [] and _badge(w.colleague) == 0


def _clone_subordinates(w, count: int) -> None:
    """``count`` more subordinates of the boss, each with an approved target and May's
    report submitted, written straight to the database."""
    proto = w.target
    columns = [c.key for c in Employee.__table__.columns if c.key not in ("id", "nip")]
    target_columns = [c.key for c in Target.__table__.columns if c.key not in ("id", "form_token")]
    existing = db.session.scalar(select(func.count()).select_from(Employee))
    for n in range(count):
        person = Employee(**{k: getattr(w.colleague, k) for k in columns})
        person.nip = f"19900101201501{(existing + n) % 10000:04d}"[:18]
        person.nip = f"1990010120150{existing + n:05d}"
        db.session.add(person)
        db.session.flush()
        target = Target(**{k: getattr(proto, k) for k in target_columns})
        target.owner_id, target.form_token = person.id, f"clone-{person.id}"
        db.session.add(target)
        db.session.add(
            MonthlyReport(
                employee_id=person.id,
                instansi_id=person.instansi_id,
                period_id=w.period.id,
                month=MAY,
                state="submitted",
                submitted_on=date(2026, 6, 3),
            )
        )
    db.session.commit()


def test_the_inbox_costs_the_same_statements_for_5_and_500_subordinates(
    w, count_statements, request_context
):
    today = date(2026, 6, 15)
    _clone_subordinates(w, 5)

    def statements():
        db.session.expire_all()
        boss = db.session.get(Employee, w.boss.id)
        with count_statements() as counter:
            listed = inbox.items(boss, today)
            _ = [(i.title, i.url) for i in listed]
            badge = db.session.scalar(select(inbox.count(boss, today)))
        assert badge == len(listed)
        return counter.count, len(listed)

    small, listed = statements()
    assert listed == 5
    _clone_subordinates(w, 495)
    large, listed = statements()
    assert listed == 500
    assert large == small


def test_the_review_queue_page(w, login_as):
    _submitted(w)
    html = login_as(w.boss).get("/tim/laporan-bulanan").get_data(as_text=True)
    assert w.owner.display_name in html and _url(w, review=True) in html


# -- two at the same moment -------------------------------------------------------------------


@pytest.mark.commits
def test_two_submits_at_the_same_moment_save_once(app, w):
    ids = (w.owner.id, w.period.id, w.target.id)
    barrier = threading.Barrier(2)
    db.session.commit()

    def attempt():
        with app.app_context():
            try:
                owner = db.session.get(Employee, ids[0])
                period = db.session.get(Period, ids[1])
                ref = monthly_reports.month_ref(owner, period, MAY)
                barrier.wait(timeout=10)
                monthly_reports.save(
                    ref, owner, [TargetWords(ids[2], "Selesai.", "", "")], 0, submit=True
                )
                db.session.commit()
                return "submitted"
            except Conflict:
                db.session.rollback()
                return "conflict"
            finally:
                db.session.remove()

    db.session.rollback()
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(
            f.result(timeout=60) for f in [pool.submit(attempt), pool.submit(attempt)]
        )
    assert outcomes in (["conflict", "submitted"], ["submitted", "submitted"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MonthlyReport)) == 1
    assert db.session.scalar(select(func.count()).select_from(MonthlyReportHistory)) == 1
    assert db.session.scalar(select(func.count()).select_from(MonthlyReportTarget)) == 1


def test_month_ref_is_policy_bound(w):
    ref = MonthRef(w.owner, w.period, 13)
    from portal import policy

    assert not policy.can(w.owner, policy.Action.VIEW_MONTHLY_REPORT, ref)


# -- demo data -----------------------------------------------------------------------------


@pytest.mark.parametrize("today", [date(2026, 8, 20), date(2026, 2, 10)])
def test_the_demo_has_reports_in_every_state_for_ended_months_only(app, monkeypatch, today):
    from portal.seed.demo import seed_demo

    fix_today(monkeypatch, today)
    with app.test_request_context():
        seed_demo()
        reports = db.session.scalars(select(MonthlyReport)).all()
        current = [r for r in reports if r.period.start_date.year == today.year]
        assert all(r.month <= today.month - 1 for r in current)  # ended months only
        assert all(r.submitted_on is None or r.submitted_on <= today for r in reports)
        history = db.session.scalars(select(MonthlyReportHistory)).all()
        assert all(h.occurred_at.date() <= today for h in history)
        states = {r.state for r in current}
        if today.month >= 6:
            assert states == {"draft", "submitted", "accepted", "returned"}
            assert any(r.late and r.state == "accepted" for r in current)
        # Last year's plan was reported at its end: all twelve months accepted.
        last = [r for r in reports if r.period.start_date.year == today.year - 1]
        assert len(last) == 12 and {r.state for r in last} == {"accepted"}
        count = len(reports)
        seed_demo()
        assert db.session.scalar(select(func.count()).select_from(MonthlyReport)) == count


def test_a_closed_period_freezes_the_form_and_the_review(w, login_as):
    _submitted(w, 4)
    w.period.status = "closed"
    db.session.commit()
    for client, url, data in (
        (login_as(w.owner), _url(w), _words(w)),
        (login_as(w.boss), _url(w, 4, review=True), _review(w, 4)),
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        assert "Periode penilaian Tahun 2026 sudah ditutup" in response.get_data(as_text=True)
    assert _report(w) is None and _report(w, 4).state == "submitted"


def test_the_team_page_flags_each_subordinates_month(w, login_as):
    boss = login_as(w.boss)
    html = boss.get("/tim?bulan=5").get_data(as_text=True)
    assert "Lewat batas waktu" in html  # nobody submitted May by 5 June
    _submitted(w)
    html = boss.get("/tim?bulan=5").get_data(as_text=True)
    assert f'href="{_url(w, review=True)}"' in html
    assert "Menunggu tinjauan atasan" in html and "Terlambat" in html


def test_the_inbox_page_links_straight_to_the_report_and_the_review(w, login_as):
    _submitted(w)
    boss_page = login_as(w.boss).get("/perlu-tindakan").get_data(as_text=True)
    assert str(inbox.TO_REVIEW) in boss_page and _url(w, review=True) in boss_page
    owner_page = login_as(w.owner).get("/perlu-tindakan").get_data(as_text=True)
    assert str(inbox.DUE) in owner_page and _url(w, 4) in owner_page
    assert login_as(w.boss).get(_url(w, review=True)).status_code == 200


@pytest.mark.commits
def test_a_review_and_an_entry_at_the_same_moment_never_both_pass_unseen(app, w, monkeypatch):
    """The entry's write holds the month (``month_lock``) until it commits: the review that
    checks the fingerprint meanwhile waits, then sees the new entry and is a 409. SQLite
    serialises the two writers by itself (the later one is refused as locked)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row lock is PostgreSQL's; SQLite's writers are serialised")
    from portal.reports import services

    _submitted(w)
    fingerprint = _fingerprint(w)
    ids = (w.owner.id, w.boss.id, w.period.id, w.target.id)
    holding = threading.Event()
    record = services.audit.record

    def slow_record(action, *args, **kwargs):
        result = record(action, *args, **kwargs)
        if action == "entry.create":
            holding.set()
            time.sleep(0.5)  # the entry is written, not yet committed
        return result

    monkeypatch.setattr(services.audit, "record", slow_record)

    def add_entry():
        with app.app_context():
            try:
                target = db.session.get(Target, ids[3])
                data = services.EntryInput(
                    date(2026, 5, 29), target, "Rapat susulan", 1, 60, None, [], []
                )
                services.create_entry(data, target.owner, "t" * 32, [])
                db.session.commit()
                return "entry"
            finally:
                db.session.remove()

    def review():
        with app.app_context():
            try:
                assert holding.wait(timeout=10)
                owner, boss = db.session.get(Employee, ids[0]), db.session.get(Employee, ids[1])
                ref = monthly_reports.month_ref(owner, db.session.get(Period, ids[2]), MAY)
                monthly_reports.review(
                    ref,
                    boss,
                    [monthly_reports.TargetReview(ids[3], 90, "")],
                    accept=True,
                    reason="",
                    version=2,
                    fingerprint=fingerprint,
                )
                db.session.commit()
                return "accepted"
            except Conflict:
                db.session.rollback()
                return "conflict"
            finally:
                db.session.remove()

    db.session.rollback()
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.submit(add_entry), pool.submit(review)
        outcomes = (first.result(timeout=60), second.result(timeout=60))
    assert outcomes == ("entry", "conflict")
    db.session.expire_all()
    assert _report(w).state == "submitted"
