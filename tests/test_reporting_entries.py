"""The daily log (laporan harian): logging, bad input, one entry per form, editing and
deleting until verification, the htmx fragment, and who may reach which route."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.forms import INVALID_DATE, OUTDATED_FORM
from portal.models import EntryStatus, WorkEntry
from portal.reports import services, verification
from portal.reports.forms import (
    BAD_LINK,
    DAY_OVER_24_HOURS,
    DESCRIBE_WORK,
    DESCRIPTION_TOO_LONG,
    FUTURE_DATE,
    NOT_YOUR_TARGET,
    OUTSIDE_PERIOD,
    TOO_MANY_LINKS,
)
from tests.reporting_helpers import (
    TODAY,
    add,
    audit_actions,
    build_world,
    count,
    entry,
    entry_form,
    history_actions,
    sign_in,
    snapshot,
)
from workflows.targets import APPROVED

FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]+)"')


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _entries() -> list[WorkEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(WorkEntry).order_by(WorkEntry.id)))


# -- logging a day's work ------------------------------------------------------------------


def test_the_log_page_offers_approved_targets_most_recently_used_first(w, factory, login_as):
    second = factory.target(w.owner, w.period, state=APPROVED, title="Terlaksananya rapat")
    drafted = factory.target(w.owner, w.period, title="Target yang masih draf")
    add(entry(second, date(2026, 6, 10)))
    html = login_as(w.owner).get("/laporan").get_data(as_text=True)
    assert FORM_TOKEN.search(html)
    options = re.findall(r'<option value="(\d+)"', html)
    assert options == [str(second.id), str(w.target.id)]
    assert drafted.title not in html


@pytest.mark.parametrize(
    ("day", "mark"),
    [("2026-06-13", "akhir pekan"), ("2026-06-01", "Hari Lahir Pancasila")],
)
def test_weekends_and_holidays_are_marked_on_the_log(w, login_as, day, mark):
    html = login_as(w.owner).get(f"/laporan?tanggal={day}").get_data(as_text=True)
    assert mark in html


def test_holidays_come_from_the_configured_file(app, w, login_as, tmp_path):
    from portal import clock

    holidays = tmp_path / "libur.json"
    holidays.write_text('{"2026-06-12": "Cuti bersama uji"}', encoding="utf-8")
    app.config["PORTAL_HOLIDAYS_FILE"] = str(holidays)
    assert clock.holidays() == {date(2026, 6, 12): "Cuti bersama uji"}
    html = login_as(w.owner).get("/laporan?tanggal=2026-06-12").get_data(as_text=True)
    assert "Cuti bersama uji" in html


def test_a_future_day_in_the_address_shows_today(w, login_as):
    html = login_as(w.owner).get("/laporan?tanggal=2026-07-01").get_data(as_text=True)
    assert 'name="tanggal" value="2026-06-15"' in html


def test_htmx_post_answers_with_the_log_fragment_and_a_fresh_token(w, login_as):
    owner = login_as(w.owner)
    form = entry_form(
        w.target,
        description="Menyusun notula rapat koordinasi",
        cost="Rp 150.000",
        links="https://drive.example.go.id/notula",
    )
    response = owner.post("/laporan", form, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="daily-log">')
    assert "<html" not in html
    fresh = FORM_TOKEN.search(html).group(1)
    assert fresh != form["form_token"]
    assert "Menyusun notula rapat koordinasi" in html  # the day's list under the form
    assert f'<option value="{w.target.id}" selected' in html  # ready to add another
    (saved,) = _entries()
    assert (saved.entry_date, saved.month, saved.quantity, saved.minutes, saved.cost) == (
        TODAY,
        6,
        1,
        90,
        150_000,
    )
    assert saved.status == EntryStatus.PENDING
    assert saved.links == ["https://drive.example.go.id/notula"]
    assert saved.instansi_id == w.owner.instansi_id and saved.period_id == w.period.id
    assert history_actions(saved.id) == ["create"]
    assert audit_actions("WorkEntry", saved.id) == ["entry.create"]


def test_plain_post_redirects_to_the_day(w, login_as):
    response = login_as(w.owner).post("/laporan", entry_form(w.target, entry_date="2026-06-12"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/laporan?tanggal=2026-06-12")
    assert count(WorkEntry) == 1


# -- bad input -----------------------------------------------------------------------------

BAD = {
    "future": ({"entry_date": "2026-06-16"}, "entry_date", FUTURE_DATE),
    "before-period": ({"entry_date": "2025-12-31"}, "entry_date", "di dalam periode"),
    "not-a-date": ({"entry_date": "15/06/2026"}, "entry_date", INVALID_DATE),
    "impossible-date": ({"entry_date": "2026-02-30"}, "entry_date", INVALID_DATE),
    "no-date": ({"entry_date": ""}, "entry_date", INVALID_DATE),
    "no-target": ({"target_id": ""}, "target_id", NOT_YOUR_TARGET),
    "unknown-target": ({"target_id": "999999"}, "target_id", NOT_YOUR_TARGET),
    "odd-digit-target": ({"target_id": "²"}, "target_id", NOT_YOUR_TARGET),
    "no-description": ({"description": "   "}, "description", DESCRIBE_WORK),
    "long-description": ({"description": "x" * 2001}, "description", DESCRIPTION_TOO_LONG),
    "negative-quantity": ({"quantity": "-3"}, "quantity", "tidak boleh negatif"),
    "absurd-quantity": ({"quantity": "10001"}, "quantity", "terlalu besar"),
    "fraction-quantity": ({"quantity": "1,5"}, "quantity", "bilangan bulat"),
    "no-quantity": ({"quantity": ""}, "quantity", "wajib diisi"),
    "zero-minutes": ({"minutes": "0"}, "minutes", "tidak boleh nol"),
    "day-plus-a-minute": ({"minutes": "1441"}, "minutes", "terlalu besar"),
    "negative-cost": ({"cost": "-5000"}, "cost", "tidak boleh negatif"),
    "script-link": ({"links": "javascript:alert(1)"}, "links", BAD_LINK),
    "too-many-links": (
        {"links": "\n".join(f"https://contoh.go.id/{i}" for i in range(6))},
        "links",
        TOO_MANY_LINKS,
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_and_changes_nothing(app, w, login_as, case):
    owner = login_as(w.owner)
    changes, field, words = BAD[case]
    form = entry_form(w.target, **changes)
    before = snapshot(app)
    response = owner.post("/laporan", form, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    assert error, html[:2000]
    assert str(words) in error.group(1)
    assert snapshot(app) == before
    # The form comes back as typed, with the same token (nothing was saved under it).
    assert f'name="form_token" value="{form["form_token"]}"' in html


def test_a_day_after_a_period_that_has_ended(app, w, factory, login_as):
    quarter = factory.period(
        w.owner.instansi,
        name="Triwulan I",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 3, 31),
        planning_deadline=date(2026, 1, 15),
    )
    target = factory.target(w.owner, quarter, state=APPROVED)
    db.session.commit()
    before = snapshot(app)
    response = login_as(w.owner).post(
        "/laporan", entry_form(target, entry_date="2026-04-10"), htmx=True
    )
    assert response.status_code == 422
    refusal = str(OUTSIDE_PERIOD) % {
        "period": "Triwulan I",
        "start": "01-01-2026",
        "end": "31-03-2026",
    }
    assert refusal in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("whose", ["drafted", "colleague", "stranger", "closed-period"])
def test_only_own_approved_targets_in_open_periods_take_entries(app, w, factory, login_as, whose):
    from portal.models.periods import PeriodStatus

    if whose == "drafted":
        target = factory.target(w.owner, w.period)
    elif whose == "colleague":
        target = factory.target(w.colleague, w.period, state=APPROVED)
    elif whose == "stranger":
        period = factory.period(w.stranger.instansi, name="Lain")
        target = factory.target(w.stranger, period, state=APPROVED)
    else:
        target = w.target
        w.period.status = PeriodStatus.CLOSED
    db.session.commit()
    before = snapshot(app)
    response = login_as(w.owner).post("/laporan", entry_form(target), htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if whose == "closed-period":  # no target is left to choose: the form makes way for why
        assert "Belum ada target yang disetujui" in html
    else:
        assert str(NOT_YOUR_TARGET) in html
    assert snapshot(app) == before


def test_minutes_in_a_day_may_not_pass_24_hours(app, w, factory, login_as):
    other = factory.target(w.owner, w.period, state=APPROVED)
    db.session.commit()
    owner = login_as(w.owner)
    assert owner.post("/laporan", entry_form(w.target, minutes="800"), htmx=True).status_code == 200
    before = snapshot(app)
    response = owner.post("/laporan", entry_form(other, minutes="700"), htmx=True)
    assert response.status_code == 422
    assert str(DAY_OVER_24_HOURS) % {"minutes": 1500} in response.get_data(as_text=True)
    assert snapshot(app) == before
    # Exactly 24 hours is still a (long) day; another day has its own budget.
    assert owner.post("/laporan", entry_form(other, minutes="640"), htmx=True).status_code == 200
    other_day = entry_form(other, minutes="700", entry_date="2026-06-12")
    assert owner.post("/laporan", other_day, htmx=True).status_code == 200


def test_a_form_without_a_usable_token_says_so(app, w, login_as):
    before = snapshot(app)
    response = login_as(w.owner).post("/laporan", entry_form(w.target, form_token="x"), htmx=True)
    assert response.status_code == 422
    assert str(services.TOKEN_MISSING) in response.get_data(as_text=True)
    assert snapshot(app) == before


# -- one entry per form --------------------------------------------------------------------


def test_the_same_form_posted_twice_creates_one_entry(w, login_as):
    owner = login_as(w.owner)
    # 800 minutes: the retry must not be refused because of the first post's own minutes.
    form = entry_form(w.target, minutes="800")
    first = owner.post("/laporan", form, htmx=True)
    second = owner.post("/laporan", form, htmx=True)
    assert first.status_code == second.status_code == 200
    assert "Menyusun draf laporan bulanan" in second.get_data(as_text=True)
    third = owner.post("/laporan", form)  # a retry without htmx
    assert third.status_code == 303
    (saved,) = _entries()
    assert history_actions(saved.id) == ["create"]
    assert audit_actions("WorkEntry", saved.id) == ["entry.create"]


def test_someone_elses_form_token_is_refused(app, w, factory, login_as):
    theirs = factory.target(w.colleague, w.period, state=APPROVED)
    db.session.commit()
    form = entry_form(theirs)
    assert login_as(w.colleague).post("/laporan", form, htmx=True).status_code == 200
    before = snapshot(app)
    mine = entry_form(w.target, form_token=form["form_token"])
    response = login_as(w.owner).post("/laporan", mine, htmx=True)
    assert response.status_code == 422
    assert str(services.TOKEN_NOT_YOURS) in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.commits  # several threads, several connections
def test_the_same_form_posted_concurrently_creates_one_entry(w, login_as):
    clients = [login_as(w.owner), login_as(w.owner)]
    for c in clients:
        c.csrf_token()
    form = entry_form(w.target)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client):
        barrier.wait()
        statuses.append(client.post("/laporan", form, htmx=True).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200, 200]
    assert len(_entries()) == 1


# -- editing and deleting ------------------------------------------------------------------


def _edit(client, e, **changes):
    form = entry_form(e.target, version=str(e.version), **changes)
    form.pop("form_token")
    return client.post(f"/laporan/{e.id}/ubah", form)


def test_the_owner_edits_a_pending_entry(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    owner = login_as(w.owner)
    page = owner.get(f"/laporan/{e.id}/ubah")
    assert page.status_code == 200 and f'name="version" value="{e.version}"' in page.get_data(
        as_text=True
    )
    response = _edit(owner, e, quantity="3", entry_date="2026-06-11")
    assert response.status_code == 303
    (saved,) = _entries()
    assert (saved.quantity, saved.entry_date, saved.version) == (3, date(2026, 6, 11), 2)
    assert saved.status == EntryStatus.PENDING
    assert history_actions(e.id) == ["update"]
    assert audit_actions("WorkEntry", e.id) == ["entry.update"]


def test_a_stale_edit_is_a_conflict(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    owner = login_as(w.owner)
    assert _edit(owner, e, quantity="2").status_code == 303
    before = snapshot(app)
    stale = entry_form(w.target, version="1", quantity="5")
    stale.pop("form_token")
    response = owner.post(f"/laporan/{e.id}/ubah", stale)
    assert response.status_code == 409
    assert str(services.CHANGED_ELSEWHERE) in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_an_edit_without_a_version_says_so(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    form = entry_form(w.target)
    before = snapshot(app)
    response = login_as(w.owner).post(f"/laporan/{e.id}/ubah", form)
    assert response.status_code == 422
    assert str(OUTDATED_FORM) in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_bad_edit_changes_nothing(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    before = snapshot(app)
    response = _edit(login_as(w.owner), e, entry_date="2026-07-01")
    assert response.status_code == 422
    assert str(FUTURE_DATE) in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_an_edit_counts_the_days_minutes_without_itself(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), minutes=1000))
    assert _edit(login_as(w.owner), e, entry_date="2026-06-10", minutes="1200").status_code == 303


def test_a_rejected_entry_edited_goes_back_to_the_queue(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), status=EntryStatus.REJECTED))
    owner = login_as(w.owner)
    page = owner.get(f"/laporan/{e.id}/ubah").get_data(as_text=True)
    assert "Bukti tidak sesuai." in page  # the reason, for the owner to fix
    assert _edit(owner, e, description="Notula dilengkapi tanda tangan").status_code == 303
    (saved,) = _entries()
    assert saved.status == EntryStatus.PENDING and saved.reject_reason == ""
    assert history_actions(e.id) == ["resubmit"]
    assert audit_actions("WorkEntry", e.id) == ["entry.resubmit"]


def test_the_owner_deletes_a_pending_entry(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    response = login_as(w.owner).post(f"/laporan/{e.id}/hapus", {"version": "1", "confirmed": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/laporan?tanggal=2026-06-10")
    assert _entries() == []
    assert audit_actions("WorkEntry", e.id) == ["entry.delete"]


def test_a_stale_delete_is_a_conflict(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    e.version = 2
    db.session.commit()
    before = snapshot(app)
    assert (
        login_as(w.owner)
        .post(f"/laporan/{e.id}/hapus", {"version": "1", "confirmed": "1"})
        .status_code
        == 409
    )
    assert snapshot(app) == before


def test_a_delete_loses_to_an_acceptance_that_landed_first(w, monkeypatch):
    """The owner's page was loaded before the supervisor accepted: the delete must not
    remove an accepted entry, whatever the policy saw when it looked."""
    from portal import policy
    from portal.errors import Conflict

    (e,) = add(entry(w.target, date(2026, 6, 10)))
    verification.verify(e, w.boss, 1, accept=True)
    db.session.commit()
    monkeypatch.setattr(policy, "authorize", lambda *args: None)
    with pytest.raises(Conflict):
        services.delete_entry(e, w.owner, 1)
    db.session.rollback()
    assert [x.status for x in _entries()] == [EntryStatus.ACCEPTED]


def test_after_acceptance_the_owner_may_not_edit_or_delete(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), status=EntryStatus.ACCEPTED))
    owner = login_as(w.owner)
    before = snapshot(app)
    assert owner.get(f"/laporan/{e.id}/ubah").status_code == 403
    assert _edit(owner, e, quantity="9").status_code == 403
    assert (
        owner.post(
            f"/laporan/{e.id}/hapus", {"version": str(e.version), "confirmed": "1"}
        ).status_code
        == 403
    )
    assert snapshot(app) == before
    # And the list offers no buttons for it.
    html = owner.get("/laporan?tanggal=2026-06-10").get_data(as_text=True)
    assert f"/laporan/{e.id}/ubah" not in html


# -- who may reach which route -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("colleague", 403), ("boss", 403), ("head", 403), ("admin", 403), ("stranger", 404)],
)
def test_only_the_owner_reaches_the_edit_and_delete_routes(app, w, login_as, who, status):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    client = login_as(getattr(w, who))
    before = snapshot(app)
    assert client.get(f"/laporan/{e.id}/ubah").status_code == status
    assert _edit(client, e, quantity="7").status_code == status
    assert (
        client.post(f"/laporan/{e.id}/hapus", {"version": "1", "confirmed": "1"}).status_code
        == status
    )
    assert snapshot(app) == before


def test_unknown_entries_are_404(w, login_as):
    owner = login_as(w.owner)
    assert owner.get("/laporan/999999/ubah").status_code == 404
    assert (
        owner.post("/laporan/999999/hapus", {"version": "1", "confirmed": "1"}).status_code == 404
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/laporan"),
        ("post", "/laporan"),
        ("get", "/laporan/bulan"),
        ("get", "/laporan/1/ubah"),
        ("post", "/laporan/1/hapus"),
        ("get", "/bukti/1"),
        ("get", "/laporan/pegawai/1/periode/1"),
        ("get", "/laporan-bulanan"),
        ("get", "/pegawai/1/laporan-bulanan/1/1"),
        ("post", "/pegawai/1/laporan-bulanan/1/1"),
        ("get", "/pegawai/1/laporan-bulanan/1/1/review"),
        ("post", "/pegawai/1/laporan-bulanan/1/1/review"),
        ("get", "/tim/laporan-bulanan"),
        ("get", "/verifikasi"),
        ("post", "/verifikasi/1"),
        ("post", "/verifikasi/terima"),
        ("get", "/tim"),
    ],
)
def test_every_reporting_route_needs_sign_in(app, make_client, method, url):
    raw = make_client().raw
    app.config["WTF_CSRF_ENABLED"] = False  # the sign-in wall, not the CSRF check, answers
    response = getattr(raw, method)(url)
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_posts_without_the_csrf_token_are_refused(app, w, login_as):
    before = snapshot(app)
    response = login_as(w.owner).post("/laporan", entry_form(w.target), csrf=False)
    assert response.status_code == 400
    assert snapshot(app) == before
