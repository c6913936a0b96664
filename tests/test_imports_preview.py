"""The preview of an import is planned once, at the upload, and kept beside the stored
file: every later view and page reads it. A kept preview that is missing, unreadable or
made for other bytes, another admin or another language is planned again; the commit
never reads it, and closing the batch removes it."""

from __future__ import annotations

import json

import pytest

from portal.imports import preview, routes, services
from tests.imports_helpers import (
    audit_actions,
    build_org,
    commit,
    csv_bytes,
    everyone,
    new_people,
    nip_of,
    person_row,
    upload,
    uploaded_batch,
    use_import_folder,
)

pytestmark = pytest.mark.usefixtures("no_inline_code")


@pytest.fixture
def org(app, tmp_path, factory, db):
    """The organisation of the import tests, uploading into the test's own folder."""
    use_import_folder(app, tmp_path)
    return build_org(factory, db)


@pytest.fixture
def admin_client(org, signed_in):
    return signed_in(org["admin"])


@pytest.fixture
def plannings(monkeypatch) -> list:
    """Every planning of a file, as the list of its actors."""
    calls = []
    real = services.build_plan

    def counted(sheet, instansi, actor, full_import):
        calls.append(actor)
        return real(sheet, instansi, actor, full_import)

    monkeypatch.setattr(services, "build_plan", counted)
    return calls


def page(client, batch, **query) -> str:
    response = client.get(f"/admin/impor-pegawai/{batch.id}", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def kept_file(batch):
    path = services.preview_path(batch)
    assert path.exists()
    return path


def test_viewing_and_paging_read_the_preview_planned_at_the_upload(
    org, factory, admin_client, plannings, monkeypatch
):
    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    assert len(plannings) == 1

    first = page(admin_client, batch)
    again = page(admin_client, batch)
    second_page = page(admin_client, batch, halaman=2)

    assert len(plannings) == 1
    for text in (first, again):
        assert "Rina Lestari" in text and "Bambang Hadi" not in text
    assert "Bambang Hadi" in second_page and "Rina Lestari" not in second_page
    assert "Halaman 2 dari 2" in second_page


def test_the_page_shows_what_was_kept(org, factory, admin_client, plannings):
    """The view really reads the kept file (and would show a forged one): so the key
    checks below are what keeps a preview of other bytes off the page."""
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    path = kept_file(batch)
    kept = json.loads(path.read_text())
    kept["preview"]["changed"][0]["display_name"] = "Nama Dari Simpanan"
    path.write_text(json.dumps(kept))

    assert "Nama Dari Simpanan" in page(admin_client, batch)
    assert len(plannings) == 1


@pytest.mark.parametrize(
    ("part", "value"),
    [("sha256", "0" * 64), ("actor", 0), ("locale", "en"), ("format", 0)],
)
def test_a_preview_kept_for_something_else_is_planned_again(
    org, factory, admin_client, plannings, part, value
):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    path = kept_file(batch)
    kept = json.loads(path.read_text())
    kept["preview"]["changed"][0]["display_name"] = "Nama Dari Simpanan"
    kept["key"][part] = value
    path.write_text(json.dumps(kept))

    text = page(admin_client, batch)

    assert "Nama Dari Simpanan" not in text and "Rina Lestari" in text
    assert len(plannings) == 2
    assert json.loads(path.read_text())["key"][part] != value  # kept again, rightly
    page(admin_client, batch)
    assert len(plannings) == 2


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def wrong_shape(data: bytes) -> bytes:
    kept = json.loads(data)
    kept["preview"] = {"row_count": "dua", "units": [{"kode": "00"}]}
    return json.dumps(kept).encode()


@pytest.mark.parametrize(
    "damage",
    [truncated, wrong_shape, lambda _: b"", lambda _: b"\xff\xfe\x00garbage", lambda _: b"[]"],
    ids=["truncated", "wrong-shape", "empty", "not-utf8", "not-an-object"],
)
def test_an_unreadable_kept_preview_is_planned_again(org, factory, admin_client, plannings, damage):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    path = kept_file(batch)
    path.write_bytes(damage(path.read_bytes()))

    text = page(admin_client, batch)

    assert "Rina Lestari" in text and "Bambang Hadi, S.H." in text
    assert len(plannings) == 2
    page(admin_client, batch)
    assert len(plannings) == 2  # kept again, whole


def test_a_missing_kept_preview_is_planned_again(org, factory, admin_client, plannings):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    kept_file(batch).unlink()

    assert "Rina Lestari" in page(admin_client, batch)
    assert len(plannings) == 2
    assert kept_file(batch)


def test_an_upload_whose_preview_cannot_be_kept_still_works(
    org, factory, admin_client, plannings, monkeypatch
):
    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(preview, "save", full_disk)
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))

    assert "Rina Lestari" in page(admin_client, batch)
    assert not services.preview_path(batch).exists()
    assert len(plannings) == 2


