"""The guards of the planning workflow, alone (pure functions of the facts) and through
``engine.fire``, and the blocked reasons that ``available_actions`` shows on the buttons."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import MonthlyTarget, Period, Target, TargetHistory
from portal.models.periods import PeriodStatus
from workflows import engine, guards
from workflows.targets import ADMIN, EVALUATOR, OWNER, TRANSITIONS

YEAR_END = date(2026, 12, 31)
PLANNING_GUARDS = {"period_open", "target_complete", "has_evaluator", "reporting_finished"}
CLOSED = "Periode penilaian sudah ditutup"
# Target 12 laporan whose monthly targets were made to add up to 16 (``_break_the_sum``).
SUM_16 = str(guards.MONTHS_DO_NOT_ADD_UP) % {"monthly": 16, "annual": 12}


@pytest.fixture
def later_guards_pass(monkeypatch):
    """The reporting stage's own guards (verified entries, rated months) are tested with
    the reports; here they pass so that only the planning guards decide."""
    for name in set(guards.GUARDS) - PLANNING_GUARDS:
        monkeypatch.setitem(guards.GUARDS, name, lambda facts: None)


@pytest.fixture
def team(factory):
    head, boss, (owner, _) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    period = factory.period(owner.instansi)
    db.session.commit()
    return SimpleNamespace(
        owner=owner, evaluator=boss, admin=admin, head=head, period=period, factory=factory
    )


def _facts(
    *,
    months=(1,) * 12,
    quantity=12,
    title="Laporan",
    is_open=True,
    evaluator=True,
    today=date(2026, 6, 1),
    end=YEAR_END,
):
    period = SimpleNamespace(is_open=is_open, month_count=12, end_date=end)
    evaluator_obj = SimpleNamespace(active=True) if evaluator is True else evaluator
    target = SimpleNamespace(
        title=title,
        quantity=quantity,
        quantity_unit="laporan",
        monthly_quantities=list(months),
        period=period,
        evaluator=evaluator_obj,
    )
    return guards.Facts(target, today)


# -- the guards as pure functions ------------------------------------------------------------


def test_period_open():
    assert guards.period_open(_facts()) is None
    assert CLOSED in guards.period_open(_facts(is_open=False))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, str(guards.NO_TITLE)),
        ({"quantity": None}, str(guards.NO_QUANTITY)),
        ({"quantity": 0}, str(guards.NO_QUANTITY)),
        ({"months": (1,) * 11}, str(guards.MONTHS_INCOMPLETE)),
        (
            {"months": (1,) * 11 + (0,)},
            str(guards.MONTHS_DO_NOT_ADD_UP) % {"monthly": 11, "annual": 12},
        ),
        (
            {"months": (2,) * 12},
            str(guards.MONTHS_DO_NOT_ADD_UP) % {"monthly": 24, "annual": 12},
        ),
    ],
    ids=["no-title", "no-quantity", "zero-quantity", "eleven-months", "sum-short", "sum-over"],
)
def test_target_complete_refuses(changes, message):
    assert guards.target_complete(_facts(**changes)) == message


def test_target_complete_accepts_an_uneven_breakdown_with_the_right_sum():
    assert guards.target_complete(_facts(months=(0,) * 11 + (12,))) is None


def test_has_evaluator():
    assert guards.has_evaluator(_facts()) is None
    assert guards.has_evaluator(_facts(evaluator=None)) == str(guards.NO_EVALUATOR)
    inactive = SimpleNamespace(active=False)
    assert guards.has_evaluator(_facts(evaluator=inactive)) == str(guards.EVALUATOR_INACTIVE)


@pytest.mark.parametrize(
    ("today", "passes"),
    [
        (date(2026, 6, 1), False),
        (date(2026, 12, 30), False),
        (date(2027, 1, 1), True),
        (date(2027, 3, 1), True),
    ],
)
def test_reporting_finished_after_the_period(today, passes):
    result = guards.reporting_finished(_facts(today=today))
    assert (result is None) is passes
    if not passes:
        assert "setelah periode berakhir" in result


def test_failures_lists_every_refusal_in_order():
    facts = _facts(is_open=False, months=(0,) * 12, evaluator=None)
    reasons = guards.failures(("period_open", "target_complete", "has_evaluator"), facts)
    assert len(reasons) == 3
    assert CLOSED in reasons[0] and "Jumlah target bulanan" in reasons[1]
    assert guards.failures(("period_open",), _facts()) == []


# -- period_open through the engine: a closed period refuses everything ----------------------

HOLDER = {OWNER: "owner", EVALUATOR: "evaluator", ADMIN: "admin"}


def test_a_closed_period_refuses_every_trigger(team, later_guards_pass, subtests):
    """Every row of the table, fired by every role it names (the admin's revert too)."""
    targets = {
        row: team.factory.target(team.owner, team.period, state=row.source) for row in TRANSITIONS
    }
    team.period.status = PeriodStatus.CLOSED
    db.session.commit()
    for row, target in targets.items():
        for role in sorted(row.roles):
            with subtests.test(trigger=row.trigger, source=row.source, role=role):
                actor = getattr(team, HOLDER[role])
                with pytest.raises(InvalidInput) as refused:
                    engine.fire(target, row.trigger, actor, reason="Alasan", on=date(2027, 1, 5))
                assert CLOSED in refused.value.message
                assert (target.state, target.version) == (row.source, 1)
    assert db.session.scalar(select(func.count()).select_from(TargetHistory)) == 0


# -- target_complete through the engine -----------------------------------------------------


def _break_the_sum(target: Target) -> None:
    db.session.execute(
        update(MonthlyTarget)
        .where(MonthlyTarget.target_id == target.id, MonthlyTarget.month == 12)
        .values(quantity=5)
    )
    db.session.commit()
    db.session.expire(target)


def test_submit_refuses_monthly_targets_that_do_not_add_up(team):
    target = team.factory.target(team.owner, team.period, quantity=12)
    _break_the_sum(target)
    with pytest.raises(InvalidInput) as refused:
        engine.fire(target, "submit", team.owner)
    assert refused.value.message == SUM_16
    assert target.state == "drafted"


def test_approve_refuses_an_incomplete_target(team):
    target = team.factory.target(team.owner, team.period, quantity=12, state="discussed")
    _break_the_sum(target)
    with pytest.raises(InvalidInput, match="belum sama dengan target tahunan"):
        engine.fire(target, "approve", team.evaluator)
    assert target.state == "discussed"


def test_submit_refuses_a_breakdown_with_missing_months(team):
    target = team.factory.target(team.owner, team.period, quantity=11, monthly=[1] * 11)
    with pytest.raises(InvalidInput, match="Rincian target bulanan belum lengkap"):
        engine.fire(target, "submit", team.owner)


# -- has_evaluator: an employee without atasan plans, but cannot submit ----------------------


def test_employee_without_atasan_can_draft_but_not_submit(team, login_as):
    loner = team.factory.employee(team.owner.unit)  # no atasan in the system yet
    db.session.commit()
    client = login_as(loner)
    form = {
        "title": "Menyusun laporan kepegawaian",
        "kind": "utama",
        "indicator": "Laporan selesai tepat waktu",  # the kuantitas IKI
        "quantity": "12",
        "quantity_unit": "laporan",
        **{f"month_{i}": "1" for i in range(1, 13)},
    }
    response = client.post(f"/skp/{team.period.id}/pegawai/{loner.id}/target/baru", form)
    assert response.status_code == 303
    target = db.session.scalar(select(Target).where(Target.owner_id == loner.id))
    assert target.evaluator_id is None and target.state == "drafted"

    with pytest.raises(InvalidInput) as refused:
        engine.fire(target, "submit", loner)
    assert refused.value.message == str(guards.NO_EVALUATOR)
    page = client.get(f"/target/{target.id}").get_data(as_text=True)
    assert "belum memiliki pejabat penilai" in page
    assert "disabled" in page  # the submit button is shown, blocked, with its reason
    response = client.post(
        f"/target/{target.id}/aksi/submit",
        {"version": str(target.version), "view": "card"},
        htmx=True,
    )
    assert response.status_code == 422
    assert "belum memiliki pejabat penilai" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Target, target.id).state == "drafted"


