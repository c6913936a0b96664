"""Evidence files (bukti dukung): checked by content, stored outside ``static/`` under
generated names, downloaded only by those who may see the entry."""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from pathlib import Path

import pytest

from portal import audit
from portal.extensions import db
from portal.models import Evidence, WorkEntry
from portal.reports import evidence
from portal.reports.forms import TOO_MANY_FILES
from portal.web import ERROR_MESSAGES
from tests.reporting_helpers import (
    PDF,
    build_world,
    entry_form,
    jpeg_bytes,
    png_bytes,
    sign_in,
    snapshot,
    thumbnails,
    upload,
    uploaded_files,
)

MULTIPART = {"content_type": "multipart/form-data"}
STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client):
    """Signed in through the session, not the form (see ``reporting_helpers.sign_in``)."""
    return lambda employee: sign_in(make_client, employee)


def _post_files(client, w, *files):
    form = entry_form(w.target, files=[upload(data, name) for data, name in files])
    return client.post("/laporan", form, htmx=True, **MULTIPART)


# -- accepted files ------------------------------------------------------------------------


def test_valid_pdf_png_and_jpeg_are_stored_under_generated_names(app, w, login_as):
    owner = login_as(w.owner)
    png, jpeg = png_bytes(), jpeg_bytes()
    response = _post_files(
        owner, w, (PDF, "Surat Tugas.pdf"), (png, "foto kegiatan.png"), (jpeg, "scan.jpeg")
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    entry = db.session.scalars(db.select(WorkEntry)).one()
    items = entry.evidence
    assert [(i.original_name, i.content_type) for i in items] == [
        ("Surat Tugas.pdf", "application/pdf"),
        ("foto kegiatan.png", "image/png"),
        ("scan.jpeg", "image/jpeg"),
    ]
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    assert STATIC.resolve() not in root.parents and root != STATIC.resolve()
    for item, data, ext in zip(items, (PDF, png, jpeg), ("pdf", "png", "jpg"), strict=True):
        assert re.fullmatch(rf"[0-9a-f]{{32}}\.{ext}", item.stored_name)
        stored = root / item.stored_name
        assert stored.read_bytes() == data
        assert item.size == len(data)
        assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert {p.name for p in uploaded_files(app)} == {i.stored_name for i in items}
    # Each photo (not the PDF) has a small upright JPEG beside it.
    photos = [i.stored_name.split(".")[0] for i in items[1:]]
    assert sorted(p.name for p in thumbnails(app)) == sorted(f"{s}.thumb.jpg" for s in photos)
    # The day's list under the form links to the downloads by id, never by stored name.
    html = response.get_data(as_text=True)
    assert f"/bukti/{items[0].id}" in html
    assert items[0].stored_name not in html


def test_the_content_decides_the_type_not_the_name(app, w, login_as):
    owner = login_as(w.owner)
    assert _post_files(owner, w, (png_bytes(), "laporan.pdf")).status_code == 200
    item = db.session.scalars(db.select(Evidence)).one()
    assert item.content_type == "image/png"
    assert item.stored_name.endswith(".png")


def test_short_names_inside_page_data_are_not_mistaken_for_javascript(app, w, login_as):
    """Three bytes like ``/JS`` occur by chance in compressed or raster data; a PDF is not
    refused for them (only the dictionaries are searched for the short names)."""
    owner = login_as(w.owner)
    raster = _pdf_with_stream(b"/Type /XObject /Subtype /Image", b"\x00\x17/JS\x00/XFA\x01" * 8)
    raw = (
        b"%PDF-1.4\n1 0 obj << /Length 12 /Filter /DCTDecode >>\nstream\n\xff\xd8/JS\x00/XFA\x00"
        + (b"\nendstream\nendobj\n%%EOF\n")
    )
    assert _post_files(owner, w, (raster, "scan.pdf"), (raw, "foto.pdf")).status_code == 200


# -- refused files -------------------------------------------------------------------------


def _pdf_with_stream(dictionary: bytes, content: bytes) -> bytes:
    body = zlib.compress(content)
    return (
        b"%PDF-1.5\n1 0 obj << /Type /Catalog >> endobj\n"
        + b"2 0 obj << "
        + dictionary
        + b" /Filter /FlateDecode /Length "
        + str(len(body)).encode()
        + b" >>\nstream\n"
        + body
        + b"\nendstream\nendobj\n%%EOF\n"
    )


OBJSTM_JS = _pdf_with_stream(
    b"/Type /ObjStm /N 1 /First 4", b"3 0 << /S /JavaScript /JS (app.alert(1)) >>"
)
OBJSTM_SHORT_JS = _pdf_with_stream(b"/Type /ObjStm /N 1 /First 4", b"3 0 << /JS (x) >>")
OBJSTM_UNREADABLE = (
    b"%PDF-1.5\n2 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode >>\nstream\n"
    b"3c3c202f53202f4a617661536372697074203e3e\nendstream\nendobj\n%%EOF\n"
)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
BAD_FILES = {
    "exe-as-pdf": (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64,
        "laporan.pdf",
        "bukan PDF",
    ),
    "elf-as-pdf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "laporan.pdf", "bukan PDF"),
    "svg-as-png": (SVG, "foto.png", "bukan PDF"),
    "html-as-png": (HTML, "foto.png", "bukan PDF"),
    "pdf-javascript": (
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n"
        b"%%EOF\n",
        "surat.pdf",
        "JavaScript",
    ),
    "pdf-js-name-escaped": (
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>"
        b" endobj\n%%EOF\n",
        "surat.pdf",
        "JavaScript",
    ),
    "pdf-javascript-in-object-stream": (OBJSTM_JS, "surat.pdf", "JavaScript"),
    "pdf-js-key-in-object-stream": (OBJSTM_SHORT_JS, "surat.pdf", "JavaScript"),
    "pdf-unreadable-object-stream": (OBJSTM_UNREADABLE, "surat.pdf", "JavaScript"),
    "pdf-launch": (
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /Launch /F (cmd.exe) >> >> endobj\n%%EOF\n",
        "surat.pdf",
        "JavaScript",
    ),
    "pdf-truncated": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n", "surat.pdf", "rusak"),
    "png-garbage": (b"\x89PNG\r\n\x1a\n" + b"not really an image", "foto.png", "rusak"),
    "dot-dot-name": (PDF, "../../portal/evil.pdf", "tidak sah"),
    "backslash-name": (PDF, "..\\..\\evil.pdf", "tidak sah"),
    "nul-name": (PDF, "surat.pdf\x00.png", "tidak sah"),
    "empty": (b"", "kosong.pdf", "kosong"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_and_nothing_is_kept(app, w, login_as, case):
    owner = login_as(w.owner)
    data, name, words = BAD_FILES[case]
    before = snapshot(app)
    response = _post_files(owner, w, (PDF, "baik.pdf"), (data, name))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-files-error"' in html
    assert words in html
    assert snapshot(app) == before


def test_too_large_by_the_configured_limit(app, w, login_as):
    app.config["PORTAL_MAX_UPLOAD_MB"] = 1
    owner = login_as(w.owner)
    before = snapshot(app)
    big = PDF[:-6] + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    response = _post_files(owner, w, (big, "besar.pdf"))
    assert response.status_code == 422
    assert "melebihi batas 1 MB" in response.get_data(as_text=True)
    assert snapshot(app) == before
    # Just under the limit is fine.
    assert (
        _post_files(owner, w, (big[: 1024 * 1024 - 7] + b"\n%%EOF\n", "pas.pdf")).status_code == 200
    )


def test_too_large_with_a_patched_limit(app, w, login_as, monkeypatch):
    monkeypatch.setattr(evidence, "_limit_bytes", lambda: 64)
    owner = login_as(w.owner)
    before = snapshot(app)
    response = _post_files(owner, w, (PDF + b"%" * 64, "besar.pdf"))
    assert response.status_code == 422
    assert "melebihi batas" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_request_over_the_body_limit_gets_413_in_indonesian(app, w, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    owner = login_as(w.owner)
    before = snapshot(app)
    response = _post_files(owner, w, (PDF + b"%" * 4096, "besar.pdf"))
    assert response.status_code == 413
    assert str(ERROR_MESSAGES[413]) in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_too_many_files(app, w, login_as):
    app.config["PORTAL_EVIDENCE_MAX_FILES"] = 2
    owner = login_as(w.owner)
    before = snapshot(app)
    response = _post_files(owner, w, *[(PDF, f"b{i}.pdf") for i in range(3)])
    assert response.status_code == 422
    assert str(TOO_MANY_FILES) % {"max": 2} in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_files_written_before_a_failure_are_removed(app, w, login_as, monkeypatch):
    """The files are on disk before the commit; if the request fails they must go."""
    owner = login_as(w.owner)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken)
    response = _post_files(owner, w, (PDF, "a.pdf"), (png_bytes(), "b.png"))
    assert response.status_code == 500
    assert uploaded_files(app) == [] and thumbnails(app) == []
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(WorkEntry)) == 0


def test_check_name_keeps_a_safe_display_name():
    assert evidence.check_name("Surat Tugas (final).pdf") == "Surat Tugas (final).pdf"
    assert evidence.check_name("laporan<script>.pdf") == "laporan_script_.pdf"
    assert evidence.check_name("") == "berkas"


def test_path_of_refuses_names_it_did_not_generate(app):
    for name in ("../x.pdf", "abc.pdf", "0" * 32 + ".html", "0" * 32 + ".pdf/../x"):
        with pytest.raises(ValueError):
            evidence.path_of(name)
    assert evidence.path_of("0" * 32 + ".pdf").parent == Path(app.config["UPLOAD_FOLDER"])


# -- downloads -----------------------------------------------------------------------------


@pytest.fixture
def stored(w, login_as):
    owner = login_as(w.owner)
    assert (
        _post_files(owner, w, (PDF, "Surat Tugas.pdf"), (png_bytes(), "foto.png")).status_code
        == 200
    )
    return db.session.scalars(db.select(Evidence).order_by(Evidence.id)).all()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("boss", 200),  # the evaluator
        ("head", 200),  # the evaluator's supervisor (the chain)
        ("admin", 200),  # the instansi's admin
        ("colleague", 403),
        ("stranger", 404),
    ],
)
def test_download_permissions(w, stored, login_as, who, status):
    client = login_as(getattr(w, who))
    for item in stored:
        assert client.get(f"/bukti/{item.id}").status_code == status
        assert client.get(f"/bukti/{item.id}/lihat").status_code == status
    # The thumbnail asks the same question (and a PDF has none).
    pdf, png = stored
    assert client.get(f"/bukti/{png.id}/gambar-kecil").status_code == status
    assert client.get(f"/bukti/{pdf.id}/gambar-kecil").status_code == (
        404 if status == 200 else status
    )