def test_each_admin_sees_the_preview_planned_for_them(org, factory, signed_in, db, plannings):
    """A full import leaving out a second admin: only that admin is told it would
    deactivate their own account."""
    second_admin = factory.employee(org["head"].unit, atasan=org["head"], is_admin=True)
    db.session.commit()
    first, second = signed_in(org["admin"]), signed_in(second_admin)
    batch = uploaded_batch(upload(first, csv_bytes(everyone(org)), full=True))

    own_account = "NIP Anda sendiri tidak ada di berkas"
    assert own_account in page(second, batch)
    assert own_account not in page(first, batch)
    assert len(plannings) == 3


def test_a_commit_plans_again_and_its_new_errors_are_kept(
    org, factory, admin_client, db, plannings
):
    rows, nips = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    assert "terdaftar di instansi lain" not in page(admin_client, batch)
    # Meanwhile the new supervisor's NIP is registered in another instansi.
    factory.employee(factory.unit(factory.instansi()), nip=nips["boss"])
    db.session.commit()

    assert commit(admin_client, batch).status_code == 422

    assert len(plannings) == 2  # the upload, the commit; never the view
    text = page(admin_client, batch)
    assert "terdaftar di instansi lain" in text and "Terapkan impor" not in text
    assert len(plannings) == 2


@pytest.mark.parametrize("close", ["commit", "discard"])
def test_closing_the_batch_removes_its_kept_preview(org, factory, admin_client, close):
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(admin_client, csv_bytes(rows)))
    kept_file(batch)

    if close == "commit":
        assert commit(admin_client, batch).status_code == 200
    else:
        assert admin_client.post(f"/admin/impor-pegawai/{batch.id}/batalkan").status_code == 303

    assert list(services.folder().iterdir()) == []
    assert f"import.{close}" in audit_actions()
    assert "Rina Lestari" not in page(admin_client, batch)


@pytest.mark.commits  # the upload commits in an app context of its own
def test_planning_statements_do_not_grow_with_the_rows(
    org, factory, admin_client, count_statements, db, app
):
    """The upload plans the file with a handful of set-based queries, whatever its size;
    a view reads the kept preview."""

    def statements(rows) -> tuple[int, int]:
        with app.app_context(), count_statements() as planning:
            response = upload(admin_client, csv_bytes(rows), full=True)
        batch = uploaded_batch(response)
        with app.app_context(), count_statements() as viewing:
            page(admin_client, batch)
        return planning.count, viewing.count

    def rows_for(count):
        return [
            person_row(
                NIP=nip_of(factory), **{"Kode Unit": f"B{i % 3}", "Nama Unit": f"Bidang {i % 3}"}
            )
            for i in range(count)
        ]

    factory.employee(org["head"].unit, atasan=org["head"])  # a leaver in both
    db.session.commit()
    small = statements(everyone(org) + rows_for(5))
    for _ in range(30):
        factory.employee(org["head"].unit, atasan=org["head"])
    db.session.commit()
    assert statements(everyone(org) + rows_for(60)) == small