def test_an_inactive_evaluator_blocks_submit(team):
    target = team.factory.target(team.owner, team.period)
    team.evaluator.active = False
    db.session.commit()
    with pytest.raises(InvalidInput, match="sudah nonaktif"):
        engine.fire(target, "submit", team.owner)


# -- reporting_finished through the engine --------------------------------------------------


def test_submit_report_waits_for_the_end_of_the_period(team, later_guards_pass):
    target = team.factory.target(team.owner, team.period, state="approved")
    db.session.commit()
    with pytest.raises(InvalidInput, match="setelah periode berakhir"):
        engine.fire(target, "submit_report", team.owner, on=date(2026, 11, 30))
    assert target.state == "approved"
    engine.fire(target, "submit_report", team.owner, on=date(2027, 1, 4))
    assert target.state == "reported"


# -- available_actions: the buttons and why they are blocked ---------------------------------


def _actions(user, target, on=None):
    return {a.trigger: a.blocked for a in engine.available_actions(user, target, on=on)}


def test_available_actions_follow_the_roles(team):
    drafted = team.factory.target(team.owner, team.period)
    discussed = team.factory.target(team.owner, team.period, state="discussed")
    approved = team.factory.target(team.owner, team.period, state="approved")
    db.session.commit()
    assert _actions(team.owner, drafted) == {"submit": ()}
    assert _actions(team.evaluator, drafted) == {}
    assert _actions(team.admin, drafted) == {}  # nothing before the first state
    assert _actions(team.head, drafted) == {}
    assert _actions(team.evaluator, discussed) == {"request_revision": (), "approve": ()}
    assert _actions(team.owner, discussed) == {}
    assert _actions(team.admin, discussed) == {"revert": ()}
    assert set(_actions(team.admin, approved)) == {"reopen", "revert"}
    assert set(_actions(team.evaluator, approved)) == {"reopen"}


