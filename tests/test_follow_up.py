"""Follow-up (tindak lanjut) of an evaluation: the plan of items, the perbaikan kinerja item
that some predikat require, ``follow_up`` (evaluated → followed_up), and closing items."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.evaluations import messages
from portal.evaluations.messages import say
from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS
from portal.models import FollowUpItem, FollowUpKind, Target, TargetHistory
from tests.evaluation_helpers import (
    STEADY,
    Work,
    audit_actions,
    build_team,
    evaluation_of,
    finish,
    form_b,
    reported_targets,
    screen_url,
    snapshot,
    text_of,
)
from tests.reporting_helpers import TODAY, sign_in
from workflows import guards
from workflows.targets import EVALUATED, FOLLOWED_UP

# Half the annual quantity: capaian 50 %, below expectations → "Butuh Perbaikan".
HALF = Work({m: 1 for m in range(1, 7)}, {m: 80 for m in range(1, 13)})
DUE = (TODAY + timedelta(days=60)).isoformat()


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


def _evaluated(factory, monkeypatch, login_as, works):
    team = build_team(factory, monkeypatch)
    reported_targets(team, works)
    response = finish(login_as(team.boss), team, form_b(team))
    assert response.status_code == 303, text_of(response)[:500]
    return team, evaluation_of(team)


@pytest.fixture
def baik(factory, monkeypatch, login_as):
    """Scheme B, two targets evaluated as expected: predikat Baik."""
    return _evaluated(factory, monkeypatch, login_as, [STEADY, STEADY])


def _item(kind="pembinaan", description="Pendampingan penyusunan laporan.", **changes):
    form = {"kind": kind, "description": description, "due_date": DUE, "responsible": "employee"}
    return form | changes


def _states(team) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Target, t.id).state for t in team.targets]


# -- the rule, as a table ------------------------------------------------------------------

IMPROVEMENT = {"Cukup", "Kurang", "Buruk", "Butuh Perbaikan", "Sangat Kurang"}
PREDIKAT = ["Sangat Baik", "Baik", "Cukup", "Kurang", "Buruk", "Butuh Perbaikan", "Sangat Kurang"]


@pytest.mark.parametrize("predikat", PREDIKAT)
@pytest.mark.parametrize(
    "kinds",
    [
        frozenset(),
        frozenset({"pembinaan"}),
        frozenset({"penghargaan", "pengembangan_kompetensi"}),
        frozenset({"perbaikan_kinerja"}),
        frozenset({"pembinaan", "perbaikan_kinerja"}),
    ],
    ids=lambda kinds: "+".join(sorted(kinds)) or "no-plan",
)
def test_follow_up_needs_a_plan_and_perbaikan_kinerja_where_the_predikat_calls_for_it(
    predikat, kinds
):
    evaluation = SimpleNamespace(status="final", predikat=predikat)
    facts = guards.Facts(target=None, today=TODAY, evaluation=evaluation, follow_up_kinds=kinds)
    refusal = guards.follow_up_planned(facts)
    if not kinds:
        assert refusal == str(guards.NO_FOLLOW_UP)
    elif predikat in IMPROVEMENT and "perbaikan_kinerja" not in kinds:
        assert refusal == str(guards.IMPROVEMENT_REQUIRED) % {"predikat": predikat}
    else:
        assert refusal is None


@pytest.mark.parametrize("evaluation", [None, SimpleNamespace(status="draft", predikat="Baik")])
def test_follow_up_waits_for_a_final_evaluation(evaluation):
    facts = guards.Facts(
        target=None, today=TODAY, evaluation=evaluation, follow_up_kinds=frozenset({"pembinaan"})
    )
    assert guards.follow_up_planned(facts) == str(guards.EVALUATION_UNFINISHED)


# -- through the screens -------------------------------------------------------------------


def test_follow_up_is_refused_without_a_plan_and_done_with_one(baik, login_as):
    team, evaluation = baik
    assert evaluation.predikat == "Baik"
    boss = login_as(team.boss)
    url = f"/evaluasi/{evaluation.id}/tindaklanjuti"
    before = snapshot()

    refused = boss.post(url)
    assert refused.status_code == 422
    assert str(guards.NO_FOLLOW_UP) in text_of(refused)
    assert snapshot() == before and _states(team) == [EVALUATED, EVALUATED]
    for who in (team.owner, team.head, team.colleague, team.other_boss):
        assert login_as(who).post(url).status_code == 403, who.jabatan
    assert login_as(team.stranger).post(url).status_code == 404
    assert snapshot() == before

    added = boss.post(f"/evaluasi/{evaluation.id}/tindak-lanjut", _item())
    assert added.status_code == 303
    item = db.session.scalar(select(FollowUpItem))
    assert (item.kind, item.status, item.responsible_id, item.due_date) == (
        FollowUpKind.PEMBINAAN,
        "open",
        team.owner.id,
        date.fromisoformat(DUE),
    )
    assert (item.employee_id, item.created_by_id) == (team.owner.id, team.boss.id)
    assert audit_actions("follow_up.") == ["follow_up.add"]

    assert boss.post(url).status_code == 303
    assert _states(team) == [FOLLOWED_UP, FOLLOWED_UP]
    for target in team.targets:
        rows = db.session.scalars(
            select(TargetHistory).where(
                TargetHistory.target_id == target.id, TargetHistory.trigger == "follow_up"
            )
        ).all()
        assert [(r.from_state, r.to_state, r.actor_id) for r in rows] == [
            (EVALUATED, FOLLOWED_UP, team.boss.id)
        ]
    again = boss.post(url)
    assert again.status_code == 422
    assert str(messages.NOTHING_TO_FOLLOW_UP) in text_of(again)


def test_a_refused_follow_up_says_so_once_where_it_was_asked(baik, login_as):
    """The htmx answer stays at the follow-up section (no jump to the top) and the
    refusal is said once, under that section, not under the evaluation form's heading."""
    team, evaluation = baik
    refused = login_as(team.boss).post(f"/evaluasi/{evaluation.id}/tindaklanjuti", htmx=True)
    assert refused.status_code == 422
    assert refused.headers["HX-Reswap"] == "innerHTML show:#followup-title:top"
    page = refused.get_data(as_text=True)
    assert page.count(str(guards.NO_FOLLOW_UP)) == 1
    assert "Evaluasi belum bisa disimpan." not in page
    section = page[page.index('id="followup-title"') :]
    assert str(guards.NO_FOLLOW_UP) in section


