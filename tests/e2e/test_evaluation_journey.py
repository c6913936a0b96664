"""The evaluation meeting (issue 5): the supervisor evaluates a subordinate whose targets
are reported, watches the outcome follow the behaviour ratings live (a departure from the
system's suggestion asks for a reason), finishes, and prints the letter: the PDF downloads
and states the predikat. The employee then sees it too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

from portal import scoring
from portal.nip import format_nip
from tests.e2e.journeys import Person, in_database, open_window
from tests.evaluation_helpers import DI_ATAS, SESUAI, Work, build_team, pdf_text, reported_targets
from tests.factories import Factory

# 13 and 14 laporan against 12, rated in the nineties: results above expectations.
ABOVE = [
    Work({m: 1 for m in range(1, 12)} | {12: 2}, {m: 95 for m in range(1, 13)}),
    Work({m: 1 for m in range(1, 11)} | {11: 2, 12: 2}, {m: 92 for m in range(1, 13)}),
]
NOTES = "Pertahankan; bimbing rekan di subbagian dalam penataan kelembagaan."


@dataclass(frozen=True)
class Meeting:
    boss: Person
    owner: Person
    period_id: int
    titles: list[str]


def reported_team(live_server, monkeypatch) -> Meeting:
    """A supervisor and a subordinate whose two targets went to ``reported`` through the
    workflow (accepted entries, monthly ratings, ``submit_report``)."""
    with in_database(live_server):
        team = build_team(Factory(), monkeypatch)  # also fixes today: 15 June 2026
        reported_targets(team, ABOVE)
        return Meeting(
            Person.of(team.boss),
            Person.of(team.owner),
            team.period.id,
            [t.title for t in team.targets],
        )


def test_the_supervisor_evaluates_and_prints_the_letter(new_context, live_server, monkeypatch):
    meeting = reported_team(live_server, monkeypatch)
    owner, period_id = meeting.owner, meeting.period_id
    boss = open_window(new_context, live_server, meeting.boss)
    page = boss.page
    boss.expect_badge(2)  # two reported targets to evaluate

    page.goto(live_server("/perlu-tindakan"))
    page.locator("#inbox-items li", has_text=owner.display_name).get_by_role(
        "link", name="Evaluasi"
    ).click()
    expect(page).to_have_url(live_server(f"/evaluasi/{period_id}/pegawai/{owner.id}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(owner.display_name)
    results = page.locator("section", has=page.get_by_role("heading", name="Hasil kerja"))
    for title, capaian in zip(meeting.titles, ("108,33 %", "116,67 %"), strict=True):
        expect(results.locator("article", has_text=title)).to_contain_text(capaian)

    outcome = page.locator("#outcome")
    predikat = outcome.locator(".predikat")
    expect(outcome).to_contain_text("hasil kerja Di Atas Ekspektasi")
    expect(predikat).to_have_text("—")  # no behaviour rated yet

    # -- behaviour: the outcome follows each choice, nothing is saved or reloaded --------
    boss.mark()
    berakhlak = [page.locator(f"#f-berakhlak_{i}") for i in range(len(scoring.BERAKHLAK))]
    for value in berakhlak:
        value.select_option(SESUAI)
    expect(outcome).to_contain_text("perilaku Sesuai Ekspektasi")
    expect(predikat).to_have_text("Baik")
    departure = outcome.get_by_label(re.compile("Alasan berbeda dari saran sistem"))
    expect(departure).to_have_count(0)
    page.get_by_label("Predikat kinerja organisasi (unit)").select_option("Baik")

    # Four values above expectations move the suggestion, and the decision moves along.
    for value in berakhlak[:4]:
        value.select_option(DI_ATAS)
    expect(outcome).to_contain_text("perilaku Di Atas Ekspektasi")
    expect(predikat).to_have_text("Sangat Baik")
    expect(departure).to_have_count(0)

    # Departing from the suggestion asks for a reason; going back to it asks for none.
    decided = outcome.get_by_label("Rating hasil kerja (keputusan atasan)")
    decided.select_option(SESUAI)
    expect(predikat).to_have_text("Baik")
    expect(departure).to_be_visible()
    expect(outcome.locator(".field-error")).to_have_text(
        "Rating berbeda dari saran sistem: tuliskan alasannya."
    )
    decided.select_option(DI_ATAS)
    expect(predikat).to_have_text("Sangat Baik")
    expect(departure).to_have_count(0)
    page.get_by_label("Catatan untuk pegawai").fill(NOTES)
    boss.expect_no_reload()

    page.get_by_role("button", name="Selesaikan evaluasi").click()
    expect(page.get_by_role("status").filter(has_text="Evaluasi selesai")).to_be_visible()
    expect(page.locator(".page-head .tag", has_text="selesai")).to_be_visible()
    expect(page.locator("#outcome .predikat")).to_have_text("Sangat Baik")
    boss.expect_badge(0)

    # -- the letter ------------------------------------------------------------------------
    with page.expect_download() as download:
        page.get_by_role("button", name="Cetak surat evaluasi (PDF)").click()
    letter = download.value
    assert letter.suggested_filename == f"evaluasi-{owner.nip}-{period_id}.pdf"
    data = letter.path().read_bytes()
    assert data.startswith(b"%PDF-")
    text, pages = pdf_text(data)
    assert pages >= 1
    assert "Predikat: Sangat Baik" in text
    assert NOTES in text
    assert owner.display_name in text
    assert format_nip(owner.nip) in text or owner.nip in text

    # -- the employee now sees the predikat -------------------------------------------------
    pns = open_window(new_context, live_server, owner)
    pns.page.goto(live_server(f"/evaluasi/{period_id}/pegawai/{owner.id}"))
    expect(pns.page.locator("#outcome .predikat")).to_have_text("Sangat Baik")
    expect(
        pns.page.get_by_role("group", name="Apakah Anda setuju dengan evaluasi ini?")
    ).to_be_visible()

    assert boss.csp_violations == []
    assert pns.csp_violations == []
