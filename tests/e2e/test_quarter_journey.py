"""One quarter on phones, every step reached from the inbox (issue 12): from an approved
plan, the PNS logs a day's work in each month of Triwulan I; the supervisor verifies them
from "Perlu tindakan"; the PNS sends the three monthly reports the inbox asks for; the
supervisor reviews and accepts each from the inbox, then evaluates the quarter the inbox
says is due; the PNS acknowledges the result from the inbox. Nobody types a URL after
signing in. Today is Monday 6 April 2026: the quarter has ended, March's report was due
yesterday."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from portal import scoring
from portal.models.periods import Cadence
from tests.e2e.journeys import PHONE, Window, fresh_team, in_menu, open_window
from tests.evaluation_helpers import DI_ATAS, SESUAI
from tests.reporting_helpers import fix_today
from workflows.targets import APPROVED

TODAY = date(2026, 4, 6)
TITLE = "Tersusunnya laporan kinerja triwulanan"
MONTHS = [
    ("Jan 2026", date(2026, 1, 15)),
    ("Feb 2026", date(2026, 2, 16)),
    ("Mar 2026", date(2026, 3, 16)),
]
FEEDBACK = "Tiga laporan bulanan lengkap dengan bukti; pertahankan ketepatan waktu."


def quarterly_plan(factory, owner, period) -> None:
    period.cadence = Cadence.TRIWULANAN
    factory.target(owner, period, state=APPROVED, title=TITLE)  # 1 laporan a month


def inbox_section(window: Window, title: str):
    in_menu(window, "Perlu tindakan")
    page = window.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Perlu tindakan")
    return page.locator("section.inbox-section", has=page.get_by_role("heading", name=title))


def fits(window: Window) -> None:
    assert window.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_quarter_from_the_plan_to_the_acknowledged_evaluation(
    new_context, live_server, monkeypatch
):
    fix_today(monkeypatch, TODAY)
    team = fresh_team(live_server, build=quarterly_plan)
    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    boss = open_window(new_context, live_server, team.boss, viewport=PHONE)

    # -- the PNS: a day's work in each month, from the daily log -------------------------
    in_menu(pns, "Laporan harian")
    page = pns.page
    for n, (_month, day) in enumerate(MONTHS, start=1):
        page.get_by_label("Tanggal", exact=True).fill(day.isoformat())
        page.get_by_label("Uraian pekerjaan").fill(f"Menyusun laporan kinerja bulan ke-{n}")
        page.get_by_label("Kuantitas output").fill("1")
        page.get_by_label("Durasi (menit)").fill("240")
        page.get_by_role("button", name="Simpan dan tambah lagi").click()
        expect(page.get_by_role("status").filter(has_text="Tersimpan:")).to_contain_text(
            f"bulan ke-{n}"
        )
    fits(pns)

    # -- the supervisor verifies them, from the inbox -------------------------------------
    boss.page.reload()
    boss.expect_badge(3 + 1)  # three entries, and the quarter's evaluation is due
    verify = inbox_section(boss, "Laporan harian untuk diverifikasi")
    verify.get_by_role("link", name="Verifikasi").click()
    for n in range(1, 4):
        entry = boss.page.locator("li.entry", has_text=f"bulan ke-{n}")
        entry.get_by_role("button", name="Terima").click()
        expect(entry.get_by_role("button")).to_have_count(0)

    # -- the PNS sends the three monthly reports the inbox asks for -----------------------
    for month, _day in MONTHS:
        due = inbox_section(pns, "Laporan bulanan yang perlu dikirim")
        item = due.locator("li", has_text=f"Laporan bulanan {month}")
        item.get_by_role("link", name="Isi laporan bulanan").click()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
        page.get_by_label("Capaian bulan ini").fill(f"Laporan {month} selesai.")
        page.get_by_label("Kendala").fill("Tidak ada.")
        page.get_by_label("Rencana tindak lanjut bulan berikutnya").fill("Laporan berikutnya.")
        fits(pns)
        page.get_by_role("button", name="Kirim ke atasan").click()
        expect(page.locator(".page-head")).to_contain_text("Menunggu tinjauan atasan")
    expect(inbox_section(pns, "Laporan bulanan yang perlu dikirim")).to_have_count(0)

    # -- the supervisor reviews and accepts each, from the inbox --------------------------
    bpage = boss.page
    for month, _day in MONTHS:
        waiting = inbox_section(boss, "Laporan bulanan menunggu tinjauan")
        waiting.locator("li", has_text=month).get_by_role("link", name="Tinjau laporan").click()
        expect(bpage.get_by_text(f"Laporan {month} selesai.")).to_be_visible()
        bpage.get_by_label("Nilai kualitas (0–100)").fill("90")
        bpage.get_by_label("Umpan balik").fill(f"Rapi untuk {month}.")
        fits(boss)
        bpage.get_by_role("button", name="Simpan nilai dan terima laporan").click()
        expect(
            bpage.get_by_role("status").filter(has_text="Laporan bulanan diterima.")
        ).to_be_visible()

    # -- the quarter's periodic evaluation, due in the inbox ------------------------------
    boss.expect_badge(1)
    due = inbox_section(boss, "Evaluasi periodik")
    expect(due).to_contain_text("Triwulan I")
    due.get_by_role("link", name="Evaluasi", exact=True).click()  # one due: straight to it
    expect(bpage.get_by_role("heading", level=1)).to_contain_text("Triwulan I")
    expect(bpage.locator("article", has_text=TITLE)).to_contain_text("100,00 %")
    for i in range(len(scoring.BERAKHLAK)):
        bpage.locator(f"#f-rating_{i}").select_option(DI_ATAS if i < 4 else SESUAI)
    bpage.get_by_label("Umpan balik (merujuk bukti dukung)").fill(FEEDBACK)
    fits(boss)
    bpage.get_by_role("button", name="Selesaikan evaluasi periodik").click()
    expect(bpage.get_by_role("status").filter(has_text="selesai")).to_be_visible()
    boss.expect_badge(0)

    # -- the PNS acknowledges it, from the inbox ------------------------------------------
    pns.page.reload()
    pns.expect_badge(1)
    result = inbox_section(pns, "Hasil evaluasi periodik")
    result.get_by_role("link", name="Baca dan terima").click()
    expect(page.locator(".periodic-result")).to_contain_text(FEEDBACK)
    page.get_by_role("button", name="Saya sudah membaca dan menerima hasil ini").click()
    expect(page.get_by_role("status").filter(has_text="diterima")).to_be_visible()
    in_menu(pns, "Perlu tindakan")
    expect(page.get_by_text("Tidak ada yang menunggu tindakan Anda saat ini.")).to_be_visible()
    for window in (pns, boss):
        assert window.csp_violations == []
