"""The reporting forms' own rules: text without control characters, ids within the
id range, refusals in the user's language, and the order of refusals (who may act and
what state the object is in come before what was typed). Also the shared fields the
forms are built from (``IsoDateField``, ``VersionedIdsField``, ``validate_or_raise``)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import (
    CONTROL_CHARACTERS,
    INVALID_DATE,
    MAX_ID,
    IsoDateField,
    PortalForm,
    VersionedIdsField,
    validate_or_raise,
)
from portal.models import EntryStatus, MonthlyQuality
from portal.reports.forms import (
    DESCRIBE_WORK,
    FUTURE_DATE,
    NOT_YOUR_TARGET,
    REASON_REQUIRED,
    SELECT_SOME,
)
from portal.reports.monthly_forms import NOTE_TOO_LONG
from portal.reports.verification import ALREADY_ACCEPTED
from tests.reporting_helpers import (
    add,
    build_world,
    entry,
    entry_form,
    review_form,
    review_url,
    sign_in,
    snapshot,
    submitted_monthly_report,
)


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    assert found, html[:2000]
    return found.group(1)


# -- the daily entry -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "Menyusun\x00 notula"),
        ("description", "Menyusun\x1b[31m notula"),
        ("links", "https://contoh.go.id/\x00berkas"),
        ("links", "https://contoh.go.id/a\x7fb"),
    ],
)
def test_control_characters_are_refused_next_to_the_field(app, w, login_as, field, value):
    before = snapshot(app)
    response = login_as(w.owner).post("/laporan", entry_form(w.target, **{field: value}), htmx=True)
    assert response.status_code == 422
    assert str(CONTROL_CHARACTERS) in _field_error(response.get_data(as_text=True), field)
    assert snapshot(app) == before


@pytest.mark.parametrize("target_id", [str(MAX_ID + 1), "9" * 10, "9" * 30, "-1", "1e3"])
def test_a_target_id_outside_the_id_range_names_no_target(app, w, login_as, target_id):
    before = snapshot(app)
    form = entry_form(w.target, target_id=target_id)
    response = login_as(w.owner).post("/laporan", form, htmx=True)
    assert response.status_code == 422
    assert str(NOT_YOUR_TARGET) in _field_error(response.get_data(as_text=True), "target_id")
    assert snapshot(app) == before


def test_refusals_come_in_the_users_language(app, w, login_as):
    w.owner.language = "en"
    db.session.commit()
    before = snapshot(app)
    form = entry_form(w.target, entry_date="2026-06-16", description=" ")
    response = login_as(w.owner).post("/laporan", form, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    with force_locale("en"):
        future, describe = str(FUTURE_DATE), str(DESCRIBE_WORK)
    with force_locale("id"):
        indonesian = str(FUTURE_DATE)
    assert future != indonesian  # there is an English sentence to show
    assert future in _field_error(html, "entry_date")
    assert describe in _field_error(html, "description")
    assert indonesian not in html
    assert snapshot(app) == before


def test_an_edit_shows_the_entry_as_saved(w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), quantity=3, minutes=45, cost=0))
    html = login_as(w.owner).get(f"/laporan/{e.id}/ubah").get_data(as_text=True)
    assert 'name="entry_date" type="date" value="2026-06-10"' in html
    assert f'<option value="{w.target.id}" selected' in html
    assert 'name="quantity" type="text" value="3"' in html
    assert 'name="minutes" type="text" value="45"' in html
    assert 'name="cost" type="text" value=""' in html  # a cost of 0 is no cost to show


# -- verification --------------------------------------------------------------------------


def _decide(client, e, decision, reason=""):
    data = {"decision": decision, "version": str(e.version), "reason": reason}
    return client.post(f"/verifikasi/{e.id}", data, htmx=True)


def test_a_reason_with_control_characters_is_refused(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    before = snapshot(app)
    response = _decide(login_as(w.boss), e, "reject", "Lampirkan\x00 notula")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert str(CONTROL_CHARACTERS) in html and f'id="entry-{e.id}"' in html
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["owner", "colleague", "head", "admin"])
def test_who_may_not_decide_hears_that_before_what_they_typed(app, w, login_as, who):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    before = snapshot(app)
    assert _decide(login_as(getattr(w, who)), e, "reject", "").status_code == 403
    assert snapshot(app) == before


def test_a_decided_entry_says_so_before_the_missing_reason(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10), status=EntryStatus.ACCEPTED))
    before = snapshot(app)
    response = _decide(login_as(w.boss), e, "reject", "")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert str(ALREADY_ACCEPTED) in html and str(REASON_REQUIRED) not in html
    assert snapshot(app) == before


def test_a_selection_of_ids_beyond_the_id_range_is_no_selection(app, w, login_as):
    before = snapshot(app)
    data = {"entry": [f"{MAX_ID + 1}:1", f"1:{MAX_ID + 1}", "9" * 30 + ":1"]}
    response = login_as(w.boss).post("/verifikasi/terima", data)
    assert response.status_code == 422
    assert str(SELECT_SOME) in response.get_data(as_text=True)
    assert snapshot(app) == before


# -- the monthly quality rating (the monthly report's review) -------------------------------


def _rate(client, w, rating, note=""):
    """Rate the target in the review of May's report (submitted by the caller)."""
    data = review_form(w.owner, w.period, 5, {w.target: (rating, note)})
    return client.post(review_url(w.owner, w.period, 5), data)