def test_a_predikat_calling_for_improvement_needs_a_perbaikan_kinerja_item(
    factory, monkeypatch, login_as
):
    team = build_team(factory, monkeypatch)
    reported_targets(team, [HALF])
    boss = login_as(team.boss)
    # A draft evaluation takes no follow-up yet.
    assert boss.post(screen_url(team), {**form_b(team), "action": "save"}).status_code == 303
    evaluation = evaluation_of(team)
    assert evaluation.predikat == "Butuh Perbaikan"
    add_url = f"/evaluasi/{evaluation.id}/tindak-lanjut"
    assert boss.post(add_url, _item()).status_code == 403
    assert finish(boss, team, form_b(team)).status_code == 303

    page = boss.get(screen_url(team))
    assert "Predikat ini mewajibkan butir perbaikan kinerja dengan tenggat waktu." in text_of(page)
    assert boss.post(add_url, _item()).status_code == 303
    url = f"/evaluasi/{evaluation.id}/tindaklanjuti"
    refused = boss.post(url)
    assert refused.status_code == 422
    assert (
        "Predikat “Butuh Perbaikan” mewajibkan butir perbaikan kinerja dengan tenggat waktu."
        in text_of(refused)
    )
    assert _states(team) == [EVALUATED]

    improvement = _item("perbaikan_kinerja", "Rencana perbaikan: laporan bulanan tepat waktu.")
    assert boss.post(add_url, improvement).status_code == 303
    assert boss.post(url).status_code == 303
    assert _states(team) == [FOLLOWED_UP]


