"""Import of people and units through the admin's pages: preview, commit once, discard,
re-import, leavers, one-time passwords, permissions, export and its round trip."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.auth.passwords import check_password_rules, verify_password
from portal.errors import Conflict
from portal.extensions import db as _db
from portal.imports import services
from portal.imports.columns import HEADERS
from portal.models import AuditEvent, Employee, ImportBatch, Unit
from portal.nip import normalise
from portal.ranks import JenisJabatan
from tests.imports_helpers import (
    ONE_TIME,
    audit_actions,
    build_org,
    commit,
    csv_bytes,
    everyone,
    import_file,
    new_people,
    nip_of,
    person_row,
    snapshot,
    upload,
    uploaded_batch,
    use_import_folder,
)
from tests.reporting_helpers import entry

pytestmark = pytest.mark.usefixtures("no_inline_code", "import_folder")


@pytest.fixture
def import_folder(app, tmp_path):
    return use_import_folder(app, tmp_path)


@pytest.fixture
def org(factory, db):
    return build_org(factory, db)


@pytest.fixture
def admin_client(org, signed_in):
    return signed_in(org["admin"])


# Preview and commit


def test_preview_lists_what_will_be_created_and_changes_nothing(org, factory, admin_client):
    rows, nips = new_people(org, factory)
    before = snapshot()
    response = upload(admin_client, csv_bytes(everyone(org) + rows))
    batch = uploaded_batch(response)
    page = admin_client.get(f"/admin/impor-pegawai/{batch.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rina Lestari" in text and "Bambang Hadi, S.H." in text
    assert "Subbagian Kepegawaian" in text and "Bagian Umum" in text
    assert "Terapkan impor" in text
    assert batch.summary["created"] == 2 and batch.summary["units_created"] == 2
    assert batch.summary["unchanged"] == 3 and batch.status == "preview"
    after = snapshot()
    assert after["people"] == before["people"] and after["units"] == before["units"]
    assert after["audit"] == [*before["audit"], "import.upload"]


def test_commit_creates_units_and_people_with_one_time_passwords(org, factory, admin_client, db):
    rows, nips = new_people(org, factory)
    response = import_file(admin_client, csv_bytes(everyone(org) + rows))
    text = response.get_data(as_text=True)
    passwords = ONE_TIME.findall(text)
    assert len(passwords) == 2
    assert "Hanya ditampilkan sekali" in text
    db.session.rollback()
    units = {
        u.code: u
        for u in db.session.scalars(select(Unit).where(Unit.instansi_id == org["head"].instansi_id))
    }
    assert units["00.1"].parent_id == units["00"].id
    assert units["00.1.1"].parent_id == units["00.1"].id
    assert units["00.1.1"].name == "Subbagian Kepegawaian"
    boss = db.session.scalar(select(Employee).where(Employee.nip == nips["boss"]))
    staff = db.session.scalar(select(Employee).where(Employee.nip == nips["staff"]))
    assert boss.atasan_id == org["head"].id and staff.atasan_id == boss.id
    assert boss.golongan == "IV/a" and boss.jenis_jabatan == JenisJabatan.ADMINISTRASI
    assert staff.unit_id == units["00.1.1"].id and staff.email == "rina@contoh.go.id"
    assert boss.must_change_password and staff.must_change_password
    for password in passwords:
        check_password_rules(password)
        assert password not in boss.password_hash
    assert {verify_password(e.password_hash, p) for e in (boss, staff) for p in passwords} == {
        True,
        False,
    }
    actions = audit_actions()
    assert actions.count("import.commit") == 1
    assert actions.count("employee.create") == 2 and actions.count("unit.create") == 2
    assert "employee.update" not in actions
    summary = db.session.scalar(
        select(AuditEvent.summary).where(AuditEvent.action == "import.commit")
    )
    assert summary["created"] == 2 and summary["units_created"] == 2
    for event in db.session.scalars(select(AuditEvent)):
        for password in passwords:
            assert password not in str(event.summary)


def test_one_time_password_signs_in_and_must_be_changed(org, factory, admin_client, make_client):
    rows, nips = new_people(org, factory)
    response = import_file(admin_client, csv_bytes(rows))
    text = response.get_data(as_text=True)
    # The list is in file order: the staff member first.
    password = ONE_TIME.findall(text)[0]
    client = make_client()
    signed = client.login(nips["staff"], password)
    assert signed.status_code == 302
    forced = client.get("/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/kata-sandi")
    changed = client.post(
        "/kata-sandi",
        {
            "current_password": password,
            "password": "Sawah-Hijau-Bulan-77",
            "confirm": "Sawah-Hijau-Bulan-77",
        },
    )
    assert changed.status_code in (302, 303), changed.get_data(as_text=True)[:2000]
    assert client.get("/").status_code == 200


def test_reloading_the_result_shows_no_password_again(org, factory, admin_client):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    first = commit(admin_client, batch)
    assert len(ONE_TIME.findall(first.get_data(as_text=True))) == 2
    again = admin_client.get(f"/admin/impor-pegawai/{batch.id}/terapkan")
    assert again.status_code == 303
    page = admin_client.get(again.headers["Location"])
    assert page.status_code == 200
    assert ONE_TIME.findall(page.get_data(as_text=True)) == []
    assert "diterapkan" in page.get_data(as_text=True)


def test_update_lists_the_changed_fields_and_logs_only_them(org, admin_client, db):
    staff = org["staff"]
    rows = everyone(org)
    rows[2].update({"Jabatan": "Analis Kebijakan Ahli Muda", "Golongan": "III/c"})
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    text = admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(as_text=True)
    assert "Analis Kebijakan Ahli Muda" in text and "III/c" in text
    assert batch.summary["updated"] == 1 and batch.summary["unchanged"] == 2
    assert commit(admin_client, batch).status_code == 200
    db.session.rollback()
    fresh = db.session.get(Employee, staff.id)
    assert fresh.jabatan == "Analis Kebijakan Ahli Muda" and fresh.golongan == "III/c"
    updates = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "employee.update")
    ).all()
    assert [e.subject_id for e in updates] == [staff.id]
    assert set(updates[0].summary["changes"]) == {"Jabatan", "Golongan"}


def test_re_importing_the_same_file_changes_nothing(org, factory, admin_client):
    rows, _ = new_people(org, factory)
    data = csv_bytes(everyone(org) + rows)
    import_file(admin_client, data, full=True)
    before = snapshot()
    batch = uploaded_batch(upload(admin_client, data, full=True))
    assert batch.summary["unchanged"] == 5
    assert sum(batch.summary[k] for k in ("created", "updated", "deactivated")) == 0
    response = commit(admin_client, batch)
    assert ONE_TIME.findall(response.get_data(as_text=True)) == []
    after = snapshot()
    assert after["people"] == before["people"] and after["units"] == before["units"]
    assert after["audit"] == [*before["audit"], "import.upload", "import.commit"]


def test_headers_in_any_case_with_common_names_and_semicolons(org, factory, admin_client, db):
    nip = nip_of(factory)
    headers = [h.upper() for h in HEADERS]
    headers[headers.index("GOLONGAN")] = "pangkat/golongan"
    rows = [person_row(NIP=nip, **{"Kode Unit": "00", "NIP Atasan": org["head"].nip})]
    data = csv_bytes(rows, headers, delimiter=";")
    import_file(admin_client, data)
    db.session.rollback()
    assert db.session.scalar(select(Employee.unit_id).where(Employee.nip == normalise(nip)))


# Leavers


def test_full_import_deactivates_leavers_and_warns_of_their_pending_work(
    org, factory, admin_client, signed_in, db
):
    head, staff = org["head"], org["staff"]
    leaver = factory.employee(head.unit, atasan=head, jabatan="Kepala Bagian")
    subordinate = factory.employee(head.unit, atasan=leaver)
    period = factory.period(head.instansi)
    factory.target(subordinate, period)  # drafted, evaluated by the leaver
    approved = factory.target(subordinate, period, state="approved")
    db.session.add(entry(approved, date(2026, 2, 3)))
    db.session.commit()
    leaver_client = signed_in(leaver)
    assert leaver_client.get("/").status_code == 200
    rows = [*everyone(org), person_row(subordinate)]
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows), full=True))
    text = admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(as_text=True)
    assert leaver.display_name in text
    assert "masih menjadi penilai 2 target, memverifikasi 1 laporan harian dan atasan 1" in text
    assert batch.summary["deactivated"] == 1
    version = leaver.session_version
    assert commit(admin_client, batch).status_code == 200
    db.session.rollback()
    gone = db.session.get(Employee, leaver.id)
    assert gone is not None and not gone.active and gone.session_version == version + 1
    assert db.session.get(Employee, staff.id).active
    assert leaver_client.get("/").status_code == 302  # signed out
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employee.deactivate"))
    assert event.subject_id == leaver.id


def test_without_full_import_people_missing_from_the_file_stay(org, admin_client, db):
    import_file(admin_client, csv_bytes([person_row(org["staff"], Jabatan="Analis Data")]))
    db.session.rollback()
    assert all(db.session.get(Employee, org[k].id).active for k in ("head", "admin", "staff"))


def test_a_row_marked_inactive_deactivates_and_ends_sessions(org, admin_client, signed_in, db):
    staff = org["staff"]
    staff_client = signed_in(staff)
    rows = [person_row(staff, Aktif="Tidak")]
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    assert batch.summary["deactivated"] == 1
    commit(admin_client, batch)
    db.session.rollback()
    assert not db.session.get(Employee, staff.id).active
    assert staff_client.get("/").status_code == 302


def test_a_full_import_cannot_deactivate_the_admin_doing_it(org, admin_client, db):
    rows = [person_row(org["head"]), person_row(org["staff"])]
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows), full=True))
    text = admin_client.get(f"/admin/impor-pegawai/{batch.id}").get_data(as_text=True)
    assert "NIP Anda sendiri tidak ada di berkas" in text
    assert commit(admin_client, batch).status_code == 422
    db.session.rollback()
    assert db.session.get(Employee, org["admin"].id).active


# Once only


def test_a_double_commit_commits_once(org, factory, admin_client, db):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    assert commit(admin_client, batch).status_code == 200
    second = commit(admin_client, batch)
    assert second.status_code == 409
    assert "sudah diterapkan" in second.get_data(as_text=True)
    assert audit_actions().count("import.commit") == 1
    assert audit_actions().count("employee.create") == 2


def test_the_commit_is_a_compare_and_swap_on_the_batch(org, factory, admin_client, db):
    """A second commit holding a stale batch (still 'preview' in memory) loses."""
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    db.session.execute(
        ImportBatch.__table__.update().where(ImportBatch.id == batch.id).values(status="committed")
    )
    assert batch.status == "preview"
    with pytest.raises(Conflict):
        services.commit(batch, org["admin"])
    db.session.rollback()
    assert "employee.create" not in audit_actions()


def test_discard_removes_the_file_and_the_batch_cannot_be_committed(
    org, factory, admin_client, import_folder
):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    kept = {batch.stored_name, services.preview_path(batch).name}  # the file, its preview
    assert {path.name for path in import_folder.iterdir()} == kept
    discarded = admin_client.post(f"/admin/impor-pegawai/{batch.id}/batalkan")
    assert discarded.status_code == 303
    assert list(import_folder.iterdir()) == []
    assert commit(admin_client, batch).status_code == 409
    assert "employee.create" not in audit_actions()
    assert "import.discard" in audit_actions()


def test_commit_applies_the_stored_bytes_and_refuses_if_they_changed(
    org, factory, admin_client, import_folder
):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    stored = import_folder / batch.stored_name
    stored.write_bytes(stored.read_bytes().replace(b"Rina", b"Rini"))
    assert commit(admin_client, batch).status_code == 409
    assert "employee.create" not in audit_actions()


def test_commit_rechecks_against_the_database_as_it_is_then(org, factory, admin_client, db):
    rows, nips = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    # Meanwhile the new supervisor's NIP is registered in another instansi.
    factory.employee(factory.unit(factory.instansi()), nip=nips["boss"])
    db.session.commit()
    response = commit(admin_client, batch)
    assert response.status_code == 422
    assert "terdaftar di instansi lain" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(ImportBatch, batch.id).status == "preview"
    assert "employee.create" not in audit_actions()


# Who may


def test_permissions(org, factory, admin_client, signed_in, client):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    staff = signed_in(org["staff"])
    for url in ("/admin/impor-pegawai", "/admin/ekspor-pegawai.csv", "/admin/ekspor-pegawai.xlsx"):
        assert staff.get(url).status_code == 403, url
    assert staff.get(f"/admin/impor-pegawai/{batch.id}").status_code == 403
    assert commit(staff, batch).status_code == 403
    assert upload(staff, csv_bytes(rows)).status_code == 403
    outsider = signed_in(org["other_admin"])
    assert outsider.get(f"/admin/impor-pegawai/{batch.id}").status_code == 404
    assert commit(outsider, batch).status_code == 404
    assert outsider.post(f"/admin/impor-pegawai/{batch.id}/batalkan").status_code == 404
    assert client.get("/admin/impor-pegawai").status_code == 302  # sign in first
    assert "employee.create" not in audit_actions()
    assert batch.id not in [
        b.id
        for b in _db.session.scalars(select(ImportBatch).where(ImportBatch.status != "preview"))
    ]


def test_admins_see_their_own_batches_only(org, factory, admin_client, signed_in):
    rows, _ = new_people(org, factory)
    upload(admin_client, csv_bytes(rows), "rahasia-kab-uji.csv")
    mine = admin_client.get("/admin/impor-pegawai").get_data(as_text=True)
    assert "rahasia-kab-uji.csv" in mine
    theirs = signed_in(org["other_admin"]).get("/admin/impor-pegawai").get_data(as_text=True)
    assert "rahasia-kab-uji.csv" not in theirs


def test_links_in_the_admin_menu_and_the_people_list(org, admin_client):
    assert 'href="/admin/impor-pegawai"' in admin_client.get("/").get_data(as_text=True)
    people = admin_client.get("/admin/pegawai").get_data(as_text=True)
    assert 'href="/admin/impor-pegawai"' in people


# Export


def test_export_csv_has_a_bom_and_the_import_columns(org, admin_client):
    response = admin_client.get("/admin/ekspor-pegawai.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS)
    assert org["staff"].nip_display in text
    assert org["other_admin"].nip_display not in text
    exported = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "import.export")
    ).all()
    assert [(e.actor_id, e.summary) for e in exported] == [(org["admin"].id, {"format": "csv"})]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_export_imported_again_changes_nothing(org, factory, admin_client, extension):
    rows, _ = new_people(org, factory)
    inactive = nip_of(factory)
    rows.append(person_row(NIP=inactive, Aktif="Tidak", **{"Kode Unit": "00"}))
    rows[0]["Gelar Depan"] = "Dr."
    import_file(admin_client, csv_bytes(everyone(org) + rows))
    exported = admin_client.get(f"/admin/ekspor-pegawai.{extension}").get_data()
    before = snapshot()
    batch = uploaded_batch(upload(admin_client, exported, f"ekspor.{extension}", full=True))
    assert batch.file_format == extension
    assert batch.summary["unchanged"] == 6, batch.summary
    assert commit(admin_client, batch).status_code == 200
    after = snapshot()
    assert after["people"] == before["people"] and after["units"] == before["units"]
    assert after["audit"] == [*before["audit"], "import.upload", "import.commit"]


def test_export_xlsx_keeps_nips_as_text(org, admin_client):
    response = admin_client.get("/admin/ekspor-pegawai.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert org["staff"].nip_display in [r[0] for r in rows[1:]]


def test_templates_download_with_the_headers(org, admin_client):
    csv_template = admin_client.get("/admin/impor-pegawai/templat.csv").get_data()
    assert csv_template.decode("utf-8-sig").strip() == ",".join(HEADERS)
    xlsx = admin_client.get("/admin/impor-pegawai/templat.xlsx").get_data()
    workbook = load_workbook(io.BytesIO(xlsx), read_only=True)
    assert workbook.sheetnames == ["Pegawai", "Petunjuk"]
    assert list(next(workbook["Pegawai"].iter_rows(values_only=True))) == list(HEADERS)


def _statements(count_statements, client, url):
    from flask import current_app

    app = current_app._get_current_object()
    with app.app_context():
        client.get(url)
    with app.app_context(), count_statements() as counter:
        response = client.get(url)
        response.get_data()  # the stream runs its query here
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_export_statements_do_not_grow_with_the_people(
    org, factory, admin_client, count_statements, db, extension
):
    url = f"/admin/ekspor-pegawai.{extension}"
    small = _statements(count_statements, admin_client, url)
    unit = factory.unit(org["head"].instansi, parent_id=org["head"].unit_id)
    for _ in range(40):
        factory.employee(unit, atasan=org["head"])
    db.session.commit()
    assert _statements(count_statements, admin_client, url) == small
