"""Verification by the supervisor: the queue, accept and reject (one, or a selection),
the history and audit trail, and the monthly quality rating."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import EntryHistory, EntryStatus, MonthlyQuality, MonthlyReport, WorkEntry
from portal.reports.forms import REASON_REQUIRED, REASON_TOO_LONG, SELECT_SOME
from portal.reports.routes.verification import NOT_FOUND_OR_FORBIDDEN
from portal.reports.verification import ALREADY_ACCEPTED, ALREADY_REJECTED, DECIDED_ELSEWHERE
from tests.reporting_helpers import (
    add,
    audit_actions,
    build_world,
    entry,
    entry_form,
    history_actions,
    review_form,
    review_url,
    sign_in,
    snapshot,
    submitted_monthly_report,
)
from workflows import monthly as workflow
from workflows.targets import APPROVED


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _fresh(e: WorkEntry) -> WorkEntry:
    db.session.expire_all()
    return db.session.get(WorkEntry, e.id)


def _decide(client, e, decision, *, version=None, reason="", htmx=True):
    data = {"decision": decision, "version": str(version or e.version), "reason": reason}
    return client.post(f"/verifikasi/{e.id}", data, htmx=htmx)


# -- the queue -----------------------------------------------------------------------------


def test_the_queue_groups_pending_entries_by_person_and_target(w, factory, login_as):
    second = factory.target(w.owner, w.period, state=APPROVED, title="Terlaksananya rapat")
    theirs = factory.target(w.colleague, w.period, state=APPROVED, title="Tersusunnya kajian")
    add(
        entry(w.target, date(2026, 6, 1), description="Pekerjaan satu"),
        entry(w.target, date(2026, 6, 2), description="Pekerjaan dua"),
        entry(second, date(2026, 6, 2), description="Pekerjaan tiga"),
        entry(theirs, date(2026, 6, 3), description="Pekerjaan empat"),
        entry(w.target, date(2026, 6, 4), status=EntryStatus.ACCEPTED, description="Sudah"),
        entry(w.target, date(2026, 6, 5), status=EntryStatus.REJECTED, description="Ditolak"),
    )
    html = login_as(w.boss).get("/verifikasi").get_data(as_text=True)
    assert "4 laporan bawahan menunggu verifikasi" in html
    for text in ("Pekerjaan satu", "Pekerjaan dua", "Pekerjaan tiga", "Pekerjaan empat"):
        assert text in html
    assert "Sudah" not in html and "Ditolak</p>" not in html
    groups = re.findall(
        r'<section class="card"(?: id="[^"]+")? aria-labelledby="q-(\d+)-(\d+) q-\1-\2-target">',
        html,
    )
    # Named by the person and the target: two groups of one person differ (landmark-unique).
    assert f'<span id="q-{w.owner.id}-{second.id}-target">Terlaksananya rapat</span>' in html
    # Each person's first group is the anchor the inbox links to.
    anchors = re.findall(r'<section class="card" id="pegawai-(\d+)"', html)
    assert sorted(anchors) == sorted([str(w.owner.id), str(w.colleague.id)])
    assert sorted(groups) == sorted(
        [
            (str(w.owner.id), str(w.target.id)),
            (str(w.owner.id), str(second.id)),
            (str(w.colleague.id), str(theirs.id)),
        ]
    )
    # Nobody else's queue holds them: not the head's, not another instansi's supervisor.
    for other in (w.head, w.colleague, w.owner):
        assert "Pekerjaan satu" not in login_as(other).get("/verifikasi").get_data(as_text=True)


def test_an_empty_queue_says_so(w, login_as):
    html = login_as(w.boss).get("/verifikasi").get_data(as_text=True)
    assert "Tidak ada laporan yang menunggu verifikasi" in html


# -- one entry -----------------------------------------------------------------------------


def test_accept_with_htmx_answers_with_the_entry_and_an_event(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), quantity=2))
    response = _decide(login_as(w.boss), e, "accept")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="entry entry--accepted" id="entry-{e.id}">')
    assert "<html" not in html
    assert response.headers["HX-Trigger"] == "entries-changed"
    saved = _fresh(e)
    assert saved.status == EntryStatus.ACCEPTED
    assert saved.verified_by_id == w.boss.id and saved.verified_at is not None
    assert saved.version == 2
    assert history_actions(e.id) == ["accept"]
    assert audit_actions("WorkEntry", e.id) == ["entry.accept"]


def test_each_decision_brings_the_queue_count_along(w, login_as):
    first, second = add(
        entry(w.target, date(2026, 6, 10), quantity=2), entry(w.target, date(2026, 6, 11))
    )
    boss = login_as(w.boss)
    page = boss.get("/verifikasi").get_data(as_text=True)
    assert '<p id="queue-count" aria-live="polite">2 laporan bawahan' in page
    for decided, reason, left in ((first, "", 1), (second, "Bukti belum ada.", 0)):
        html = _decide(boss, decided, "reject" if reason else "accept", reason=reason).get_data(
            as_text=True
        )
        assert (
            f'<p id="queue-count" aria-live="polite" hx-swap-oob="innerHTML">{left} laporan '
            "bawahan menunggu verifikasi." in html
        )
        # The page's earlier messages give way (none came with this answer).
        assert '<div id="flashes" class="flashes" hx-swap-oob="innerHTML"></div>' in html


def test_reject_with_a_reason_goes_back_to_the_owner(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    response = _decide(
        login_as(w.boss), e, "reject", reason="Lampirkan notula yang ditandatangani."
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "entries-changed"
    saved = _fresh(e)
    assert saved.status == EntryStatus.REJECTED
    assert saved.reject_reason == "Lampirkan notula yang ditandatangani."
    history = db.session.scalars(select(EntryHistory).where(EntryHistory.entry_id == e.id)).one()
    assert (history.action, history.note, history.actor_id) == (
        "reject",
        "Lampirkan notula yang ditandatangani.",
        w.boss.id,
    )
    assert audit_actions("WorkEntry", e.id) == ["entry.reject"]
    owner_view = login_as(w.owner).get("/laporan?tanggal=2026-06-10").get_data(as_text=True)
    assert "Lampirkan notula yang ditandatangani." in owner_view
    assert "Perbaiki dan ajukan ulang" in owner_view


def test_a_plain_post_redirects_to_the_queue(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    response = _decide(login_as(w.boss), e, "accept", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/verifikasi")
    assert _fresh(e).status == EntryStatus.ACCEPTED


@pytest.mark.parametrize(
    ("status", "decision", "reason", "code", "words"),
    [
        (EntryStatus.PENDING, "reject", "", 422, REASON_REQUIRED),
        (EntryStatus.PENDING, "reject", "   ", 422, REASON_REQUIRED),
        (EntryStatus.PENDING, "reject", "x" * 2001, 422, REASON_TOO_LONG),
        (EntryStatus.REJECTED, "accept", "", 409, ALREADY_REJECTED),
        (EntryStatus.REJECTED, "reject", "Lagi", 409, ALREADY_REJECTED),
        (EntryStatus.ACCEPTED, "accept", "", 409, ALREADY_ACCEPTED),
        (EntryStatus.ACCEPTED, "reject", "Salah", 409, ALREADY_ACCEPTED),
    ],
)
def test_refused_decisions_change_nothing(app, w, login_as, status, decision, reason, code, words):
    (e,) = add(entry(w.target, date(2026, 6, 10), status=status))
    boss = login_as(w.boss)
    before = snapshot(app)
    response = _decide(boss, e, decision, reason=reason)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert str(words) in html
    assert f'id="entry-{e.id}"' in html  # the entry, fresh, in place of the old one
    assert snapshot(app) == before


def test_a_stale_version_is_409_with_the_fresh_entry(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    owner, boss = login_as(w.owner), login_as(w.boss)
    form = entry_form(w.target, version="1", quantity="4", description="Sudah diperbaiki")
    form.pop("form_token")
    assert owner.post(f"/laporan/{e.id}/ubah", form).status_code == 303
    before = snapshot(app)
    response = _decide(boss, e, "accept", version=1)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(DECIDED_ELSEWHERE) in html
    assert "Sudah diperbaiki" in html and 'name="version" value="2"' in html
    assert snapshot(app) == before
    assert _decide(boss, e, "accept", version=2).status_code == 200


@pytest.mark.parametrize("decision", ["", "approve"])
def test_an_unknown_decision_is_refused(app, w, login_as, decision):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    boss = login_as(w.boss)
    before = snapshot(app)
    assert _decide(boss, e, decision).status_code == 422
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 403),
        ("colleague", 403),
        ("head", 403),  # sees the entry (the chain), but is not its evaluator
        ("admin", 403),
        ("stranger", 404),
    ],
)
def test_only_the_evaluator_verifies(app, w, login_as, who, status):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    client = login_as(getattr(w, who))
    before = snapshot(app)
    assert _decide(client, e, "accept").status_code == status
    assert _decide(client, e, "reject", reason="Tidak").status_code == status
    assert snapshot(app) == before


def test_a_rejected_entry_fixed_and_resubmitted_can_be_accepted(w, login_as):
    owner, boss = login_as(w.owner), login_as(w.boss)
    assert owner.post("/laporan", entry_form(w.target, quantity="2"), htmx=True).status_code == 200
    e = db.session.scalars(select(WorkEntry)).one()
    assert _decide(boss, e, "reject", reason="Kuantitas tidak sesuai bukti.").status_code == 200
    e = _fresh(e)
    form = entry_form(w.target, version=str(e.version), quantity="1")
    form.pop("form_token")
    assert owner.post(f"/laporan/{e.id}/ubah", form).status_code == 303
    e = _fresh(e)
    assert e.status == EntryStatus.PENDING
    assert _decide(boss, e, "accept").status_code == 200
    e = _fresh(e)
    assert (e.status, e.quantity, e.version) == (EntryStatus.ACCEPTED, 1, 4)
    assert history_actions(e.id) == ["create", "reject", "resubmit", "accept"]
    assert audit_actions("WorkEntry", e.id) == [
        "entry.create",
        "entry.reject",
        "entry.resubmit",
        "entry.accept",
    ]


# -- a selection at once -------------------------------------------------------------------


def test_accept_a_selection(w, factory, login_as):
    first, second, stale = add(
        entry(w.target, date(2026, 6, 1)),
        entry(w.target, date(2026, 6, 2)),
        entry(w.target, date(2026, 6, 3)),
    )
    stale.version = 2
    other_period = factory.period(w.stranger.instansi, name="Lain")
    (foreign,) = add(
        entry(factory.target(w.stranger, other_period, state=APPROVED), date(2026, 6, 4))
    )
    boss = login_as(w.boss)
    response = boss.post(
        "/verifikasi/terima",
        {"entry": [f"{first.id}:1", f"{second.id}:1", f"{stale.id}:1", f"{foreign.id}:1"]},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert [_fresh(x).status for x in (first, second, stale, foreign)] == [
        EntryStatus.ACCEPTED,
        EntryStatus.ACCEPTED,
        EntryStatus.PENDING,
        EntryStatus.PENDING,
    ]
    page = boss.get("/verifikasi").get_data(as_text=True)
    assert "2 laporan diterima" in page
    assert str(DECIDED_ELSEWHERE) in page  # the stale one, named
    assert str(NOT_FOUND_OR_FORBIDDEN) in page
    assert w.stranger.name not in page  # an id from another instansi reveals nobody
    assert history_actions(first.id) == ["accept"] and history_actions(stale.id) == []


def test_accept_a_selection_needs_a_selection(app, w, login_as):
    boss = login_as(w.boss)
    before = snapshot(app)
    for data in ({}, {"entry": ["x:1", "²:1", "1:"]}):
        response = boss.post("/verifikasi/terima", data)
        assert response.status_code == 422
        assert str(SELECT_SOME) in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_colleague_cannot_accept_by_selection(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 1)))
    colleague = login_as(w.colleague)
    before = snapshot(app)
    assert colleague.post("/verifikasi/terima", {"entry": [f"{e.id}:1"]}).status_code == 303
    assert snapshot(app) == before


# -- the monthly quality rating, given in the monthly report's review -------------------------


def _rate(client, w, month, rating, note="", target=None, **changes):
    """Rate ``target`` (the world's by default) in the review of the owner's ``month``,
    accepting the report."""
    target = target or w.target
    data = review_form(w.owner, w.period, month, {target: (rating, note)}, **changes)
    return client.post(review_url(w.owner, w.period, month), data)


def test_the_evaluator_rates_a_month_with_feedback(w, login_as):
    submitted_monthly_report(w.owner, w.period, 5)
    boss = login_as(w.boss)
    response = _rate(
        boss, w, 5, "85", "Notula rapi; lengkapi daftar hadir.", decision="return", reason="Bukti?"
    )
    assert response.status_code == 303  # returned: the rating given is kept
    row = db.session.scalars(select(MonthlyQuality)).one()
    assert (row.month, row.rating, row.note, row.rated_by_id) == (
        5,
        85,
        "Notula rapi; lengkapi daftar hadir.",
        w.boss.id,
    )
    # Submitted again and reviewed again: the month's rating is replaced; the audit keeps
    # what it was.
    report = db.session.scalar(select(MonthlyReport))
    workflow.fire(report, "submit", w.owner)
    db.session.commit()
    assert _rate(boss, w, 5, "90").status_code == 303
    db.session.expire_all()
    row = db.session.scalars(select(MonthlyQuality)).one()
    assert (row.rating, row.note) == (90, "")
    assert audit_actions("Target", w.target.id)[-2:] == ["target.rate_month", "target.rate_month"]
    owner_view = login_as(w.owner).get(
        f"/laporan/pegawai/{w.owner.id}/periode/{w.period.id}?bulan=5"
    )
    assert "Nilai kualitas:</strong> 90" in owner_view.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rating", "words"),
    [
        ("101", "terlalu besar"),
        ("-1", "tidak boleh negatif"),
        ("abc", "bilangan bulat"),
        ("85,5", "bilangan bulat"),
        ("", "Beri nilai kualitas"),
    ],
)
def test_bad_ratings_are_refused(app, w, login_as, rating, words):
    submitted_monthly_report(w.owner, w.period, 5)
    boss = login_as(w.boss)
    before = snapshot(app)
    response = _rate(boss, w, 5, rating)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in html
    assert 'id="targets-0-rating-error"' in html  # beside the field it names
    assert snapshot(app) == before


@pytest.mark.parametrize("month", [0, 13])
def test_a_month_outside_the_period_is_not_found(app, w, login_as, month):
    boss = login_as(w.boss)
    before = snapshot(app)
    response = boss.post(review_url(w.owner, w.period, month), {"decision": "accept"})
    assert response.status_code == 404
    assert snapshot(app) == before


def test_a_target_not_yet_approved_takes_no_rating(app, w, factory, login_as):
    drafted = factory.target(w.owner, w.period)
    db.session.commit()
    submitted_monthly_report(w.owner, w.period, 5)
    boss = login_as(w.boss)
    before = snapshot(app)
    assert _rate(boss, w, 5, "80", target=drafted).status_code == 422
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 403), ("colleague", 403), ("head", 403), ("admin", 403), ("stranger", 404)],
)
def test_only_the_evaluator_rates(app, w, login_as, who, status):
    submitted_monthly_report(w.owner, w.period, 5)
    client = login_as(getattr(w, who))
    before = snapshot(app)
    assert _rate(client, w, 5, "80").status_code == status
    assert snapshot(app) == before