def test_a_pdf_opens_in_the_browser_under_a_policy_that_runs_nothing(w, stored, login_as):
    client = login_as(w.boss)
    pdf, png = stored
    for item, data, kind in ((pdf, PDF, "application/pdf"), (png, None, "image/png")):
        response = client.get(f"/bukti/{item.id}/lihat")
        assert response.headers["Content-Type"] == kind
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert item.original_name.split(".")[0] in response.headers["Content-Disposition"]
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src" not in policy  # nothing may run, the default says so
        assert "no-store" in response.headers["Cache-Control"]
        if data is not None:
            assert response.data == data
    # Every other page keeps the portal's own policy.
    page = client.get("/verifikasi").headers["Content-Security-Policy"]
    assert "script-src 'self'" in page


def test_a_photo_has_an_upright_thumbnail_the_queue_shows(app, w, login_as):
    from PIL import Image

    wide = Image.new("RGB", (1200, 400), (10, 120, 200))
    exif = wide.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": a phone's portrait photo
    buffer = io.BytesIO()
    wide.save(buffer, "JPEG", exif=exif)
    owner = login_as(w.owner)
    assert _post_files(owner, w, (buffer.getvalue(), "foto tegak.jpg")).status_code == 200
    (item,) = db.session.scalars(db.select(Evidence)).all()
    response = login_as(w.boss).get(f"/bukti/{item.id}/gambar-kecil")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (107, 320)  # upright, at most 320 px a side
    queue = login_as(w.boss).get("/verifikasi").get_data(as_text=True)
    assert f'src="/bukti/{item.id}/gambar-kecil"' in queue
    assert 'alt="Foto bukti: foto tegak.jpg"' in queue
    # A thumbnail lost from disk is made again the next time it is shown.
    for thumb in thumbnails(app):
        thumb.unlink()
    assert login_as(w.boss).get(f"/bukti/{item.id}/gambar-kecil").status_code == 200
    assert len(thumbnails(app)) == 1


