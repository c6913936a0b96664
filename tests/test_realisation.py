"""Monthly realisation from accepted entries, the month of completion, and submitting a
target's realisation for evaluation (``submit_report``, ``return_report``)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.models import EntryStatus, MonthlyQuality, Target, TargetHistory
from portal.realisation import MonthFigures, Realisation, realisations
from portal.reports import services, verification
from portal.reports.verification import QualityRating
from tests.reporting_helpers import (
    accept_monthly_reports,
    add,
    audit_actions,
    build_world,
    entry,
    entry_form,
    fix_today,
    review_form,
    review_url,
    sign_in,
    submitted_monthly_report,
)
from workflows import engine
from workflows.guards import MONTHLY_REPORTS_NOT_ACCEPTED
from workflows.targets import APPROVED, REPORTED

ACCEPTED, PENDING, REJECTED = EntryStatus.ACCEPTED, EntryStatus.PENDING, EntryStatus.REJECTED


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _realisation(target: Target) -> Realisation:
    db.session.expire_all()
    return realisations([db.session.get(Target, target.id)])[target.id]


# -- sums ----------------------------------------------------------------------------------


def test_only_accepted_entries_count_and_pending_ones_are_counted_apart(w):
    add(
        entry(w.target, date(2026, 1, 5), quantity=2, cost=100_000, status=ACCEPTED),
        entry(w.target, date(2026, 1, 6), quantity=1, status=ACCEPTED),
        entry(w.target, date(2026, 1, 7), quantity=5, cost=1_000_000, status=REJECTED),
        entry(w.target, date(2026, 1, 8), quantity=3, cost=70_000, status=PENDING),
        entry(w.target, date(2026, 2, 2), quantity=2, status=PENDING),
        entry(w.target, date(2026, 2, 3), quantity=4, status=PENDING),
        entry(w.target, date(2026, 3, 9), quantity=4, cost=50_000, status=ACCEPTED),
    )
    r = _realisation(w.target)
    assert len(r.months) == 12
    january, february, march = r.months[:3]
    assert (january.planned, january.accepted, january.cost, january.pending) == (1, 3, 100_000, 1)
    assert (february.accepted, february.cost, february.pending) == (0, 0, 2)
    assert (march.accepted, march.cost, march.pending) == (4, 50_000, 0)
    assert (r.accepted, r.cost, r.pending) == (7, 150_000, 3)
    assert [m.accepted for m in r.months[3:]] == [0] * 9
    assert r.cumulative()[:4] == [(1, 1, 3), (2, 2, 3), (3, 3, 7), (4, 4, 7)]


def test_other_targets_and_people_do_not_mix_in(w, factory):
    other = factory.target(w.owner, w.period, state=APPROVED, quantity=24)
    theirs = factory.target(w.colleague, w.period, state=APPROVED)
    add(
        entry(w.target, date(2026, 1, 5), quantity=2, status=ACCEPTED),
        entry(other, date(2026, 1, 5), quantity=7, status=ACCEPTED),
        entry(theirs, date(2026, 1, 5), quantity=9, status=ACCEPTED),
    )
    db.session.expire_all()
    figures = realisations(list(db.session.scalars(select(Target).order_by(Target.id))))
    assert {t: r.accepted for t, r in figures.items()} == {
        w.target.id: 2,
        other.id: 7,
        theirs.id: 9,
    }
    assert figures[other.id].months[0].planned == 2
    assert realisations([]) == {}


def test_edited_entries_count_as_they_were_accepted(w, factory):
    """An edit before verification changes what will count; a rejected entry counts
    nothing until it is fixed, resubmitted and accepted; an edit moving the date or the
    target moves its quantity with it."""
    other = factory.target(w.owner, w.period, state=APPROVED)
    db.session.commit()
    edited, rejected, moved = add(
        entry(w.target, date(2026, 2, 10), quantity=1),
        entry(w.target, date(2026, 3, 10), quantity=6, status=REJECTED),
        entry(w.target, date(2026, 4, 10), quantity=2),
    )

    def change(e, day, quantity, target=None):
        data = services.EntryInput(
            day, target or e.target, e.description, quantity, 90, None, [], []
        )
        services.update_entry(e, data, w.owner, e.version, [])

    change(edited, date(2026, 2, 10), 3)
    change(rejected, date(2026, 3, 10), 2)
    change(moved, date(2026, 5, 11), 2, target=other)
    db.session.commit()
    assert _realisation(w.target).accepted == 0
    assert _realisation(w.target).pending == 2
    for e in (edited, rejected, moved):
        db.session.refresh(e)
        verification.verify(e, w.boss, e.version, accept=True)
    db.session.commit()
    r = _realisation(w.target)
    assert [m.accepted for m in r.months[:5]] == [0, 3, 2, 0, 0]
    assert r.pending == 0
    moved_to = _realisation(other)
    assert [m.accepted for m in moved_to.months[3:5]] == [0, 2]


def test_a_deleted_entry_no_longer_counts(w):
    (e,) = add(entry(w.target, date(2026, 2, 10), quantity=4))
    assert _realisation(w.target).pending == 1
    services.delete_entry(e, w.owner, e.version)
    db.session.commit()
    assert _realisation(w.target).pending == 0


# -- the month of completion ---------------------------------------------------------------


def _pure(quantity: int, accepted: list[int]) -> Realisation:
    target = SimpleNamespace(quantity=quantity)
    months = [MonthFigures(i + 1, accepted=a) for i, a in enumerate(accepted)]
    return Realisation(target, months)


@pytest.mark.parametrize(
    ("quantity", "accepted", "month"),
    [
        (12, [1] * 12, 12),
        (12, [12] + [0] * 11, 1),
        (12, [5, 0, 0, 4, 3, 0], 5),
        (12, [5, 0, 0, 4, 2, 0] + [0] * 6, None),  # 11 of 12: never reached
        (12, [0, 20, 0], 2),  # more than the target still completes it
        (3, [], None),
    ],
)
def test_completion_month_rule(quantity, accepted, month):
    assert _pure(quantity, accepted).completion_month == month


def test_completion_counts_accepted_quantities_only(w):
    add(
        entry(w.target, date(2026, 2, 3), quantity=5, status=ACCEPTED),
        entry(w.target, date(2026, 3, 3), quantity=10, status=PENDING),
        entry(w.target, date(2026, 3, 4), quantity=10, status=REJECTED),
        entry(w.target, date(2026, 4, 3), quantity=4, status=ACCEPTED),
    )
    assert _realisation(w.target).completion_month is None
    add(entry(w.target, date(2026, 5, 20), quantity=3, status=ACCEPTED))
    assert _realisation(w.target).completion_month == 5


def test_months_needing_rating_and_mean_quality(w):
    add(entry(w.target, date(2026, 2, 3), quantity=5, status=ACCEPTED))
    for month, rating in ((1, 80), (2, 90)):
        verification.rate_month(w.target, month, w.boss, QualityRating(rating))
    db.session.commit()
    r = _realisation(w.target)
    assert r.months_needing_rating(6) == [3, 4, 5, 6]
    assert r.months_needing_rating(2) == []
    assert r.mean_quality == 85


# -- submitting for evaluation -------------------------------------------------------------


def _rate_months(w, months):
    """Rate ``months`` and accept their monthly reports (written straight; the review that
    does both is tested in test_monthly_report)."""
    accept_monthly_reports(w.owner, w.period, months)
    for month in months:
        verification.rate_month(w.target, month, w.boss, QualityRating(90))
    db.session.commit()


def _fire(w, trigger, actor, **kwargs):
    target = db.session.get(Target, w.target.id)
    return engine.fire(target, trigger, actor, **kwargs)


def _refusal(w, **kwargs) -> str:
    with pytest.raises(InvalidInput) as refused:
        _fire(w, "submit_report", w.owner, **kwargs)
    db.session.rollback()
    assert db.session.get(Target, w.target.id).state == APPROVED
    return refused.value.message


def test_submit_report_waits_for_the_end_or_the_annual_quantity(w):
    add(entry(w.target, date(2026, 1, 5), quantity=3, status=ACCEPTED))
    _rate_months(w, range(1, 7))
    message = _refusal(w)
    assert "setelah periode berakhir" in message
    assert "baru 3 dari 12 laporan diterima" in message


def test_submit_report_refuses_while_entries_are_pending(w):
    add(
        entry(w.target, date(2026, 1, 5), quantity=12, status=ACCEPTED),
        entry(w.target, date(2026, 6, 1), status=PENDING),
        entry(w.target, date(2026, 6, 2), status=PENDING),
        entry(w.target, date(2026, 6, 3), status=REJECTED),
    )
    _rate_months(w, range(1, 7))
    assert _refusal(w) == "Masih ada 2 laporan harian yang belum diverifikasi atasan."


def test_submit_report_refuses_while_a_month_lacks_its_rating(w):
    add(entry(w.target, date(2026, 1, 5), quantity=12, status=ACCEPTED))
    _rate_months(w, [1, 2, 4, 6])
    assert _refusal(w) == (
        "Nilai kualitas bulanan belum diberikan untuk bulan ke-3, 5. "
        + str(MONTHLY_REPORTS_NOT_ACCEPTED) % {"months": "Mar 2026, Mei 2026"}
    )


def test_submit_report_lists_every_reason_at_once(w):
    add(entry(w.target, date(2026, 6, 1), status=PENDING))
    message = _refusal(w)
    assert "setelah periode berakhir" in message
    assert "Masih ada 1 laporan" in message
    assert "bulan ke-1, 2, 3, 4, 5, 6" in message
    assert "Laporan bulanan belum diterima atasan untuk bulan Jan 2026" in message


def test_submit_report_once_the_annual_quantity_is_reached(w):
    add(
        entry(w.target, date(2026, 2, 5), quantity=7, status=ACCEPTED),
        entry(w.target, date(2026, 5, 5), quantity=5, status=ACCEPTED),
        entry(w.target, date(2026, 6, 5), quantity=1, status=REJECTED),
    )
    _rate_months(w, range(1, 7))
    history = _fire(w, "submit_report", w.owner, expected_version=1)
    db.session.commit()
    assert (history.from_state, history.to_state, history.trigger) == (
        APPROVED,
        REPORTED,
        "submit_report",
    )
    assert db.session.get(Target, w.target.id).state == REPORTED
    assert "target.submit_report" in audit_actions("Target", w.target.id)


def test_submit_report_after_the_period_without_the_quantity(w):
    add(entry(w.target, date(2026, 3, 5), quantity=4, status=ACCEPTED))
    _rate_months(w, range(1, 13))
    assert "setelah periode berakhir" in _refusal(w)
    _fire(w, "submit_report", w.owner, on=date(2027, 1, 4))
    db.session.commit()
    assert db.session.get(Target, w.target.id).state == REPORTED


def test_only_the_owner_submits(w):
    add(entry(w.target, date(2026, 1, 5), quantity=12, status=ACCEPTED))
    _rate_months(w, range(1, 7))
    with pytest.raises(PermissionDenied):
        _fire(w, "submit_report", w.boss)


def test_the_blocked_button_says_why(w):
    add(entry(w.target, date(2026, 6, 1), quantity=12, status=PENDING))
    target = db.session.get(Target, w.target.id)
    (action,) = [
        a for a in engine.available_actions(w.owner, target) if a.trigger == "submit_report"
    ]
    assert any("Masih ada 1 laporan" in reason for reason in action.blocked)


def test_submit_and_return_through_the_action_route(w, login_as):
    add(entry(w.target, date(2026, 1, 5), quantity=12, status=ACCEPTED))
    owner, boss = login_as(w.owner), login_as(w.boss)
    url = f"/target/{w.target.id}/aksi/submit_report"
    # Refused first (months unrated): the fragment says which, and nothing moves.
    refused = owner.post(url, {"version": "1"}, htmx=True)
    assert refused.status_code == 422
    assert "bulan ke-1, 2, 3, 4, 5, 6" in refused.get_data(as_text=True)
    _rate_months(w, range(1, 7))
    assert owner.post(url, {"version": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, w.target.id).state == REPORTED
    back = f"/target/{w.target.id}/aksi/return_report"
    assert boss.post(back, {"version": "2", "reason": ""}, htmx=True).status_code == 422
    assert owner.post(back, {"version": "2", "reason": "Saya"}).status_code == 403
    response = boss.post(back, {"version": "2", "reason": "Bukti bulan Mei belum lengkap."})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Target, w.target.id).state == APPROVED
    last = db.session.scalars(
        select(TargetHistory)
        .where(TargetHistory.target_id == w.target.id)
        .order_by(TargetHistory.id.desc())
    ).first()
    assert (last.trigger, last.reason, last.actor_id) == (
        "return_report",
        "Bukti bulan Mei belum lengkap.",
        w.boss.id,
    )
    assert audit_actions("Target", w.target.id)[-2:] == [
        "target.submit_report",
        "target.return_report",
    ]


def test_a_reported_target_takes_no_new_entries_but_keeps_its_ratings(w, login_as, monkeypatch):
    add(entry(w.target, date(2026, 1, 5), quantity=12, status=ACCEPTED))
    _rate_months(w, range(1, 7))
    _fire(w, "submit_report", w.owner)
    db.session.commit()
    response = login_as(w.owner).post("/laporan", entry_form(w.target), htmx=True)
    assert response.status_code == 422
    # July is over: its monthly report is reviewed, and the reported target rated.
    fix_today(monkeypatch, date(2026, 8, 3))
    submitted_monthly_report(w.owner, w.period, 7)
    data = review_form(w.owner, w.period, 7, {w.target: ("88", "")})
    rated = login_as(w.boss).post(review_url(w.owner, w.period, 7), data)
    assert rated.status_code == 303
    assert db.session.scalar(select(MonthlyQuality.rating).where(MonthlyQuality.month == 7)) == 88
