"""The evaluation letter (PDF through WeasyPrint): its content, who may print it, the
verification page, the static-only URL fetcher, and hostile user text.

Rendering is slow: only two letters are rendered here, each checked for many things.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError
from werkzeug.http import parse_options_header

from portal import ROOT, letters
from portal.evaluations import letter as evaluation_letter
from portal.evaluations.messages import LETTER_AFTER_FINISH
from portal.extensions import db
from portal.letters import STATIC_BASE, LetterResourceError, StaticOnlyFetcher
from portal.models import AuditEvent, Letter, Scheme
from portal.numbers import decimal
from tests.evaluation_helpers import (
    DI_ATAS,
    SESUAI,
    STEADY,
    Work,
    build_team,
    evaluation_of,
    finish,
    form_a,
    form_b,
    pdf_text,
    print_letter,
    reported_targets,
    screen_url,
    snapshot,
    text_of,
)
from tests.reporting_helpers import TODAY, sign_in

COSTLY = Work(
    {m: 2 for m in range(1, 7)},
    {m: 75 + m for m in range(1, 13)},
    cost=800_000,
    target_cost=1_000_000,
)
DUE = (TODAY + timedelta(days=45)).isoformat()


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


def squash(text: str) -> str:
    """Text without any whitespace: a PDF breaks lines wherever the column ends."""
    return "".join(text.split())


def contains(haystack: str, needle: str) -> bool:
    return squash(needle) in squash(haystack)


def _pdf(client, evaluation_id: int):
    response = print_letter(client, evaluation_id)
    assert response.status_code == 200, text_of(response)[:400]
    return response


# -- scheme A: content, access, verification -----------------------------------------------


@pytest.fixture
def letter_a(factory, monkeypatch, login_as):
    team = build_team(factory, monkeypatch, scheme=Scheme.PP46)
    reported_targets(team, [STEADY, COSTLY])
    boss = login_as(team.boss)
    form = form_a(
        team,
        scores=(85.5, 90, 88, 80, 86),
        tugas_tambahan="3",
        kreativitas="organisasi",
        notes="Pertahankan ketepatan waktu pelaporan.",
        **{f"feedback_{team.targets[1].id}": "Biaya lebih hemat dari rencana."},
    )
    assert finish(boss, team, form).status_code == 303
    evaluation = evaluation_of(team)
    item = {
        "kind": "pengembangan_kompetensi",
        "description": "Pelatihan analisis kebijakan tingkat lanjut.",
        "due_date": DUE,
        "responsible": "employee",
    }
    assert boss.post(f"/evaluasi/{evaluation.id}/tindak-lanjut", item).status_code == 303
    return team, evaluation_of(team), boss


def test_the_scheme_a_letter_its_readers_content_and_verification(
    letter_a, login_as, make_client, app
):
    team, evaluation, boss = letter_a
    url = f"/evaluasi/{evaluation.id}/surat.pdf"

    # Only those who may see the evaluation print it; a refusal prints and records nothing.
    before = snapshot()
    for who in (team.colleague, team.other_boss, team.other_staff):
        refused = login_as(who).get(url)
        assert refused.status_code == 403, who.jabatan
        assert refused.mimetype == "text/html"
    assert login_as(team.stranger).get(url).status_code == 404
    assert boss.get("/evaluasi/999999/surat.pdf").status_code == 404
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0

    response = _pdf(boss, evaluation.id)

    assert response.mimetype == "application/pdf"
    assert parse_options_header(response.headers["Content-Disposition"]) == (
        "attachment",
        {"filename": f"evaluasi-{team.owner.nip}-{team.period.id}.pdf"},
    )
    assert response.data.startswith(b"%PDF-")
    text, pages = pdf_text(response.data)
    assert pages >= 1
    assert f"Halaman 1 dari {pages}" in text

    for heading in (
        team.owner.instansi.name.upper(),
        "PENILAIAN PRESTASI KERJA PEGAWAI NEGERI SIPIL",
        "Periode Tahun 2026",
        "1. PEGAWAI YANG DINILAI",
        "2. PEJABAT PENILAI",
        "3. ATASAN PEJABAT PENILAI",
        "4. HASIL KERJA",
        "5. PERILAKU KERJA",
        "6. NILAI AKHIR DAN PREDIKAT",
        "7. CATATAN DAN REKOMENDASI (TINDAK LANJUT)",
        "Pegawai yang dinilai",
        "Atasan pejabat penilai",
        "Sukamakmur, 15 Juni 2026",  # place and date
    ):
        assert contains(text, heading), heading
    for person in (team.owner, team.boss, team.head):
        assert contains(text, person.display_name), person.display_name
        assert contains(text, person.nip_display), person.nip_display
        assert contains(text, person.jabatan), person.jabatan
    for row in evaluation.targets:
        assert contains(text, decimal(row.score)), row.score
        assert contains(text, row.target.title)
    assert contains(text, f"Nilai prestasi kerja: {decimal(evaluation.final_score)}")
    assert contains(text, "(60% SKP + 40% perilaku)")
    assert contains(text, f"Predikat: {evaluation.predikat}")
    for aspect, value in evaluation.behaviour.items():
        assert contains(text, f"{aspect} {decimal(value)}"), aspect
    assert contains(text, "Rp1.000.000") and contains(text, "Rp800.000")
    assert contains(text, "Biaya lebih hemat dari rencana.")
    assert contains(text, "Pertahankan ketepatan waktu pelaporan.")
    assert contains(text, "Pengembangan kompetensi Pelatihan analisis kebijakan tingkat lanjut.")

    # The verification code: printed, kept, and a keyed hash of the letter's figures.
    stored = db.session.scalar(select(Letter))
    assert stored.code == letters.verification_code(evaluation_letter.figures_of(evaluation))
    assert contains(text, f"kode verifikasi {stored.code}")
    assert (stored.evaluation_id, stored.printed_by_id) == (evaluation.id, team.boss.id)
    assert stored.figures["predikat"] == evaluation.predikat
    assert stored.figures["nilai"] == round(evaluation.final_score, 2)
    printed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "letter.print"))
    assert printed.summary == {"code": stored.code} and printed.actor_id == team.boss.id

    # The verification page is public: a reader of the paper letter needs no account.
    public = make_client()
    for url in (f"/cek-surat/{stored.code}", f"/cek-surat?kode={stored.code.lower()}"):
        page = public.get(url)
        assert page.status_code == 200, url
        shown = text_of(page)
        assert "Surat asli." in shown and "sudah tidak berlaku" not in shown
        assert team.owner.display_name in shown and team.owner.nip in shown
        assert f"Predikat {evaluation.predikat}" in shown
        assert decimal(evaluation.final_score) in shown

    # Forged codes do not verify: a changed character, a code for better figures, a code
    # made with another key, and codes that are not codes at all.
    real, figures = stored.code, dict(stored.figures)
    better = letters.verification_code({**figures, "predikat": "Sangat Baik", "nilai": 99.0})
    app.config["SECRET_KEY"], key = "another-key", app.config["SECRET_KEY"]
    other_key = letters.verification_code(figures)
    app.config["SECRET_KEY"] = key
    flipped = ("A" if real[0] != "A" else "B") + real[1:]
    for forged in (flipped, better, other_key, "AAAA-AAAA-AAAA-AAAA", "not-a-code", real[:-1]):
        page = public.get(f"/cek-surat/{forged}")
        assert page.status_code == 404, forged
        assert "Kode ini tidak dikenal" in text_of(page)
        assert team.owner.display_name not in text_of(page)
    form_page = public.get("/cek-surat")
    assert form_page.status_code == 200 and "Kode ini tidak dikenal" not in text_of(form_page)


# -- scheme B: an objection decided, and hostile text everywhere ---------------------------

HOSTILE = {
    "title": '<img src="http://evil.example/t.png"> Laporan <b>tebal</b> & url(http://evil.example/u)',
    "feedback": '<style>@import url("http://evil.example/a.css"); '
    "body { background: url(file:///etc/passwd) }</style> umpan balik",
    "notes": '<link rel="stylesheet" href="file:///etc/passwd"> <svg><image '
    'href="http://evil.example/s.svg"/></svg> </td></tr></table><h1>Palsu</h1>',
    "ekspektasi": '"><script>alert(1)</script> {{ 7*7 }} ekspektasi',
    "departure": "<div style=\"background-image: url('https://evil.example/bg.png')\">alasan</div>",
    "follow_up": '<iframe src="https://evil.example/"></iframe> &amp; <a href="file:///etc/passwd">x</a>',
    "decision": '<object data="file:///etc/passwd"></object> keberatan dikabulkan',
}


def test_a_scheme_b_letter_prints_hostile_text_as_text_and_fetches_nothing(
    factory, monkeypatch, login_as, make_client
):
    team = build_team(factory, monkeypatch)
    reported_targets(team, [STEADY], title=HOSTILE["title"])
    boss, owner, head = login_as(team.boss), login_as(team.owner), login_as(team.head)
    target = team.target
    form = form_b(
        team,
        ratings=[DI_ATAS] * 4 + [SESUAI] * 3,
        rating_hasil_kerja=DI_ATAS,  # the system suggests "sesuai": a departure
        departure_reason=HOSTILE["departure"],
        ekspektasi_khusus=HOSTILE["ekspektasi"],
        notes=HOSTILE["notes"],
        **{f"feedback_{target.id}": HOSTILE["feedback"]},
    )

    # Before the evaluation is final there is no letter, for anyone.
    assert boss.post(screen_url(team), {**form, "action": "save"}).status_code == 303
    draft = evaluation_of(team)
    url = f"/evaluasi/{draft.id}/surat.pdf"
    assert owner.get(url).status_code in (403, 404)
    refused = boss.get(url)
    assert refused.status_code == 422
    assert str(LETTER_AFTER_FINISH) in text_of(refused)
    assert login_as(team.colleague).get(url).status_code == 403

    assert finish(boss, team, form).status_code == 303
    evaluation = evaluation_of(team)
    assert (evaluation.predikat, evaluation.suggested_hasil_kerja) == ("Sangat Baik", SESUAI)
    item = {"kind": "pembinaan", "description": HOSTILE["follow_up"], "due_date": DUE}
    assert boss.post(f"/evaluasi/{evaluation.id}/tindak-lanjut", item).status_code == 303
    # A letter printed now, before the objection is decided.
    earlier = evaluation_letter.letter_data(evaluation)
    evaluation_letter.record(earlier, team.boss)
    db.session.commit()
    objection = {"response": "object", "reason": "Capaian saya di atas ekspektasi."}
    assert owner.post(f"/evaluasi/{evaluation.id}/tanggapan", objection).status_code == 303
    decision = {"decision": "changed", "predikat": "Baik", "reason": HOSTILE["decision"]}
    assert head.post(f"/evaluasi/{evaluation.id}/keberatan", decision).status_code == 303

    # The screen shows the text escaped, never as markup.
    page = boss.get(screen_url(team)).get_data(as_text=True)
    assert '<img src="http://evil.example' not in page and "<iframe" not in page
    assert "&lt;img src=&#34;http://evil.example/t.png&#34;&gt;" in page

    requested: list[str] = []
    fetch = StaticOnlyFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", recording)
    response = _pdf(owner, evaluation.id)  # the employee may print it once final
    text, pages = pdf_text(response.data)

    assert pages >= 1
    for name, value in HOSTILE.items():
        assert contains(text, value), name
    # (The stylesheet and its fonts are parsed once per process, through the same fetcher.)
    assert all(url.startswith((STATIC_BASE, "data:")) for url in requested), requested
    assert not [url for url in requested if "evil" in url or "passwd" in url]

    for heading in (
        "DOKUMEN EVALUASI KINERJA PEGAWAI",
        "4. PREDIKAT KINERJA ORGANISASI",
        "5. HASIL KERJA",
        "6. PERILAKU KERJA",
        "7. NILAI AKHIR DAN PREDIKAT",
        "8. CATATAN DAN REKOMENDASI (TINDAK LANJUT)",
    ):
        assert contains(text, heading), heading
    assert contains(text, "Rating hasil kerja: Di Atas Ekspektasi")
    assert contains(text, "Rating perilaku kerja: Di Atas Ekspektasi")
    assert contains(text, "Berbeda dari saran sistem (Sesuai Ekspektasi / Di Atas Ekspektasi)")
    assert contains(text, "Predikat: Baik")  # the decision changed it from Sangat Baik
    assert contains(text, "Keberatan pegawai diputuskan diubah: " + HOSTILE["decision"])
    assert "100,00 %" in text

    # The new letter verifies; the one printed before the decision is flagged outdated.
    current = db.session.scalar(select(Letter).where(Letter.code != earlier.code))
    assert contains(text, current.code)
    public = make_client()
    shown = text_of(public.get(f"/cek-surat/{current.code}"))
    assert "Predikat Baik" in shown and "sudah tidak berlaku" not in shown
    old = public.get(f"/cek-surat/{earlier.code}")
    assert old.status_code == 200
    assert "Surat ini sudah tidak berlaku." in text_of(old)
    assert "Predikat Sangat Baik" in text_of(old)


# -- the fetcher ---------------------------------------------------------------------------


STATIC = ROOT / "static"


@pytest.fixture
def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(str(STATIC))


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/x.png",
        "https://evil.example/a.css",
        "https://portal.invalid/other/x.css",  # the right host, outside static/
        "https://portal.invalid/static",  # the folder itself
        "//evil.example/x.png",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://evil.example/x",
        "javascript:alert(1)",
        "../../etc/passwd",
        STATIC_BASE + "../portal/config.py",
        STATIC_BASE + "css/../../portal/config.py",
        STATIC_BASE + "%2e%2e/portal/config.py",
        STATIC_BASE + "/etc/passwd",
        STATIC_BASE + "css/does-not-exist.css",
        STATIC_BASE + "css/",
        STATIC_BASE + "css/letter.css?v=2",
        STATIC_BASE + "css/letter.css#x",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files_and_data(fetcher, url):
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_the_fetcher_serves_a_static_file_and_data_urls(fetcher):
    css = fetcher.fetch(STATIC_BASE + "css/letter.css")
    assert css.read() == (STATIC / "css" / "letter.css").read_bytes()
    assert css.content_type == "text/css"
    font = fetcher.fetch(STATIC_BASE + "fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    data = fetcher.fetch("data:image/svg+xml;base64," + base64.b64encode(svg).decode())
    assert data.read() == svg and data.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain,halo").read() == b"halo"


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://evil.example/x.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        "<style>@import url(https://evil.example/a.css);</style>",
        '<p style="background: url(../../portal/config.py)">x</p>',
    ],
)
def test_a_refused_resource_stops_the_rendering(fetcher, markup):
    with pytest.raises(FatalURLFetchingError):
        HTML(string=markup, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf()


def test_render_pdf_reports_a_refused_resource_as_an_error(app, monkeypatch):
    monkeypatch.setattr(
        letters, "render_template", lambda *a, **k: '<img src="http://evil.example/x.png">'
    )
    with pytest.raises(LetterResourceError):
        letters.render_pdf("letters/evaluation.html")
