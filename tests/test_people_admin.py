"""The admin's employee list and form: create, edit, bad input, escaping, query counts."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.auth.passwords import verify_password
from portal.forms import CONTROL_CHARACTERS
from portal.models import AuditEvent, Employee, Unit
from portal.nip import BIRTH_DATE_INVALID, GENDER_DIGIT_INVALID, TMT_BEFORE_AGE_18
from portal.people.services import (
    ATASAN_NOT_FOUND,
    NIP_OF_ANOTHER_INSTANSI,
    SUPERVISOR_CYCLE,
    UNIT_NOT_FOUND,
    UNKNOWN_GOLONGAN,
)
from portal.ranks import JenisJabatan
from tests.factories import employee_form
from tests.pages import field_error, inline_code

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here

NEW_NIP = "19900101 201501 2 001"
ONE_TIME = re.compile(r'<p class="onetime">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</p>')


@pytest.fixture
def org(factory, db):
    head, boss, staff = factory.team(2)
    admin = factory.employee(head.unit, atasan=head, is_admin=True)
    other_unit = factory.unit(factory.instansi())
    outsider = factory.employee(other_unit)
    db.session.commit()
    return head, boss, staff, admin, outsider


@pytest.fixture
def admin_client(org, signed_in):
    return signed_in(org[3])


def new_employee_form(boss, **changes) -> dict:
    return {
        "nip": NEW_NIP,
        "gelar_depan": "",
        "name": "Siti Aminah",
        "gelar_belakang": "S.E., M.M.",
        "jabatan": "Analis Keuangan",
        "jenis_jabatan": "fungsional",
        "golongan": "III/b",
        "unit_id": str(boss.unit_id),
        "atasan_nip": boss.nip_display,
        "email": "siti.aminah@example.go.id",
        "active": "y",
        **changes,
    }


def employee_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Employee))


def committed(db, employee: Employee) -> dict:
    """The employee's row as committed, as a dict of its columns."""
    db.session.rollback()
    row = db.session.get(Employee, employee.id)
    return {c.key: getattr(row, c.key) for c in Employee.__table__.columns}


# Create


def test_create_shows_a_one_time_password_once(org, admin_client, make_client, db):
    head, boss, staff, admin, outsider = org
    response = admin_client.post("/admin/pegawai/baru", new_employee_form(boss))
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = ONE_TIME.search(page).group(1)

    db.session.rollback()
    created = db.session.scalar(select(Employee).where(Employee.nip == "199001012015012001"))
    assert created.display_name == "Siti Aminah, S.E., M.M."
    assert (created.instansi_id, created.unit_id, created.atasan_id) == (
        admin.instansi_id,
        boss.unit_id,
        boss.id,
    )
    assert created.jenis_jabatan is JenisJabatan.FUNGSIONAL
    assert created.golongan == "III/b"
    assert created.must_change_password is True
    assert verify_password(created.password_hash, password)

    # Shown once: nowhere else, and never in the audit log.
    for url in [f"/pegawai/{created.id}", f"/admin/pegawai/{created.id}/ubah", "/admin/pegawai"]:
        assert password not in admin_client.get(url).get_data(as_text=True), url
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employee.create"))
    assert (event.actor_id, event.object_id) == (admin.id, created.id)
    assert event.summary["nip"] == "199001012015012001"
    assert password not in repr(event.summary) and "password" not in repr(event.summary)

    # The new account must change that password at its first sign-in.
    newcomer = make_client()
    signed_in = newcomer.login(NEW_NIP, password)
    assert signed_in.headers["Location"] == "/kata-sandi"
    assert newcomer.get("/").headers["Location"] == "/kata-sandi"


def test_one_time_passwords_differ(org, admin_client):
    head, boss, staff, admin, outsider = org
    first = admin_client.post("/admin/pegawai/baru", new_employee_form(boss))
    second = admin_client.post(
        "/admin/pegawai/baru", new_employee_form(boss, nip="19900101 201501 2 002")
    )
    assert (first.status_code, second.status_code) == (201, 201)
    passwords = {ONE_TIME.search(r.get_data(as_text=True)).group(1) for r in (first, second)}
    assert len(passwords) == 2


def test_agency_head_may_have_no_supervisor(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    response = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, atasan_nip=""))
    assert response.status_code == 201
    db.session.rollback()
    created = db.session.scalar(select(Employee).where(Employee.nip == "199001012015012001"))
    assert created.atasan_id is None


# Edit


