"""The shared form pieces (portal/forms.py) and route preconditions (portal/routing.py)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

from portal.forms import (
    CONTROL_CHARACTERS,
    MAX_ID,
    OUTDATED_FORM,
    IdField,
    PlainText,
    PortalForm,
    VersionField,
    WholeNumberField,
)


class _Form(PortalForm):
    class Meta:
        csrf = False

    title = StringField("Judul", validators=[PlainText()])
    notes = TextAreaField("Catatan", validators=[PlainText(multiline=True)])
    quantity = WholeNumberField("Kuantitas", minimum=1, maximum=1000)
    cost = WholeNumberField("Biaya", optional=True)
    target_id = IdField()
    version = VersionField()


def _form(**data) -> _Form:
    values = {"title": "Laporan", "notes": "", "quantity": "12", "target_id": "1", "version": "0"}
    values.update(data)
    return _Form(formdata=MultiDict(values))


def test_a_good_form_gives_typed_values(app):
    with app.test_request_context():
        form = _form(quantity="1.000", cost="Rp 170.395.000", notes="baris 1\nbaris 2\tdua")
        assert form.validate(), form.errors
        assert form.quantity.data == 1000
        assert form.cost.data == 170_395_000
        assert form.target_id.data == 1
        assert form.version.data == 0


def test_an_empty_optional_number_is_none(app):
    with app.test_request_context():
        form = _form(cost="  ")
        assert form.validate(), form.errors
        assert form.cost.data is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Lap\x00oran"),
        ("title", "dua\nbaris"),
        ("title", "tab\there"),
        ("title", "del\x7f"),
        ("notes", "bel\x07"),
        ("notes", "c1\x85"),
    ],
)
def test_control_characters_are_refused_by_name(app, field, value):
    with app.test_request_context():
        form = _form(**{field: value})
        assert not form.validate()
        assert form.errors_by_field() == {field: str(CONTROL_CHARACTERS)}


@pytest.mark.parametrize("value", ["²", "1e30", "-1", "", "12a", "9" * 100_000])
def test_a_number_that_is_not_ascii_digits_in_range_is_refused(app, value):
    with app.test_request_context():
        form = _form(quantity=value)
        assert not form.validate()
        assert set(form.errors_by_field()) == {"quantity"}
        assert "Kuantitas" in form.errors_by_field()["quantity"]


@pytest.mark.parametrize(
    "value", [str(MAX_ID + 1), "99999999999999999999", "9223372036854775808", "1e30", "²", "-1", ""]
)
@pytest.mark.parametrize("field", ["target_id", "version"])
def test_ids_and_versions_beyond_the_integer_range_are_refused(app, field, value):
    with app.test_request_context():
        form = _form(**{field: value})
        assert not form.validate()
        assert form.errors_by_field() == {field: str(OUTDATED_FORM)}


def test_the_largest_id_is_accepted(app):
    with app.test_request_context():
        form = _form(target_id=str(MAX_ID))
        assert form.validate(), form.errors
        assert form.target_id.data == MAX_ID


def test_service_errors_land_next_to_their_fields(app):
    with app.test_request_context():
        form = _form()
        assert form.validate()
        form.add_errors({"quantity": "Terlalu banyak.", "unknown": "ignored"})
        assert form.errors_by_field() == {"quantity": "Terlalu banyak."}


@pytest.mark.parametrize(
    "url", ["/target/99999999999999999999", f"/target/{MAX_ID + 1}", "/target/1e30"]
)
def test_an_id_beyond_the_range_in_a_url_is_404(db, factory, signed_in, url):
    _, boss, _ = factory.team(1)
    db.session.commit()
    response = signed_in(boss).get(url)
    assert response.status_code == 404
