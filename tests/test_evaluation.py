"""Evaluation by the supervisor (reported → evaluated): who may evaluate, what the employee
sees before and after, both scoring schemes end to end, the live preview, bad input, and
the employee's response and objection (keberatan) decided by the evaluator's supervisor."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal import clock, scoring
from portal.errors import Conflict
from portal.evaluations import messages, queries, services
from portal.evaluations.forms import RESPONSE_QUESTION
from portal.evaluations.inputs import Decision, DecisionInput, Response, ResponseInput
from portal.evaluations.messages import say
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Evaluation,
    EvaluationTarget,
    Scheme,
    Target,
    TargetHistory,
)
from portal.numbers import decimal
from portal.plans.services import find_plan
from tests.evaluation_helpers import (
    DI_ATAS,
    DI_BAWAH,
    SESUAI,
    STEADY,
    Work,
    approved_target,
    audit_actions,
    build_team,
    evaluation_of,
    finish,
    form_a,
    form_b,
    report,
    reported_targets,
    screen_url,
    snapshot,
    text_of,
    typed_b,
)
from tests.pages import field_error
from tests.reporting_helpers import sign_in
from workflows.targets import APPROVED, EVALUATED, REPORTED

# 13 and 14 laporan against 12: capaian 108.33 % and 116.67 %, both above expectations.
ABOVE = [
    Work({m: 1 for m in range(1, 12)} | {12: 2}, {m: 95 for m in range(1, 13)}),
    Work({m: 1 for m in range(1, 11)} | {11: 2, 12: 2}, {m: 92 for m in range(1, 13)}),
]
# Scheme A: a plain year (K 100, Q 90, W 76) and a fast one with a cost, varied quality.
FAST_WITH_COST = Work(
    {1: 4, 2: 4, 3: 4},
    {m: 70 + 2 * m for m in range(1, 13)},
    cost=900_000,
    target_cost=1_000_000,
)


@pytest.fixture
def login_as(make_client, no_inline_code):
    """Signed in through the session (see ``reporting_helpers.sign_in``); every page the
    test renders is scanned for inline code (``no_inline_code``)."""
    return lambda employee: sign_in(make_client, employee)


@pytest.fixture
def team_b(factory, monkeypatch):
    """Scheme B, two reported targets above expectations."""
    team = build_team(factory, monkeypatch)
    reported_targets(team, ABOVE)
    return team


@pytest.fixture
def team_a(factory, monkeypatch):
    """Scheme A, two reported targets: a plain year and a fast one with a cost."""
    team = build_team(factory, monkeypatch, scheme=Scheme.PP46)
    reported_targets(team, [STEADY, FAST_WITH_COST])
    return team


def _finished(client, team, form):
    response = finish(client, team, form)
    assert response.status_code == 303, text_of(response)[:600]
    return evaluation_of(team)


# -- who may evaluate ----------------------------------------------------------------------


def test_only_the_evaluator_of_the_reported_targets_may_evaluate(team_b, login_as, subtests):
    # other_staff's target is reported too, evaluated by other_boss, not by boss.
    reported_targets(team_b, [STEADY], owner=team_b.other_staff)
    before = snapshot()
    cases = [
        ("another supervisor", team_b.other_boss, team_b.owner, 403),
        ("the evaluator's own supervisor", team_b.head, team_b.owner, 403),
        ("a colleague", team_b.colleague, team_b.owner, 403),
        ("the employee", team_b.owner, team_b.owner, 403),
        ("the admin", team_b.admin, team_b.owner, 403),
        ("a supervisor of another instansi", team_b.stranger, team_b.owner, 404),
        ("the evaluator, on someone not their subordinate", team_b.boss, team_b.other_staff, 403),
    ]
    for label, actor, employee, status in cases:
        with subtests.test(label):
            client = login_as(actor)
            response = finish(client, team_b, form_b(team_b), employee=employee)
            assert response.status_code == status
            if status == 404:
                assert "Instansi Uji" not in text_of(response)
            assert snapshot() == before
    with subtests.test("reading the screen"):
        assert login_as(team_b.other_boss).get(screen_url(team_b)).status_code == 403
        assert login_as(team_b.stranger).get(screen_url(team_b)).status_code == 404
        missing = f"/evaluasi/{team_b.period.id}/pegawai/999999"
        assert login_as(team_b.boss).get(missing).status_code == 404
        # The evaluator's supervisor reads the subtree, and so does the admin: no form.
        for reader in (team_b.head, team_b.admin):
            page = login_as(reader).get(screen_url(team_b))
            assert page.status_code == 200
            assert 'value="finish"' not in page.get_data(as_text=True)
    with subtests.test("the evaluator"):
        boss = login_as(team_b.boss)
        page = boss.get(screen_url(team_b))
        assert page.status_code == 200 and 'value="finish"' in page.get_data(as_text=True)
        assert _finished(boss, team_b, form_b(team_b)).evaluator_id == team_b.boss.id


def test_targets_that_are_not_reported_cannot_be_evaluated(factory, monkeypatch, login_as):
    team = build_team(factory, monkeypatch)
    approved = approved_target(team)
    boss = login_as(team.boss)
    before = snapshot()

    response = finish(boss, team, form_b(team))
    assert response.status_code == 422
    # Covered, but not silently: an approved target not reported must be decided first.
    undecided = say(messages.UNDECIDED_TARGETS, titles=f"“{approved.title}”")
    assert html.escape(undecided, quote=False) in response.get_data(as_text=True)
    assert snapshot() == before
    assert evaluation_of(team) is None

    # `evaluate` fired on its own is refused too: not from `approved`, and not from
    # `reported` before the evaluation of the whole plan is final.
    refused = boss.post(f"/target/{approved.id}/aksi/evaluate", {"version": "1"}, htmx=True)
    assert refused.status_code == 409
    reported = report(approved_target(team))
    team.targets.append(reported)
    db.session.expire_all()
    version = db.session.get(Target, reported.id).version
    refused = boss.post(
        f"/target/{reported.id}/aksi/evaluate", {"version": str(version)}, htmx=True
    )
    assert refused.status_code == 422
    assert "Selesaikan evaluasi pegawai ini di layar evaluasi" in text_of(refused)

    # Finishing evaluates the reported target only; the approved one, excluded with its
    # reason (never left out silently), stays as it was.
    coverage = {
        f"coverage_{approved.id}": "exclude",
        f"exclusion_reason_{approved.id}": "Kegiatan dibatalkan oleh unit.",
    }
    evaluation = _finished(boss, team, form_b(team, **coverage))
    assert [row.target_id for row in evaluation.targets] == [reported.id]
    assert [(x.target_id, x.reason) for x in evaluation.exclusions] == [
        (approved.id, "Kegiatan dibatalkan oleh unit.")
    ]
    assert db.session.get(Target, approved.id).state == APPROVED
    assert db.session.get(Target, reported.id).state == EVALUATED


# -- what the employee sees ----------------------------------------------------------------


def test_the_employee_sees_scores_and_predikat_only_once_the_evaluation_is_final(team_a, login_as):
    owner, boss = login_as(team_a.owner), login_as(team_a.boss)

    def rows() -> list[EvaluationTarget]:
        return list(db.session.scalars(select(EvaluationTarget)))

    def assert_hidden():
        page = owner.get(screen_url(team_a))
        assert page.status_code == 200
        html, text = page.get_data(as_text=True), text_of(page)
        assert "Nilai dan predikat akan tampil setelah atasan menyelesaikan evaluasi" in text
        for label in ("Nilai:", "Cara menghitung", "Nilai akhir", "Predikat:", "Kuantitas"):
            assert label not in text
        assert 'class="predikat"' not in html
        for row in rows():
            assert decimal(row.score) not in text
        # Neither the live preview nor the letter tells the employee more.
        preview = owner.post(screen_url(team_a) + "/pratinjau", form_a(team_a), htmx=True)
        assert preview.status_code == 403
        assert "Predikat" not in text_of(preview)

    assert_hidden()  # nothing evaluated yet
    draft = boss.post(screen_url(team_a), {**form_a(team_a), "action": "save"})
    assert draft.status_code == 303
    evaluation = evaluation_of(team_a)
    assert evaluation.status == "draft" and evaluation.predikat
    assert_hidden()  # a draft, with scores the employee must not see yet
    assert owner.get(f"/evaluasi/{evaluation.id}/surat.pdf").status_code in (403, 404)

    evaluation = _finished(boss, team_a, form_a(team_a))
    page = owner.get(screen_url(team_a))
    assert page.status_code == 200
    text = text_of(page)
    assert f"nilai prestasi kerja {decimal(evaluation.final_score)}" in text
    assert f"Predikat: {evaluation.predikat}" in text
    for row in rows():
        assert f"Nilai: {decimal(row.score)}" in text
    assert str(RESPONSE_QUESTION) in text


# -- scheme A ------------------------------------------------------------------------------


def _expected_pp46(team, works, form, structural=False):
    """The engine's figures for the realisations the team's targets were given."""
    scores = []
    for target, work in zip(team.targets, works, strict=True):
        scores.append(
            scoring.pp46_target_score(
                target.quantity,
                work.total,
                target.quality_target,
                work.mean_quality,
                target.time_months,
                work.completion_month(target.quantity),
                work.target_cost,
                work.cost,
            )
        )
    aspects = len(scoring.PERILAKU_PP46) - (0 if structural else 1)
    perilaku = [float(form[f"perilaku_{i}"]) for i in range(aspects)]
    skp = scoring.pp46_skp_score(scores, int(form["tugas_tambahan"]), form["kreativitas"] or None)
    final = scoring.pp46_prestasi_kerja(skp, perilaku, (60, 40))
    return scores, perilaku, final, scoring.pp46_predikat(final)


def test_scheme_a_scores_the_stored_realisations_as_the_engine_does(team_a, login_as):
    form = form_a(
        team_a,
        scores=(90, 85.5, 88, 79, 92),
        tugas_tambahan="2",
        kreativitas="unit",
        notes="Pertahankan ketepatan waktu.",
        **{f"feedback_{team_a.targets[0].id}": "Rapi dan lengkap."},
    )
    works = [STEADY, FAST_WITH_COST]
    scores, perilaku, final, predikat = _expected_pp46(team_a, works, form)
    assert scores[1].biaya is not None and scores[0].biaya is None

    evaluation = _finished(login_as(team_a.boss), team_a, form)

    assert evaluation.status == "final" and evaluation.evaluated_at is not None
    assert evaluation.final_score == pytest.approx(final)
    assert evaluation.predikat == predikat
    assert (evaluation.tugas_tambahan, evaluation.kreativitas) == (2, "unit")
    assert list(evaluation.behaviour.values()) == perilaku
    assert list(evaluation.behaviour) == list(scoring.PERILAKU_PP46[:5])  # no kepemimpinan
    assert evaluation.notes == "Pertahankan ketepatan waktu."
    rows = {row.target_id: row for row in evaluation.targets}
    for target, work, score in zip(team_a.targets, works, scores, strict=True):
        row = rows[target.id]
        assert row.realised_quantity == work.total
        assert row.realised_quality == pytest.approx(work.mean_quality)
        assert row.realised_months == work.completion_month(12)
        assert row.realised_cost == work.cost
        assert row.score == pytest.approx(score.nilai)
        assert row.steps  # the explanation is kept with the score
    assert rows[team_a.targets[0].id].feedback == "Rapi dan lengkap."


def test_a_structural_official_is_rated_on_kepemimpinan_too(factory, monkeypatch, login_as):
    team = build_team(factory, monkeypatch, scheme=Scheme.PP46)
    # The boss has subordinates: a structural official, evaluated by the head.
    reported_targets(team, [STEADY], owner=team.boss)
    team.targets = list(db.session.scalars(select(Target).where(Target.owner_id == team.boss.id)))
    head = login_as(team.head)
    before = snapshot()

    five = form_a(team, scores=(80, 80, 80, 80, 80))
    refused = finish(head, team, five, employee=team.boss)
    assert refused.status_code == 422
    assert field_error(refused, "f-perilaku_5") == say(
        messages.BEHAVIOUR_SCORE, aspect="Kepemimpinan"
    )
    assert snapshot() == before

    six = form_a(team, scores=(80, 80, 80, 80, 80, 70))
    assert finish(head, team, six, employee=team.boss).status_code == 303
    evaluation = evaluation_of(team, team.boss)
    assert evaluation.behaviour["Kepemimpinan"] == 70
    _, _, final, predikat = _expected_pp46(team, [STEADY], six, structural=True)
    assert evaluation.final_score == pytest.approx(final)
    assert evaluation.predikat == predikat


# -- scheme B ------------------------------------------------------------------------------

# Four of seven above: the suggested behaviour rating is above expectations.
MOSTLY_ABOVE = [DI_ATAS] * 4 + [SESUAI] * 3


def test_scheme_b_suggests_and_a_departure_needs_a_reason(team_b, login_as):
    boss = login_as(team_b.boss)
    page = boss.get(screen_url(team_b))
    assert "Capaian: 108,33 %" in text_of(page) and "Capaian: 116,67 %" in text_of(page)

    departing = form_b(team_b, ratings=MOSTLY_ABOVE, rating_hasil_kerja=SESUAI)
    before = snapshot()
    refused = finish(boss, team_b, departing)
    assert refused.status_code == 422
    assert field_error(refused, "f-dep") == str(messages.DEPARTURE_NEEDS_REASON)
    assert snapshot() == before
    assert evaluation_of(team_b) is None

    reason = "Sebagian laporan masih menunggu validasi unit kerja."
    evaluation = _finished(boss, team_b, {**departing, "departure_reason": reason})
    assert (evaluation.suggested_hasil_kerja, evaluation.suggested_perilaku) == (DI_ATAS, DI_ATAS)
    assert (evaluation.rating_hasil_kerja, evaluation.rating_perilaku) == (SESUAI, DI_ATAS)
    assert evaluation.predikat == scoring.predikat_2022(SESUAI, DI_ATAS) == "Baik"
    assert evaluation.departure_reason == reason
    assert evaluation.organisation_rating == "Baik"
    assert evaluation.behaviour == dict(zip(scoring.BERAKHLAK, MOSTLY_ABOVE, strict=True))
    assert [round(row.score, 2) for row in evaluation.targets] == [108.33, 116.67]
    departure = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "evaluation.departure", AuditEvent.object_id == evaluation.id
        )
    )
    assert departure is not None and departure.actor_id == team_b.boss.id
    assert departure.summary["departure_reason"] == reason
    assert departure.summary["suggested"] == [DI_ATAS, DI_ATAS]


def test_finishing_evaluates_every_reported_target_with_its_own_history(team_b, login_as):
    versions = {t.id: t.version for t in team_b.targets}
    # Following the suggestion needs no reason and is no departure.
    evaluation = _finished(login_as(team_b.boss), team_b, form_b(team_b, ratings=MOSTLY_ABOVE))
    assert (evaluation.status, evaluation.predikat) == ("final", "Sangat Baik")
    assert evaluation.departure_reason == ""
    assert audit_actions("evaluation.") == ["evaluation.save", "evaluation.finish"]
    for target in team_b.targets:
        db.session.refresh(target)
        assert target.state == EVALUATED
        assert target.version == versions[target.id] + 1
        rows = db.session.scalars(
            select(TargetHistory).where(
                TargetHistory.target_id == target.id, TargetHistory.trigger == "evaluate"
            )
        ).all()
        assert [(r.from_state, r.to_state, r.actor_id, r.version) for r in rows] == [
            (REPORTED, EVALUATED, team_b.boss.id, target.version)
        ]
    assert audit_actions("target.evaluate") == ["target.evaluate"] * len(team_b.targets)


def test_the_live_preview_returns_the_outcome_fragment_and_changes_nothing(team_b, login_as):
    boss = login_as(team_b.boss)
    url = screen_url(team_b) + "/pratinjau"
    before = snapshot()

    response = boss.post(url, form_b(team_b, ratings=MOSTLY_ABOVE), htmx=True)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="card outcome" id="outcome"')
    assert "<html" not in fragment and "<form" not in fragment and "<nav" not in fragment
    # A preview changes nothing, so it leaves the page's messages alone: one arriving
    # after "Selesaikan" must not wipe the message that the evaluation is finished.
    assert 'id="flashes"' not in fragment
    assert "Sangat Baik" in text_of(response)
    # The preview stays live: the page's listener (never swapped itself, so no change is
    # lost while the outcome is replaced) posts here and replaces #outcome with this.
    page = boss.get(screen_url(team_b)).get_data(as_text=True)
    assert f'class="outcome-live" hx-post="{url}"' in page
    assert 'hx-target="#outcome" hx-swap="outerHTML" hx-sync="this:replace"' in page
    assert fragment.count("<option") == 2 * len(scoring.Rating)
    assert " disabled" not in fragment

    departing = form_b(team_b, ratings=MOSTLY_ABOVE, rating_hasil_kerja=DI_BAWAH)
    response = boss.post(url, departing, htmx=True)
    assert field_error(response, "f-dep") == str(messages.DEPARTURE_NEEDS_REASON)
    assert "Butuh Perbaikan" in text_of(response)
    assert snapshot() == before
    assert evaluation_of(team_b) is None


def test_a_decision_left_on_the_shown_suggestion_moves_with_the_suggestion(team_b, login_as):
    """The select starts on the suggestion the screen showed (posted back as
    ``<name>_suggested``): when the behaviour ratings then move the suggestion, a decision
    still on the old one follows the new one instead of becoming a departure."""
    boss = login_as(team_b.boss)
    moved = form_b(
        team_b,
        ratings=MOSTLY_ABOVE,
        rating_perilaku=SESUAI,
        rating_perilaku_suggested=SESUAI,  # what the screen showed before the change
    )
    response = boss.post(screen_url(team_b) + "/pratinjau", moved, htmx=True)
    assert field_error(response, "f-dep") is None
    assert "Sangat Baik" in text_of(response)

    chosen = {**moved, "rating_perilaku_suggested": DI_ATAS}  # the supervisor chose SESUAI
    refused = finish(boss, team_b, chosen)
    assert refused.status_code == 422
    assert field_error(refused, "f-dep") == str(messages.DEPARTURE_NEEDS_REASON)
    assert evaluation_of(team_b) is None

    evaluation = _finished(boss, team_b, moved)
    assert evaluation.rating_perilaku == evaluation.suggested_perilaku == DI_ATAS
    assert evaluation.departure_reason == "" and evaluation.predikat == "Sangat Baik"


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [Scheme.PP46, Scheme.PERMENPANRB_6_2022])
def test_bad_inputs_are_refused_and_change_nothing(
    factory, monkeypatch, login_as, subtests, scheme
):
    team = build_team(factory, monkeypatch, scheme=scheme)
    reported_targets(team, [STEADY])
    boss = login_as(team.boss)
    # A saved draft, so that a refused save must also leave it as it was.
    base = form_a(team) if scheme == Scheme.PP46 else form_b(team)
    assert boss.post(screen_url(team), {**base, "action": "save"}).status_code == 303
    before = snapshot()
    version = str(evaluation_of(team).version)
    if scheme == Scheme.PP46:
        cases = [
            ("perilaku_0", "101", "f-perilaku_0"),
            ("perilaku_0", "-1", "f-perilaku_0"),
            ("perilaku_1", "100.01", "f-perilaku_1"),
            ("perilaku_2", "sembilan puluh", "f-perilaku_2"),
            ("perilaku_3", "nan", "f-perilaku_3"),
            ("perilaku_4", "inf", "f-perilaku_4"),
            ("perilaku_4", "", "f-perilaku_4"),
            ("kreativitas", "internasional", "f-kr"),
            ("tugas_tambahan", "-1", "f-tt"),
            ("tugas_tambahan", "2.5", "f-tt"),
            ("tugas_tambahan", "²", "f-tt"),  # a digit to str.isdigit, not a number
            ("tugas_tambahan", "101", "f-tt"),
            (f"feedback_{team.target.id}", "x" * 4001, f"feedback-{team.target.id}"),
            (f"feedback_{team.target.id}", "Rapi\x00", f"feedback-{team.target.id}"),
            ("notes", "x" * 4001, "f-notes"),
            ("notes", "Catatan\x1b[31m", "f-notes"),
        ]
    else:
        cases = [
            ("berakhlak_0", "luar biasa", "f-berakhlak_0"),
            ("berakhlak_6", "", "f-berakhlak_6"),
            ("rating_hasil_kerja", "istimewa", "f-rating_hasil_kerja"),
            ("rating_perilaku", "5", "f-rating_perilaku"),
            ("organisation_rating", "Luar Biasa", "f-org"),
            ("ekspektasi_khusus", "x" * 4001, "f-ek"),
            ("ekspektasi_khusus", "Tepat\x00waktu", "f-ek"),
            ("notes", "x" * 4001, "f-notes"),
        ]
    # (field, bad value, the id of the field whose message must show beside it)
    for index, (name, value, error_id) in enumerate(cases):
        action = ("save", "finish")[index % 2]  # a draft is checked as strictly as the end
        with subtests.test(f"{name}={value[:20]!r} ({action})"):
            data = {**base, name: value, "action": action, "version": version}
            response = boss.post(screen_url(team), data)
            assert response.status_code == 422
            assert "Evaluasi belum bisa disimpan" in text_of(response)
            assert field_error(response, error_id)
            assert snapshot() == before


def test_a_stale_version_is_a_conflict_and_finishing_twice_is_refused(team_a, login_as):
    boss = login_as(team_a.boss)
    form = form_a(team_a)
    assert boss.post(screen_url(team_a), {**form, "action": "save"}).status_code == 303
    assert evaluation_of(team_a).version == 1
    again = boss.post(screen_url(team_a), {**form, "action": "save", "version": "1"})
    assert again.status_code == 303
    before = snapshot()

    for stale in ("1", "", "abc"):
        response = boss.post(screen_url(team_a), {**form, "action": "finish", "version": stale})
        assert response.status_code == 409
        assert str(messages.CHANGED_ELSEWHERE) in text_of(response)
        assert snapshot() == before

    _finished(boss, team_a, form)
    before = snapshot()
    version = str(evaluation_of(team_a).version)
    for action in ("finish", "save"):
        again = boss.post(screen_url(team_a), {**form, "action": action, "version": version})
        assert again.status_code == 409
        assert str(messages.ALREADY_FINISHED) in text_of(again)
        assert snapshot() == before


# -- response and objection ----------------------------------------------------------------


@pytest.fixture
def final_b(team_b, login_as):
    """Scheme B, evaluated and final: Sangat Baik."""
    _finished(login_as(team_b.boss), team_b, form_b(team_b, ratings=MOSTLY_ABOVE))
    return team_b


def test_the_employee_agrees_once(final_b, login_as):
    evaluation = evaluation_of(final_b)
    owner = login_as(final_b.owner)
    url = f"/evaluasi/{evaluation.id}/tanggapan"
    for who in (final_b.boss, final_b.colleague, final_b.head):
        assert login_as(who).post(url, {"response": "agree"}).status_code == 403
    assert login_as(final_b.stranger).post(url, {"response": "agree"}).status_code == 404
    before = snapshot()
    assert owner.post(url, {"response": "maybe"}).status_code == 422
    assert snapshot() == before

    assert owner.post(url, {"response": "agree"}).status_code == 303
    evaluation = evaluation_of(final_b)
    assert evaluation.employee_response == "agree" and evaluation.objection_status is None
    assert audit_actions("evaluation.agree") == ["evaluation.agree"]
    before = snapshot()
    again = owner.post(url, {"response": "object", "reason": "Berubah pikiran."})
    assert again.status_code == 409
    # No objection was made: there is nothing for the evaluator's supervisor to decide.
    decide = login_as(final_b.head).post(
        f"/evaluasi/{evaluation.id}/keberatan", {"decision": "upheld", "reason": "Tidak ada."}
    )
    assert decide.status_code == 403
    assert snapshot() == before


def test_an_objection_needs_a_reason_and_comes_before_the_deadline(
    final_b, login_as, app, monkeypatch
):
    evaluation = evaluation_of(final_b)
    owner = login_as(final_b.owner)
    url = f"/evaluasi/{evaluation.id}/tanggapan"
    evaluated_on = clock.local_date(evaluation.evaluated_at)
    before = snapshot()

    response = owner.post(url, {"response": "object", "reason": "   "})
    assert response.status_code == 422
    assert str(messages.OBJECTION_NEEDS_REASON) in text_of(response)
    assert snapshot() == before

    # The deadline is configurable: three days here instead of the default fourteen.
    assert app.config["PORTAL_OBJECTION_DAYS"] == 14
    app.config["PORTAL_OBJECTION_DAYS"] = 3
    deadline = evaluated_on + timedelta(days=3)
    monkeypatch.setattr(clock, "today", lambda: deadline + timedelta(days=1))
    response = owner.post(url, {"response": "object", "reason": "Nilai terlalu rendah."})
    assert response.status_code == 422
    assert say(messages.OBJECTION_TOO_LATE, deadline=f"{deadline:%d-%m-%Y}") in text_of(response)
    assert snapshot() == before
    monkeypatch.setattr(clock, "today", lambda: deadline)  # the last day still counts
    response = owner.post(url, {"response": "object", "reason": "Nilai terlalu rendah."})
    assert response.status_code == 303
    evaluation = evaluation_of(final_b)
    assert (evaluation.employee_response, evaluation.objection_status) == ("object", "open")
    assert evaluation.response_reason == "Nilai terlalu rendah."


@pytest.mark.parametrize("decision", ["upheld", "changed"])
def test_the_evaluators_supervisor_decides_the_objection(final_b, login_as, decision):
    evaluation = evaluation_of(final_b)
    response_url = f"/evaluasi/{evaluation.id}/tanggapan"
    reason = "Seluruh laporan sudah divalidasi pada bulan Juni."
    objected = login_as(final_b.owner).post(response_url, {"response": "object", "reason": reason})
    assert objected.status_code == 303
    url = f"/evaluasi/{evaluation.id}/keberatan"
    decided = {"decision": decision, "predikat": "Baik", "reason": "Bukti validasi diperiksa."}
    before = snapshot()

    for who in (final_b.boss, final_b.owner, final_b.colleague, final_b.other_boss, final_b.admin):
        assert login_as(who).post(url, decided).status_code == 403, who.jabatan
    assert login_as(final_b.stranger).post(url, decided).status_code == 404
    assert snapshot() == before

    head = login_as(final_b.head)
    page = head.get(screen_url(final_b))
    assert "Putuskan keberatan" in page.get_data(as_text=True) and reason in text_of(page)
    for bad in (
        {**decided, "reason": ""},
        {**decided, "decision": "maybe"},
        {**decided, "decision": "changed", "predikat": ""},
        {**decided, "decision": "changed", "predikat": "Sangat Baik"},  # the same predikat
        {**decided, "decision": "changed", "predikat": "Luar Biasa"},
    ):
        assert head.post(url, bad).status_code == 422, bad
        assert snapshot() == before

    assert head.post(url, decided).status_code == 303
    evaluation = evaluation_of(final_b)
    assert evaluation.objection_status == decision
    assert evaluation.objection_decided_by_id == final_b.head.id
    assert evaluation.objection_decision_reason == "Bukti validasi diperiksa."
    assert evaluation.predikat == ("Baik" if decision == "changed" else "Sangat Baik")
    decided_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "evaluation.objection_decided")
    )
    assert decided_event.summary["predikat"] == ["Sangat Baik", evaluation.predikat]
    page = login_as(final_b.owner).get(screen_url(final_b))
    assert "Bukti validasi diperiksa." in text_of(page)

    before = snapshot()
    again = head.post(url, {**decided, "decision": "upheld"})
    assert again.status_code == 409
    assert snapshot() == before


# -- lost races: compare-and-swap, never a silent overwrite or a 500 -----------------------


def _changed_behind_its_back(evaluation, **values) -> None:
    """Another request's committed change, which this session's object has not seen."""
    db.session.execute(
        update(Evaluation)
        .where(Evaluation.id == evaluation.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def test_saves_that_lose_a_race_are_conflicts(team_b):
    data = typed_b()
    stale = queries.context(find_plan(team_b.owner, team_b.period))
    assert stale.evaluation is None
    services.save(stale, data, team_b.boss, finish=False)  # the twin from the other tab
    with pytest.raises(Conflict):
        services.save(stale, data, team_b.boss, finish=False)
    db.session.commit()
    evaluation = evaluation_of(team_b)
    assert evaluation.version == 1

    ctx = queries.context(find_plan(team_b.owner, team_b.period))
    _changed_behind_its_back(evaluation, version=2, notes="Disimpan di tab lain.")
    with pytest.raises(Conflict):
        services.save(ctx, replace(data, version=1), team_b.boss, finish=True)
    db.session.rollback()
    evaluation = evaluation_of(team_b)
    assert (evaluation.status, evaluation.version) == ("draft", 1)
    assert [t.state for t in db.session.scalars(select(Target))] == [REPORTED, REPORTED]


def test_a_response_or_a_decision_that_loses_a_race_is_a_conflict(final_b):
    evaluation = evaluation_of(final_b)
    _changed_behind_its_back(evaluation, employee_response="agree")
    objection = ResponseInput(Response.OBJECT, "Keliru.")
    with pytest.raises(Conflict):
        services.respond(evaluation, final_b.owner, objection)
    db.session.rollback()
    assert evaluation_of(final_b).employee_response is None

    services.respond(evaluation, final_b.owner, objection)
    db.session.commit()
    evaluation = evaluation_of(final_b)
    version = evaluation.version
    _changed_behind_its_back(
        evaluation, objection_status="upheld", version=version + 1, predikat="Sangat Baik"
    )
    decision = DecisionInput(Decision.CHANGED, "Bukti baru.", "Baik")
    with pytest.raises(Conflict):
        services.decide_objection(evaluation, final_b.head, decision)
    db.session.rollback()
    evaluation = evaluation_of(final_b)
    assert (evaluation.objection_status, evaluation.predikat) == ("open", "Sangat Baik")


def test_a_plan_split_between_two_evaluators_is_not_evaluated_by_either(team_b, login_as):
    """After one target was reassigned, the plan has two evaluators: neither may
    evaluate the whole plan until the admin brings its targets under one."""
    first, second = team_b.targets
    db.session.execute(
        update(Target).where(Target.id == second.id).values(evaluator_id=team_b.other_boss.id)
    )
    db.session.commit()
    before = snapshot()
    for evaluator in (team_b.boss, team_b.other_boss):
        client = login_as(evaluator)
        other = team_b.other_boss if evaluator is team_b.boss else team_b.boss
        split = say(messages.SPLIT_EVALUATORS, count=1, names=other.display_name)
        page = client.get(screen_url(team_b))
        assert split in html.unescape(text_of(page))
        refused = finish(client, team_b, form_b(team_b))
        assert refused.status_code == 422
        assert split in html.unescape(text_of(refused))
        assert snapshot() == before

    db.session.execute(
        update(Target).where(Target.id == second.id).values(evaluator_id=team_b.boss.id)
    )
    db.session.commit()
    assert finish(login_as(team_b.boss), team_b, form_b(team_b)).status_code == 303
    assert evaluation_of(team_b).is_final


def test_a_unit_head_takes_the_units_rating_as_their_rating_hasil_kerja(
    factory, monkeypatch, login_as
):
    """The boss heads a unit: their results are above expectations, but the unit is
    only "Baik", so the suggestion is "sesuai ekspektasi"; an "Istimewa" unit makes it
    "di atas"; without the unit's rating there is nothing to suggest from."""
    team = build_team(factory, monkeypatch)
    reported_targets(team, ABOVE, owner=team.boss)
    head = login_as(team.head)
    url = screen_url(team, team.boss)
    before = snapshot()
    refused = finish(head, team, form_b(team, organisation_rating=""), team.boss)
    assert refused.status_code == 422
    assert field_error(refused, "f-org") == str(messages.UNIT_RATING_NEEDED)
    assert snapshot() == before

    preview = head.post(url + "/pratinjau", form_b(team, organisation_rating="Istimewa"), htmx=True)
    shown = text_of(preview)
    assert "mengikuti predikat kinerja unit “Istimewa” → Di Atas Ekspektasi" in shown

    assert (
        finish(head, team, form_b(team, organisation_rating="Baik"), team.boss).status_code == 303
    )
    evaluation = evaluation_of(team, team.boss)
    assert evaluation.suggested_hasil_kerja == SESUAI == evaluation.rating_hasil_kerja
    assert evaluation.departure_reason == ""
    assert evaluation.predikat == "Baik"


def test_a_staff_member_is_rated_on_their_own_results_whatever_the_unit(team_b, login_as):
    boss = login_as(team_b.boss)
    finished = finish(boss, team_b, form_b(team_b, organisation_rating="Butuh Perbaikan"))
    assert finished.status_code == 303
    assert evaluation_of(team_b).suggested_hasil_kerja == DI_ATAS
