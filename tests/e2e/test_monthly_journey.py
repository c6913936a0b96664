"""The monthly report (issue 12) on a phone: the PNS opens "Laporan bulanan" from the
menu, fills in May's report and submits it (late: 15 June is after the 5 June deadline);
the supervisor finds it in their own "Tinjau laporan bulanan", rates the target and
accepts it; the PNS sees it accepted. No CSP violation, nothing wider than the phone."""

from __future__ import annotations

import os
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.journeys import PHONE, Window, fresh_team, open_window
from tests.reporting_helpers import entry, fix_today
from workflows.targets import APPROVED

TITLE = "Tersusunnya laporan evaluasi kelembagaan"
SCREENSHOTS = os.environ.get("PORTAL_E2E_SCREENSHOTS")


def approved_target_with_may_work(factory, owner, period) -> None:
    from portal.extensions import db
    from portal.models import EntryStatus

    target = factory.target(owner, period, state=APPROVED, title=TITLE)
    db.session.add(entry(target, date(2026, 5, 12), quantity=2, status=EntryStatus.ACCEPTED))


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"e2e-monthly-{name}.png"), full_page=True)


def open_menu_link(window: Window, name: str) -> None:
    window.page.get_by_text("Menu", exact=True).click()
    window.page.locator("nav .nav").get_by_role("link", name=name, exact=True).click()


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_month_is_reported_and_accepted_on_a_phone(new_context, live_server, monkeypatch):
    fix_today(monkeypatch)  # 15 June 2026
    team = fresh_team(live_server, build=approved_target_with_may_work)

    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    open_menu_link(pns, "Laporan bulanan")
    page = pns.page
    may = page.locator("tr").filter(has=page.get_by_role("link", name="Mei 2026", exact=True))
    expect(may).to_contain_text("Lewat batas waktu")
    fits_the_phone(page)
    screenshot(page, "1-list")
    may.get_by_role("link", name="Isi dan kirim").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_label("Capaian bulan ini").fill("Dua laporan kegiatan selesai.")
    page.get_by_label("Kendala").fill("Data bidang terlambat masuk.")
    page.get_by_label("Rencana tindak lanjut bulan berikutnya").fill("Laporan triwulan.")
    fits_the_phone(page)
    screenshot(page, "2-form")
    page.get_by_role("button", name="Kirim ke atasan").click()
    expect(page.get_by_role("status").filter(has_text="ditandai terlambat")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("Menunggu tinjauan atasan")

    boss = open_window(new_context, live_server, team.boss, viewport=PHONE)
    open_menu_link(boss, "Tinjau laporan bulanan")
    bpage = boss.page
    bpage.locator("tr", has_text=team.owner.display_name).get_by_role("link", name="Tinjau").click()
    expect(bpage.get_by_text("Dua laporan kegiatan selesai.")).to_be_visible()
    bpage.get_by_label("Nilai kualitas (0–100)").fill("88")
    bpage.get_by_label("Umpan balik").fill("Rapi; lampirkan notulen berikutnya.")
    fits_the_phone(bpage)
    screenshot(bpage, "3-review")
    bpage.get_by_role("button", name="Simpan nilai dan terima laporan").click()
    expect(bpage.get_by_role("status").filter(has_text="Laporan bulanan diterima.")).to_be_visible()

    page.reload()
    expect(page.locator(".page-head")).to_contain_text("Diterima")
    expect(page.get_by_text("Rapi; lampirkan notulen berikutnya.")).to_be_visible()
    screenshot(page, "4-accepted")
    assert pns.csp_violations == [] and boss.csp_violations == []
