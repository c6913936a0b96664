"""Operations on plans and targets: validate, change, write the audit log, flush.

State changes go through ``workflows.engine.fire``; this module changes content,
which only the owner may do and only while the target is a draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.models import (
    Employee,
    EvaluatorAssignment,
    MonthlyTarget,
    Period,
    Plan,
    Target,
    TargetComment,
    TargetHistory,
    TargetIndicator,
    TargetKind,
    TargetRevision,
)
from portal.models.plans import ASPECT_ORDER, IndicatorAspect, Pendekatan, Perspektif, SkpForm
from portal.models.types import utcnow
from portal.policy import Action, PlanRef
from portal.reassign.acting import atasan_acting
from workflows.targets import DISCUSSED, DRAFTED

TITLE_MAX = 500
INDICATOR_MAX = 500
UNIT_MAX = 50
QUANTITY_MAX = 1_000_000
COST_MAX = 10_000_000_000_000  # ten trillion Rupiah
COMMENT_MAX = 4000
PERSPEKTIF_NOT_ALLOWED = _l(
    "Perspektif hanya untuk SKP JPT dengan pendekatan kuantitatif; kosongkan pilihan ini."
)
CHANGED_ELSEWHERE = _l("Target ini baru saja diubah di tempat lain. Muat ulang lalu ulangi.")
# The same words for a NIP nobody has and for one of another instansi: the editor tells
# nothing of who works elsewhere.
LEADER_NOT_FOUND = _l("Ketua tim dengan NIP ini tidak ditemukan di instansi Anda.")
LEADER_IS_SELF = _l("Anda tidak dapat menjadi ketua tim atas target Anda sendiri.")
LEADER_PARENT_INVALID = _l(
    "RHK ketua tim tidak valid: pilih salah satu RHK ketua tim ini pada periode yang sama."
)
LEADER_IS_ATASAN = _l(
    "Atasan langsung Anda bukan ketua tim untuk target ini: pilih “Mendukung target atasan”."
)


@dataclass
class TargetInput:
    title: str
    kind: TargetKind
    parent_id: int | None
    indicator: str
    lower_is_better: bool
    quantity: int
    quantity_unit: str
    quality_target: int
    time_months: int
    cost: int | None
    monthly: list[int]
    # Scheme B's further IKI (each present when its statement is given: kualitas measures
    # quality_target, waktu time_months, biaya cost), and in a JPT's kuantitatif plan the
    # perspektif of each IKI by aspect. The kuantitas IKI is indicator/quantity above.
    quality_indicator: str = ""
    quality_lower_is_better: bool = False
    time_indicator: str = ""
    cost_indicator: str = ""
    perspektif: dict[str, str] = field(default_factory=dict)
    # *Penugasan dari*: the NIP (digits) of the ketua tim who assigned the RHK; "" when
    # it supports the atasan's RHK (``parent_id``) instead.
    assigned_by_nip: str = ""
    # Optionally, the ketua tim's RHK that the assigned one supports.
    leader_parent_id: int | None = None

    def indicator_rows(self) -> list[dict]:
        """The IKI as stored, in the aspects' order (kuantitas always first)."""
        given = {
            IndicatorAspect.KUANTITAS: (
                self.indicator,
                self.quantity,
                self.quantity_unit,
                self.lower_is_better,
            ),
            IndicatorAspect.KUALITAS: (
                self.quality_indicator,
                self.quality_target,
                "%",
                self.quality_lower_is_better,
            ),
            IndicatorAspect.WAKTU: (self.time_indicator, self.time_months, "bulan", True),
            IndicatorAspect.BIAYA: (self.cost_indicator, self.cost, "rupiah", True),
        }
        rows = []
        for position, aspect in enumerate(ASPECT_ORDER):
            text, value, unit, lower = given[aspect]
            if aspect != IndicatorAspect.KUANTITAS and not (text and value):
                continue
            perspektif = self.perspektif.get(aspect.value)
            rows.append(
                {
                    "aspect": aspect,
                    "position": position,
                    "text": text,
                    "target_value": value,
                    "unit": unit,
                    "lower_is_better": lower,
                    "perspektif": Perspektif(perspektif) if perspektif else None,
                }
            )
        return rows