def test_edit_changes_the_employee_and_logs_what_changed(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    target = staff[0]
    response = admin_client.post(
        f"/admin/pegawai/{target.id}/ubah",
        employee_form(
            target,
            jabatan="Analis Data Ahli Muda",
            golongan="III/c",
            atasan_nip=head.nip,
            gelar_depan="Dr.",
        ),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/pegawai/{target.id}"
    row = committed(db, target)
    assert row["jabatan"] == "Analis Data Ahli Muda"
    assert row["golongan"] == "III/c"
    assert row["atasan_id"] == head.id
    assert row["gelar_depan"] == "Dr."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employee.update"))
    assert event.summary == {
        "changes": {
            "jabatan": ["Analis Kebijakan", "Analis Data Ahli Muda"],
            "golongan": ["III/a", "III/c"],
            "atasan_id": [boss.id, head.id],
            "gelar_depan": ["", "Dr."],
        }
    }


def test_edit_form_shows_the_current_values(org, admin_client):
    head, boss, staff, admin, outsider = org
    page = admin_client.get(f"/admin/pegawai/{staff[0].id}/ubah").get_data(as_text=True)
    assert f'value="{staff[0].nip_display}"' in page
    assert f'value="{boss.nip_display}"' in page
    assert f'value="{html.escape(staff[0].name)}"' in page
    assert re.search(r'<option selected value="fungsional">', page)
    assert re.search(rf'<option selected value="{staff[0].unit_id}">', page)


def test_saving_unchanged_logs_nothing(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    response = admin_client.post(f"/admin/pegawai/{staff[0].id}/ubah", employee_form(staff[0]))
    assert response.status_code == 303
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "employee.update")) == 0
    )


def test_superadmin_edits_an_employee_of_another_instansi(org, factory, signed_in, db):
    head, boss, staff, admin, outsider = org
    superadmin = factory.employee(outsider.unit, atasan=outsider, is_superadmin=True)
    db.session.commit()
    response = signed_in(superadmin).post(
        f"/admin/pegawai/{staff[0].id}/ubah", employee_form(staff[0], jabatan="Analis Data")
    )
    assert response.status_code == 303
    row = committed(db, staff[0])
    assert (row["jabatan"], row["atasan_id"]) == ("Analis Data", boss.id)


# Bad input: a clear message next to the field, a 422, and nothing changed

LONG = "x" * 10_000

BAD_INPUT = [
    ("nip", "19900101 201501 2 00", "nip", "NIP harus 18 digit (yang diisi 17 digit)."),
    ("nip", "1990010120150120011", "nip", "NIP harus 18 digit (yang diisi 19 digit)."),
    ("nip", "19900101 2015O1 2 001", "nip", "NIP hanya boleh berisi angka."),
    (
        "nip",
        "19900230 201501 2 001",
        "nip",
        str(BIRTH_DATE_INVALID),
    ),
    (
        "nip",
        "19900101 200501 2 001",
        "nip",
        str(TMT_BEFORE_AGE_18),
    ),
    ("nip", "19900101 201501 5 001", "nip", str(GENDER_DIGIT_INVALID)),
    ("nip", "", "nip", "Wajib diisi."),
    ("nip", "1" * 41, "nip", "NIP terlalu panjang."),
    ("golongan", "V/a", "golongan", str(UNKNOWN_GOLONGAN)),
    ("golongan", "iii/a", "golongan", str(UNKNOWN_GOLONGAN)),
    ("jenis_jabatan", "menteri", "jenis_jabatan", "Jenis jabatan tidak dikenal."),
    ("name", LONG, "name", "Paling banyak 150 karakter."),
    ("name", "x" * 151, "name", "Paling banyak 150 karakter."),
    ("name", "", "name", "Wajib diisi."),
    ("name", "   ", "name", "Wajib diisi."),
    ("gelar_depan", LONG, "gelar_depan", "Paling banyak 50 karakter."),
    ("gelar_belakang", LONG, "gelar_belakang", "Paling banyak 80 karakter."),
    ("jabatan", LONG, "jabatan", "Paling banyak 200 karakter."),
    ("jabatan", "", "jabatan", "Wajib diisi."),
    ("email", LONG, "email", "Paling banyak 200 karakter."),
    ("email", "bukan-email", "email", "Alamat email tidak valid."),
    ("unit_id", "", "unit_id", str(UNIT_NOT_FOUND)),
    ("unit_id", "99999999", "unit_id", str(UNIT_NOT_FOUND)),
    ("unit_id", "²", "unit_id", str(UNIT_NOT_FOUND)),
    ("unit_id", "9" * 30, "unit_id", str(UNIT_NOT_FOUND)),
    (
        "atasan_nip",
        "19800512 200501 1 003",
        "atasan_nip",
        str(ATASAN_NOT_FOUND),
    ),
    (
        "atasan_nip",
        "bukan NIP",
        "atasan_nip",
        str(ATASAN_NOT_FOUND),
    ),
]


