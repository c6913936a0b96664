"""Import and handover (issue 6): on a phone, the admin imports a new section (a unit, its
head and two staff) from an Excel file, checks the preview and reads the one-time
passwords; the new head of section then leaves with two targets waiting for approval,
and the admin hands them to an acting official (Plt.), who finds them in the inbox and is
named as "Plt." evaluator on the target; the one who left has nothing waiting any more."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Employee, Period, Target
from portal.nip import format_nip
from portal.ranks import JenisJabatan
from tests.conftest import TEST_PASSWORD
from tests.e2e.journeys import PHONE, Person, in_database, in_menu, open_window
from tests.factories import Factory
from tests.imports_helpers import person_row, xlsx_bytes
from workflows import engine
from workflows.targets import DISCUSSED

FILENAME = "seksi-data-informasi.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_UNIT = ("SETDA.ORG.DATA", "Seksi Data dan Informasi")
# A folder for screenshots of the main steps, to look at (none are taken without it).
SCREENSHOTS = os.environ.get("PORTAL_E2E_SCREENSHOTS")
NOTE = "Kedua target sudah dibahas lisan dengan pegawai; tinggal disetujui."


@dataclass(frozen=True)
class NewPerson:
    nip: str  # as written in the file: 18 digits with spaces
    name: str
    gelar: str
    jabatan: str
    jenis: str
    golongan: str


@dataclass(frozen=True)
class Office:
    """A new instansi: its head, a head of division (the later Plt.) and an admin."""

    admin: Person
    kabag: Person
    period_id: int
    unchanged_row: dict  # the admin's own row, as an export would write it
    kasi: NewPerson
    staff: tuple[NewPerson, NewPerson]


def fresh_office(live_server) -> Office:
    with in_database(live_server):
        factory = Factory()
        instansi = factory.instansi()
        root = factory.unit(instansi, code="SETDA", name="Sekretariat Daerah")
        division = factory.unit(
            instansi, code="SETDA.ORG", name="Bagian Organisasi", parent_id=root.id
        )
        head = factory.employee(
            root, jabatan="Sekretaris Daerah", jenis_jabatan=JenisJabatan.JPT, golongan="IV/c"
        )
        kabag = factory.employee(
            division,
            atasan=head,
            jabatan="Kepala Bagian Organisasi",
            jenis_jabatan=JenisJabatan.ADMINISTRASI,
            golongan="IV/a",
        )
        admin = factory.employee(
            division, atasan=kabag, jabatan="Analis SDM Aparatur", is_admin=True
        )
        period = factory.period(instansi)
        db.session.commit()

        def new(name, gelar, jabatan, jenis, golongan) -> NewPerson:
            nip = format_nip(factory.people.person("sarjana").nip)
            return NewPerson(nip, name, gelar, jabatan, jenis, golongan)

        return Office(
            admin=Person.of(admin),
            kabag=Person.of(kabag),
            period_id=period.id,
            unchanged_row=person_row(admin),
            kasi=new(
                "Hendra Kurniawan",
                "S.Kom.",
                "Kepala Seksi Data dan Informasi",
                "administrasi",
                "III/d",
            ),
            staff=(
                new("Dewi Anggraini", "A.Md.", "Pranata Komputer", "fungsional", "III/a"),
                new("Yusuf Maulana", "S.Si.", "Analis Data", "fungsional", "III/b"),
            ),
        )


def import_file(office: Office) -> bytes:
    """The new section under Bagian Organisasi, and the admin's own row unchanged."""
    code, name = NEW_UNIT
    kasi = office.kasi

    def row(p: NewPerson, atasan_nip: str) -> dict:
        return person_row(
            **{
                "NIP": p.nip,
                "Nama": p.name,
                "Gelar Belakang": p.gelar,
                "Jabatan": p.jabatan,
                "Jenis Jabatan": p.jenis,
                "Golongan": p.golongan,
                "Kode Unit": code,
                "Nama Unit": name,
                "Kode Unit Induk": "SETDA.ORG",
                "NIP Atasan": atasan_nip,
            }
        )

    rows = [row(kasi, format_nip(office.kabag.nip))]
    rows += [row(member, kasi.nip) for member in office.staff]
    rows.append(office.unchanged_row)
    return xlsx_bytes(rows)


