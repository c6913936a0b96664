"""Operations of evaluation: save, finish (firing ``evaluate``), respond, object, decide,
plan and complete the follow-up. Validate everything first; the request commits once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, clock, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.evaluations.scores import Outcome, TargetResult, outcome, target_result
from portal.extensions import db
from portal.models import (
    Employee,
    Evaluation,
    EvaluationStatus,
    EvaluationTarget,
    Evidence,
    FollowUpItem,
    FollowUpKind,
    Plan,
    Target,
    WorkEntry,
)
from portal.models.plans import target_card_options
from portal.models.types import utcnow
from portal.policy import Action
from portal.ranks import JenisJabatan
from portal.reports.realisation import realisations
from workflows import engine
from workflows.guards import NEEDS_IMPROVEMENT
from workflows.targets import EVALUATED, REPORTED

TEXT_MAX = 4000
CHANGED_ELSEWHERE = _l("Evaluasi ini baru saja diubah di tempat lain. Muat ulang lalu ulangi.")


@dataclass
class Context:
    plan: Plan
    evaluation: Evaluation | None
    results: list[TargetResult]
    structural: bool
    # The head of a unit (a structural position with subordinates) takes the unit's
    # rating as their own rating hasil kerja (scheme B).
    unit_head: bool = False


def evaluated_targets(plan: Plan) -> list[Target]:
    """The plan's targets that are (or were) up for evaluation."""
    return list(
        db.session.scalars(
            select(Target)
            .where(
                Target.plan_id == plan.id,
                Target.state.in_((REPORTED, EVALUATED, "followed_up")),
            )
            .options(*target_card_options())
            .order_by(Target.position, Target.id)
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
    targets = evaluated_targets(plan)
    figures = realisations(targets)
    counts = evidence_counts([t.id for t in targets])
    results = [
        target_result(t, figures[t.id], plan.period.scheme, counts.get(t.id, 0)) for t in targets
    ]
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.plan_id == plan.id))
    structural = bool(
        db.session.scalar(
            select(func.count()).select_from(Employee).where(Employee.atasan_id == plan.employee_id)
        )
    )
    unit_head = structural and plan.employee.jenis_jabatan != JenisJabatan.FUNGSIONAL
    return Context(plan, evaluation, results, structural, unit_head)


def form_of(evaluation: Evaluation | None, ctx: Context) -> dict:
    """The inputs of a saved evaluation, as the form would post them."""
    if evaluation is None:
        return {}
    form = {
        "notes": evaluation.notes,
        "tugas_tambahan": str(evaluation.tugas_tambahan),
        "kreativitas": evaluation.kreativitas or "",
        "ekspektasi_khusus": evaluation.ekspektasi_khusus,
        "organisation_rating": evaluation.organisation_rating or "",
        "rating_hasil_kerja": evaluation.rating_hasil_kerja or "",
        "rating_perilaku": evaluation.rating_perilaku or "",
        "departure_reason": evaluation.departure_reason,
        "version": str(evaluation.version),
    }
    from portal import scoring
    from portal.evaluations.scores import perilaku_aspects

    names = (
        perilaku_aspects(ctx.structural) if ctx.plan.period.scheme == "pp46" else scoring.BERAKHLAK
    )
    prefix = "perilaku" if ctx.plan.period.scheme == "pp46" else "berakhlak"
    for index, name in enumerate(names):
        if name in evaluation.behaviour:
            value = evaluation.behaviour[name]
            form[f"{prefix}_{index}"] = f"{value:g}" if isinstance(value, float) else str(value)
    for row in evaluation.targets:
        form[f"feedback_{row.target_id}"] = row.feedback
    return form


def compute(ctx: Context, form: Mapping) -> Outcome:
    return outcome(
        ctx.plan.period, ctx.results, form, structural=ctx.structural, unit_head=ctx.unit_head
    )


