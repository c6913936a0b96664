"""The annual evaluation covers every approved target (issue 12, items 3 and 5).

A plan of five targets: two reported, one approved and worked on but never reported, one
approved and to be excluded, one still in discussion. The approved ones not reported are
decided on the screen, each one: scored on what its accepted entries achieved
(``evaluate_unreported``, fired only by the screen) or excluded with a reason
(``evaluation_exclusion``). Finishing with one undecided is refused; the message says what
was covered; the letter prints the exclusions and the targets never approved; the admin's
revert goes back the way the target came; and after the evaluation the daily log says that
an evaluated (or excluded) target's entries are read-only. Both databases.
"""

from __future__ import annotations

import html
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.errors import Conflict, InvalidInput
from portal.evaluations import queries, services
from portal.evaluations.inputs import Coverage
from portal.evaluations.messages import (
    EVALUATE_ON_REALISATION,
    EXCLUDE_WITH_REASON,
    EXCLUSION_NEEDS_REASON,
    NOT_APPROVED_NOT_EVALUATED,
    PICK_COVERAGE,
    TEXT_TOO_LONG,
    UNDECIDED_TARGETS,
    UNKNOWN_COVERAGE,
    finished_message,
    say,
)
from portal.extensions import db
from portal.forms import CONTROL_CHARACTERS
from portal.inbox.plans import READY
from portal.inbox.queries import inbox
from portal.inbox.reports import REJECTED
from portal.models import (
    AuditEvent,
    EntryStatus,
    Evaluation,
    EvaluationExclusion,
    EvaluationTarget,
    Target,
    TargetHistory,
    WorkEntry,
)
from portal.plans.services import find_plan
from portal.reports.queries import REJECTED_CANNOT_BE_FIXED, TARGET_EVALUATED, TARGET_EXCLUDED
from tests.evaluation_helpers import (
    STEADY,
    approved_target,
    audit_actions,
    build_team,
    evaluation_of,
    finish,
    form_b,
    pdf_text,
    print_letter,
    reported_targets,
    screen_url,
    snapshot,
    text_of,
    typed_b,
)
from tests.pages import field_error
from tests.race_helpers import FIRST_WROTE, slow_audit  # noqa: F401 (a fixture)
from tests.reporting_helpers import TODAY, add, entry, sign_in
from workflows import engine, guards
from workflows.targets import APPROVED, DISCUSSED, EVALUATED, REPORTED

EXCLUSION_REASON = "Kegiatan dibatalkan karena anggaran dialihkan."
FINISHED_ID = (
    "Evaluasi selesai: 3 target dinilai (1 tanpa laporan akhir), 1 dikecualikan, "
    "1 belum disetujui dan tidak dievaluasi."
)
FINISHED_EN = (
    "Evaluation finished: 3 targets evaluated (1 without a final report), 1 excluded, "
    "1 not yet approved and not evaluated."
)
BEYOND_BIGINT = 2**63


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


@dataclass
class Plan5:
    team: object
    unreported: Target  # approved, six months of accepted entries, never reported
    excluded: Target  # approved, to be excluded with a reason
    discussed: Target  # never approved

    @property
    def choices(self) -> dict[str, str]:
        """The two decisions as the screen posts them."""
        return {
            f"coverage_{self.unreported.id}": "evaluate",
            f"coverage_{self.excluded.id}": "exclude",
            f"exclusion_reason_{self.excluded.id}": EXCLUSION_REASON,
        }


@pytest.fixture
def plan5(factory, monkeypatch):
    team = build_team(factory, monkeypatch)
    reported_targets(team, [STEADY, STEADY])
    unreported = approved_target(team, title="Terlaksananya sosialisasi SKP")
    add(
        *[
            entry(unreported, date(2026, month, 10), status=EntryStatus.ACCEPTED)
            for month in range(1, 7)
        ]
    )
    excluded = approved_target(team, title="Tersusunnya kajian yang dibatalkan")
    discussed = factory.target(team.owner, team.period, state=DISCUSSED, title="Draf pedoman")
    db.session.commit()
    team.targets.extend([unreported, excluded])  # form_b posts a feedback for each
    return Plan5(team, unreported, excluded, discussed)


def _state(target: Target) -> str:
    db.session.expire_all()
    return db.session.get(Target, target.id).state


def _finished(client, plan: Plan5, **changes):
    response = finish(client, plan.team, form_b(plan.team, **plan.choices, **changes))
    assert response.status_code == 303, text_of(response)[:800]
    return response