def stat(page: Page, label: str):
    return page.locator(".stat", has=page.get_by_text(label, exact=True)).locator(".stat__value")


def expect_no_page_scroll(page: Page) -> None:
    """Nothing but a table's own wrapper may scroll sideways on a phone."""
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], width


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"e2e-admin-{name}.png"), full_page=True)


def sign_in_ready(live_server, nip: str) -> Person:
    """An imported account with the test password and no forced change, as the factories
    leave theirs: the browser can then sign in through the form."""
    with in_database(live_server):
        employee = db.session.scalar(select(Employee).where(Employee.nip == nip))
        assert employee.must_change_password  # the import asks for a new password
        employee.password_hash = hash_password(TEST_PASSWORD)
        employee.must_change_password = False
        db.session.commit()
        return Person.of(employee)


def submitted_targets(live_server, office: Office, kasi: Person) -> dict[str, tuple[int, str]]:
    """One target of each new staff member, submitted to the new head of section."""
    titles = {}
    with in_database(live_server):
        factory = Factory()
        period = db.session.get(Period, office.period_id)
        for n, member in enumerate(office.staff, start=1):
            owner = db.session.scalar(
                select(Employee).where(Employee.nip == member.nip.replace(" ", ""))
            )
            assert owner.atasan_id == kasi.id
            title = f"Tersedianya dasbor data kepegawaian tahap {n}"
            target = factory.target(owner, period, title=title)
            engine.fire(target, "submit", owner)
            assert (target.state, target.evaluator_id) == (DISCUSSED, kasi.id)
            titles[title] = (target.id, owner.display_name)
        db.session.commit()
    return titles


