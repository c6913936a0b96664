"""The import in the admin's language: labels, refusals, row errors, flashes and
conflicts are English for an English-speaking admin. The file's own words stay as they
are: its column headers, its values (Ya/Tidak) and the Excel templat, all Indonesian."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.imports_helpers import (
    build_org,
    commit,
    csv_bytes,
    new_people,
    person_row,
    upload,
    uploaded_batch,
    use_import_folder,
)
from tests.test_i18n import _assert_english as assert_english

pytestmark = pytest.mark.usefixtures("no_inline_code")


@pytest.fixture
def org(app, tmp_path, factory, db):
    """The organisation of the import tests, uploading into the test's own folder."""
    use_import_folder(app, tmp_path)
    return build_org(factory, db)


@pytest.fixture
def english_admin(org, db):
    org["admin"].language = "en"
    db.session.commit()
    return org["admin"]


def test_the_upload_form_and_the_column_hints_are_in_english(english_admin, signed_in):
    page = signed_in(english_admin).get("/admin/impor-pegawai").get_data(as_text=True)

    assert_english(
        page,
        [
            "CSV or XLSX file",
            "Full import: the file lists every employee of the agency",
            "Name without titles. Required.",
            "Ya (yes) or Tidak (no) (empty: Ya).",
        ],
        ["Berkas CSV atau XLSX", "Impor penuh:", "Nama tanpa gelar. Wajib."],
    )
    assert ">Kode Unit Induk<" in page  # a header of the file, as it must be written


@pytest.mark.parametrize(
    ("data", "english", "indonesian"),
    [
        (b"", "The file is empty.", "Berkas kosong."),
        (b"%PDF-1.4\n", "This file is a PDF, not a spreadsheet.", "Berkas ini PDF"),
        (
            csv_bytes([person_row()], ["NIP", "Nama"]),
            "This required column is missing from the header row.",
            "Kolom wajib ini tidak ada",
        ),
    ],
    ids=["empty", "pdf", "missing-columns"],
)
def test_a_refused_file_is_explained_in_english(
    english_admin, signed_in, data, english, indonesian
):
    response = upload(signed_in(english_admin), data)

    assert response.status_code == 422
    assert_english(response.get_data(as_text=True), [english], [indonesian])


def test_row_errors_follow_the_language_of_whoever_views_them(org, signed_in, db):
    """The preview kept at the upload is in Indonesian; once the admin reads English, the
    next view plans the file again in English (and keeps that)."""
    client = signed_in(org["admin"])
    rows = [person_row(org["staff"], Aktif="Mungkin", **{"Kode Unit": ""})]
    batch = uploaded_batch(upload(client, csv_bytes(rows)))
    url = f"/admin/impor-pegawai/{batch.id}"
    indonesian = ["Isi “Ya” atau “Tidak” (tertulis “Mungkin”).", "Kode unit wajib diisi."]
    english = [
        "Fill in “Ya” (yes) or “Tidak” (no) (found “Mungkin”).",
        "The unit code is required.",
    ]
    assert_english(client.get(url).get_data(as_text=True), indonesian, english)

    org["admin"].language = "en"
    db.session.commit()

    page = client.get(url).get_data(as_text=True)
    assert_english(page, english, indonesian)
    refused = commit(client, batch)  # planned again at the commit, in English too
    assert refused.status_code == 422
    assert_english(refused.get_data(as_text=True), english, indonesian)


def test_discarding_and_committing_twice_answer_in_english(org, factory, english_admin, signed_in):
    client = signed_in(english_admin)
    rows, _ = new_people(org, factory)
    batch = uploaded_batch(upload(client, csv_bytes(rows), "baru.csv"))

    discarded = client.post(f"/admin/impor-pegawai/{batch.id}/batalkan")
    flashed = client.get(discarded.headers["Location"]).get_data(as_text=True)
    assert_english(
        flashed,
        ["The import of “baru.csv” was cancelled; nothing was changed."],
        ["dibatalkan; tidak ada yang diubah"],
    )

    again = commit(client, batch)
    assert again.status_code == 409
    assert_english(
        again.get_data(as_text=True),
        ["This import has already been cancelled"],
        ["Impor ini sudah dibatalkan"],
    )


def test_the_excel_templat_stays_indonesian_for_an_english_admin(english_admin, signed_in):
    response = signed_in(english_admin).get("/admin/impor-pegawai/templat.xlsx")

    notes = load_workbook(io.BytesIO(response.get_data()), read_only=True)["Petunjuk"]
    hints = {row[0]: row[1] for row in notes.iter_rows(values_only=True) if row[0]}
    assert hints["Nama"] == "Nama tanpa gelar. Wajib."
    assert hints["Aktif"] == "Ya atau Tidak (kosong: Ya)."