# -- the screen, the refusal, the draft, the finish -----------------------------------------


def test_every_approved_target_is_decided_before_the_evaluation_is_finished(plan5, login_as):
    team = plan5.team
    boss = login_as(team.boss)
    page = boss.get(screen_url(team))
    body, text = page.get_data(as_text=True), html.unescape(text_of(page))
    for target in (plan5.unreported, plan5.excluded):
        for value in ("evaluate", "exclude"):
            assert f'name="coverage_{target.id}" value="{value}"' in body
        assert f'name="exclusion_reason_{target.id}"' in body
    for target in team.targets[:2]:  # reported: nothing to decide
        assert f"coverage_{target.id}" not in body
    assert str(EVALUATE_ON_REALISATION) in text and str(EXCLUDE_WITH_REASON) in text
    assert f"Draf pedoman Dalam pembahasan — {NOT_APPROVED_NOT_EVALUATED}" in text

    # Finishing with both undecided: refused, naming both, nothing written.
    before = snapshot()
    refused = finish(boss, team, form_b(team))
    assert refused.status_code == 422
    titles = f"“{plan5.unreported.title}”, “{plan5.excluded.title}”"
    assert say(UNDECIDED_TARGETS, titles=titles) in html.unescape(text_of(refused))
    for target in (plan5.unreported, plan5.excluded):
        assert field_error(refused, f"coverage_{target.id}") == str(PICK_COVERAGE)
    assert snapshot() == before and evaluation_of(team) is None

    # One decided: the refusal names the other one only.
    refused = finish(boss, team, form_b(team, **{f"coverage_{plan5.unreported.id}": "evaluate"}))
    assert refused.status_code == 422
    only = say(UNDECIDED_TARGETS, titles=f"“{plan5.excluded.title}”")
    assert only in html.unescape(text_of(refused))
    assert snapshot() == before

    # A draft keeps the choices (and changes no target).
    draft = boss.post(screen_url(team), {**form_b(team, **plan5.choices), "action": "save"})
    assert draft.status_code == 303
    evaluation = evaluation_of(team)
    assert evaluation.status == "draft"
    rows = {row.target_id: row.unreported for row in evaluation.targets}
    assert rows == {team.targets[0].id: False, team.targets[1].id: False, plan5.unreported.id: True}
    [exclusion] = evaluation.exclusions
    assert (exclusion.target_id, exclusion.reason, exclusion.excluded_by_id) == (
        plan5.excluded.id,
        EXCLUSION_REASON,
        team.boss.id,
    )
    assert exclusion.excluded_at is not None
    assert _state(plan5.unreported) == _state(plan5.excluded) == APPROVED
    shown = boss.get(screen_url(team)).get_data(as_text=True)
    assert f'name="coverage_{plan5.unreported.id}" value="evaluate" checked' in shown
    assert f'name="coverage_{plan5.excluded.id}" value="exclude" checked' in shown
    assert EXCLUSION_REASON in shown

    # Finished: the message says exactly what was covered.
    response = _finished(boss, plan5)
    assert FINISHED_ID in html.unescape(text_of(boss.get(response.headers["Location"])))
    assert [_state(t) for t in team.targets] == [EVALUATED, EVALUATED, EVALUATED, APPROVED]
    assert _state(plan5.discussed) == DISCUSSED
    [history] = db.session.scalars(
        select(TargetHistory).where(TargetHistory.target_id == plan5.unreported.id)
    ).all()
    assert (history.trigger, history.from_state, history.to_state, history.actor_id) == (
        "evaluate_unreported",
        APPROVED,
        EVALUATED,
        team.boss.id,
    )
    assert "evaluation.exclude" in audit_actions("evaluation.")
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "evaluation.finish")
    ).all()
    assert event.summary["excluded"] == [plan5.excluded.id]
    assert plan5.unreported.id in event.summary["scored"]
    # The excluded target is now closed: the "ready to report" inbox leaves it out.
    closed = queries.closed_target_ids([plan5.excluded.plan_id])
    assert closed == {t.id for t in team.targets[:3]} | {plan5.excluded.id}
    (rejected,) = add(entry(plan5.excluded, date(2026, 6, 1), status=EntryStatus.REJECTED))
    with current_app.test_request_context():
        owner = inbox(team.owner, date(2027, 1, 4))  # after the period: all else is ready
    assert f"target-{plan5.excluded.id}" not in owner.item_keys(str(READY))
    assert f"entry-{rejected.id}" not in owner.item_keys(str(REJECTED))


