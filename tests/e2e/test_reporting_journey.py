"""Reporting (issue 4): on a phone the PNS logs three daily entries, one with a PDF; the
supervisor accepts two and rejects one with a reason; the PNS sees why, fixes the entry
and it returns to the queue; the monthly report's chart counts what was accepted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.e2e.journeys import PHONE, Window, fresh_team, open_window
from tests.reporting_helpers import TODAY, fix_today
from workflows.targets import APPROVED

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "Tersusunnya laporan evaluasi kelembagaan"
REASON = "Notulen rapat belum dilampirkan; sebutkan rapat yang mana."


@dataclass(frozen=True)
class Work:
    description: str
    quantity: int
    minutes: int
    evidence: bool = False


MEETING = Work("Menyusun notulen rapat evaluasi kelembagaan", 2, 120, evidence=True)
DRAFT = Work("Mengoreksi draf laporan bagian organisasi", 1, 60)
ANALYSIS = Work("Menganalisis jabatan pada tiga subbagian", 3, 90)
MISTAKE = Work("Entri yang tercatat dua kali", 1, 30, evidence=True)


def approved_target(factory, owner, period) -> None:
    factory.target(owner, period, state=APPROVED, title=TITLE)  # 12 laporan, 1 a month


def log(pns: Window, work: Work, entries_before: int) -> None:
    """Fill the daily form and save it; the form comes back fresh, the day list grows."""
    page = pns.page
    token = page.locator("input[name=form_token]").input_value()
    expect(page.get_by_label("Tanggal", exact=True)).to_have_value(TODAY.isoformat())
    expect(page.get_by_label("Target", exact=True)).to_have_value(re.compile(r"^\d+$"))
    page.get_by_label("Uraian pekerjaan").fill(work.description)
    page.get_by_label("Kuantitas output").fill(str(work.quantity))
    page.get_by_label("Durasi (menit)").fill(str(work.minutes))
    if work.evidence:
        page.get_by_label("Bukti dukung (PDF, JPEG, PNG; opsional)").set_input_files(
            {"name": "notulen-rapat.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    page.get_by_role("button", name="Simpan dan tambah lagi").click()

    saved = page.locator("#daily-log").get_by_role("status").filter(has_text="Tersimpan:")
    expect(saved).to_contain_text(work.description)
    day = page.locator("#daily-log ul.entries > li.entry")
    expect(day).to_have_count(entries_before + 1)
    expect(day.last).to_contain_text(work.description)
    expect(day.last).to_contain_text("Menunggu verifikasi")
    # A fresh form: empty fields, no file, a new one-time token, the same day and target.
    expect(page.get_by_label("Uraian pekerjaan")).to_have_value("")
    expect(page.get_by_label("Kuantitas output")).to_have_value("")
    assert page.locator("#f-files").evaluate("input => input.files.length") == 0
    assert page.locator("input[name=form_token]").input_value() != token


def queued(boss: Window, work: Work):
    return boss.page.locator("li.entry", has_text=work.description)


def test_daily_entries_are_verified_fixed_and_counted(new_context, live_server, monkeypatch):
    fix_today(monkeypatch)  # 15 June 2026, a Monday inside the period
    team = fresh_team(live_server, build=approved_target)

    # -- the PNS logs three entries from a phone, without a reload ------------------------
    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    pns.page.goto(live_server("/laporan"))
    expect(pns.page.get_by_label("Target", exact=True).locator("option")).to_have_text(
        [f"{TITLE} (laporan)"]
    )
    expect(pns.page.locator("#daily-log li.empty")).to_be_visible()
    pns.mark()
    for index, work in enumerate((MEETING, DRAFT, ANALYSIS)):
        log(pns, work, index)
    pns.expect_no_reload()
    meeting = pns.page.locator("#daily-log li.entry", has_text=MEETING.description)
    opens = meeting.get_by_role("link", name="notulen-rapat.pdf", exact=True)
    expect(opens).to_have_attribute("href", re.compile(r"/bukti/\d+/lihat$"))
    expect(meeting.get_by_role("link", name="Unduh notulen-rapat.pdf")).to_be_visible()
    assert pns.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # -- an entry logged by mistake: "Hapus" asks first, naming the entry and its file ------
    log(pns, MISTAKE, 3)
    mistake = pns.page.locator("#daily-log li.entry", has_text=MISTAKE.description)
    mistake.get_by_role("link", name="Hapus").click()
    question = pns.page.locator("form.confirm")
    expect(question).to_contain_text("Laporan 15 Juni 2026 dan 1 berkas bukti akan dihapus.")
    expect(question).to_contain_text("notulen-rapat.pdf")
    question.get_by_role("link", name="Batal").click()
    expect(pns.page.locator("#daily-log ul.entries > li.entry")).to_have_count(4)
    mistake.get_by_role("link", name="Hapus").click()
    pns.page.locator("form.confirm").get_by_role("button", name="Ya, hapus").click()
    expect(pns.page.get_by_role("status").filter(has_text="Laporan dihapus.")).to_be_visible()
    expect(pns.page.locator("#daily-log ul.entries > li.entry")).to_have_count(3)

    # -- the supervisor accepts two and rejects one, in place ------------------------------
    boss = open_window(new_context, live_server, team.boss)
    boss.expect_badge(3)  # three entries to verify
    boss.page.goto(live_server("/verifikasi"))
    expect(boss.page.locator("li.entry")).to_have_count(3)
    with boss.page.expect_download() as download:
        queued(boss, MEETING).get_by_role("link", name="Unduh notulen-rapat.pdf").click()
    assert download.value.suggested_filename == "notulen-rapat.pdf"
    assert download.value.path().read_bytes() == PDF

    boss.mark()
    for left, work in ((2, MEETING), (1, ANALYSIS)):
        queued(boss, work).get_by_role("button", name="Terima").click()
        expect(queued(boss, work).locator(".tag")).to_have_text("Diterima")
        expect(queued(boss, work).get_by_role("button")).to_have_count(0)
        boss.expect_badge(left)
    queued(boss, DRAFT).locator("summary", has_text="Tolak").click()
    queued(boss, DRAFT).get_by_label("Alasan penolakan").fill(REASON)
    queued(boss, DRAFT).get_by_role("button", name="Tolak laporan").click()
    expect(queued(boss, DRAFT).locator(".tag")).to_have_text("Ditolak")
    expect(queued(boss, DRAFT)).to_contain_text(REASON)
    boss.expect_badge(0)
    boss.expect_no_reload()

    # -- the PNS sees the rejection and why, and fixes the entry ----------------------------
    pns.page.goto(live_server("/laporan"))
    rejected = pns.page.locator("#daily-log li.entry", has_text=DRAFT.description)
    expect(rejected.locator(".tag")).to_have_text("Ditolak")
    expect(rejected.locator(".alert")).to_contain_text(REASON)
    for work in (MEETING, ANALYSIS):
        accepted = pns.page.locator("#daily-log li.entry", has_text=work.description)
        expect(accepted.locator(".tag")).to_have_text("Diterima")
        expect(accepted.get_by_role("link", name="Ubah")).to_have_count(0)  # verified: final
    rejected.get_by_role("link", name="Perbaiki dan ajukan ulang").click()
    expect(pns.page.get_by_role("heading", level=1)).to_have_text("Ubah laporan harian")
    expect(pns.page.locator("main .alert--error")).to_contain_text(REASON)
    fixed = f"{DRAFT.description} (notulen rapat koordinasi 12 Juni terlampir)"
    pns.page.get_by_label("Uraian pekerjaan").fill(fixed)
    pns.page.get_by_label("Bukti dukung (PDF, JPEG, PNG; opsional)").set_input_files(
        {"name": "notulen-koordinasi.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    pns.page.get_by_role("button", name="Simpan dan ajukan ke atasan").click()
    expect(pns.page.get_by_role("status").filter(has_text="menunggu verifikasi")).to_be_visible()
    resubmitted = pns.page.locator("#daily-log li.entry", has_text=fixed)
    expect(resubmitted.locator(".tag")).to_have_text("Menunggu verifikasi")
    expect(resubmitted.locator(".alert")).to_have_count(0)

    # -- back in the supervisor's queue ---------------------------------------------------
    boss.page.goto(live_server("/verifikasi"))
    boss.expect_badge(1)
    expect(boss.page.locator("li.entry")).to_have_count(1)
    expect(boss.page.locator("li.entry")).to_contain_text(fixed)
    expect(boss.page.locator("li.entry").get_by_role("button", name="Terima")).to_be_visible()

    # -- the month: 5 of June's laporan accepted, the fixed 1 pending ----------------------
    pns.page.goto(live_server("/laporan/bulan"))
    expect(pns.page).to_have_url(re.compile(r"/laporan/pegawai/\d+/periode/\d+\?bulan=6$"))
    report = pns.page.locator("section.target", has_text=TITLE)
    stats = {
        label: value
        for value, label in zip(
            report.locator(".stat__value").all_inner_texts(),
            report.locator(".stat__label").all_inner_texts(),
            strict=True,
        )
    }
    assert stats["diterima bulan ini"] == "5", stats
    assert stats["laporan menunggu verifikasi"] == "1", stats
    assert stats["realisasi kumulatif"] == "5 / 12", stats

    chart = report.locator("figure.chart")
    expect(chart.get_by_role("img", name=re.compile(TITLE))).to_be_visible()
    # The realisation is drawn for the six months begun: January to June.
    expect(chart.locator("svg circle.chart__accepted-mark")).to_have_count(6)
    chart.locator("summary", has_text="Data grafik (tabel)").click()
    june = chart.locator("tbody tr").nth(5)
    expect(june.locator("th")).to_have_text(re.compile(r"^Jun"))
    expect(june.locator("td")).to_have_text(["6", "5"])  # cumulative target, accepted
    expect(chart.locator("tbody tr").nth(6).locator("td")).to_have_text(["7", "—"])

    # On a phone as narrow as 360 px: the chart's labels render at 12 px or more, and
    # no calendar cell or heading spills over its box.
    for width in (360, PHONE["width"], 1280):
        pns.page.set_viewport_size({"width": width, "height": 800})
        rendered = chart.locator("text.chart__label").evaluate_all(
            "labels => labels.map(t => parseFloat(getComputedStyle(t).fontSize)"
            " * t.ownerSVGElement.getScreenCTM().a)"
        )
        assert min(rendered) >= 12, (width, rendered)
        spilled = pns.page.locator("table.calendar th, table.calendar td").evaluate_all(
            "cells => cells.filter(c => c.scrollWidth > c.clientWidth).length"
        )
        assert spilled == 0, width
        broken = pns.page.locator("table.calendar thead abbr").evaluate_all(
            "names => names.filter(n => n.getClientRects().length > 1).length"
        )
        assert broken == 0, width  # "Sen", not "Se" over "n"
        assert pns.page.evaluate("document.documentElement.scrollWidth") <= width
    pns.page.set_viewport_size(PHONE)

    assert pns.csp_violations == []
    assert boss.csp_violations == []
