"""What the evaluation screens read: the plan's targets up for evaluation with their
scores (:class:`Context`), the follow-up items, the unit recap, and the view models the
templates show (:class:`ScreenView`), which decide what the viewer may see and do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import clock, policy, scoring
from portal.evaluations.inputs import Coverage, Decision, Response
from portal.evaluations.messages import SPLIT_EVALUATORS, say
from portal.evaluations.scores import TargetResult, perilaku_aspects, target_result
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationExclusion,
    Evidence,
    FollowUpItem,
    FollowUpKind,
    Job,
    Period,
    PeriodicEvaluation,
    Plan,
    Scheme,
    Target,
    WorkEntry,
)
from portal.models.evaluations import target_closed
from portal.models.plans import target_card_options
from portal.periodic.queries import annual_results
from portal.policy import Action
from portal.ranks import JenisJabatan
from portal.realisation import realisations
from workflows.guards import NEEDS_IMPROVEMENT
from workflows.targets import APPROVED, APPROVED_OR_LATER

RATINGS = tuple(scoring.Rating)
#: (value, label) of the kreativitas select (PP 46/2011).
KREATIVITAS_CHOICES = (
    ("", _l("tidak ada")),
    ("unit", _l("tingkat unit kerja (+3)")),
    ("organisasi", _l("tingkat organisasi (+6)")),
    ("nasional", _l("tingkat nasional (+12)")),
)


@dataclass
class Context:
    """The plan up for evaluation. ``results`` are every target it covers: the reported
    (and evaluated) ones, and the approved ones not reported by the end, which the
    evaluator scores on their realisation or excludes (``exclusions``, by target).
    ``not_approved`` are the targets never approved (drafted, in discussion): listed, not
    evaluated."""

    plan: Plan
    evaluation: Evaluation | None
    results: list[TargetResult]
    structural: bool
    # The head of a unit (a structural position with subordinates) takes the unit's
    # rating as their own rating hasil kerja (scheme B).
    unit_head: bool = False
    exclusions: dict[int, EvaluationExclusion] = field(default_factory=dict)
    not_approved: list[Target] = field(default_factory=list)
    # The finished periodic evaluations of the plan (``templates/evaluations/
    # _periodic_results.html``), which the suggested ratings take into account.
    periodic: list[PeriodicEvaluation] = field(default_factory=list)

    @property
    def unreported_ids(self) -> frozenset[int]:
        """The covered targets still approved: not reported by the end, so decided on
        the screen (scored on what they achieved, or excluded)."""
        return frozenset(r.target.id for r in self.results if r.target.state == APPROVED)

    def scored(self, coverage: dict[int, str | None] | None = None) -> list[TargetResult]:
        """The results that count: every one but the excluded (by ``coverage`` as posted,
        else as saved)."""
        if coverage is None:
            return [r for r in self.results if r.target.id not in self.exclusions]
        return [r for r in self.results if coverage.get(r.target.id) != Coverage.EXCLUDE]

    @property
    def scheme_a(self) -> bool:
        return self.plan.period.scheme == Scheme.PP46

    @property
    def aspects(self) -> tuple[str, ...]:
        """The behaviour inputs of the scheme: PP 46 aspects or the BerAKHLAK values."""
        return perilaku_aspects(self.structural) if self.scheme_a else scoring.BERAKHLAK


def plan_targets(plan: Plan) -> list[Target]:
    """Every target of the plan, in the plan's order (one statement)."""
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.plan_id == plan.id)
            .options(*target_card_options())
            .order_by(Target.position, Target.id)
        )
    )


def covered_and_not_approved(
    targets: list[Target], evaluation: Evaluation | None, exclusions: dict[int, object]
) -> tuple[list[Target], list[Target]]:
    """Split the plan's targets into the ones the evaluation covers (approved or later)
    and the ones never approved. Once the evaluation is final, an approved target it
    neither scored nor excluded was approved only afterwards: at evaluation time it was
    not approved, and it is listed so."""
    decided = None
    if evaluation is not None and evaluation.is_final:
        decided = exclusions.keys() | {row.target_id for row in evaluation.targets}
    covered, not_approved = [], []
    for target in targets:
        later = target.state in APPROVED_OR_LATER
        if later and (decided is None or target.state != APPROVED or target.id in decided):
            covered.append(target)
        else:
            not_approved.append(target)
    return covered, not_approved


def closed_target_ids(plan_ids: list[int]) -> set[int]:
    """The targets of these plans that the evaluation closed: evaluated (or followed up),
    or excluded by a final evaluation. Nothing is to be reported on them any more (the
    "ready to report" inbox leaves them out). One statement."""
    if not plan_ids:
        return set()
    return set(
        db.session.scalars(
            select(Target.id).where(
                Target.plan_id.in_(plan_ids), target_closed(Target.id, Target.state)
            )
        )
    )