def spread_evenly(quantity: int, months: int) -> list[int]:
    """Split a whole quantity over the months as evenly as whole numbers allow.

    The cumulative target after month *i* is ``quantity × i / months`` rounded half up,
    so small quantities land spread across the year, not piled into its end:
    ``spread_evenly(12, 12) == [1] * 12``; ``spread_evenly(10, 4) == [3, 2, 3, 2]``;
    ``spread_evenly(2, 12)`` puts one in March and one in September.
    """
    cumulative = [(2 * quantity * i + months) // (2 * months) for i in range(months + 1)]
    return [cumulative[i + 1] - cumulative[i] for i in range(months)]


def cascade_candidates(employee: Employee, period: Period) -> list[Target]:
    """The supervisor's targets in the same period, which this employee's may support."""
    if employee.atasan_id is None:
        return []
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.owner_id == employee.atasan_id, Target.period_id == period.id)
            .order_by(Target.position, Target.id)
        )
    )


def find_plan(employee: Employee, period: Period) -> Plan | None:
    return db.session.scalar(
        select(Plan).where(Plan.employee_id == employee.id, Plan.period_id == period.id)
    )


def plan_variant(ref: PlanRef) -> tuple[Pendekatan, SkpForm]:
    """The plan's pendekatan and form; for a plan not made yet, what it will get."""
    plan = ref.plan or find_plan(ref.employee, ref.period)
    if plan is not None:
        return plan.pendekatan, plan.skp_form
    form = SkpForm.JPT if ref.employee.jenis_jabatan == "jpt" else SkpForm.JA_JF
    return Pendekatan.KUANTITATIF, form


def uses_perspektif(ref: PlanRef) -> bool:
    pendekatan, form = plan_variant(ref)
    return form == SkpForm.JPT and pendekatan == Pendekatan.KUANTITATIF


def _check_perspektif(ref: PlanRef, data: TargetInput) -> None:
    """A perspektif only where the plan's form asks for one (any caller, not only the
    editor, which refuses it already)."""
    if data.perspektif and not uses_perspektif(ref):
        aspect = next(iter(data.perspektif))
        raise InvalidInput(str(PERSPEKTIF_NOT_ALLOWED), field=f"perspektif_{aspect}")


VARIANT_LOCKED = _l(
    "Pendekatan dan bentuk SKP tidak dapat diubah lagi: sudah ada target yang disetujui."
)
VARIANT_STALE = _l("SKP ini baru saja diubah orang lain; pilihan terbarunya ditampilkan.")


def set_variant(
    ref: PlanRef, actor: Employee, pendekatan: Pendekatan, form: SkpForm, version: int | None
) -> dict:
    """The plan's pendekatan and form, while no target of it is approved (the approved
    SKP was agreed in its form). Leaving a JPT's kuantitatif plan clears its perspektif.
    Returns the changes; a stale version is a :class:`Conflict`."""
    policy.authorize(actor, Action.EDIT_PLAN, ref)
    plan = ensure_plan(ref.employee, ref.period)
    db.session.flush()
    decided = db.session.scalar(
        select(func.count())
        .select_from(Target)
        .where(Target.plan_id == plan.id, Target.state.not_in((DRAFTED, DISCUSSED)))
    )
    if decided:
        raise InvalidInput(str(VARIANT_LOCKED), field="pendekatan")
    before = {"pendekatan": plan.pendekatan.value, "skp_form": plan.skp_form.value}
    after = {"pendekatan": pendekatan.value, "skp_form": form.value}
    if before == after:
        return {}
    compare_and_swap(
        update(Plan)
        .where(Plan.id == plan.id, Plan.version == (plan.version if version is None else version))
        .values(pendekatan=pendekatan, skp_form=form, version=Plan.version + 1),
        VARIANT_STALE,
    )
    if not (form == SkpForm.JPT and pendekatan == Pendekatan.KUANTITATIF):
        db.session.execute(
            update(TargetIndicator)
            .where(
                TargetIndicator.target_id.in_(select(Target.id).where(Target.plan_id == plan.id)),
                TargetIndicator.perspektif.is_not(None),
            )
            .values(perspektif=None)
        )
    db.session.expire(plan)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record("plan.variant", plan, actor=actor, summary={"changes": changes})
    return changes


def ensure_plan(employee: Employee, period: Period) -> Plan:
    plan = find_plan(employee, period)
    if plan is not None:
        return plan
    plan = Plan(
        employee_id=employee.id,
        period_id=period.id,
        instansi_id=employee.instansi_id,
        skp_form=SkpForm.JPT if employee.jenis_jabatan == "jpt" else SkpForm.JA_JF,
    )
    try:
        with db.session.begin_nested():
            db.session.add(plan)
    except IntegrityError:  # the same employee created it a moment ago in another tab
        plan = find_plan(employee, period)
    else:
        audit.record("plan.create", plan, summary={"period": period.name})
    return plan