def split_evaluators(ctx: Context, actor: Employee) -> str | None:
    """Why ``actor`` cannot evaluate the plan as a whole: some of its targets have
    another evaluator (after a single target was reassigned). One employee has one
    pejabat penilai per period, so the plan is evaluated only once every target up
    for evaluation has the same one; None when that holds."""
    others = [r.target for r in ctx.results if r.target.evaluator_id != actor.id]
    if not others or len(others) == len(ctx.results):
        return None
    names = sorted({t.evaluator.display_name if t.evaluator else "—" for t in others})
    return _(
        "%(count)s target pegawai ini dinilai oleh pejabat penilai lain (%(names)s). Satu "
        "pegawai dievaluasi oleh satu pejabat penilai: minta admin kepegawaian mengalihkan "
        "target tersebut kepada Anda sebelum evaluasi.",
        count=len(others),
        names=", ".join(names),
    )


def _authorize_evaluator(actor: Employee, ctx: Context) -> None:
    if not ctx.results:
        raise InvalidInput(_("Belum ada target yang dilaporkan untuk dievaluasi."))
    if not any(r.target.evaluator_id == actor.id for r in ctx.results):
        raise PermissionDenied(_("Anda bukan pejabat penilai target pegawai ini."))
    if not ctx.plan.period.is_open:
        raise PermissionDenied(_("Periode penilaian sudah ditutup."))
    split = split_evaluators(ctx, actor)
    if split:
        raise InvalidInput(split)


def save(ctx: Context, form: Mapping, actor: Employee, *, finish: bool) -> Evaluation:
    """Save the evaluation; with ``finish``, make it final and evaluate every target."""
    _authorize_evaluator(actor, ctx)
    result = compute(ctx, form)
    if result.errors:
        raise InvalidInput(errors=result.errors)
    evaluation = ctx.evaluation
    if evaluation is not None and evaluation.is_final:
        raise Conflict(_("Evaluasi ini sudah diselesaikan sebelumnya."))
    version = form.get("version")
    if evaluation is not None and str(evaluation.version) != str(version or ""):
        raise Conflict(CHANGED_ELSEWHERE)
    plan = ctx.plan
    if evaluation is None:
        evaluation = _create(plan, actor)
    else:
        _claim(evaluation, Evaluation.status == EvaluationStatus.DRAFT)
    evaluation.evaluator_id = actor.id
    evaluation.behaviour = result.behaviour
    evaluation.ekspektasi_khusus = result.ekspektasi_khusus
    evaluation.tugas_tambahan = result.tugas_tambahan
    evaluation.kreativitas = result.kreativitas
    evaluation.organisation_rating = result.organisation_rating
    evaluation.suggested_hasil_kerja = result.suggested_hasil_kerja
    evaluation.suggested_perilaku = result.suggested_perilaku
    evaluation.rating_hasil_kerja = result.rating_hasil_kerja
    evaluation.rating_perilaku = result.rating_perilaku
    evaluation.departure_reason = result.departure_reason if result.departs else ""
    evaluation.final_score = result.final_score
    evaluation.predikat = result.predikat
    evaluation.notes = result.notes
    db.session.flush()
    existing = {row.target_id: row for row in evaluation.targets}
    for r in result.results:
        row = existing.get(r.target.id) or EvaluationTarget(
            evaluation_id=evaluation.id, target_id=r.target.id
        )
        row.realised_quantity = r.realisation.accepted
        row.realised_quality = r.real_quality
        row.realised_months = r.real_months
        row.realised_cost = r.realisation.cost if r.target.cost else None
        row.evidence_count = r.evidence_count
        row.score = r.score
        row.steps = list(r.steps)
        row.feedback = result.feedback.get(r.target.id, "")
        db.session.add(row)
    summary = {
        "predikat": result.predikat,
        "final_score": result.final_score,
        "rating_hasil_kerja": result.rating_hasil_kerja,
        "rating_perilaku": result.rating_perilaku,
        "suggested": [result.suggested_hasil_kerja, result.suggested_perilaku],
        "departure_reason": evaluation.departure_reason,
        "finish": finish,
    }
    audit.record(
        "evaluation.departure" if result.departs else "evaluation.save",
        evaluation,
        actor=actor,
        summary=summary,
    )
    if finish:
        evaluation.status = EvaluationStatus.FINAL
        evaluation.evaluated_at = utcnow()
        db.session.flush()
        engine.forget_evaluation(plan.id)
        for r in result.results:
            if r.target.state == REPORTED:
                engine.fire(r.target, "evaluate", actor)
        audit.record("evaluation.finish", evaluation, actor=actor, summary=summary)
    db.session.flush()
    return evaluation


