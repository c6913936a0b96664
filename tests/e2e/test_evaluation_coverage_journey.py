"""The annual evaluation on a phone covers every approved target (issue 12): the evaluator
of a plan with a reported target and an approved one never reported is refused while the
latter is undecided, excludes it with a reason, and reads what the evaluation covered."""

from __future__ import annotations

from playwright.sync_api import expect

from portal import scoring
from tests.e2e.journeys import Person, in_database, open_window
from tests.evaluation_helpers import (
    SESUAI,
    STEADY,
    approved_target,
    build_team,
    reported_targets,
)
from tests.factories import Factory

PHONE = {"width": 390, "height": 844}
REASON = "Kegiatan dibatalkan karena anggaran dialihkan."


def test_an_unreported_target_is_decided_on_a_phone(new_context, live_server, monkeypatch):
    with in_database(live_server):
        team = build_team(Factory(), monkeypatch)
        reported_targets(team, [STEADY])
        unreported = approved_target(team, title="Tersusunnya kajian yang dibatalkan")
        boss, owner = Person.of(team.boss), Person.of(team.owner)
        period_id, target_id, title = team.period.id, unreported.id, unreported.title

    window = open_window(new_context, live_server, boss, viewport=PHONE)
    page = window.page
    page.goto(live_server(f"/evaluasi/{period_id}/pegawai/{owner.id}"))
    decision = page.get_by_role("group", name="Target ini belum dilaporkan")
    expect(decision).to_be_visible()
    for i in range(len(scoring.BERAKHLAK)):
        page.locator(f"#f-berakhlak_{i}").select_option(SESUAI)

    page.get_by_role("button", name="Selesaikan evaluasi").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"“{title}”")
    expect(page.locator(f"#coverage_{target_id}-error")).to_be_visible()

    decision = page.get_by_role("group", name="Target ini belum dilaporkan")
    decision.get_by_label("Kecualikan, dengan alasan").check()
    decision.get_by_label("Alasan dikecualikan").fill(REASON)
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Selesaikan evaluasi").click()
    expect(page.get_by_role("status").filter(has_text="Evaluasi selesai")).to_have_text(
        "Evaluasi selesai: 1 target dinilai, 1 dikecualikan."
    )
    decision = page.get_by_role("group", name="Target ini belum dilaporkan")
    expect(decision.get_by_label("Kecualikan, dengan alasan")).to_be_checked()
    expect(decision.get_by_label("Kecualikan, dengan alasan")).to_be_disabled()
    assert window.csp_violations == []
