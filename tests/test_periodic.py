"""Periodic evaluations (evaluasi kinerja periodik): the cadence and its sub-periods, the one
screen per employee and sub-period, draft → final → acknowledged, the inbox sources, the
annual screen that builds on them, bad input and races, on both databases."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal import scoring, subperiods
from portal.extensions import db
from portal.inbox import periodic as inbox
from portal.models import (
    AuditEvent,
    Cadence,
    EntryStatus,
    MonthlyQuality,
    PeriodicEvaluation,
    PeriodicStatus,
    PeriodicTarget,
    Plan,
    Scheme,
    Target,
)
from portal.periodic import messages
from portal.periodic.inputs import PeriodicInput
from portal.periodic.queries import context
from portal.periodic.scores import outcome
from tests.evaluation_helpers import DI_ATAS, DI_BAWAH, SESUAI, approved_target, build_team, count
from tests.reporting_helpers import TODAY, add, entry

BERAKHLAK = scoring.BERAKHLAK


@pytest.fixture
def team(factory, monkeypatch):
    """Today is 15 June 2026: Triwulan I (Jan–Mar) ended on 31 March and is overdue (due 14
    April); Triwulan II has not ended. The owner's one target: 12 laporan, 1 a month; 1
    accepted in January and 1 in February (2 of the 3 planned by March)."""
    team = build_team(factory, monkeypatch, cadence=Cadence.TRIWULANAN)
    target = approved_target(team, title="Laporan kinerja triwulan")
    add(
        entry(target, date(2026, 1, 12), status=EntryStatus.ACCEPTED),
        entry(target, date(2026, 2, 12), status=EntryStatus.ACCEPTED),
    )
    team.targets.append(target)
    return team


def url(team, sub_period=1, employee=None) -> str:
    return f"/evaluasi-periodik/{team.period.id}/pegawai/{(employee or team.owner).id}/{sub_period}"


def form(team, *, ratings=None, action="finish", **changes) -> dict:
    ratings = ratings or [SESUAI] * len(BERAKHLAK)
    data = {f"rating_{i}": r for i, r in enumerate(ratings)}
    data.update({f"behaviour_{i}": "" for i in range(len(BERAKHLAK))})
    for target in team.targets:
        data[f"feedback_{target.id}"] = "Dua laporan dengan bukti lengkap."
    data["action"] = action
    data.update(changes)
    return data


def periodic_of(team, sub_period=1) -> PeriodicEvaluation | None:
    db.session.expire_all()
    return db.session.scalar(
        select(PeriodicEvaluation).where(
            PeriodicEvaluation.employee_id == team.owner.id,
            PeriodicEvaluation.sub_period == sub_period,
        )
    )


# -- sub-periods (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (Cadence.BULANAN, [range(m, m + 1) for m in range(1, 13)]),
        (Cadence.TRIWULANAN, [range(1, 4), range(4, 7), range(7, 10), range(10, 13)]),
        (Cadence.SEMESTERAN, [range(1, 7), range(7, 13)]),
    ],
)
def test_the_cadence_makes_the_sub_periods(team, cadence, expected):
    team.period.cadence = cadence
    assert [subperiods.month_range(team.period, n) for n in range(1, len(expected) + 1)] == expected
    assert subperiods.count(team.period) == len(expected)


def test_a_short_period_ends_with_a_shorter_sub_period(team):
    team.period.end_date = date(2026, 10, 31)
    assert subperiods.count(team.period) == 4
    assert subperiods.month_range(team.period, 4) == range(10, 11)
    assert subperiods.end(team.period, 4) == date(2026, 10, 31)


def test_sub_periods_end_and_fall_due(team):
    period = team.period
    assert subperiods.end(period, 1) == date(2026, 3, 31)
    assert subperiods.ended(period, TODAY) == [1]
    assert subperiods.due_date(period, 1) == date(2026, 4, 14)
    assert subperiods.is_overdue(period, 1, TODAY)
    assert not subperiods.is_overdue(period, 1, date(2026, 4, 14))
    assert str(subperiods.label(period, 2)) == "Triwulan II"


# -- the rule of the annual suggestion (pure) -----------------------------------------------


@pytest.mark.parametrize(
    ("year_end", "periodic", "expected"),
    [
        (SESUAI, [None], SESUAI),
        (SESUAI, [DI_ATAS, DI_ATAS, SESUAI], DI_ATAS),
        (DI_BAWAH, [DI_ATAS, DI_ATAS, DI_ATAS], SESUAI),  # one step only
        (DI_ATAS, [DI_BAWAH, DI_BAWAH], SESUAI),
        (SESUAI, [DI_ATAS, DI_BAWAH], SESUAI),  # no majority
        (DI_ATAS, [DI_ATAS, SESUAI, DI_ATAS], DI_ATAS),
    ],
)
def test_the_periodic_ratings_move_the_annual_suggestion_one_step(year_end, periodic, expected):
    result = scoring.explain_with_periodic(year_end, periodic)
    assert result.value == expected
    assert bool(result.steps) == any(periodic)


# -- the outcome (scheme B and A) -----------------------------------------------------------


def test_capaian_is_against_the_cumulative_monthly_targets(team):
    plan = team.target.plan
    ctx = context(plan, 1)
    (figure,) = ctx.figures
    assert (figure.planned, figure.realised) == (3, 2)
    assert figure.score == pytest.approx(200 / 3)
    assert any("target kumulatif 3" in step for step in figure.steps)
    result = outcome(Scheme.PERMENPANRB_6_2022, ctx.figures, PeriodicInput())
    assert result.suggested_hasil_kerja == DI_BAWAH


def test_scheme_a_shows_the_running_score_instead_of_ratings(factory, monkeypatch, signed_in):
    team = build_team(factory, monkeypatch, scheme=Scheme.PP46, cadence=Cadence.TRIWULANAN)
    target = approved_target(team)
    add(*[entry(target, date(2026, m, 12), status=EntryStatus.ACCEPTED) for m in (1, 2, 3)])
    add(
        *[
            MonthlyQuality(target_id=target.id, month=m, rating=90, rated_by_id=team.boss.id)
            for m in (1, 2, 3)
        ]
    )
    ctx = context(target.plan, 1)
    result = outcome(Scheme.PP46, ctx.figures, PeriodicInput(), finish=True)
    assert result.errors == {}
    assert result.score == pytest.approx(ctx.figures[0].score)
    assert result.rating_hasil_kerja is None and result.predikat == scoring.pp46_predikat(
        result.score
    )
    boss = signed_in(team.boss)
    page = boss.get(url(team))
    assert page.status_code == 200
    assert "Nilai capaian sementara" in page.text and 'name="rating_hasil_kerja"' not in page.text
    data = {f"behaviour_{i}": "" for i in range(len(BERAKHLAK))}
    data.update({f"feedback_{target.id}": "Tiga laporan tepat waktu.", "action": "finish"})
    assert boss.post(url(team), data).status_code == 303
    saved = periodic_of(team)
    assert saved.status == PeriodicStatus.FINAL and saved.score == pytest.approx(result.score)


# -- the screen: draft, final, acknowledged -------------------------------------------------


def test_the_evaluator_finishes_and_the_employee_acknowledges(team, signed_in):
    boss = signed_in(team.boss)
    page = boss.get(url(team))
    assert page.status_code == 200
    assert "Triwulan I" in page.text and "66,67" in page.text
    response = boss.post(url(team), form(team, rating_hasil_kerja=DI_BAWAH))
    assert response.status_code == 303, response.text[:2000]
    evaluation = periodic_of(team)
    assert evaluation.status == PeriodicStatus.FINAL
    assert evaluation.predikat == "Butuh Perbaikan"
    assert evaluation.targets[0].feedback == "Dua laporan dengan bukti lengkap."
    owner = signed_in(team.owner)
    mine = owner.get(f"/evaluasi-periodik/saya/{team.period.id}")
    assert "Butuh Perbaikan" in mine.text
    done = owner.post(
        f"/evaluasi-periodik/hasil/{evaluation.id}/terima", {"version": str(evaluation.version)}
    )
    assert done.status_code == 303
    assert periodic_of(team).status == PeriodicStatus.ACKNOWLEDGED
    # A finished result stays as it was finished: a late entry does not change it.
    add(entry(team.target, date(2026, 3, 12), status=EntryStatus.ACCEPTED))
    page = owner.get(url(team))
    assert "66,67" in page.text and "Diterima pegawai" in page.text
    assert "terlambat" in page.text  # finished on 15 June, due 14 April
    again = owner.post(
        f"/evaluasi-periodik/hasil/{evaluation.id}/terima", {"version": str(evaluation.version)}
    )
    assert again.status_code == 303
    assert count(AuditEvent, AuditEvent.action == "periodic.acknowledge") == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"periodic.save", "periodic.finish", "periodic.acknowledge"} <= actions


def test_the_live_preview_shows_the_outcome_and_saves_nothing(team, signed_in):
    boss = signed_in(team.boss)
    preview = url(team) + "/pratinjau"
    response = boss.post(preview, form(team, rating_hasil_kerja=DI_ATAS), htmx=True)
    assert response.status_code == 200
    assert 'id="outcome"' in response.text and "<html" not in response.text
    assert 'id="flashes"' not in response.text  # a late preview keeps the page's messages
    assert str(messages.DEPARTURE_NEEDS_REASON) in response.text
    assert '<strong class="predikat">Baik</strong>' in response.text  # di atas × sesuai
    assert periodic_of(team) is None
    assert signed_in(team.colleague).post(preview, form(team), htmx=True).status_code == 403


def test_a_draft_then_a_departure_needs_a_reason(team, signed_in):
    boss = signed_in(team.boss)
    assert boss.post(url(team), form(team, action="save")).status_code == 303
    draft = periodic_of(team)
    assert draft.status == PeriodicStatus.DRAFT
    departing = form(
        team,
        version=str(draft.version),
        rating_hasil_kerja=DI_ATAS,
        rating_hasil_kerja_suggested=DI_BAWAH,
    )
    refused = boss.post(url(team), departing)
    assert refused.status_code == 422
    assert str(messages.DEPARTURE_NEEDS_REASON) in refused.text
    assert periodic_of(team).status == PeriodicStatus.DRAFT
    departing["departure_reason"] = "Laporan Maret tertunda karena sistem, bukan kinerja."
    assert boss.post(url(team), departing).status_code == 303
    final = periodic_of(team)
    assert final.rating_hasil_kerja == DI_ATAS and final.departure_reason


def test_finishing_needs_every_value_rated(team, signed_in):
    boss = signed_in(team.boss)
    ratings = [SESUAI] * 6 + [""]
    response = boss.post(url(team), form(team, ratings=ratings))
    assert response.status_code == 422
    assert "Kolaboratif" in response.text
    assert periodic_of(team) is None


def test_a_sub_period_that_has_not_ended_is_refused_and_not_offered(team, signed_in):
    boss = signed_in(team.boss)
    page = boss.get(url(team, 2))
    assert page.status_code == 200
    assert "belum berakhir" in page.text
    assert 'value="finish"' not in page.text
    response = boss.post(url(team, 2), form(team))
    assert response.status_code == 422
    assert "Triwulan II belum berakhir" in response.text
    assert periodic_of(team, 2) is None
    assert boss.get(url(team, 5)).status_code == 404


def test_others_are_refused(team, signed_in):
    for who, status in ((team.colleague, 403), (team.other_boss, 403), (team.stranger, 404)):
        client = signed_in(who)
        assert client.get(url(team)).status_code == status, who
        assert client.post(url(team), form(team)).status_code == status
    assert periodic_of(team) is None
    owner = signed_in(team.owner)
    assert owner.post(url(team), form(team)).status_code == 403
    page = owner.get(url(team))
    assert page.status_code == 200 and "66,67" not in page.text


def test_others_cannot_acknowledge(team, signed_in):
    assert signed_in(team.boss).post(url(team), form(team)).status_code == 303
    evaluation = periodic_of(team)
    ack = f"/evaluasi-periodik/hasil/{evaluation.id}/terima"
    assert signed_in(team.boss).post(ack, {"version": "2"}).status_code == 403
    assert signed_in(team.stranger).post(ack, {"version": "2"}).status_code == 404
    assert periodic_of(team).status == PeriodicStatus.FINAL


def test_a_closed_period_refuses_the_evaluation_and_the_acknowledgement(team, signed_in):
    from portal.models.periods import PeriodStatus
    from portal.policy_messages import FROZEN

    boss = signed_in(team.boss)
    assert boss.post(url(team), form(team, action="save")).status_code == 303
    team.period.status = PeriodStatus.CLOSED
    db.session.commit()
    refused = boss.post(url(team), form(team, version=str(periodic_of(team).version)))
    assert refused.status_code == 403
    assert str(FROZEN["evaluate_periodic"]) % {"period": team.period.name} in refused.text
    assert periodic_of(team).status == PeriodicStatus.DRAFT
    team.period.status = PeriodStatus.OPEN
    db.session.commit()
    boss.post(url(team), form(team, version=str(periodic_of(team).version)))
    team.period.status = PeriodStatus.CLOSED
    db.session.commit()
    evaluation = periodic_of(team)
    ack = f"/evaluasi-periodik/hasil/{evaluation.id}/terima"
    assert signed_in(team.owner).post(ack, {"version": str(evaluation.version)}).status_code == 403
    assert periodic_of(team).status == PeriodicStatus.FINAL


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("behaviour_0", "a\x00b"),
        ("behaviour_3", "x" * 4001),
        ("departure_reason", "\x07bel"),
        ("rating_2", "luar biasa"),
        ("rating_hasil_kerja", "sangat di atas"),
        ("feedback", "ok\x00"),
    ],
)
def test_bad_text_and_ratings_are_422_with_the_field_named(team, signed_in, name, value):
    if name == "feedback":
        name = f"feedback_{team.target.id}"
    response = signed_in(team.boss).post(url(team), form(team, **{name: value}))
    assert response.status_code == 422
    assert f'id="f-{name}-error"' in response.text
    assert periodic_of(team) is None


def test_ids_beyond_the_range_are_404(team, signed_in):
    boss = signed_in(team.boss)
    huge = 2**63 + 5
    assert boss.get(f"/evaluasi-periodik/{huge}/pegawai/{team.owner.id}/1").status_code == 404
    assert boss.get(f"/evaluasi-periodik/{team.period.id}/pegawai/{huge}/1").status_code == 404
    assert boss.get(url(team, huge)).status_code == 404
    assert boss.post(f"/evaluasi-periodik/hasil/{huge}/terima", {}).status_code == 404
    assert signed_in(team.boss).post(url(team), form(team)).status_code == 303
    evaluation = periodic_of(team)
    ack = f"/evaluasi-periodik/hasil/{evaluation.id}/terima"
    for version in ("9" * 30, "-1", "1e3", ""):
        assert signed_in(team.owner).post(ack, {"version": version}).status_code == 422
    assert periodic_of(team).status == PeriodicStatus.FINAL


def test_a_stale_version_is_a_conflict(team, signed_in):
    boss = signed_in(team.boss)
    boss.post(url(team), form(team, action="save"))
    response = boss.post(url(team), form(team, version="999"))
    assert response.status_code == 409
    assert periodic_of(team).status == PeriodicStatus.DRAFT


def test_a_double_submit_keeps_one_record(team, signed_in):
    boss = signed_in(team.boss)
    first = boss.post(url(team), form(team))
    second = boss.post(url(team), form(team))
    assert first.status_code == 303 and second.status_code == 409
    assert count(PeriodicEvaluation) == 1
    assert count(PeriodicTarget) == 1


# -- the cadence on the period editor --------------------------------------------------------


def _period_form(period, **changes) -> dict:
    from portal.periods.services import fingerprint

    data = {
        "name": period.name,
        "start_date": period.start_date.isoformat(),
        "end_date": period.end_date.isoformat(),
        "scheme": period.scheme.value,
        "cadence": period.cadence.value,
        "weight_skp": str(period.weight_skp),
        "weight_perilaku": str(period.weight_perilaku),
        "planning_deadline": period.planning_deadline.isoformat(),
        "report_deadline_day": str(period.report_deadline_day),
        "evaluation_deadline": "",
        "seen": fingerprint(period),
    }
    data.update(changes)
    return data


def test_the_admin_sets_the_cadence_until_a_periodic_evaluation_exists(team, signed_in):
    admin = signed_in(team.admin)
    edit = f"/admin/periode/{team.period.id}/ubah"
    assert "Jadwal evaluasi periodik" in admin.get(edit).text
    assert admin.post(edit, _period_form(team.period, cadence="semesteran")).status_code == 303
    db.session.expire_all()
    assert team.period.cadence == Cadence.SEMESTERAN
    bad = admin.post(edit, _period_form(team.period, cadence="mingguan"))
    assert bad.status_code == 422
    admin.post(edit, _period_form(team.period, cadence="triwulanan"))
    assert signed_in(team.boss).post(url(team), form(team)).status_code == 303
    db.session.expire_all()
    refused = admin.post(edit, _period_form(team.period, cadence="bulanan"))
    assert refused.status_code == 422
    assert "sudah ada 1 evaluasi periodik" in refused.text
    db.session.expire_all()
    assert team.period.cadence == Cadence.TRIWULANAN


# -- the annual evaluation builds on the periodic ones ----------------------------------------


def _finished(team, target, sub_period: int, rating: str) -> PeriodicEvaluation:
    evaluation = PeriodicEvaluation(
        instansi_id=target.instansi_id,
        period_id=team.period.id,
        employee_id=target.owner_id,
        plan_id=target.plan_id,
        evaluator_id=team.boss.id,
        sub_period=sub_period,
        status=PeriodicStatus.FINAL,
        behaviour={BERAKHLAK[0]: {"rating": SESUAI, "feedback": f"Pelayanan tw {sub_period}"}},
        rating_hasil_kerja=rating,
        rating_perilaku=SESUAI,
        predikat=scoring.predikat_2022(rating, SESUAI),
        targets=[
            PeriodicTarget(
                target_id=target.id,
                planned=3,
                realised=3,
                score=100.0,
                feedback=f"Umpan balik triwulan {sub_period}",
            )
        ],
    )
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


def _page_statements(count_statements, client, path) -> int:
    from flask import current_app

    app = current_app._get_current_object()
    with app.app_context():
        client.get(path)
    with app.app_context(), count_statements() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count


def test_the_annual_screen_shows_the_periodic_results_and_its_suggestion_weighs_them(
    factory, monkeypatch, signed_in, count_statements
):
    from portal.evaluations import queries as annual
    from portal.evaluations import services as annual_services
    from tests.evaluation_helpers import STEADY, reported_targets, typed_b

    team = build_team(factory, monkeypatch, cadence=Cadence.TRIWULANAN)
    (target,) = reported_targets(team, [STEADY])
    path = f"/evaluasi/{team.period.id}/pegawai/{team.owner.id}"
    boss = signed_in(team.boss)
    _finished(team, target, 1, DI_ATAS)
    one = _page_statements(count_statements, boss, path)
    _finished(team, target, 2, DI_ATAS)
    _finished(team, target, 3, SESUAI)
    page = boss.get(path)
    assert "Hasil evaluasi periodik" in page.text
    assert "Umpan balik triwulan 2" in page.text and "Pelayanan tw 3" in page.text
    assert _page_statements(count_statements, boss, path) == one
    ctx = annual.context(target.plan)
    result = annual_services.compute(ctx, typed_b())
    # The year's capaian is 100 % (sesuai); two of three quarters were di atas.
    assert result.suggested_hasil_kerja == DI_ATAS
    assert any("bergeser satu tingkat" in step for step in result.steps)
    assert result.suggested_perilaku == SESUAI


def test_the_screen_costs_the_same_for_1_and_30_targets(team, signed_in, count_statements):
    from workflows.targets import APPROVED

    boss = signed_in(team.boss)
    assert boss.post(url(team), form(team, action="save")).status_code == 303
    one = _page_statements(count_statements, boss, url(team))
    for n in range(29):
        team.factory.target(team.owner, team.period, state=APPROVED, title=f"Laporan {n}")
    db.session.commit()
    assert _page_statements(count_statements, boss, url(team)) == one


# -- demo data ------------------------------------------------------------------------------


def test_the_demo_evaluates_the_elapsed_sub_periods_one_late_some_acknowledged(app, monkeypatch):
    from portal import clock
    from portal.seed.demo import PEGAWAI, seed_demo

    today = date(2026, 11, 20)  # Triwulan I–III have ended
    monkeypatch.setattr(clock, "today", lambda: today)
    seed_demo()
    rows = db.session.scalars(select(PeriodicEvaluation)).all()
    assert rows and {e.sub_period for e in rows} == {1, 2, 3}
    assert all(e.is_finished for e in rows)
    assert any(e.status == PeriodicStatus.ACKNOWLEDGED for e in rows)
    assert all(
        clock.local_date(moment) <= today
        for e in rows
        for moment in (e.created_at, e.finished_at, e.acknowledged_at)
        if moment is not None
    )
    period = rows[0].period
    late = [
        e
        for e in rows
        if clock.local_date(e.finished_at) > subperiods.due_date(period, e.sub_period)
    ]
    assert len(late) == 1
    pegawai = db.session.scalar(
        select(PeriodicEvaluation.id).where(
            PeriodicEvaluation.sub_period == 3,
            PeriodicEvaluation.employee.has(nip=PEGAWAI.nip),
        )
    )
    assert pegawai is None  # left for the demo atasan's inbox
    before = len(rows)
    seed_demo()
    assert db.session.query(PeriodicEvaluation).count() == before


# -- the inbox source ---------------------------------------------------------------------


def _badge(user) -> int:
    return db.session.scalar(select(inbox.count(user, TODAY)))


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def test_the_inbox_lists_what_each_must_do_and_the_badge_agrees(team, signed_in, in_request):
    (due,) = inbox.items(team.boss, TODAY)
    assert due.count == 1 and due.overdue and due.due == date(2026, 4, 14)
    assert due.url == url(team)
    assert _badge(team.boss) == 1
    (late,) = inbox.items(team.admin, TODAY)
    assert late.count == 1 and late.url == f"/admin/evaluasi-periodik/{team.period.id}/terlambat"
    assert _badge(team.admin) == 1
    assert team.owner.display_name in signed_in(team.admin).get(late.url).text
    assert inbox.items(team.owner, TODAY) == [] and _badge(team.owner) == 0
    # Not yet overdue on 10 April: the evaluator sees it due, the admin nothing.
    early = date(2026, 4, 10)
    assert not inbox.items(team.boss, early)[0].overdue
    assert inbox.items(team.admin, early) == []
    assert db.session.scalar(select(inbox.count(team.admin, early))) == 0

    assert signed_in(team.boss).post(url(team), form(team)).status_code == 303
    assert inbox.items(team.boss, TODAY) == [] and _badge(team.boss) == 0
    assert inbox.items(team.admin, TODAY) == [] and _badge(team.admin) == 0
    (result,) = inbox.items(team.owner, TODAY)
    assert result.url == f"/evaluasi-periodik/saya/{team.period.id}"
    assert _badge(team.owner) == 1
    # At the year's end every quarter has ended: three more are due.
    later = inbox.items(team.boss, date(2027, 1, 5))
    assert [i.key for i in later] == [f"periodic-{team.period.id}-{n}" for n in (2, 3, 4)]
    assert _badge_on(team.boss, date(2027, 1, 5)) == 3


def _badge_on(user, day) -> int:
    return db.session.scalar(select(inbox.count(user, day)))


def _subordinates(team, how_many: int) -> None:
    """``how_many`` more subordinates of the boss, each with one approved target."""
    period, template = team.period, team.target
    people = [team.factory.employee(team.boss.unit, atasan=team.boss) for _ in range(how_many)]
    plans = [Plan(employee_id=p.id, period_id=period.id, instansi_id=p.instansi_id) for p in people]
    db.session.add_all(plans)
    db.session.flush()
    db.session.add_all(
        Target(
            plan_id=plan.id,
            instansi_id=plan.instansi_id,
            owner_id=plan.employee_id,
            period_id=period.id,
            evaluator_id=team.boss.id,
            title=f"Laporan {plan.id}",
            quantity=12,
            quantity_unit="laporan",
            time_months=12,
            state=template.state,
        )
        for plan in plans
    )
    db.session.commit()


def test_the_inbox_costs_the_same_for_5_and_500_subordinates(
    team, count_statements, in_request, signed_in
):
    def cost(user) -> tuple[int, int]:
        with count_statements() as counter:
            found = inbox.items(user, TODAY)
        return counter.count, sum(i.count for i in found)

    boss = signed_in(team.boss)
    pages = [f"/evaluasi-periodik/{team.period.id}"]
    admin = signed_in(team.admin)
    late_page = f"/admin/evaluasi-periodik/{team.period.id}/terlambat"
    _subordinates(team, 4)
    small = {who: cost(who) for who in (team.boss, team.admin, team.owner)}
    small_pages = (
        _page_statements(count_statements, boss, pages[0]),
        _page_statements(count_statements, admin, late_page),
    )
    assert small[team.boss][1] == 5 and small[team.admin][1] == 5
    _subordinates(team, 495)
    large = {who: cost(who) for who in (team.boss, team.admin, team.owner)}
    assert large[team.boss] == (small[team.boss][0], 500)
    assert large[team.admin] == (small[team.admin][0], 500)
    assert large[team.owner] == small[team.owner]
    assert (
        _page_statements(count_statements, boss, pages[0]),
        _page_statements(count_statements, admin, late_page),
    ) == small_pages
    assert _badge(team.boss) == 500 and _badge(team.admin) == 500


# -- race (PostgreSQL) -----------------------------------------------------------------------


@pytest.mark.commits
def test_two_finishes_at_once_one_wins_the_other_is_a_409(team, signed_in, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks")
    boss = signed_in(team.boss)
    assert boss.post(url(team), form(team, action="save")).status_code == 303
    version = str(periodic_of(team).version)
    db.session.commit()
    clients = [signed_in(team.boss) for _ in range(2)]
    barrier, statuses = threading.Barrier(2), []

    def finish(client):
        with app.app_context():
            barrier.wait()
            statuses.append(client.post(url(team), form(team, version=version)).status_code)

    threads = [threading.Thread(target=finish, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303, 409]
    assert periodic_of(team).status == PeriodicStatus.FINAL
    assert count(AuditEvent, AuditEvent.action == "periodic.finish") == 1