def test_the_finish_message_in_english(plan5, login_as):
    plan5.team.boss.language = "en"
    db.session.commit()
    boss = login_as(plan5.team.boss)
    response = _finished(boss, plan5)
    assert FINISHED_EN in html.unescape(text_of(boss.get(response.headers["Location"])))


@pytest.mark.parametrize(
    ("counts", "indonesian", "english"),
    [
        (
            (1, 0, 0, 0),
            "Evaluasi selesai: 1 target dinilai.",
            "Evaluation finished: 1 target evaluated.",
        ),
        (
            (2, 1, 1, 0),
            "Evaluasi selesai: 2 target dinilai (1 tanpa laporan akhir), 1 dikecualikan.",
            "Evaluation finished: 2 targets evaluated (1 without a final report), 1 excluded.",
        ),
        (
            (0, 0, 2, 3),
            "Evaluasi selesai: 0 target dinilai, 2 dikecualikan, "
            "3 belum disetujui dan tidak dievaluasi.",
            "Evaluation finished: 0 targets evaluated, 2 excluded, "
            "3 not yet approved and not evaluated.",
        ),
    ],
)
def test_the_finish_message_counts_in_both_languages(app, counts, indonesian, english):
    with app.test_request_context():
        with force_locale("id"):
            assert finished_message(*counts) == indonesian
        with force_locale("en"):
            assert finished_message(*counts) == english


def test_scored_without_a_report_it_counts_in_the_outcome_and_excluded_it_does_not(plan5):
    team = plan5.team
    ctx = queries.context(find_plan(team.owner, team.period))
    assert ctx.unreported_ids == {plan5.unreported.id, plan5.excluded.id}
    assert [t.id for t in ctx.not_approved] == [plan5.discussed.id]
    data = replace(
        typed_b(),
        coverage={plan5.unreported.id: Coverage.EVALUATE, plan5.excluded.id: Coverage.EXCLUDE},
        exclusion_reasons={plan5.excluded.id: EXCLUSION_REASON},
    )
    outcome = services.compute(ctx, data)
    scored = {r.target.id: r.score for r in outcome.results}
    assert set(scored) == {*(t.id for t in team.targets[:2]), plan5.unreported.id}
    assert scored[plan5.unreported.id] == pytest.approx(50.0)  # 6 of 12 accepted
    services.save(ctx, data, team.boss, finish=True)
    db.session.commit()
    covered = services.coverage_of(
        queries.context(find_plan(team.owner, team.period)), evaluation_of(team)
    )
    assert (covered.scored, covered.unreported, covered.excluded) == (3, 1, 1)
    # Excluded by a final evaluation, the target cannot be reported any more.
    excluded = db.session.get(Target, plan5.excluded.id)
    assert excluded.excluded
    with pytest.raises(InvalidInput) as refused:
        engine.fire(excluded, "submit_report", team.owner)
    assert str(guards.EXCLUDED) in refused.value.message


# -- the engine-only row is never a button --------------------------------------------------


def test_evaluate_unreported_is_never_a_button_and_a_forged_post_is_refused(plan5, login_as):
    team = plan5.team
    boss = login_as(team.boss)
    card = boss.get(f"/target/{plan5.unreported.id}").get_data(as_text=True)
    assert "aksi/evaluate_unreported" not in card
    before = snapshot()
    forged = boss.post(
        f"/target/{plan5.unreported.id}/aksi/evaluate_unreported", {"version": "1"}, htmx=True
    )
    assert forged.status_code == 422
    assert str(guards.EVALUATION_NOT_FINAL) in html.unescape(text_of(forged))
    assert snapshot() == before and _state(plan5.unreported) == APPROVED


# -- the letter -----------------------------------------------------------------------------


def test_the_letter_prints_the_exclusions_and_the_targets_never_approved(plan5, login_as, tmp_path):
    team = plan5.team
    boss = login_as(team.boss)
    _finished(boss, plan5)
    pdf = print_letter(boss, evaluation_of(team).id)
    assert pdf.status_code == 200
    (tmp_path / "coverage.pdf").write_bytes(pdf.data)
    text, _pages = pdf_text(pdf.data)
    assert "Target yang tidak dinilai" in text
    assert f"{plan5.excluded.title} dikecualikan: {EXCLUSION_REASON}" in text
    assert f"{plan5.discussed.title} tidak dievaluasi: belum disetujui" in text
    assert "dinilai dari capaiannya, tanpa laporan akhir" in text
    # The excluded target is not in the table of results.
    results = text.split("Target yang tidak dinilai")[0]
    assert plan5.excluded.title not in results and plan5.unreported.title in results