def test_download_headers(w, stored, login_as):
    client = login_as(w.boss)
    pdf, png = stored
    response = client.get(f"/bukti/{pdf.id}")
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Surat Tugas.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    image = client.get(f"/bukti/{png.id}")
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith("attachment;")


def test_download_needs_sign_in_and_an_existing_row(app, w, stored, make_client, login_as):
    anonymous = make_client().get(f"/bukti/{stored[0].id}")
    assert anonymous.status_code == 302 and "/masuk" in anonymous.headers["Location"]
    owner = login_as(w.owner)
    assert owner.get("/bukti/999999").status_code == 404
    # A row whose file vanished from disk is a 404, not a 500.
    (Path(app.config["UPLOAD_FOLDER"]) / stored[0].stored_name).unlink()
    assert owner.get(f"/bukti/{stored[0].id}").status_code == 404


@pytest.mark.parametrize("step", ["get", "post"])
def test_a_delete_first_names_the_entry_and_its_files_and_deletes_nothing(
    app, w, stored, login_as, step
):
    """The first step (the "Hapus" link, or a post without the confirmation's yes) only
    says what will be lost."""
    owner = login_as(w.owner)
    entry = stored[0].entry
    url = f"/laporan/{entry.id}/hapus"
    shown = {"version": str(entry.version)}
    response = owner.get(url) if step == "get" else owner.post(url, shown)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    count = len(stored)
    assert f"dan {count} berkas bukti akan dihapus." in page
    assert 'name="confirmed" value="1"' in page
    assert f'name="version" value="{entry.version}"' in page
    for item in stored:
        assert item.original_name in page
    assert len(uploaded_files(app)) == count
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == count
    assert db.session.get(WorkEntry, entry.id) is not None


def test_deleting_an_entry_removes_its_files(app, w, stored, login_as):
    owner = login_as(w.owner)
    entry = stored[0].entry
    response = owner.post(
        f"/laporan/{entry.id}/hapus", {"version": str(entry.version), "confirmed": "1"}
    )
    assert response.status_code == 303
    assert uploaded_files(app) == [] and thumbnails(app) == []
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Evidence)) == 0
