"""Languages: Indonesian by default, English per user, switched by the user and audited."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.models import AuditEvent, Target

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


# -- texts made in Python: messages, errors and labels in the user's language ----------


@pytest.fixture
def english_team(db, factory):
    """An English-speaking employee with an Indonesian-speaking supervisor, and a period."""
    _, boss, (owner, colleague) = factory.team(2)
    owner.language = "en"
    colleague.language = "en"
    period = factory.period(owner.instansi)
    db.session.commit()
    return boss, owner, colleague, period


def _plan_url(owner, period) -> str:
    return f"/skp/{period.id}/pegawai/{owner.id}"


def _target_form(**changes) -> dict:
    return {
        "title": "Tersusunnya laporan analisis jabatan",
        "kind": "utama",
        "indicator": "Laporan selesai tepat waktu",  # the kuantitas IKI
        "quantity": "12",
        "quantity_unit": "laporan",
        "quality_target": "100",
        "time_months": "12",
        **{f"month_{i}": "1" for i in range(1, 13)},
        **changes,
    }


def _assert_english(page: str, english: list[str], indonesian: list[str]) -> None:
    for text in english:
        assert text in page, text
    for text in indonesian:
        assert text not in page, text


def test_target_form_errors_are_in_english(english_team, signed_in):
    _, owner, _, period = english_team

    response = signed_in(owner).post(
        f"{_plan_url(owner, period)}/target/baru",
        _target_form(title="", month_3="-1", quantity_unit=""),
    )

    assert response.status_code == 422
    _assert_english(
        response.get_data(as_text=True),
        [
            "The title of the target is required.",
            "Target for month 3 must not be negative.",
            "The unit is required, for example “reports” or “documents”.",
        ],
        [
            "Judul target wajib diisi.",
            "Target bulan ke-3 tidak boleh negatif.",
            "Satuan wajib diisi",
        ],
    )


def test_wtforms_labels_and_errors_are_in_english(db, factory, signed_in):
    admin = factory.employee(is_admin=True, language="en")
    db.session.commit()
    client = signed_in(admin)

    page = client.get("/admin/pegawai/baru").get_data(as_text=True)
    _assert_english(
        page,
        ["Name (without titles)", "Kind of position", "Senior executive position (JPT)"],
        ["Nama (tanpa gelar)", "Jenis jabatan", "Jabatan Pimpinan Tinggi (JPT)"],
    )

    response = client.post("/admin/pegawai/baru", {"nip": "1234", "name": "", "jabatan": ""})
    assert response.status_code == 422
    _assert_english(
        response.get_data(as_text=True),
        ["Required."],
        ["Wajib diisi."],
    )


def test_a_success_flash_is_in_english(english_team, signed_in):
    _, owner, _, period = english_team
    client = signed_in(owner)

    response = client.post(f"{_plan_url(owner, period)}/target/baru", _target_form())

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    _assert_english(
        page,
        ["Target “Tersusunnya laporan analisis jabatan” saved as a draft."],
        ["tersimpan sebagai draf"],
    )


def test_a_workflow_guard_refuses_in_english(english_team, factory, db, signed_in):
    _, owner, _, period = english_team
    incomplete = factory.target(owner, period, quantity=12, monthly=[1] * 11 + [0])
    db.session.commit()
    client = signed_in(owner)

    response = client.post(f"/target/{incomplete.id}/aksi/submit", {"version": "1"})

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    _assert_english(
        page,
        ["The monthly targets add up to 11, not yet the annual target of 12."],
        ["belum sama dengan target tahunan"],
    )
    db.session.refresh(incomplete)
    assert incomplete.state == "drafted"


def test_the_plan_page_shows_states_and_buttons_in_english(english_team, factory, db, signed_in):
    boss, owner, _, period = english_team
    draft = factory.target(owner, period)
    factory.target(owner, period, state="approved")
    db.session.commit()

    page = signed_in(owner).get(_plan_url(owner, period)).get_data(as_text=True)

    _assert_english(
        page,
        [">Draft<", ">Approved<", "Submit to supervisor", ">Main<"],
        [">Draf<", ">Disetujui<", "Ajukan ke atasan", ">Utama<"],
    )
    assert draft.title in page


def test_the_done_message_of_a_transition_is_in_english(english_team, factory, db, signed_in):
    _, owner, _, period = english_team
    target = factory.target(owner, period)
    db.session.commit()

    response = signed_in(owner).post(
        f"/target/{target.id}/aksi/submit", {"version": "1", "view": "card"}, htmx=True
    )

    assert response.status_code == 200
    _assert_english(
        response.get_data(as_text=True),
        ["Submitted to supervisor.", ">Under discussion<"],
        ["Diajukan ke atasan", "Dalam pembahasan"],
    )


def test_error_pages_are_in_english(english_team, factory, db, signed_in):
    _, owner, colleague, period = english_team
    target = factory.target(owner, period)
    db.session.commit()
    client = signed_in(colleague)

    missing = client.get("/target/999999")
    assert missing.status_code == 404
    _assert_english(
        missing.get_data(as_text=True),
        ["Page not found", "The page or data you are looking for does not exist."],
        ["Halaman tidak ditemukan", "Halaman atau data yang Anda cari tidak ada."],
    )

    refused = client.get(f"/target/{target.id}/ubah")
    assert refused.status_code == 403
    _assert_english(
        refused.get_data(as_text=True),
        ["Access denied", "You are not authorised to do this."],
        ["Akses ditolak", "Anda tidak berwenang"],
    )


def test_messages_stay_indonesian_for_an_indonesian_user(english_team, factory, db, signed_in):
    boss, owner, _, period = english_team
    target = factory.target(owner, period, quantity=12, monthly=[1] * 11 + [0])
    db.session.commit()
    client = signed_in(owner)
    owner.language = "id"
    db.session.commit()

    response = client.post(f"/target/{target.id}/aksi/submit", {"version": "1"})

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jumlah target bulanan (11) belum sama dengan target tahunan (12)." in page
    assert "not yet the annual target" not in page


def test_audit_summaries_stay_plain_json_after_actions_in_english(
    english_team, factory, db, signed_in
):
    boss, owner, _, period = english_team
    boss.language = "en"
    db.session.commit()
    client = signed_in(owner)
    client.post(f"{_plan_url(owner, period)}/target/baru", _target_form())
    target = db.session.scalar(select(Target).where(Target.owner_id == owner.id))
    client.post(f"/target/{target.id}/aksi/submit", {"version": "1"})
    client.post(f"/target/{target.id}/komentar", {"body": "Please review", "form_token": "t" * 32})
    signed_in(boss).post(
        f"/target/{target.id}/aksi/request_revision",
        {"version": "2", "reason": "Unit of measure unclear"},
    )

    db.session.expire_all()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    actions = [e.action for e in events]
    assert {"target.create", "target.submit", "target.comment"} <= set(actions)
    assert "target.request_revision" in actions
    for event in events:
        # Lazy strings would not survive this, nor the JSON column.
        assert json.loads(json.dumps(event.summary)) == event.summary
    revision = next(e for e in events if e.action == "target.request_revision")
    # Codes, not labels: the same whatever language the actor reads.
    assert revision.summary["from"] == "discussed" and revision.summary["to"] == "drafted"


def test_the_skp_letter_stays_indonesian_for_an_english_user(english_team, factory, db, signed_in):
    from tests.evaluation_helpers import pdf_text

    _, owner, _, period = english_team
    factory.target(owner, period)
    db.session.commit()

    response = signed_in(owner).get(f"{_plan_url(owner, period)}/cetak.pdf")

    assert response.status_code == 200
    text, _ = pdf_text(response.data)
    assert "A. Utama" in text and "Draf" in text and "DRAF" in text
    assert "Main" not in text and "Draft" not in text


def test_closing_a_period_twice_is_refused_in_english(db, factory, signed_in):
    admin = factory.employee(is_admin=True, language="en")
    period = factory.period(admin.instansi)
    db.session.commit()
    client = signed_in(admin)
    assert client.post(f"/admin/periode/{period.id}/tutup").status_code == 303

    again = client.post(f"/admin/periode/{period.id}/tutup")

    assert again.status_code == 409
    _assert_english(
        again.get_data(as_text=True),
        [f"Period {period.name} was closed on", f"by {admin.display_name}; it cannot be closed"],
        ["sudah ditutup", "tidak dapat ditutup lagi", "Buka kembali periode itu"],
    )


def test_period_form_labels_and_errors_are_in_english(db, factory, signed_in):
    admin = factory.employee(is_admin=True, language="en")
    db.session.commit()
    client = signed_in(admin)

    response = client.post(
        "/admin/periode/baru",
        {"name": "", "start_date": "2027-01-02", "weight_skp": "70", "weight_perilaku": "40"},
    )

    assert response.status_code == 422
    _assert_english(
        response.get_data(as_text=True),
        [
            "Name of the period",
            "The name of the period is required",
            "A period starts on the 1st of a month",
            "must add up to 100 (now 70 + 40 = 110)",
        ],
        ["Nama periode", "Periode dimulai pada tanggal 1", "harus berjumlah 100"],
    )


def test_audit_log_filter_errors_are_in_english(db, factory, signed_in):
    admin = factory.employee(is_admin=True, language="en")
    db.session.commit()

    response = signed_in(admin).get(
        "/admin/log-audit", query_string={"tindakan": "target.explode", "dari": "kemarin"}
    )

    assert response.status_code == 422
    _assert_english(
        response.get_data(as_text=True),
        ["Unknown kind of action. Choose one from the list.", "Invalid date. Use the format"],
        ["Jenis tindakan tidak dikenal", "Tanggal tidak valid"],
    )


def test_the_monitoring_export_is_in_the_language_of_who_exports(db, factory, signed_in):
    from io import BytesIO

    from openpyxl import load_workbook

    admin = factory.employee(is_admin=True, language="en")
    factory.period(admin.instansi)
    db.session.commit()

    response = signed_in(admin).get("/admin/pemantauan/ekspor.xlsx")

    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data), read_only=True)
    assert book.sheetnames == [
        "Target states per unit",
        "Without an approved SKP",
        "Late reports",
        "Verification queue",
        "Predikat distribution",
    ]
    header = next(book["Target states per unit"].iter_rows(values_only=True))
    assert header[:3] == ("Unit code", "Unit", "Active employees")
    assert "Draft" in header and "Draf" not in header
