"""Planning (issue 3): a PNS drafts two targets with their monthly breakdown and submits
them; the supervisor comments and asks for a revision; the PNS fixes and resubmits; the
supervisor approves. Every workflow action is an htmx swap, and both people's inbox
badges follow each one without a reload (the badge rides along with each answer)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.journeys import PHONE, Window, fresh_team, open_window
from tests.reporting_helpers import PLANNING_DAY, fix_today

FIRST = "Tersusunnya laporan evaluasi kelembagaan perangkat daerah"
SECOND = "Terlaksananya analisis beban kerja unit kerja"
MISTAKE = "Target yang terketik dua kali"
COMMENT = "Apakah 12 laporan realistis dengan jadwal rapat koordinasi?"
REASON = "Kuantitas terlalu rendah; unit kerja menargetkan 24 analisis tahun ini."


def draft_target(pns: Window, live_server, team, title: str, quantity: int) -> None:
    """Fill the editor, spread the quantity evenly and save the draft."""
    page = pns.page
    page.goto(live_server(f"/skp/{team.period_id}/pegawai/{team.owner.id}/target/baru"))
    page.get_by_label("Judul target (rencana hasil kerja)").fill(title)
    page.get_by_label("IKI kuantitas").fill(f"Jumlah laporan: {title}")
    page.get_by_label("Satuan").fill("laporan")
    pns.mark()
    # Spread straight after typing the quantity, while the running sum's own request still
    # waits out its delay; the spread answer is held back so that this request starts
    # while the spread is in flight. (It used to abort the spread: one hx-sync queue.)
    page.route("**/rincian-bulanan?spread=1*", _held_back)
    page.get_by_label("Kuantitas tahunan").fill(str(quantity))
    page.get_by_role("button", name="Bagi rata dari kuantitas tahunan").click()
    monthly_sum = page.locator("#monthly-sum")
    expect(monthly_sum).to_contain_text(f"{quantity} / {quantity}")
    expect(monthly_sum).to_contain_text("sesuai")
    page.unroute("**/rincian-bulanan?spread=1*")
    months = [page.locator(f"#f-month_{m}") for m in range(1, 13)]
    values = [int(m.input_value()) for m in months]
    assert sum(values) == quantity and max(values) - min(values) <= 1, values

    # One month changed by hand: the running sum follows as the person types.
    months[11].fill(str(values[11] + 1))
    expect(monthly_sum).to_contain_text(f"{quantity + 1} / {quantity}")
    expect(monthly_sum).to_contain_text("lebih 1")
    months[11].fill(str(values[11]))
    expect(monthly_sum).to_contain_text("sesuai")
    pns.expect_no_reload()

    page.get_by_role("button", name="Simpan draf").click()
    expect(page).to_have_url(live_server(f"/skp/{team.period_id}/pegawai/{team.owner.id}"))
    expect(page.get_by_role("status").filter(has_text=title)).to_contain_text("draf")


def _held_back(route) -> None:
    time.sleep(0.6)  # longer than the running sum's 250 ms delay
    route.continue_()


def card(window: Window, title: str):
    return window.page.locator("article.target").filter(
        has=window.page.get_by_role("heading", name=title)
    )


def open_menu(window: Window) -> None:
    """On a phone the navigation (and its badge) sits in the "Menu" disclosure."""
    menu = window.page.locator("details.menu")
    if menu.get_attribute("open") is None:
        window.page.get_by_text("Menu", exact=True).click()
    expect(window.badge()).to_be_visible()


def test_targets_are_drafted_discussed_revised_and_approved(new_context, live_server, monkeypatch):
    fix_today(monkeypatch, PLANNING_DAY)  # planning in January: nothing else is due yet
    team = fresh_team(live_server)
    plan_url = live_server(f"/skp/{team.period_id}/pegawai/{team.owner.id}")

    # -- the PNS, on a phone: two drafts, each with its monthly breakdown -------------
    pns = open_window(new_context, live_server, team.owner, viewport=PHONE)
    open_menu(pns)
    pns.expect_badge(0)
    draft_target(pns, live_server, team, FIRST, 12)
    draft_target(pns, live_server, team, SECOND, 30)

    # A draft made by mistake: "Hapus draf ini" asks first, then deletes only on "yes".
    draft_target(pns, live_server, team, MISTAKE, 12)
    card(pns, MISTAKE).get_by_role("link", name=f"Ubah {MISTAKE}").click()
    pns.page.get_by_role("link", name="Hapus draf ini").click()
    question = pns.page.locator("form.confirm")
    expect(question).to_contain_text(f"Draf target “{MISTAKE}” akan dihapus.")
    question.get_by_role("button", name="Ya, hapus").click()
    expect(pns.page.get_by_role("status").filter(has_text="dihapus")).to_contain_text(MISTAKE)
    expect(card(pns, MISTAKE)).to_have_count(0)
    open_menu(pns)
    pns.expect_badge(2)  # two drafts await their owner

    pns.mark()
    for left, title in ((1, FIRST), (0, SECOND)):
        target = card(pns, title)
        target.get_by_role("button", name=re.compile("^Ajukan ke atasan")).click()
        expect(target.get_by_role("status")).to_have_text("Diajukan ke atasan.")
        expect(target.locator(".tag", has_text="Dalam pembahasan")).to_be_visible()
        pns.expect_badge(left)
    pns.expect_no_reload()

    # -- the supervisor: a comment, then a revision with its reason ----------------------
    boss = open_window(new_context, live_server, team.boss)
    boss.expect_badge(2)  # two targets to discuss
    boss.page.goto(plan_url)
    card(boss, FIRST).get_by_role("link", name=FIRST).click()
    expect(boss.page.get_by_role("heading", level=1)).to_have_text(FIRST)

    boss.mark()
    boss.page.get_by_label("Tulis komentar").fill(COMMENT)
    boss.page.get_by_role("button", name="Kirim komentar").click()
    discussion = boss.page.locator("#discussion")
    expect(discussion.locator(".comment")).to_have_text(COMMENT)
    expect(boss.page.get_by_label("Tulis komentar")).to_have_value("")
    boss.expect_badge(2)  # a comment decides nothing

    boss.page.locator("summary", has_text="Minta perbaikan").click()
    boss.page.get_by_label("Alasan").fill(REASON)
    boss.page.get_by_role("button", name="Minta perbaikan").click()
    expect(boss.page.get_by_role("status")).to_have_text("Dikembalikan untuk perbaikan.")
    expect(boss.page.locator("#target-main .tag", has_text="Draf")).to_be_visible()
    expect(boss.page.locator("#discussion blockquote")).to_have_text(REASON)
    boss.expect_badge(1)
    boss.expect_no_reload()

    # -- the PNS sees why, fixes the quantity and submits again --------------------------
    pns.page.goto(live_server("/perlu-tindakan"))
    pns.expect_badge(1)
    revision = pns.page.locator("#inbox-items li", has_text=FIRST)
    expect(revision).to_contain_text(REASON)
    revision.get_by_role("link", name=FIRST).click()
    expect(pns.page.locator("#target-main .alert--warning")).to_contain_text(REASON)
    expect(pns.page.locator("#discussion .comment")).to_have_text(COMMENT)

    pns.page.get_by_role("link", name="Ubah target").click()
    pns.page.get_by_label("Kuantitas tahunan").fill("24")
    # The running sum compares the months with the quantity as it is typed.
    expect(pns.page.locator("#monthly-sum")).to_contain_text("12 / 24")
    expect(pns.page.locator("#monthly-sum")).to_contain_text("kurang 12")
    pns.page.get_by_role("button", name="Bagi rata dari kuantitas tahunan").click()
    expect(pns.page.locator("#monthly-sum")).to_contain_text("24 / 24")
    pns.page.get_by_role("button", name="Simpan draf").click()
    expect(
        pns.page.get_by_role("status").filter(has_text="Perubahan target tersimpan")
    ).to_be_visible()
    expect(pns.page.locator("#target-main .iki-table")).to_contain_text("24 laporan")
    expect(pns.page.locator("#target-main dl.facts")).to_contain_text(team.boss.display_name)

    pns.mark()
    pns.page.locator("#target-main").get_by_role("button", name=re.compile("^Ajukan")).click()
    expect(pns.page.locator("#target-main").get_by_role("status")).to_have_text(
        "Diajukan ke atasan."
    )
    expect(pns.page.locator("#target-main .alert--warning")).to_have_count(0)
    # The save's message gave way to the submit's: one message, not two piled up.
    expect(pns.page.locator("#flashes .alert")).to_have_count(0)
    open_menu(pns)
    pns.expect_badge(0)
    pns.expect_no_reload()

    # -- the supervisor approves both ----------------------------------------------------
    boss.page.goto(plan_url)
    boss.expect_badge(2)
    boss.mark()
    for left, title in ((1, FIRST), (0, SECOND)):
        target = card(boss, title)
        target.get_by_role("button", name=re.compile("^Setujui")).click()
        expect(target.get_by_role("status")).to_have_text("Disetujui.")
        expect(target.locator(".tag", has_text="Disetujui")).to_be_visible()
        boss.expect_badge(left)
    boss.expect_no_reload()
    expect(card(boss, FIRST)).to_contain_text("24 laporan")

    pns.page.goto(plan_url)
    expect(pns.page.locator("article.target .tag", has_text="Disetujui")).to_have_count(2)
    pns.expect_badge(0)

    assert pns.csp_violations == []
    assert boss.csp_violations == []
