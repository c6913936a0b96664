"""Languages: Indonesian by default, English per user, switched by the user and audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

INDONESIAN_NAV = ["Beranda", "Profil saya", "Kata sandi", "Keluar", "Langsung ke isi"]
ENGLISH_NAV = ["Home", "My profile", "Password", "Sign out", "Skip to content"]


def language_events(db, employee) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "employee.language", AuditEvent.object_id == employee.id
            )
        )
    )


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("id", INDONESIAN_NAV, ENGLISH_NAV), ("en", ENGLISH_NAV, INDONESIAN_NAV)],
)
def test_home_page_speaks_the_users_language(db, factory, login_as, language, shown, hidden):
    employee = factory.employee(language=language)
    factory.period(employee.instansi)
    db.session.commit()
    client = login_as(employee)

    page = client.get("/").get_data(as_text=True)

    assert f'<html lang="{language}">' in page
    for text in shown:
        assert f">{text}<" in page
    for text in hidden:
        assert f">{text}<" not in page


def test_switching_to_english_is_saved_audited_and_shown(db, factory, login_as):
    employee = factory.employee(language="id")
    db.session.commit()
    client = login_as(employee)

    response = client.post("/pengaturan/bahasa", {"language": "en"})

    assert response.status_code == 303
    db.session.refresh(employee)
    assert employee.language == "en"
    [event] = language_events(db, employee)
    assert event.actor_id == employee.id
    assert event.summary == {"changes": {"language": ["id", "en"]}}
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert ">Sign out<" in page


def test_switching_back_to_indonesian(db, factory, login_as):
    employee = factory.employee(language="en")
    db.session.commit()
    client = login_as(employee)

    client.post("/pengaturan/bahasa", {"language": "id"})

    db.session.refresh(employee)
    assert employee.language == "id"
    assert ">Keluar<" in client.get("/").get_data(as_text=True)


def test_choosing_the_current_language_changes_nothing(db, factory, login_as):
    employee = factory.employee(language="id")
    db.session.commit()
    client = login_as(employee)

    response = client.post("/pengaturan/bahasa", {"language": "id"})

    assert response.status_code == 303
    assert language_events(db, employee) == []


@pytest.mark.parametrize(
    "language", ["fr", "", "EN", "en-US", "en ", "<script>alert(1)</script>", "x" * 10_000]
)
def test_an_unknown_language_is_refused_without_change(db, factory, login_as, language):
    employee = factory.employee(language="id")
    db.session.commit()
    client = login_as(employee)

    response = client.post("/pengaturan/bahasa", {"language": language})

    assert response.status_code == 303
    db.session.refresh(employee)
    assert employee.language == "id"
    assert language_events(db, employee) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bahasa tidak dikenal." in page
    assert "<script>alert(1)</script>" not in page


def test_switching_language_needs_the_csrf_token(db, factory, login_as):
    employee = factory.employee(language="id")
    db.session.commit()
    client = login_as(employee)

    response = client.post("/pengaturan/bahasa", {"language": "en"}, csrf=False)

    assert response.status_code == 400
    db.session.refresh(employee)
    assert employee.language == "id"
    assert language_events(db, employee) == []


def test_switching_language_needs_a_signed_in_user(client):
    response = client.post("/pengaturan/bahasa", {"language": "en"})

    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1 employee matches “&lt;b&gt;Zulkifli&lt;/b&gt;”"),
        ("id", "1 pegawai cocok dengan “&lt;b&gt;Zulkifli&lt;/b&gt;”"),
    ],
)
def test_counts_are_pluralised_and_the_query_stays_escaped(
    db, factory, login_as, language, expected
):
    admin = factory.employee(is_admin=True, language=language)
    factory.employee(unit=admin.unit, name="<b>Zulkifli</b>")
    db.session.commit()
    client = login_as(admin)

    page = client.get("/admin/pegawai", query_string={"q": "<b>Zulkifli</b>"}, htmx=True)

    assert expected in page.get_data(as_text=True)
    assert "<b>Zulkifli</b>" not in page.get_data(as_text=True)


def _catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="en")


def test_every_marked_text_has_an_english_translation():
    """Extract as `make messages` does; every text marked in the code must be translated."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    marked = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    }
    catalog = _catalog()
    missing = sorted(
        msgid for msgid in marked if not (catalog.get(msgid) and catalog.get(msgid).string)
    )
    assert marked, "no text marked for translation was found"
    assert missing == [], f"untranslated (run `make messages`, then translate): {missing}"


def test_translations_are_reviewed_and_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for message in _catalog():
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy translation: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(placeholder.findall(ids[0]))
        for string in strings:
            assert sorted(placeholder.findall(string)) == expected, message.id