def _write_indicators(target: Target, data: TargetInput) -> None:
    """The target's IKI become those of ``data``: changed in place by aspect, added or
    removed (a delete and an insert of the same aspect in one flush could meet the
    unique key in the wrong order)."""
    existing = {
        row.aspect: row
        for row in db.session.scalars(
            select(TargetIndicator).where(TargetIndicator.target_id == target.id)
        )
    }
    wanted = {row["aspect"]: row for row in data.indicator_rows()}
    for aspect, row in existing.items():
        if aspect not in wanted:
            db.session.delete(row)
    db.session.flush()
    for aspect, values in wanted.items():
        row = existing.get(aspect)
        if row is None:
            db.session.add(TargetIndicator(target_id=target.id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)


def _write_months(target: Target, monthly: list[int]) -> None:
    db.session.execute(delete(MonthlyTarget).where(MonthlyTarget.target_id == target.id))
    db.session.add_all(
        MonthlyTarget(target_id=target.id, month=i, quantity=q) for i, q in enumerate(monthly, 1)
    )


def _indicators_summary(rows) -> list[str]:
    """The IKI as the audit log and the revision history keep them, one line each. The
    kuantitas IKI is the target's own columns, whose changes are listed already: only its
    perspektif is told here."""
    lines = []
    for row in rows:
        perspektif = f" [{row['perspektif']}]" if row.get("perspektif") else ""
        if str(row["aspect"]) == "kuantitas":
            if perspektif:
                lines.append(f"kuantitas:{perspektif}")
            continue
        lines.append(
            f"{row['aspect']}: {row['text']} = {row['target_value']} {row['unit']}"
            + (" (makin rendah makin baik)" if row["lower_is_better"] else "")
            + perspektif
        )
    return lines


def _indicators_of(target: Target) -> list[str]:
    rows = db.session.scalars(
        select(TargetIndicator)
        .where(TargetIndicator.target_id == target.id)
        .order_by(TargetIndicator.position)
    )
    return _indicators_summary(
        {
            "aspect": r.aspect.value,
            "text": r.text,
            "target_value": r.target_value,
            "unit": r.unit,
            "lower_is_better": r.lower_is_better,
            "perspektif": r.perspektif.value if r.perspektif else None,
        }
        for r in rows
    )


def ketua_tim(owner: Employee, data: TargetInput) -> Employee | None:
    """The leader who assigned the RHK (*penugasan dari*): an active employee of the
    owner's instansi, neither the owner nor their atasan (whose RHK it would support
    through the cascade). None when the RHK is not an assignment."""
    if not data.assigned_by_nip:
        return None
    leader = db.session.scalar(
        select(Employee).where(
            Employee.nip == data.assigned_by_nip,
            Employee.instansi_id == owner.instansi_id,
            Employee.active.is_(True),
        )
    )
    if leader is None:
        raise InvalidInput(str(LEADER_NOT_FOUND), field="assigned_by_nip")
    if leader.id == owner.id:
        raise InvalidInput(str(LEADER_IS_SELF), field="assigned_by_nip")
    if leader.id == owner.atasan_id:
        raise InvalidInput(str(LEADER_IS_ATASAN), field="assigned_by_nip")
    return leader


def leader_candidates(leader: Employee | None, period: Period) -> list[Target]:
    """The ketua tim's RHK in the period, which an RHK they assigned may support."""
    if leader is None:
        return []
    return list(
        db.session.scalars(
            select(Target)
            .where(Target.owner_id == leader.id, Target.period_id == period.id)
            .order_by(Target.position, Target.id)
        )
    )


def _leader_parent(leader: Employee | None, data: TargetInput, period: Period) -> int | None:
    """The ketua tim's RHK the assigned one supports: one of theirs in the period."""
    if leader is None or data.leader_parent_id is None:
        return None
    found = db.session.scalar(
        select(Target.id).where(
            Target.id == data.leader_parent_id,
            Target.owner_id == leader.id,
            Target.period_id == period.id,
        )
    )
    if found is None:
        raise InvalidInput(str(LEADER_PARENT_INVALID), field="leader_parent_id")
    return found


def _leader_label(leader: Employee | None) -> str | None:
    """The ketua tim as the audit log and the revision history name them."""
    return f"{leader.display_name} (NIP {leader.nip})" if leader else None


def _content(
    data: TargetInput, leader: Employee | None = None, leader_parent_id: int | None = None
) -> dict:
    return {
        "title": data.title,
        "kind": data.kind,
        # An assigned RHK is aligned through its ketua tim (and, if chosen, one of their
        # RHK), not the atasan's cascade.
        "parent_id": leader_parent_id if leader else data.parent_id,
        "assigned_by_id": leader.id if leader else None,
        "indicator": data.indicator,
        "lower_is_better": data.lower_is_better,
        "quantity": data.quantity,
        "quantity_unit": data.quantity_unit,
        "quality_target": data.quality_target,
        "time_months": data.time_months,
        "cost": data.cost,
    }


def create_target(ref: PlanRef, data: TargetInput, actor: Employee, *, copied_from=None) -> Target:
    policy.authorize(actor, Action.EDIT_PLAN, ref)
    _check_perspektif(ref, data)
    leader = ketua_tim(ref.employee, data)
    leader_parent_id = _leader_parent(leader, data, ref.period)
    plan = ensure_plan(ref.employee, ref.period)
    position = db.session.scalar(
        select(func.coalesce(func.max(Target.position), 0)).where(Target.plan_id == plan.id)
    )
    target = Target(
        plan_id=plan.id,
        instansi_id=plan.instansi_id,
        owner_id=ref.employee.id,
        period_id=ref.period.id,
        evaluator_id=ref.employee.atasan_id,
        copied_from_id=copied_from,
        position=position + 1,
        state=DRAFTED,
        version=1,
        **_content(data, leader, leader_parent_id),
    )
    db.session.add(target)
    db.session.flush()
    _write_months(target, data.monthly)
    _write_indicators(target, data)
    # An atasan who took over as Plt./Plh. evaluates new targets as such, as they do the
    # targets handed over to them.
    acting, acting_for_id = atasan_acting(ref.employee)
    db.session.add(
        EvaluatorAssignment(
            target_id=target.id,
            evaluator_id=target.evaluator_id,
            assigned_by_id=actor.id,
            note="Atasan langsung saat target dibuat.",  # stored data: not translated
            acting=acting,
            acting_for_id=acting_for_id,
        )
    )
    summary = {**_public(_content(data, leader, leader_parent_id)), "monthly": data.monthly}
    if leader:
        summary["assigned_by"] = _leader_label(leader)
    audit.record("target.create", target, summary=summary)
    db.session.flush()
    return target


def update_target(target: Target, data: TargetInput, actor: Employee, expected_version: int):
    """Save new content of a draft, refusing a stale version with :class:`Conflict`.

    What changed goes into the target's history (:class:`TargetRevision`), so that the
    supervisor sees what moved between two submissions, and into the audit log."""
    policy.authorize(actor, Action.EDIT_TARGET, target)
    _check_perspektif(PlanRef(target.owner, target.period, target.plan), data)
    leader = ketua_tim(target.owner, data)
    leader_parent_id = _leader_parent(leader, data, target.period)
    content = _content(data, leader, leader_parent_id)
    before = {
        **_public(_content_of(target)),
        "assigned_by": _leader_label(target.assigned_by),
        "monthly": target.monthly_quantities,
    }
    compare_and_swap(
        update(Target)
        .where(Target.id == target.id, Target.version == expected_version, Target.state == DRAFTED)
        .values(**content, version=expected_version + 1, updated_at=utcnow()),
        CHANGED_ELSEWHERE,
    )
    _write_months(target, data.monthly)
    before_iki = _indicators_of(target)
    _write_indicators(target, data)
    after_iki = _indicators_summary(data.indicator_rows())
    if before_iki != after_iki:
        before["indikator"] = before_iki
    after = {
        **_public(content),
        "assigned_by": _leader_label(leader),
        "monthly": data.monthly,
    }
    if before_iki != after_iki:
        after["indikator"] = after_iki
    changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changes:
        db.session.add(
            TargetRevision(
                target_id=target.id,
                actor_id=actor.id,
                version=expected_version + 1,
                changes=changes,
            )
        )
    audit.record("target.update", target, summary={"changes": changes})
    db.session.flush()
    db.session.expire(target)
    return changes


def delete_target(target: Target, actor: Employee, expected_version: int) -> None:
    """A draft that was never submitted may be deleted; later ones keep their history."""
    policy.authorize(actor, Action.EDIT_TARGET, target)
    has_history = db.session.scalar(
        select(TargetHistory.id).where(TargetHistory.target_id == target.id).limit(1)
    )
    if has_history is not None:
        raise InvalidInput(
            _("Target yang pernah diajukan tidak dapat dihapus; riwayatnya harus tetap ada.")
        )
    supported = db.session.scalar(
        select(func.count()).select_from(Target).where(Target.parent_id == target.id)
    )
    if supported:
        raise InvalidInput(
            _(
                "Target ini didukung oleh %(count)s target bawahan; tidak dapat dihapus.",
                count=supported,
            )
        )
    # Claim the row with a compare-and-swap, as every other write to a target does: a
    # submit racing this delete has either moved the version already (and this refuses),
    # or waits for this transaction and then finds no row. Without the claim the delete
    # would win anyway and take the submitted target and its history with it.
    compare_and_swap(
        update(Target)
        .where(Target.id == target.id, Target.version == expected_version, Target.state == DRAFTED)
        .values(version=expected_version + 1),
        CHANGED_ELSEWHERE,
    )
    audit.record("target.delete", target, summary={"title": target.title})
    db.session.delete(target)
    db.session.flush()


def _content_of(target: Target) -> dict:
    return {key: getattr(target, key) for key in _content(_EMPTY)}


_EMPTY = TargetInput("", TargetKind.UTAMA, None, "", False, 0, "", 0, 0, None, [])


def _public(values: dict) -> dict:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


def previous_period(period: Period) -> Period | None:
    return db.session.scalar(
        select(Period)
        .where(Period.instansi_id == period.instansi_id, Period.end_date < period.start_date)
        .order_by(Period.end_date.desc())
        .limit(1)
    )


def copy_previous(ref: PlanRef, actor: Employee) -> list[Target]:
    """Copy last period's targets as drafts (once each), rescaling the monthly breakdown."""
    policy.authorize(actor, Action.EDIT_PLAN, ref)
    previous = previous_period(ref.period)
    if previous is None:
        raise NotFound(_("Tidak ada periode sebelumnya untuk disalin."))
    sources = list(
        db.session.scalars(
            select(Target)
            .where(Target.owner_id == ref.employee.id, Target.period_id == previous.id)
            .order_by(Target.position, Target.id)
        )
    )
    if not sources:
        raise InvalidInput(
            _("Anda tidak memiliki target pada periode %(period)s.", period=previous.name)
        )
    # Two clicks at the same moment must copy once: the plan row is locked (PostgreSQL;
    # SQLite's write transactions are serialised already) before reading what was
    # copied, so the second copy waits for the first and then finds nothing left.
    plan = ensure_plan(ref.employee, ref.period)
    db.session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    already = set(
        db.session.scalars(
            select(Target.copied_from_id).where(
                Target.plan_id == plan.id, Target.copied_from_id.is_not(None)
            )
        )
    )
    months = ref.period.month_count
    copies = []
    for source in sources:
        if source.id in already:
            continue
        data = TargetInput(
            title=source.title,
            kind=source.kind,
            parent_id=None,
            indicator=source.indicator,
            lower_is_better=source.lower_is_better,
            quantity=source.quantity,
            quantity_unit=source.quantity_unit,
            quality_target=source.quality_target,
            time_months=min(source.time_months, months),
            cost=source.cost,
            monthly=spread_evenly(source.quantity, months),
            **_further_indicators(source),
        )
        copies.append(create_target(ref, data, actor, copied_from=source.id))
    if not copies:
        raise InvalidInput(_("Semua target periode sebelumnya sudah pernah disalin."))
    return copies


def _further_indicators(source: Target) -> dict:
    """A copied target's kualitas, waktu and biaya IKI and its perspektif."""
    by_aspect = {i.aspect: i for i in source.indicators}
    quality = by_aspect.get(IndicatorAspect.KUALITAS)
    time = by_aspect.get(IndicatorAspect.WAKTU)
    cost = by_aspect.get(IndicatorAspect.BIAYA)
    return {
        "quality_indicator": quality.text if quality else "",
        "quality_lower_is_better": quality.lower_is_better if quality else False,
        "time_indicator": time.text if time else "",
        "cost_indicator": cost.text if cost else "",
        "perspektif": {a.value: i.perspektif.value for a, i in by_aspect.items() if i.perspektif},
    }


def add_comment(target: Target, author: Employee, body: str, form_token: str) -> TargetComment:
    """Append to the discussion; the same form token twice yields the first comment.

    ``body`` and ``form_token`` come checked by ``plans.forms.CommentForm``."""
    policy.authorize(author, Action.COMMENT_TARGET, target)
    existing = db.session.scalar(
        select(TargetComment).where(TargetComment.form_token == form_token)
    )
    if existing is not None:
        if existing.author_id != author.id or existing.target_id != target.id:
            raise InvalidInput(_("Formulir tidak sah; muat ulang halaman."), field="body")
        return existing
    comment = TargetComment(
        target_id=target.id, author_id=author.id, body=body, form_token=form_token
    )
    try:
        with db.session.begin_nested():
            db.session.add(comment)
    except IntegrityError:  # the double submit raced us: return the first one
        return db.session.scalar(
            select(TargetComment).where(TargetComment.form_token == form_token)
        )
    audit.record("target.comment", target, actor=author, summary={"comment_id": comment.id})
    return comment
