"""Perilaku kerja (issue 14 item 5-6) on a phone: the supervisor writes an expectation
for two BerAKHLAK values and the lampiran in the dialog kinerja; a text over the limit is
refused next to its field; the employee then reads them on their plan page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journeys import PHONE, fresh_team, open_window
from tests.reporting_helpers import PLANNING_DAY, fix_today
from workflows.states import DISCUSSED

SERVICE = "Menjawab permintaan data perangkat daerah dalam tiga hari kerja."
TEAMWORK = "Aktif dalam tim kerja penyederhanaan birokrasi."
SUPPORT = "Akses aplikasi anjab-abk daring dan pendampingan Kepala Subbagian."


def test_the_supervisor_sets_the_expectations_and_the_employee_reads_them(
    new_context, live_server, monkeypatch
):
    fix_today(monkeypatch, PLANNING_DAY)
    team = fresh_team(
        live_server, build=lambda f, owner, period: f.target(owner, period, state=DISCUSSED)
    )
    plan_url = live_server(f"/skp/{team.period_id}/pegawai/{team.owner.id}")

    boss = open_window(new_context, live_server, team.boss, viewport=PHONE)
    page = boss.page
    page.goto(plan_url)
    page.get_by_role("link", name="Ubah ekspektasi dan lampiran").click()
    expect(page.get_by_role("heading", name="Perilaku kerja dan lampiran SKP")).to_be_visible()
    expect(page.get_by_text("Ramah, cekatan, solutif, dan dapat diandalkan")).to_be_visible()
    page.get_by_label("Berorientasi Pelayanan").fill(SERVICE)
    page.get_by_label("Kolaboratif").fill(TEAMWORK)
    page.get_by_label("Dukungan sumber daya").fill(SUPPORT)
    # A text over the limit (the browser's maxlength taken away): refused beside its field.
    page.evaluate("document.getElementById('f-ekspektasi_loyal').removeAttribute('maxlength')")
    page.get_by_label("Loyal").fill("x" * 1001)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#f-ekspektasi_loyal-error")).to_have_text(
        "Ekspektasi paling banyak 1000 karakter."
    )
    expect(page.get_by_label("Kolaboratif")).to_have_value(TEAMWORK)  # kept as typed
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Loyal").fill("")
    page.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(plan_url)
    expect(page.get_by_role("status").filter(has_text="tersimpan")).to_be_visible()
    assert boss.csp_violations == []

    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    page = pns.page
    page.goto(plan_url)
    section = page.locator("section.perilaku")
    expect(section).to_contain_text(SERVICE)
    expect(section).to_contain_text(TEAMWORK)
    expect(page.locator("section.lampiran")).to_contain_text(SUPPORT)
    expect(page.get_by_role("link", name="Ubah ekspektasi dan lampiran")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert pns.csp_violations == []