def evidence_counts(target_ids: list[int]) -> dict[int, int]:
    if not target_ids:
        return {}
    rows = db.session.execute(
        select(WorkEntry.target_id, func.count(Evidence.id))
        .join(Evidence, Evidence.entry_id == WorkEntry.id)
        .where(WorkEntry.target_id.in_(target_ids), WorkEntry.status == "accepted")
        .group_by(WorkEntry.target_id)
    )
    return dict(rows.all())


def context(plan: Plan) -> Context:
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.plan_id == plan.id))
    exclusions = {}
    if evaluation is not None:
        exclusions = {
            e.target_id: e
            for e in db.session.scalars(
                select(EvaluationExclusion)
                .where(EvaluationExclusion.evaluation_id == evaluation.id)
                .options(selectinload(EvaluationExclusion.excluded_by))
            )
        }
    targets, not_approved = covered_and_not_approved(plan_targets(plan), evaluation, exclusions)
    # An exclusion stands for a target still approved; one reopened since (back in
    # discussion) is listed as not approved instead, never twice.
    unreported = {t.id for t in targets if t.state == APPROVED}
    exclusions = {tid: e for tid, e in exclusions.items() if tid in unreported}
    figures = realisations(targets)
    counts = evidence_counts([t.id for t in targets])
    results = [
        target_result(t, figures[t.id], plan.period.scheme, counts.get(t.id, 0)) for t in targets
    ]
    structural = bool(
        db.session.scalar(
            select(func.count()).select_from(Employee).where(Employee.atasan_id == plan.employee_id)
        )
    )
    unit_head = structural and plan.employee.jenis_jabatan != JenisJabatan.FUNGSIONAL
    return Context(
        plan,
        evaluation,
        results,
        structural,
        unit_head,
        exclusions,
        not_approved,
        annual_results(plan),
    )


def is_evaluator(user: Employee, ctx: Context) -> bool:
    """Whether ``user`` evaluates at least one of the plan's targets."""
    return any(r.target.evaluator_id == user.id for r in ctx.results)


def editable(ctx: Context, evaluator: bool) -> bool:
    """Whether the evaluator may still change the evaluation: not final, period open."""
    evaluation = ctx.evaluation
    return evaluator and (evaluation is None or not evaluation.is_final) and ctx.plan.period.is_open


def split_evaluators(ctx: Context, actor: Employee) -> str | None:
    """Why ``actor`` cannot evaluate the plan as a whole: some of its targets have
    another evaluator (after a single target was reassigned). One employee has one
    pejabat penilai per period, so the plan is evaluated only once every target up
    for evaluation has the same one; None when that holds."""
    others = [r.target for r in ctx.results if r.target.evaluator_id != actor.id]
    if not others or len(others) == len(ctx.results):
        return None
    names = sorted({t.evaluator.display_name if t.evaluator else "—" for t in others})
    return say(SPLIT_EVALUATORS, count=len(others), names=", ".join(names))


def saved_inputs(ctx: Context) -> dict:
    """The inputs of the saved evaluation, by the names the form posts them under."""
    evaluation = ctx.evaluation
    if evaluation is None:
        return {}
    data = {
        "notes": evaluation.notes,
        "tugas_tambahan": evaluation.tugas_tambahan,
        "kreativitas": evaluation.kreativitas or "",
        "ekspektasi_khusus": evaluation.ekspektasi_khusus,
        "organisation_rating": evaluation.organisation_rating or "",
        "rating_hasil_kerja": evaluation.rating_hasil_kerja or "",
        "rating_perilaku": evaluation.rating_perilaku or "",
        "departure_reason": evaluation.departure_reason,
        "version": evaluation.version,
    }
    prefix = "perilaku" if ctx.scheme_a else "berakhlak"
    for index, name in enumerate(ctx.aspects):
        if name in evaluation.behaviour:
            data[f"{prefix}_{index}"] = evaluation.behaviour[name]
    unreported = ctx.unreported_ids
    for row in evaluation.targets:
        data[f"feedback_{row.target_id}"] = row.feedback
        if row.target_id in unreported:
            data[f"coverage_{row.target_id}"] = Coverage.EVALUATE.value
    for target_id, exclusion in ctx.exclusions.items():
        data[f"coverage_{target_id}"] = Coverage.EXCLUDE.value
        data[f"exclusion_reason_{target_id}"] = exclusion.reason
    return data


def objection_deadline(evaluation: Evaluation) -> date | None:
    if evaluation.evaluated_at is None:
        return None
    days = current_app.config.get("PORTAL_OBJECTION_DAYS", 14)
    return clock.local_date(evaluation.evaluated_at) + timedelta(days=days)


def improvement_required(evaluation: Evaluation) -> bool:
    return evaluation.predikat in NEEDS_IMPROVEMENT