def test_bad_input_on_create_and_edit(org, admin_client, db, subtests):
    head, boss, staff, admin, outsider = org
    target = staff[0]
    before = (employee_count(db), committed(db, target))
    for field, value, error_field, message in BAD_INPUT:
        with subtests.test(field=field, value=value[:30]):
            created = admin_client.post(
                "/admin/pegawai/baru", new_employee_form(boss, **{field: value})
            )
            edited = admin_client.post(
                f"/admin/pegawai/{target.id}/ubah", employee_form(target, **{field: value})
            )
            for response in (created, edited):
                assert response.status_code == 422
                assert field_error(response, error_field) == message
                control = re.search(
                    rf'<(?:input|select)[^>]*\bid="{error_field}"[^>]*>',
                    response.get_data(as_text=True),
                ).group(0)
                assert 'aria-invalid="true"' in control
                assert re.search(rf'aria-describedby="[^"]*\b{error_field}-error"', control)
            assert (employee_count(db), committed(db, target)) == before
            assert (
                db.session.scalar(select(func.count()).where(AuditEvent.action.like("employee.%")))
                == 0
            )


def test_duplicate_nip_is_refused(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    before = employee_count(db)
    for nip in [staff[1].nip, staff[1].nip_display]:
        response = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, nip=nip))
        assert response.status_code == 422
        assert field_error(response, "nip") == "NIP ini sudah terdaftar."
    assert employee_count(db) == before


def test_a_nip_of_another_instansi_is_refused_without_telling_about_that_person(
    org, admin_client, db
):
    head, boss, staff, admin, outsider = org
    before = employee_count(db)
    for nip in [outsider.nip, outsider.nip_display]:
        response = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, nip=nip))
        assert response.status_code == 422
        assert field_error(response, "nip") == str(NIP_OF_ANOTHER_INSTANSI)
        page = response.get_data(as_text=True)
        for detail in (outsider.name, outsider.instansi.name, outsider.jabatan):
            assert detail not in page
    # Inactive or active, the answer is the same.
    outsider.active = False
    db.session.commit()
    again = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, nip=outsider.nip))
    assert field_error(again, "nip") == str(NIP_OF_ANOTHER_INSTANSI)
    assert employee_count(db) == before
    target = staff[0]
    before_row = committed(db, target)
    response = admin_client.post(
        f"/admin/pegawai/{target.id}/ubah", employee_form(target, nip=staff[1].nip_display)
    )
    assert response.status_code == 422
    assert field_error(response, "nip") == "NIP ini sudah terdaftar."
    assert committed(db, target) == before_row


CYCLE = str(SUPERVISOR_CYCLE)


def test_supervisor_cycles_are_refused(org, admin_client, db, subtests):
    head, boss, staff, admin, outsider = org
    people = {"head": head, "boss": boss, "staff": staff[0]}
    for who, new_atasan in [
        ("boss", "staff"),
        ("head", "staff"),
        ("head", "boss"),
        ("boss", "boss"),
    ]:
        with subtests.test(employee=who, atasan=new_atasan):
            target = people[who]
            before = committed(db, target)
            response = admin_client.post(
                f"/admin/pegawai/{target.id}/ubah",
                employee_form(target, atasan_nip=people[new_atasan].nip_display),
            )
            assert response.status_code == 422
            assert field_error(response, "atasan_nip") == CYCLE
            assert committed(db, target) == before


