"""A quarter's periodic evaluation on a phone (issue 12): the supervisor opens the team's
periodic list, evaluates Triwulan I on one screen whose outcome follows the ratings live,
finishes; the employee reads the result on their own page and acknowledges it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from playwright.sync_api import expect

from portal import scoring
from portal.models import EntryStatus
from portal.models.periods import Cadence
from tests.e2e.journeys import Person, in_database, open_window
from tests.evaluation_helpers import DI_ATAS, SESUAI, approved_target, build_team
from tests.factories import Factory
from tests.reporting_helpers import add, entry

PHONE = {"width": 390, "height": 844}
FEEDBACK = "Tiga laporan triwulan I lengkap dengan bukti dukung."


@dataclass(frozen=True)
class Quarter:
    boss: Person
    owner: Person
    period_id: int


def quarter(live_server, monkeypatch) -> Quarter:
    """Today is 15 June 2026; the owner's target planned 1 laporan a month and 3 were
    accepted in January–March."""
    with in_database(live_server):
        team = build_team(Factory(), monkeypatch, cadence=Cadence.TRIWULANAN)
        target = approved_target(team, title="Laporan kinerja triwulan")
        add(*[entry(target, date(2026, m, 12), status=EntryStatus.ACCEPTED) for m in (1, 2, 3)])
        return Quarter(Person.of(team.boss), Person.of(team.owner), team.period.id)


def test_a_quarter_is_evaluated_and_acknowledged_on_a_phone(new_context, live_server, monkeypatch):
    q = quarter(live_server, monkeypatch)
    boss = open_window(new_context, live_server, q.boss, viewport=PHONE)
    page = boss.page
    page.goto(live_server(f"/evaluasi-periodik/{q.period_id}"))
    row = page.locator("tr", has_text=q.owner.display_name)
    expect(row).to_contain_text("terlambat")
    row.get_by_role("link", name="Evaluasi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Triwulan I")
    expect(page.locator("article", has_text="Laporan kinerja triwulan")).to_contain_text("100,00 %")
    outcome = page.locator("#outcome")
    predikat = outcome.locator(".predikat")
    expect(predikat).to_have_text("—")

    boss.mark()
    for i in range(len(scoring.BERAKHLAK)):
        page.locator(f"#f-rating_{i}").select_option(DI_ATAS if i < 4 else SESUAI)
    expect(outcome).to_contain_text("perilaku Di Atas Ekspektasi")
    expect(predikat).to_have_text("Baik")  # sesuai × di atas
    page.get_by_label("Umpan balik (merujuk bukti dukung)").fill(FEEDBACK)
    boss.expect_no_reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Selesaikan evaluasi periodik").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_be_visible()
    expect(page.locator(".page-head .tag", has_text="selesai")).to_be_visible()
    assert boss.csp_violations == []

    owner = open_window(new_context, live_server, q.owner, viewport=PHONE)
    mine = owner.page
    mine.goto(live_server(f"/evaluasi-periodik/saya/{q.period_id}"))
    expect(mine.locator(".periodic-result")).to_contain_text(FEEDBACK)
    expect(mine.locator(".periodic-result .predikat")).to_have_text("Baik")
    mine.get_by_role("button", name="Saya sudah membaca dan menerima hasil ini").click()
    expect(mine.get_by_role("status").filter(has_text="diterima")).to_be_visible()
    expect(mine.locator(".periodic-result .tag--ok")).to_have_text("diterima pegawai")
    assert owner.csp_violations == []