# -- the admin's revert goes back the way the target came -----------------------------------


def test_reverting_a_target_evaluated_without_a_report_goes_back_to_approved(plan5, login_as):
    team = plan5.team
    boss = login_as(team.boss)
    _finished(boss, plan5)
    admin = login_as(team.admin)
    target = db.session.get(Target, plan5.unreported.id)
    card = admin.get(f"/target/{target.id}").get_data(as_text=True)
    assert f'action="/target/{target.id}/aksi/revert_unreported"' in card
    assert f'action="/target/{target.id}/aksi/revert"' not in card
    # A reported one offers the ordinary way back only.
    reported = team.targets[0]
    card = admin.get(f"/target/{reported.id}").get_data(as_text=True)
    assert f'action="/target/{reported.id}/aksi/revert"' in card
    assert "revert_unreported" not in card

    before = snapshot()
    wrong = admin.post(
        f"/target/{target.id}/aksi/revert",
        {"version": str(target.version), "reason": "Salah hitung."},
        htmx=True,
    )
    assert wrong.status_code == 422
    assert str(guards.CAME_UNREPORTED) in html.unescape(text_of(wrong))
    assert snapshot() == before

    reverted = admin.post(
        f"/target/{target.id}/aksi/revert_unreported",
        {"version": str(target.version), "reason": "Salah hitung."},
    )
    assert reverted.status_code == 303
    assert _state(target) == APPROVED
    evaluation = evaluation_of(team)
    assert evaluation.status == "draft"
    [history] = db.session.scalars(
        select(TargetHistory).where(
            TargetHistory.target_id == target.id, TargetHistory.trigger == "revert_unreported"
        )
    ).all()
    assert (history.from_state, history.to_state, history.reason) == (
        EVALUATED,
        APPROVED,
        "Salah hitung.",
    )
    assert "evaluation.reopen" in audit_actions("evaluation.")
    # The draft still holds the decision; finishing again evaluates it again.
    shown = boss.get(screen_url(team)).get_data(as_text=True)
    assert f'name="coverage_{target.id}" value="evaluate" checked' in shown
    _finished(boss, plan5)
    assert _state(target) == EVALUATED


# -- after the evaluation, the daily log tells the truth ------------------------------------


def test_after_the_evaluation_the_daily_log_says_why_nothing_can_change(plan5, login_as):
    team = plan5.team
    _finished(login_as(team.boss), plan5)
    evaluated, excluded = team.targets[0], plan5.excluded
    rejected, pending = add(
        entry(evaluated, TODAY, status=EntryStatus.REJECTED, description="Ditolak dulu"),
        entry(excluded, TODAY, description="Menunggu verifikasi"),
    )
    owner = login_as(team.owner)
    page = owner.get("/laporan")
    text = html.unescape(text_of(page))
    assert "Belum ada target yang disetujui" not in text
    assert (
        "Target Anda pada periode ini sudah dievaluasi; laporan harian tidak dapat diubah lagi."
        in text
    )
    assert str(REJECTED_CANNOT_BE_FIXED) in text
    assert str(TARGET_EXCLUDED) in text
    assert "Perbaiki dan ajukan ulang" not in text
    body = page.get_data(as_text=True)
    for e in (rejected, pending):
        assert f"/laporan/{e.id}/ubah" not in body and f"/laporan/{e.id}/hapus" not in body

    # The edit page of the rejected entry says so, with no form to fill.
    edit = owner.get(f"/laporan/{rejected.id}/ubah")
    assert edit.status_code == 200
    assert str(REJECTED_CANNOT_BE_FIXED) in html.unescape(text_of(edit))
    assert 'name="description"' not in edit.get_data(as_text=True)

    def entries():
        db.session.expire_all()
        return [
            (e.id, e.status, e.description, e.version)
            for e in db.session.scalars(select(WorkEntry).order_by(WorkEntry.id))
        ]

    before, audited = entries(), db.session.scalar(select(func.count(AuditEvent.id)))
    forged = owner.post(
        f"/laporan/{rejected.id}/ubah",
        {
            "version": str(rejected.version),
            "entry_date": TODAY.isoformat(),
            "target_id": str(evaluated.id),
            "description": "Diubah lewat POST palsu",
            "quantity": "1",
            "minutes": "60",
        },
    )
    assert forged.status_code == 409
    # The page of a rejected entry says the most of it: rejected, and no longer fixable.
    assert str(REJECTED_CANNOT_BE_FIXED) in html.unescape(text_of(forged))
    assert 'name="description"' not in forged.get_data(as_text=True)
    for e, message in ((rejected, TARGET_EVALUATED), (pending, TARGET_EXCLUDED)):
        deleted = owner.post(
            f"/laporan/{e.id}/hapus", {"version": str(e.version), "confirmed": "1"}
        )
        assert deleted.status_code == 409
        assert str(message) in html.unescape(text_of(deleted))
    assert entries() == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audited


