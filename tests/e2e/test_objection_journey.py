"""The annual evaluation with an objection, on phones, every step reached from the inbox
(issue 12): the supervisor evaluates from "Perlu tindakan"; the employee finds the result
there with the objection window's last day and objects; the evaluator's own supervisor
(atasan pejabat penilai) finds the objection in their inbox and decides it. Nobody types a
URL after signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

from portal import scoring
from tests.e2e.journeys import PHONE, Person, in_database, in_menu, open_window
from tests.evaluation_helpers import DI_ATAS, SESUAI, STEADY, build_team, reported_targets
from tests.factories import Factory

REASON = "Laporan bulan Desember sudah diterima tetapi belum dihitung."
DECISION = "Laporan Desember diperiksa: sudah termasuk dalam capaian."


@dataclass(frozen=True)
class Chain:
    head: Person
    boss: Person
    owner: Person


def chain(live_server, monkeypatch) -> Chain:
    """head → boss → owner, the owner's two targets reported for the year."""
    with in_database(live_server):
        team = build_team(Factory(), monkeypatch)
        reported_targets(team, [STEADY, STEADY])
        return Chain(Person.of(team.head), Person.of(team.boss), Person.of(team.owner))


def open_inbox(window) -> None:
    in_menu(window, "Perlu tindakan")
    expect(window.page.get_by_role("heading", level=1)).to_have_text("Perlu tindakan")


def section(page, title: str):
    return page.locator("section.inbox-section", has=page.get_by_role("heading", name=title))


def test_an_objection_is_decided_by_the_evaluators_supervisor(
    new_context, live_server, monkeypatch
):
    people = chain(live_server, monkeypatch)

    # -- the supervisor evaluates, from the inbox ----------------------------------------
    boss = open_window(new_context, live_server, people.boss, viewport=PHONE)
    boss.expect_badge(2)
    open_inbox(boss)
    page = boss.page
    section(page, "Realisasi bawahan untuk dievaluasi").get_by_role("link", name="Evaluasi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(people.owner.display_name)
    for i in range(len(scoring.BERAKHLAK)):
        page.locator(f"#f-berakhlak_{i}").select_option(DI_ATAS if i < 4 else SESUAI)
    page.get_by_role("button", name="Selesaikan evaluasi").click()
    expect(page.get_by_role("status").filter(has_text="Evaluasi selesai")).to_be_visible()
    boss.expect_badge(0)

    # -- the employee is told, with the window's last day, and objects -------------------
    pns = open_window(new_context, live_server, people.owner, viewport=PHONE)
    pns.expect_badge(1)
    results = section(pns.page, "Hasil evaluasi Anda: tanggapi sebelum batas keberatan")
    expect(results).to_contain_text("paling lambat")  # on the home page, the same inbox
    expect(results.locator("li .tag")).to_contain_text("batas")
    results.get_by_role("link", name="Lihat dan tanggapi").click()
    expect(pns.page).to_have_url(re.compile(r"/evaluasi/\d+/pegawai/\d+#response-title$"))
    pns.page.get_by_label(re.compile("Mengajukan keberatan")).check()
    pns.page.get_by_label("Alasan keberatan (wajib bila keberatan)").fill(REASON)
    pns.page.get_by_role("button", name="Kirim tanggapan").click()
    expect(pns.page.get_by_text("Menunggu keputusan atasan pejabat penilai.")).to_be_visible()
    pns.expect_badge(0)

    # -- the evaluator's supervisor finds it in their inbox and decides ------------------
    head = open_window(new_context, live_server, people.head, viewport=PHONE)
    head.expect_badge(1)
    open_inbox(head)
    objections = section(head.page, "Keberatan yang harus Anda putuskan")
    item = objections.locator("li", has_text=people.owner.display_name)
    expect(item).to_contain_text(REASON)
    expect(item).to_contain_text(people.boss.display_name)
    expect(item.locator(".tag")).to_contain_text("batas")
    item.get_by_role("link", name="Putuskan keberatan").click()
    decide = head.page.locator(
        "form", has=head.page.get_by_role("button", name="Putuskan keberatan")
    )
    decide.get_by_label("Menguatkan evaluasi").check()
    decide.get_by_label("Alasan keputusan").fill(DECISION)
    decide.get_by_role("button", name="Putuskan keberatan").click()
    expect(head.page.get_by_text("evaluasi dikuatkan")).to_be_visible()
    head.expect_badge(0)
    in_menu(head, "Perlu tindakan")
    expect(head.page.get_by_text("Tidak ada yang menunggu tindakan Anda saat ini.")).to_be_visible()

    # -- the employee reads the decision -------------------------------------------------
    pns.page.reload()
    expect(pns.page.get_by_text(DECISION)).to_be_visible()
    for window in (boss, pns, head):
        assert window.csp_violations == []