def test_bad_follow_up_items_are_refused_and_change_nothing(baik, login_as, subtests):
    team, evaluation = baik
    url = f"/evaluasi/{evaluation.id}/tindak-lanjut"
    boss = login_as(team.boss)
    before = snapshot()
    cases = [
        (_item(kind="hukuman"), messages.PICK_FOLLOW_UP_KIND),
        (_item(kind=""), messages.PICK_FOLLOW_UP_KIND),
        (_item(description="   "), messages.DESCRIBE_FOLLOW_UP),
        (_item(description="x" * 4001), say(messages.TEXT_TOO_LONG, max=4000)),
        (_item(description="Rapat\x00 evaluasi."), CONTROL_CHARACTERS),
        (_item(due_date=(TODAY - timedelta(days=1)).isoformat()), messages.DUE_IN_THE_PAST),
        (_item(due_date="31-12-2026"), messages.DUE_NOT_A_DATE),
        (_item(due_date=""), messages.DUE_NOT_A_DATE),
        (_item(responsible="atasan"), messages.UNKNOWN_RESPONSIBLE),
    ]
    for form, message in cases:
        with subtests.test(str(message), form=str(form)[:80]):
            response = boss.post(url, form)
            assert response.status_code == 422
            assert str(message) in text_of(response)
            assert snapshot() == before
    with subtests.test("only the evaluator plans the follow-up"):
        for who in (team.owner, team.head, team.colleague, team.admin):
            assert login_as(who).post(url, _item()).status_code == 403, who.jabatan
        assert login_as(team.stranger).post(url, _item()).status_code == 404
        assert snapshot() == before


def test_an_item_is_closed_by_the_person_responsible_or_the_evaluator(baik, login_as):
    team, evaluation = baik
    boss, owner = login_as(team.boss), login_as(team.owner)
    add_url = f"/evaluasi/{evaluation.id}/tindak-lanjut"
    assert boss.post(add_url, _item(description="Butir pegawai.")).status_code == 303
    mine = _item("pengembangan_kompetensi", "Butir atasan.", responsible="evaluator")
    assert boss.post(add_url, mine).status_code == 303
    employees, evaluators = db.session.scalars(select(FollowUpItem).order_by(FollowUpItem.id))
    assert (employees.responsible_id, evaluators.responsible_id) == (team.owner.id, team.boss.id)
    page = text_of(owner.get(screen_url(team)))
    assert "Butir pegawai." in page and "Butir atasan." in page
    before = snapshot()

    for who in (team.colleague, team.head):
        assert login_as(who).post(f"/tindak-lanjut/{employees.id}/selesai").status_code == 403
    assert login_as(team.stranger).post(f"/tindak-lanjut/{employees.id}/selesai").status_code == 404
    assert owner.post(f"/tindak-lanjut/{evaluators.id}/selesai").status_code == 403
    assert snapshot() == before

    assert owner.post(f"/tindak-lanjut/{employees.id}/selesai").status_code == 303
    assert boss.post(f"/tindak-lanjut/{evaluators.id}/selesai").status_code == 303
    db.session.expire_all()
    for item in (employees, evaluators):
        item = db.session.get(FollowUpItem, item.id)
        assert item.status == "done" and item.closed_at is not None
    assert audit_actions("follow_up.close") == ["follow_up.close"] * 2
    before = snapshot()
    again = owner.post(f"/tindak-lanjut/{employees.id}/selesai")
    assert again.status_code == 409
    assert snapshot() == before
    page = owner.get(screen_url(team)).get_data(as_text=True)
    assert "Tandai selesai" not in page


def test_open_items_appear_on_the_home_pages_of_the_employee_and_the_evaluator(baik, login_as):
    team, evaluation = baik
    boss = login_as(team.boss)
    add_url = f"/evaluasi/{evaluation.id}/tindak-lanjut"
    assert boss.post(add_url, _item(description="Ikuti pelatihan penulisan laporan.")).status_code
    assert boss.post(add_url, _item(description="Butir yang sudah selesai.")).status_code
    done = db.session.scalar(
        select(FollowUpItem).where(FollowUpItem.description == "Butir yang sudah selesai.")
    )
    assert boss.post(f"/tindak-lanjut/{done.id}/selesai").status_code == 303
    # The items stay visible in the next period until closed.
    team.factory.period(
        team.owner.instansi,
        name="Tahun 2027",
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        planning_deadline=date(2027, 1, 31),
    )
    team.period.status = "closed"
    db.session.commit()
    for who in (team.owner, team.boss):
        home = text_of(login_as(who).get("/"))
        assert "Ikuti pelatihan penulisan laporan." in home, who.jabatan
        assert "Butir yang sudah selesai." not in home