def test_a_pending_entry_on_a_closed_target_is_no_longer_verified(plan5, login_as):
    """Scored on its realisation (or excluded), the target's figures are final: its
    evaluator may not accept a late entry (409, with why), nor is it offered."""
    team = plan5.team
    late = add(entry(plan5.unreported, TODAY, description="Terlambat diverifikasi"))[0]
    boss = login_as(team.boss)
    _finished(boss, plan5)
    queue = boss.get("/verifikasi")
    assert str(TARGET_EVALUATED) in html.unescape(text_of(queue))
    assert f'value="{late.id}:{late.version}"' not in queue.get_data(as_text=True)
    before = snapshot()
    forged = boss.post(
        f"/verifikasi/{late.id}", {"decision": "accept", "version": str(late.version)}, htmx=True
    )
    assert forged.status_code == 409
    assert str(TARGET_EVALUATED) in html.unescape(text_of(forged))
    db.session.expire_all()
    assert db.session.get(WorkEntry, late.id).status == EntryStatus.PENDING
    assert snapshot() == before


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "choice", "field", "message"),
    [
        ("Alasan\x00dengan NUL", "exclude", "reason", CONTROL_CHARACTERS),
        ("Alasan\x1b[31m", "exclude", "reason", CONTROL_CHARACTERS),
        ("x" * 2001, "exclude", "reason", say(TEXT_TOO_LONG, max=2000)),
        ("   ", "exclude", "reason", EXCLUSION_NEEDS_REASON),
        ("", "mungkin", "coverage", UNKNOWN_COVERAGE),
    ],
    ids=["nul", "escape", "too-long", "blank", "unknown-choice"],
)
def test_a_bad_decision_is_refused_beside_its_field(
    plan5, login_as, reason, choice, field, message
):
    team = plan5.team
    boss = login_as(team.boss)
    before = snapshot()
    changes = {
        **plan5.choices,
        f"coverage_{plan5.excluded.id}": choice,
        f"exclusion_reason_{plan5.excluded.id}": reason,
    }
    for action in ("save", "finish"):
        response = boss.post(screen_url(team), {**form_b(team, **changes), "action": action})
        assert response.status_code == 422
        name = (
            f"f-exclusion_reason_{plan5.excluded.id}"
            if field == "reason"
            else f"coverage_{plan5.excluded.id}"
        )
        assert field_error(response, name) == str(message)
        assert snapshot() == before
    assert db.session.scalar(select(func.count(EvaluationExclusion.id))) == 0


def test_ids_beyond_the_integer_range_are_not_found(plan5, login_as):
    team = plan5.team
    boss, owner = login_as(team.boss), login_as(team.owner)
    assert boss.get(f"/evaluasi/{team.period.id}/pegawai/{BEYOND_BIGINT}").status_code == 404
    assert boss.get(f"/evaluasi/{BEYOND_BIGINT}/pegawai/{team.owner.id}").status_code == 404
    forged = boss.post(f"/target/{BEYOND_BIGINT}/aksi/evaluate_unreported", {"version": "1"})
    assert forged.status_code == 404
    assert owner.get(f"/laporan/{BEYOND_BIGINT}/ubah").status_code == 404
    assert (
        owner.post(
            f"/laporan/{BEYOND_BIGINT}/hapus", {"version": "1", "confirmed": "1"}
        ).status_code
        == 404
    )
    # A decision posted for a target id the plan does not have is ignored, not a 500.
    stray = {f"coverage_{BEYOND_BIGINT}": "exclude", f"exclusion_reason_{BEYOND_BIGINT}": "x"}
    response = boss.post(
        screen_url(team), {**form_b(team, **plan5.choices, **stray), "action": "save"}
    )
    assert response.status_code == 303
    assert [x.target_id for x in evaluation_of(team).exclusions] == [plan5.excluded.id]