def follow_up_items(evaluation: Evaluation) -> list[FollowUpItem]:
    return list(
        db.session.scalars(
            select(FollowUpItem)
            .where(FollowUpItem.evaluation_id == evaluation.id)
            .order_by(FollowUpItem.due_date, FollowUpItem.id)
        )
    )


def predikat_choices(scheme: Scheme) -> tuple[str, ...]:
    return scoring.PREDIKAT_PP46 if scheme == Scheme.PP46 else scoring.PREDIKAT_2022


# -- view models -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    item: FollowUpItem
    done: bool
    may_close: bool


@dataclass(frozen=True)
class AfterView:
    """What follows a final evaluation: the response, the objection, the follow-up plan."""

    evaluation: Evaluation
    agreed: bool
    objected: bool
    objection_open: bool
    objection_upheld: bool
    may_decide: bool
    may_respond: bool
    deadline: date | None
    predikats: tuple[str, ...]
    follow_ups: list[FollowUpRow]
    may_plan_follow_up: bool
    improvement_required: bool
    follow_up_kinds: tuple[FollowUpKind, ...] = tuple(FollowUpKind)


def after_view(evaluation: Evaluation, viewer: Employee) -> AfterView:
    def may(action: Action, obj) -> bool:
        return policy.can(viewer, action, obj)

    return AfterView(
        evaluation=evaluation,
        agreed=evaluation.employee_response == Response.AGREE,
        objected=evaluation.employee_response == Response.OBJECT,
        objection_open=evaluation.objection_status == "open",
        objection_upheld=evaluation.objection_status == Decision.UPHELD,
        may_decide=may(Action.DECIDE_OBJECTION, evaluation),
        may_respond=may(Action.RESPOND_EVALUATION, evaluation),
        deadline=objection_deadline(evaluation),
        predikats=predikat_choices(evaluation.period.scheme),
        follow_ups=[
            FollowUpRow(
                item,
                done=item.status == "done",
                may_close=item.status == "open" and may(Action.CLOSE_FOLLOW_UP, item),
            )
            for item in follow_up_items(evaluation)
        ],
        may_plan_follow_up=may(Action.PLAN_FOLLOW_UP, evaluation),
        improvement_required=improvement_required(evaluation),
    )


@dataclass(frozen=True)
class ScreenView:
    """The evaluation screen as the viewer may see it."""

    scheme_a: bool
    is_final: bool
    is_draft: bool
    may_print: bool
    editable: bool
    hide_scores: bool
    after: AfterView | None


def screen_view(ctx: Context, viewer: Employee, *, editable: bool) -> ScreenView:
    evaluation = ctx.evaluation
    final = evaluation is not None and evaluation.is_final
    return ScreenView(
        scheme_a=ctx.scheme_a,
        is_final=final,
        is_draft=evaluation is not None and not final,
        may_print=final and policy.can(viewer, Action.VIEW_EVALUATION, evaluation),
        editable=editable,
        # The employee sees no scores (not even a draft's) before the evaluation is final.
        hide_scores=ctx.plan.employee_id == viewer.id and not final,
        after=after_view(evaluation, viewer) if final else None,
    )


# -- letters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    """A background job as its progress card shows it: still working (polled), done, or
    failed."""

    job: Job
    working: bool
    done: bool
    failed: bool


def job_view(job: Job) -> JobView:
    return JobView(
        job, job.status in ("queued", "running"), job.status == "done", job.status == "failed"
    )


def instansi_periods(instansi_id: int) -> list[Period]:
    return list(
        db.session.scalars(
            select(Period).where(Period.instansi_id == instansi_id).order_by(Period.start_date)
        )
    )


@dataclass(frozen=True)
class RecapRow:
    employee: Employee
    evaluation: Evaluation | None
    open_items: int
    done_items: int


def recap_rows(period: Period, employee_ids: list[int]) -> list[RecapRow]:
    """One row per employee, by name: the evaluation and the follow-up items' status."""
    people = db.session.scalars(
        select(Employee).where(Employee.id.in_(employee_ids)).order_by(Employee.name)
    ).all()
    evaluations = {
        e.employee_id: e
        for e in db.session.scalars(
            select(Evaluation).where(
                Evaluation.period_id == period.id, Evaluation.employee_id.in_(employee_ids)
            )
        )
    }
    counts = {
        (employee_id, status): n
        for employee_id, status, n in db.session.execute(
            select(FollowUpItem.employee_id, FollowUpItem.status, func.count())
            .join(Evaluation, Evaluation.id == FollowUpItem.evaluation_id)
            .where(Evaluation.period_id == period.id, FollowUpItem.employee_id.in_(employee_ids))
            .group_by(FollowUpItem.employee_id, FollowUpItem.status)
        )
    }
    return [
        RecapRow(
            p, evaluations.get(p.id), counts.get((p.id, "open"), 0), counts.get((p.id, "done"), 0)
        )
        for p in people
    ]
