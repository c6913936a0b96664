"""Notifications (issue 13), on a phone: the supervisor rejects a daily entry; the
employee's "Pemberitahuan" badge counts it, the notification says why, and "Buka" takes
them to the entry's form, where they fix it and send it back. Nobody types a URL after
signing in."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from portal.extensions import db
from tests.e2e.journeys import PHONE, fresh_team, in_menu, open_window
from tests.reporting_helpers import add, entry, fix_today
from workflows.targets import APPROVED

TITLE = "Tersusunnya laporan evaluasi kelembagaan"
WORK = "Mengoreksi draf laporan bagian organisasi"
REASON = "Notulen rapat belum dilampirkan; sebutkan rapat yang mana."


def _with_an_entry(factory, owner, period) -> None:
    target = factory.target(owner, period, state=APPROVED, title=TITLE)
    db.session.flush()
    add(entry(target, date(2026, 6, 12), description=WORK))


def test_a_rejected_entry_is_a_notification_the_employee_fixes_from(
    new_context, live_server, monkeypatch
):
    fix_today(monkeypatch)
    team = fresh_team(live_server, build=_with_an_entry)

    boss = open_window(new_context, live_server, team.boss, viewport=PHONE)
    in_menu(boss, "Verifikasi")
    queued = boss.page.locator("li.entry", has_text=WORK)
    queued.locator("summary", has_text="Tolak").click()
    queued.get_by_label("Alasan penolakan").fill(REASON)
    queued.get_by_role("button", name="Tolak laporan").click()
    expect(queued.locator(".tag")).to_have_text("Ditolak")

    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    page = pns.page
    expect(page.locator("#notify-badge")).to_have_text("1 belum dibaca")
    in_menu(pns, "Pemberitahuan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan")
    item = page.locator("li.notify-item", has_text="Laporan harian Anda ditolak")
    expect(item).to_contain_text(REASON)
    expect(item).to_contain_text("12 Juni 2026")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    item.get_by_role("button", name="Buka").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ubah laporan harian")
    expect(page.locator("#notify-badge")).to_have_text("0 belum dibaca")
    page.get_by_label("Uraian pekerjaan").fill(f"{WORK} (notulen rapat 12 Juni)")
    page.get_by_role("button", name="Simpan dan ajukan ke atasan").click()
    expect(page.get_by_role("status").filter(has_text="menunggu verifikasi")).to_be_visible()
    assert pns.csp_violations == []

    in_menu(pns, "Pemberitahuan")
    read = page.locator("li.notify-item", has_text="Laporan harian Anda ditolak")
    expect(read).to_have_class("notify-item")
    expect(read.get_by_role("button", name="Tandai dibaca")).to_have_count(0)