# -- the screen's statements do not grow with the plan ---------------------------------------


def _screen_statements(count_statements, client, url: str) -> int:
    from flask import current_app

    app = current_app._get_current_object()
    with app.app_context():
        client.get(url)
    with app.app_context(), count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_screen_statements_are_the_same_for_5_and_50_targets(
    factory, monkeypatch, login_as, count_statements
):
    team = build_team(factory, monkeypatch)
    states = (REPORTED, APPROVED, APPROVED, DISCUSSED, REPORTED)

    def grow(to: int) -> None:
        for i in range(len(team.targets), to):
            team.targets.append(factory.target(team.owner, team.period, state=states[i % 5]))
        db.session.commit()
        ctx = queries.context(find_plan(team.owner, team.period))
        unreported = sorted(ctx.unreported_ids)
        evaluation = ctx.evaluation
        data = replace(
            typed_b(),
            version=evaluation.version if evaluation else None,
            coverage={
                tid: Coverage.EXCLUDE if i % 2 else Coverage.EVALUATE
                for i, tid in enumerate(unreported)
            },
            exclusion_reasons={tid: "Dibatalkan." for tid in unreported},
        )
        services.save(ctx, data, team.boss, finish=False)
        db.session.commit()

    boss = login_as(team.boss)
    grow(5)
    few = _screen_statements(count_statements, boss, screen_url(team))
    grow(50)
    many = _screen_statements(count_statements, boss, screen_url(team))
    assert db.session.scalar(select(func.count(EvaluationExclusion.id))) == 10
    assert many == few


# -- two finishes at once: one wins ----------------------------------------------------------


@pytest.mark.commits
@pytest.mark.usefixtures("slow_audit")
def test_two_finishes_at_once_one_wins_and_the_other_is_a_conflict(app, plan5):
    team = plan5.team
    data = replace(
        typed_b(),
        coverage={plan5.unreported.id: Coverage.EVALUATE, plan5.excluded.id: Coverage.EXCLUDE},
        exclusion_reasons={plan5.excluded.id: EXCLUSION_REASON},
    )
    ctx = queries.context(find_plan(team.owner, team.period))
    services.save(ctx, data, team.boss, finish=False)  # the draft both tabs show
    db.session.commit()
    version = evaluation_of(team).version
    owner_id, boss_id, period_id = team.owner.id, team.boss.id, team.period.id
    barrier = threading.Barrier(2)

    def attempt(goes_second: bool) -> str:
        with app.app_context():
            try:
                from portal.models import Employee, Period

                owner = db.session.get(Employee, owner_id)
                boss = db.session.get(Employee, boss_id)
                shown = queries.context(find_plan(owner, db.session.get(Period, period_id)))
                _ = [(r.target.period, r.target.evaluator) for r in shown.results]
                barrier.wait(timeout=10)
                if goes_second:
                    assert FIRST_WROTE.wait(timeout=10), "the first writer never wrote"
                try:
                    services.save(shown, replace(data, version=version), boss, finish=True)
                    db.session.commit()
                    return "finished"
                except Conflict:
                    db.session.rollback()
                    return "conflict"
            finally:
                db.session.remove()

    db.session.rollback()
    FIRST_WROTE.clear()
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(attempt, False), pool.submit(attempt, True)]
        outcomes = [f.result(timeout=60) for f in futures]
    assert outcomes == ["finished", "conflict"]
    db.session.expire_all()
    evaluation = evaluation_of(team)
    assert (evaluation.status, evaluation.version) == ("final", version + 1)
    assert _state(plan5.unreported) == EVALUATED and _state(plan5.excluded) == APPROVED
    histories = db.session.scalar(
        select(func.count(TargetHistory.id)).where(TargetHistory.target_id == plan5.unreported.id)
    )
    assert histories == 1  # evaluated once
    assert db.session.scalar(select(func.count(EvaluationExclusion.id))) == 1
    assert db.session.scalar(select(func.count(EvaluationTarget.id))) == 3
    assert db.session.scalar(select(func.count(Evaluation.id))) == 1