@pytest.mark.parametrize(
    ("note", "message"), [("Rapi\x00", CONTROL_CHARACTERS), ("x" * 2001, NOTE_TOO_LONG)]
)
def test_a_bad_note_is_refused_next_to_the_note(app, w, login_as, note, message):
    boss = login_as(w.boss)
    submitted_monthly_report(w.owner, w.period, 5)
    before = snapshot(app)
    response = _rate(boss, w, "85", note)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="targets-0-note-error">([^<]*)</p>', html)
    assert error and str(message) in error.group(1)
    assert 'value="85"' in html  # the rating comes back as typed
    assert snapshot(app) == before
    assert db.session.scalar(select(func.count()).select_from(MonthlyQuality)) == 0


def test_an_empty_post_is_a_review_left_out(app, w, login_as):
    """htmx sends the CSRF token in a header: a body with no field at all is possible."""
    submitted_monthly_report(w.owner, w.period, 5)
    before = snapshot(app)
    response = login_as(w.boss).post(review_url(w.owner, w.period, 5), {}, htmx=True)
    assert response.status_code == 422
    assert "Formulir tidak lengkap" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_an_empty_post_is_an_entry_left_out(app, w, login_as):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    before = snapshot(app)
    owner = login_as(w.owner)
    for url in ("/laporan", f"/laporan/{e.id}/ubah"):
        assert owner.post(url, {}, htmx=True).status_code == 422, url
    assert owner.post(f"/laporan/{e.id}/hapus", {"confirmed": "1"}, htmx=True).status_code == 422
    assert owner.post(f"/verifikasi/{e.id}", {}, htmx=True).status_code == 422
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["owner", "colleague", "head", "admin"])
def test_who_may_not_rate_hears_that_before_a_bad_rating(app, w, login_as, who):
    client = login_as(getattr(w, who))
    submitted_monthly_report(w.owner, w.period, 5)
    before = snapshot(app)
    assert _rate(client, w, "abc").status_code == 403
    assert snapshot(app) == before


# -- the shared fields ---------------------------------------------------------------------


class _Form(PortalForm):
    class Meta:
        csrf = False

    day = IsoDateField("Tanggal")
    chosen = VersionedIdsField()


def _posted(app, data):
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = _Form()
        form.validate()
        return form


def test_iso_date_field_reads_what_a_date_input_posts(app):
    assert _posted(app, [("day", "2026-06-15")]).day.data == date(2026, 6, 15)
    for raw in ("15/06/2026", "2026-02-30", "", "²⁰²⁶-06-15"):
        form = _posted(app, [("day", raw)])
        assert form.day.data is None
        assert form.day.errors == [str(INVALID_DATE)]
    assert _posted(app, []).day.errors == [str(INVALID_DATE)]  # not posted at all


def test_versioned_ids_field_keeps_only_pairs_of_ids_in_range(app):
    posted = [
        ("chosen", "1:2"),
        ("chosen", " 4 : 5 "),
        ("chosen", "x:1"),
        ("chosen", "²:1"),
        ("chosen", "3:"),
        ("chosen", f"{MAX_ID}:{MAX_ID}"),
        ("chosen", f"{MAX_ID + 1}:1"),
        ("chosen", "7:-1"),
        ("day", "2026-06-15"),
    ]
    assert _posted(app, posted).chosen.data == {1: 2, 4: 5, MAX_ID: MAX_ID}
    assert _posted(app, [("day", "2026-06-15")]).chosen.data == {}


def test_validate_or_raise_names_every_refused_field(app):
    request = app.test_request_context(method="POST", data={"day": "kemarin"})
    with request, pytest.raises(InvalidInput) as refused:
        validate_or_raise(_Form())
    assert refused.value.errors == {"day": str(INVALID_DATE)}
    with app.test_request_context(method="POST", data={"day": "2026-06-15"}):
        validate_or_raise(_Form())  # a valid form passes through