def test_an_imported_section_head_leaves_and_a_plt_takes_over(
    new_context, live_server, tmp_path, monkeypatch
):
    monkeypatch.setitem(live_server.app.config, "PORTAL_IMPORT_FOLDER", str(tmp_path))
    office = fresh_office(live_server)
    new_people = (office.kasi, *office.staff)

    # -- the admin, on a phone, uploads the file and checks the preview --------------------
    admin = open_window(new_context, live_server, office.admin, viewport=PHONE)
    page = admin.page
    in_menu(admin, "Impor / ekspor pegawai")
    expect(page.get_by_role("heading", level=1)).to_have_text("Impor dan ekspor pegawai")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(
        {"name": FILENAME, "mimeType": XLSX, "buffer": import_file(office)}
    )
    page.get_by_role("button", name="Unggah dan lihat pratinjau").click()

    expect(page).to_have_url(re.compile(r"/admin/impor-pegawai/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pratinjau impor “{FILENAME}”")
    expect(page.locator(".page-head p")).to_contain_text("4 baris data · XLSX")
    for label, value in (
        ("pegawai baru", "3"),
        ("pegawai diubah", "0"),
        ("dinonaktifkan", "0"),
        ("tidak berubah", "1"),
        ("unit baru", "1"),
        ("unit diubah", "0"),
    ):
        expect(stat(page, label)).to_have_text(value)
    expect(page.get_by_role("alert")).to_have_count(0)  # no errors, nothing to fix
    units = page.locator("section", has=page.get_by_role("heading", name="Unit kerja"))
    expect(units.locator("tbody tr")).to_have_count(1)
    expect(units.locator("tbody tr td")).to_have_text([*NEW_UNIT, "SETDA.ORG", "baru"])
    people = page.locator("section", has=page.get_by_role("heading", name="Pegawai yang berubah"))
    rows = people.locator("tbody tr")
    expect(rows).to_have_count(3)  # the unchanged row is counted, not listed
    for number, (row, person) in enumerate(zip(rows.all(), new_people, strict=True), start=2):
        expect(row.locator("td")).to_have_text(
            [
                str(number),
                person.nip,
                f"{person.name}, {person.gelar}",
                "baru",
                f"{person.jabatan} · {NEW_UNIT[0]}",
            ]
        )
    expect(people).not_to_contain_text(office.admin.display_name)
    expect_no_page_scroll(page)
    screenshot(page, "import-preview")

    # -- commit: the one-time passwords of the three new accounts ---------------------------
    page.get_by_role("button", name="Terapkan impor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Impor “{FILENAME}” diterapkan")
    expect(page.get_by_role("status").filter(has_text="Semua perubahan")).to_have_text(
        "Semua perubahan sudah disimpan."
    )
    expect(stat(page, "pegawai baru")).to_have_text("3")
    passwords = page.locator("section.onetime-list tbody tr")
    expect(passwords).to_have_count(3)
    for row, person in zip(passwords.all(), new_people, strict=True):
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(person.nip)
        expect(cells.nth(1)).to_have_text(f"{person.name}, {person.gelar}")
        expect(cells.nth(2)).to_have_text(f"{person.jabatan} · {NEW_UNIT[1]}")
        expect(cells.nth(3)).to_have_text(re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$"))
    codes = passwords.locator("code").all_text_contents()
    assert len(set(codes)) == 3, codes
    expect_no_page_scroll(page)
    screenshot(page, "passwords")

    # -- the staff submit a target each to the new head of section -------------------------
    kasi = sign_in_ready(live_server, office.kasi.nip.replace(" ", ""))
    targets = submitted_targets(live_server, office, kasi)
    departing = open_window(new_context, live_server, kasi)
    departing.expect_badge(2)

    # -- the head of section leaves: the admin hands the work to a Plt. ---------------------
    in_menu(admin, "Pengalihan pekerjaan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengalihan pekerjaan")
    row = page.locator("#supervisor-rows tbody tr", has_text=kasi.display_name)
    expect(row.locator("td[data-label='Bawahan']")).to_have_text("2")
    expect(row.locator("td[data-label='Perlu disetujui']")).to_have_text("2")
    row.get_by_role("link", name=f"Alihkan pekerjaan {kasi.display_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Alihkan pekerjaan {kasi.display_name}"
    )

    picker = page.get_by_role("group", name="Penerima pekerjaan")
    expect(picker.get_by_role("radio")).to_have_count(0)
    search = picker.get_by_label("Cari pegawai dengan NIP atau nama")
    admin.mark()
    # The one who leaves cannot receive their own work: their NIP finds nobody.
    search.fill(office.kasi.nip)
    expect(picker.locator(".picker__options")).to_have_text(
        f"Tidak ada pegawai aktif yang cocok dengan “{office.kasi.nip}”."
    )
    search.fill(office.kabag.display_name[:12])
    plt = picker.get_by_role("radio", name=re.compile(re.escape(office.kabag.display_name)))
    expect(plt).to_have_count(1)
    plt.check()
    page.get_by_role("radio", name=re.compile(r"^Plt\. — pelaksana tugas")).check()
    admin.expect_no_reload()  # the picker searched in place
    expect(
        page.get_by_role("checkbox", name=re.compile("^Jadikan penerima atasan langsung"))
    ).to_be_checked()
    page.get_by_role("button", name="Lihat pratinjau").click()

    preview = page.locator("#pratinjau")
    expect(preview.get_by_role("heading", level=2)).to_have_text(
        f"2. Pratinjau: yang akan berpindah kepada Plt. {office.kabag.display_name}"
    )
    gains = preview.locator(".gains__item")
    expect(gains).to_have_count(1)
    expect(gains.locator(".gains__who")).to_contain_text(office.kabag.display_name)
    expect(gains.locator("dd")).to_have_text(["2", "0", "0", "0", "0"])  # 2 to approve
    expect(preview.get_by_role("heading", name="2 target berpindah")).to_be_visible()
    moved = preview.locator("table tbody tr")
    expect(moved).to_have_count(2)
    for title, (_id, owner) in targets.items():
        line = moved.filter(has_text=title)
        expect(line.locator("td[data-label='Pemilik']")).to_have_text(owner)
        expect(line.locator("td[data-label='Status']")).to_contain_text("Dalam pembahasan")
        expect(line.locator("td[data-label='Penilai baru']")).to_have_text(
            f"Plt. {office.kabag.display_name}"
        )
    bosses = preview.locator("h3:text-is('Atasan langsung yang berubah') + ul")
    expect(bosses.locator("li")).to_have_count(2)
    for member in office.staff:
        expect(bosses.locator("li", has_text=member.name)).to_contain_text(
            f"{kasi.display_name} → Plt. {office.kabag.display_name}"
        )
    expect_no_page_scroll(page)
    screenshot(page, "reassign-preview")

    page.get_by_label(re.compile("^Catatan serah terima untuk penerima")).fill(NOTE)
    page.get_by_role("button", name="Konfirmasi pengalihan").click()
    expect(page).to_have_url(live_server("/admin/pengalihan"))
    expect(page.get_by_role("status").filter(has_text="dialihkan")).to_have_text(
        f"Pekerjaan {kasi.display_name} dialihkan: 2 target, 0 evaluasi, 2 perubahan atasan."
    )
    expect(page.locator("#supervisor-rows tbody tr", has_text=kasi.display_name)).to_have_count(0)
    kabag_row = page.locator("#supervisor-rows tbody tr", has_text=office.kabag.display_name)
    expect(kabag_row.locator("td[data-label='Perlu disetujui']")).to_have_text("2")

    # -- the Plt. finds both targets waiting, and is named as Plt. on them ------------------
    acting = open_window(new_context, live_server, office.kabag)
    acting.expect_badge(2)
    in_menu(acting, "Perlu tindakan")
    expect(acting.page).to_have_url(live_server("/perlu-tindakan"))
    review = acting.page.locator(
        "section", has=acting.page.get_by_role("heading", name="Target bawahan untuk dibahas")
    )
    expect(review.locator("li a.who")).to_have_text(sorted(targets))
    for _id, owner in targets.values():
        expect(
            review.get_by_role("heading", level=3, name=re.compile(re.escape(owner)))
        ).to_be_visible()
    screenshot(acting.page, "plt-inbox")

    title = sorted(targets)[0]
    review.get_by_role("link", name=title).click()
    expect(acting.page).to_have_url(live_server(f"/target/{targets[title][0]}"))
    expect(acting.page.get_by_role("heading", level=1)).to_have_text(title)
    evaluator = acting.page.locator("#target-main dl.facts dt:text-is('Pejabat penilai') + dd")
    expect(evaluator).to_have_text(
        f"Plt. {office.kabag.display_name} (menggantikan {kasi.display_name})"
    )
    expect(acting.page.locator("#serah-terima blockquote")).to_have_text(NOTE)
    expect(
        acting.page.locator("#target-main").get_by_role("button", name=re.compile("^Setujui"))
    ).to_be_visible()

    # -- the one who left has nothing waiting any more ---------------------------------------
    departing.page.goto(live_server("/perlu-tindakan"))
    departing.expect_badge(0)
    expect(departing.page.locator("#inbox-items")).to_have_text(
        "Tidak ada yang menunggu tindakan Anda saat ini."
    )
    with in_database(live_server):
        moved_targets = db.session.scalars(
            select(Target).where(Target.id.in_([i for i, _ in targets.values()]))
        ).all()
        assert {t.evaluator_id for t in moved_targets} == {office.kabag.id}
        staff = db.session.scalars(
            select(Employee).where(Employee.nip.in_([m.nip.replace(" ", "") for m in office.staff]))
        ).all()
        assert {e.atasan_id for e in staff} == {office.kabag.id}

    assert admin.csp_violations == []
    assert departing.csp_violations == []
    assert acting.csp_violations == []