def _create(plan: Plan, actor: Employee) -> Evaluation:
    """The plan's first evaluation row; a twin saved a moment ago (another tab, a double
    submit) is a conflict, not a 500."""
    evaluation = Evaluation(
        plan_id=plan.id,
        employee_id=plan.employee_id,
        period_id=plan.period_id,
        instansi_id=plan.instansi_id,
        evaluator_id=actor.id,
        version=1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        raise Conflict(CHANGED_ELSEWHERE) from None
    return evaluation


def _claim(evaluation: Evaluation, *conditions, bump: bool = True, **values) -> None:
    """Compare-and-swap: set ``values`` (and bump the version) only if nobody changed the
    row since it was read and ``conditions`` still hold; else a :class:`Conflict`."""
    if bump:
        values = {"version": evaluation.version + 1, **values}
    read = (Evaluation.id == evaluation.id, Evaluation.version == evaluation.version)
    compare_and_swap(
        update(Evaluation).where(*read, *conditions).values(**values), CHANGED_ELSEWHERE
    )
    for name, value in values.items():
        set_committed_value(evaluation, name, value)


def objection_deadline(evaluation: Evaluation) -> date | None:
    if evaluation.evaluated_at is None:
        return None
    days = current_app.config.get("PORTAL_OBJECTION_DAYS", 14)
    return clock.local_date(evaluation.evaluated_at) + timedelta(days=days)


def respond(evaluation: Evaluation, actor: Employee, form: Mapping) -> None:
    """The employee agrees, or objects (keberatan) with a reason, before the deadline."""
    policy.authorize(actor, Action.RESPOND_EVALUATION, evaluation)
    if evaluation.employee_response is not None:
        raise Conflict(_("Anda sudah memberi tanggapan atas evaluasi ini."))
    choice = form.get("response")
    reason = (form.get("reason") or "").strip()
    if choice not in ("agree", "object"):
        raise InvalidInput(_("Pilih setuju atau ajukan keberatan."), field="response")
    if choice == "object":
        deadline = objection_deadline(evaluation)
        if deadline is not None and clock.today() > deadline:
            raise InvalidInput(
                _(
                    "Batas waktu keberatan sudah lewat (%(deadline)s).",
                    deadline=deadline.strftime("%d-%m-%Y"),
                ),
                field="response",
            )
        if not reason:
            raise InvalidInput(_("Tuliskan alasan keberatan."), field="reason")
    if len(reason) > TEXT_MAX:
        raise InvalidInput(_("Paling banyak %(max)s karakter.", max=TEXT_MAX), field="reason")
    # The version stays: a response changes nothing the letter states.
    _claim(
        evaluation,
        Evaluation.employee_response.is_(None),
        bump=False,
        employee_response=choice,
        response_reason=reason,
        responded_at=utcnow(),
        objection_status="open" if choice == "object" else None,
    )
    audit.record(f"evaluation.{choice}", evaluation, actor=actor, summary={"reason": reason})
    db.session.flush()


def decide_objection(evaluation: Evaluation, actor: Employee, form: Mapping) -> None:
    """The evaluator's supervisor upholds the evaluation or changes the predikat."""
    policy.authorize(actor, Action.DECIDE_OBJECTION, evaluation)
    if evaluation.objection_status != "open":
        raise Conflict(_("Keberatan ini sudah diputuskan."))
    decision = form.get("decision")
    reason = (form.get("reason") or "").strip()
    if decision not in ("upheld", "changed"):
        raise InvalidInput(_("Pilih menguatkan atau mengubah evaluasi."), field="decision")
    if not reason:
        raise InvalidInput(_("Alasan keputusan wajib diisi."), field="reason")
    if len(reason) > TEXT_MAX:
        raise InvalidInput(_("Paling banyak %(max)s karakter.", max=TEXT_MAX), field="reason")
    before = predikat = evaluation.predikat
    if decision == "changed":
        from portal import scoring

        choices = (
            scoring.PREDIKAT_PP46 if evaluation.period.scheme == "pp46" else scoring.PREDIKAT_2022
        )
        predikat = form.get("predikat")
        if predikat not in choices or predikat == before:
            raise InvalidInput(_("Pilih predikat baru yang berbeda."), field="predikat")
    _claim(
        evaluation,
        Evaluation.objection_status == "open",
        predikat=predikat,
        objection_status=decision,
        objection_decided_by_id=actor.id,
        objection_decision_reason=reason,
        objection_decided_at=utcnow(),
    )
    audit.record(
        "evaluation.objection_decided",
        evaluation,
        actor=actor,
        summary={
            "decision": decision,
            "reason": reason,
            "predikat": [before, evaluation.predikat],
        },
    )
    db.session.flush()


def add_follow_up(evaluation: Evaluation, actor: Employee, form: Mapping) -> FollowUpItem:
    policy.authorize(actor, Action.PLAN_FOLLOW_UP, evaluation)
    errors = {}
    try:
        kind = FollowUpKind(form.get("kind") or "")
    except ValueError:
        errors["kind"] = _("Pilih jenis tindak lanjut.")
        kind = None
    description = " ".join((form.get("description") or "").split())
    if not description:
        errors["description"] = _("Uraikan tindak lanjutnya.")
    elif len(description) > TEXT_MAX:
        errors["description"] = _("Paling banyak %(max)s karakter.", max=TEXT_MAX)
    try:
        due = date.fromisoformat(form.get("due_date") or "")
        if due < clock.today():
            errors["due_date"] = _("Tenggat tidak boleh di masa lalu.")
    except ValueError:
        errors["due_date"] = _("Tenggat harus tanggal yang sah.")
        due = None
    responsible_raw = form.get("responsible") or "employee"
    if responsible_raw not in ("employee", "evaluator"):
        errors["responsible"] = _("Penanggung jawab tidak dikenal.")
    if errors:
        raise InvalidInput(errors=errors)
    item = FollowUpItem(
        evaluation_id=evaluation.id,
        employee_id=evaluation.employee_id,
        instansi_id=evaluation.instansi_id,
        kind=kind,
        description=description,
        responsible_id=evaluation.employee_id if responsible_raw == "employee" else actor.id,
        due_date=due,
        created_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    engine.forget_evaluation(evaluation.plan_id)
    audit.record(
        "follow_up.add",
        evaluation,
        actor=actor,
        summary={
            "item_id": item.id,
            "kind": kind.value,
            "due_date": due.isoformat(),
        },
    )
    return item


def close_follow_up(item: FollowUpItem, actor: Employee) -> None:
    policy.authorize(actor, Action.CLOSE_FOLLOW_UP, item)
    if item.status == "done":
        raise Conflict(_("Butir tindak lanjut ini sudah selesai."))
    item.status = "done"
    item.closed_at = utcnow()
    audit.record("follow_up.close", item, actor=actor, summary={"item_id": item.id})
    db.session.flush()


def complete_follow_up(ctx: Context, actor: Employee) -> int:
    """Fire ``follow_up`` on every evaluated target of the plan; return how many."""
    if ctx.evaluation is None:
        raise InvalidInput(_("Evaluasi belum selesai."))
    policy.authorize(actor, Action.PLAN_FOLLOW_UP, ctx.evaluation)
    fired = 0
    for r in ctx.results:
        if r.target.state == EVALUATED and r.target.evaluator_id == actor.id:
            engine.fire(r.target, "follow_up", actor)
            fired += 1
    if not fired:
        raise InvalidInput(_("Tidak ada target yang menunggu tindak lanjut Anda."))
    return fired


def improvement_required(evaluation: Evaluation) -> bool:
    return evaluation.predikat in NEEDS_IMPROVEMENT