def test_available_actions_show_why_a_button_is_blocked(team):
    incomplete = team.factory.target(team.owner, team.period, quantity=12)
    _break_the_sum(incomplete)
    approved = team.factory.target(team.owner, team.period, state="approved")
    db.session.commit()

    assert _actions(team.owner, incomplete) == {"submit": (SUM_16,)}
    blocked = _actions(team.owner, approved, on=date(2026, 6, 1))["submit_report"]
    assert any("setelah periode berakhir" in reason for reason in blocked)

    team.period.status = PeriodStatus.CLOSED
    db.session.commit()
    closed = _actions(team.owner, incomplete)["submit"]
    assert closed[0].startswith(CLOSED) and len(closed) == 2
    assert all(CLOSED in r[0] for r in _actions(team.admin, approved).values())


def test_the_target_page_shows_blocked_reasons_next_to_the_disabled_button(team, login_as):
    target = team.factory.target(team.owner, team.period, quantity=12)
    _break_the_sum(target)
    page = login_as(team.owner).get(f"/target/{target.id}").get_data(as_text=True)
    assert f'aria-describedby="blocked-{target.id}-submit"' in page
    assert SUM_16 in page


def test_closing_the_period_refuses_even_with_fresh_facts(team):
    """The engine reads the period as it is now, not as the page showed it."""
    target = team.factory.target(team.owner, team.period)
    db.session.commit()
    db.session.execute(
        update(Period).where(Period.id == team.period.id).values(status=PeriodStatus.CLOSED)
    )
    db.session.commit()
    with pytest.raises(InvalidInput, match=CLOSED):
        engine.fire(target, "submit", team.owner)