def test_supervisor_from_another_instansi_is_refused(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    before = committed(db, staff[0])
    response = admin_client.post(
        f"/admin/pegawai/{staff[0].id}/ubah",
        employee_form(staff[0], atasan_nip=outsider.nip_display),
    )
    assert response.status_code == 422
    # The same words as for a NIP nobody has: the other instansi is not revealed.
    assert field_error(response, "atasan_nip") == str(ATASAN_NOT_FOUND)
    assert committed(db, staff[0]) == before


def test_unit_of_another_instansi_is_refused(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    before = employee_count(db)
    response = admin_client.post(
        "/admin/pegawai/baru", new_employee_form(boss, unit_id=str(outsider.unit_id))
    )
    assert response.status_code == 422
    assert field_error(response, "unit_id") == str(UNIT_NOT_FOUND)
    assert employee_count(db) == before


def test_control_characters_are_refused_in_text_fields(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    before = employee_count(db)
    for field in ("name", "jabatan", "gelar_depan", "email"):
        response = admin_client.post(
            "/admin/pegawai/baru", new_employee_form(boss, **{field: "Siti\x1bAminah"})
        )
        assert response.status_code == 422, field
        assert field_error(response, field) == str(CONTROL_CHARACTERS), field
    assert employee_count(db) == before


def test_a_bad_form_comes_back_with_what_was_typed(org, admin_client):
    head, boss, staff, admin, outsider = org
    response = admin_client.post(
        "/admin/pegawai/baru", new_employee_form(boss, golongan="V/a", name="Siti  Nurhaliza")
    )
    page = response.get_data(as_text=True)
    assert 'value="Siti  Nurhaliza"' in page
    assert f'value="{NEW_NIP}"' in page


# HTML and script are shown as text

HOSTILE = {
    "gelar_depan": "<b>Dr.</b>",
    "name": "<script>alert(1)</script>",
    "gelar_belakang": '"><img src=x onerror=alert(2)>',
    "jabatan": "<script>alert('jabatan')</script>",
    # Markup cannot be part of a valid address (refused, below); what an address may
    # hold that HTML cares about (' and &) is escaped.
    "email": "o'neil&x@kinerja.example",
}


def assert_shown_as_text(page: str, values) -> None:
    assert inline_code(page) == []
    for value in values:
        assert value not in page
        assert str(escape(value)) in page


def test_html_in_every_text_field_is_escaped(org, admin_client, signed_in, db):
    head, boss, staff, admin, outsider = org
    markup = {**HOSTILE, "email": "a@b.c<svg/onload=alert(3)>"}
    refused = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, **markup))
    assert refused.status_code == 422 and "Alamat email tidak valid." in refused.text
    assert_shown_as_text(refused.get_data(as_text=True), [markup["email"]])
    response = admin_client.post("/admin/pegawai/baru", new_employee_form(boss, **HOSTILE))
    assert response.status_code == 201
    assert_shown_as_text(response.get_data(as_text=True), [HOSTILE["name"]])
    db.session.rollback()
    created = db.session.scalar(select(Employee).where(Employee.nip == "199001012015012001"))
    assert created.name == HOSTILE["name"]  # kept as typed, escaped when shown

    profile = admin_client.get(f"/pegawai/{created.id}").get_data(as_text=True)
    assert_shown_as_text(profile, HOSTILE.values())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile
    for url in ["/admin/pegawai", "/admin/pegawai?q=script", f"/admin/pegawai/{created.id}/ubah"]:
        assert_shown_as_text(admin_client.get(url).get_data(as_text=True), [HOSTILE["name"]])
    fragment = admin_client.get("/admin/pegawai?q=script", htmx=True).get_data(as_text=True)
    assert_shown_as_text(fragment, [HOSTILE["name"], HOSTILE["jabatan"]])
    # The supervisor sees the new subordinate on the home page and on their profile.
    boss_client = signed_in(boss)
    for url in ["/", f"/pegawai/{boss.id}"]:
        assert_shown_as_text(boss_client.get(url).get_data(as_text=True), [HOSTILE["name"]])


def test_html_in_the_search_box_is_escaped(org, admin_client):
    query = '"><script>alert(1)</script>'
    for htmx in (False, True):
        page = admin_client.get("/admin/pegawai", query_string={"q": query}, htmx=htmx)
        assert_shown_as_text(page.get_data(as_text=True), [query])


# The list and its search


def test_search_as_an_htmx_fragment_returns_only_the_rows(org, admin_client, db):
    head, boss, staff, admin, outsider = org
    staff[0].name = "Kartika Zamrud Lestari"
    db.session.commit()
    response = admin_client.get("/admin/pegawai", query_string={"q": "zamrud"}, htmx=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = response.get_data(as_text=True)
    for outside_the_rows in ["<html", "<body", "<form", 'id="employee-rows"', "<h1"]:
        assert outside_the_rows not in fragment
    assert "<table" in fragment
    linked = set(re.findall(r'href="/pegawai/(\d+)"', fragment))
    assert linked == {str(staff[0].id)}

    page = admin_client.get("/admin/pegawai", query_string={"q": "zamrud"})
    whole = page.get_data(as_text=True)
    assert "<html" in whole and 'id="employee-rows"' in whole
    assert fragment.strip() in whole  # one partial, included in the page


SEARCHES = [
    ("Zamrud", {"staff0"}),
    ("ZAMRUD lestari", {"staff0"}),
    ("kepegawaian safir", {"boss"}),
    ("nip-printed", {"staff0"}),
    ("nip-digits", {"staff0"}),
    ("Orang Luar", set()),
    ("Tidak Ada Orang Ini", set()),
    # Typed characters are matched as typed, never as SQL wildcards.
    ("100%", {"staff1"}),
    ("%", {"staff1"}),
    ("_", set()),
]


def test_search_finds_by_name_nip_or_jabatan(org, admin_client, db, subtests):
    head, boss, staff, admin, outsider = org
    staff[0].name = "Kartika Zamrud Lestari"
    boss.jabatan = "Kepala Bagian Kepegawaian Safir"
    outsider.name = "Orang Luar Instansi"
    staff[1].jabatan = "Analis Capaian 100% Kinerja"
    db.session.commit()
    people = {
        "head": head,
        "boss": boss,
        "staff0": staff[0],
        "staff1": staff[1],
        "admin": admin,
        "outsider": outsider,
    }
    ids = {name: person.id for name, person in people.items()}
    for query, expected in SEARCHES:
        with subtests.test(query=query):
            q = {"nip-printed": staff[0].nip_display, "nip-digits": staff[0].nip}.get(query, query)
            page = admin_client.get("/admin/pegawai", query_string={"q": q}, htmx=True)
            text = page.get_data(as_text=True)
            found = {name for name, pk in ids.items() if f'href="/pegawai/{pk}"' in text}
            assert found == expected


def test_list_pages_through_many_employees(org, factory, admin_client, db):
    head, boss, staff, admin, outsider = org
    for _ in range(30):
        factory.employee(head.unit, atasan=boss)
    db.session.commit()
    first = admin_client.get("/admin/pegawai").get_data(as_text=True)
    second = admin_client.get("/admin/pegawai?page=2").get_data(as_text=True)
    rows = re.compile(r'<tr>\s*<td data-label="[^"]*"><a href="/pegawai/(\d+)"')
    assert len(rows.findall(first)) == 25
    assert len(rows.findall(second)) == 35 - 25
    assert not set(rows.findall(first)) & set(rows.findall(second))
    # Pages out of range show the nearest page, never an error.
    for page, same_as in [
        ("99999999999999999999", second),
        ("3", second),
        ("0", first),
        ("-5", first),
        ("abc", first),
    ]:
        response = admin_client.get(f"/admin/pegawai?page={page}")
        assert response.status_code == 200, page
        assert rows.findall(response.get_data(as_text=True)) == rows.findall(same_as), page


# Query counts do not grow with the number of employees


def test_statement_counts_do_not_grow_with_the_number_of_employees(
    org, factory, db, signed_in, count_statements
):
    head, boss, staff, admin, outsider = org
    assert (
        db.session.scalar(select(func.count()).where(Employee.instansi_id == admin.instansi_id))
        == 5
    )
    clients = {"admin": signed_in(admin), "boss": signed_in(boss)}
    urls = {
        "admin list": ("admin", "/admin/pegawai"),
        "admin search": ("admin", "/admin/pegawai?q=a"),
        "admin home": ("admin", "/"),
        "boss home": ("boss", "/"),
        "boss profile seen by the admin": ("admin", f"/pegawai/{boss.id}"),
        "own profile": ("boss", f"/pegawai/{boss.id}"),
        "staff profile": ("boss", f"/pegawai/{staff[0].id}"),
    }
    unit_id, boss_id = boss.unit_id, boss.id

    def measure() -> dict[str, int]:
        counts = {}
        for name, (who, url) in urls.items():
            # As in production: no transaction left open, nothing cached between requests.
            db.session.rollback()
            db.session.expunge_all()
            with count_statements() as counter:
                response = clients[who].get(url)
            assert response.status_code == 200, name
            counts[name] = counter.count
        return counts

    with_5 = measure()
    unit, boss = db.session.get(Unit, unit_id), db.session.get(Employee, boss_id)
    for _ in range(45):
        factory.employee(unit, atasan=boss)
    db.session.commit()
    with_50 = measure()
    assert with_5 == with_50
