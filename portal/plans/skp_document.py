"""The SKP as the regulation prints it (PermenPANRB 6/2022, its lampiran: the SKP for JPT,
and for pejabat administrasi and pejabat fungsional; the PP 46 form for a scheme A period).

What it holds is decided here, the template only lays it out:

- **Only approved content is official.** While any target of the plan is still a draft or
  in discussion, the document is a DRAF: every target with its state, a visible mark on
  every page, and no signature lines. Once all are approved (or later), it is the SKP: the
  approved targets, the approval date (the last approval) and the pejabat penilai *at the
  time of approval* (the one who approved, with Plt./Plh. when they were acting), with
  signature lines.
- **A verification code and QR** like the letters'. The code is a keyed hash of what the
  SKP states (its targets' ids, versions and states, the approval date and the two people),
  so it is checked without storing anything: ``/cek-skp/<plan>/<code>`` recomputes it. A
  GET writes nothing; any later change to the SKP gives another code, and the page says the
  printed one no longer states the current SKP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal import letters
from portal.extensions import db
from portal.models import (
    Employee,
    EvaluatorAssignment,
    Plan,
    Scheme,
    Target,
    TargetHistory,
)
from portal.models.plans import KindGroup, SkpForm, group_by_kind
from portal.plans.expectations import PlanTerms, load_terms
from portal.policy import PlanRef
from portal.reassign.acting import ACTING
from workflows.targets import APPROVED, DISCUSSED, DRAFTED

UNDECIDED = (DRAFTED, DISCUSSED)
CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")  # as the letters' codes


@dataclass
class SkpDocument:
    ref: PlanRef
    targets: list[Target]
    draft: bool  # a target still waits for approval: DRAF, no signatures
    evaluator: Employee | None
    evaluator_prefix: str  # "Plt." / "Plh." / ""
    approved_at: datetime | None
    terms: PlanTerms
    code: str = ""
    qr: str = ""
    groups: list[KindGroup] = field(default_factory=list)

    @property
    def plan(self) -> Plan | None:
        return self.ref.plan

    @property
    def scheme_b(self) -> bool:
        return self.ref.period.scheme == Scheme.PERMENPANRB_6_2022

    @property
    def jpt(self) -> bool:
        return self.plan is not None and self.plan.skp_form == SkpForm.JPT

    @property
    def with_perspektif(self) -> bool:
        return self.plan is not None and self.plan.uses_perspektif

    @property
    def title_lines(self) -> tuple[str, ...]:
        """The regulation's heading: the form, the pendekatan, whom it is for."""
        if not self.scheme_b:
            return ("Sasaran Kinerja Pegawai",)
        pendekatan = self.plan.pendekatan.value.upper() if self.plan else "KUANTITATIF"
        whom = (
            "Bagi Jabatan Pimpinan Tinggi dan Pimpinan Unit Kerja Mandiri"
            if self.jpt
            else "Bagi Pejabat Administrasi dan Pejabat Fungsional"
        )
        return ("Sasaran Kinerja Pegawai", f"Pendekatan Hasil Kerja {pendekatan}", whom)


def _approval(targets: list[Target]) -> tuple[TargetHistory | None, EvaluatorAssignment | None]:
    """The last approval of the plan's targets, and the assignment its approver then held
    (two statements, whatever the number of targets)."""
    ids = [t.id for t in targets]
    if not ids:
        return None, None
    approval = db.session.scalar(
        select(TargetHistory)
        .where(TargetHistory.target_id.in_(ids), TargetHistory.to_state == APPROVED)
        .order_by(TargetHistory.occurred_at.desc(), TargetHistory.id.desc())
        .limit(1)
    )
    if approval is None:
        return None, None
    assignment = db.session.scalar(
        select(EvaluatorAssignment)
        .where(
            EvaluatorAssignment.target_id == approval.target_id,
            EvaluatorAssignment.evaluator_id == approval.actor_id,
            EvaluatorAssignment.assigned_at <= approval.occurred_at,
        )
        .order_by(EvaluatorAssignment.assigned_at.desc(), EvaluatorAssignment.id.desc())
        .limit(1)
    )
    return approval, assignment


def figures(doc: SkpDocument) -> dict:
    """What the code vouches for."""
    return {
        "skp": doc.plan.id if doc.plan else None,
        "pegawai": doc.ref.employee.nip,
        "periode": doc.ref.period.id,
        "penilai": doc.evaluator.nip if doc.evaluator else None,
        "disetujui": doc.approved_at.isoformat() if doc.approved_at else None,
        "target": [[t.id, t.version, t.state] for t in doc.targets],
    }


def build(ref: PlanRef, targets: list[Target]) -> SkpDocument:
    """The document of ``ref``'s plan from its targets (loaded with their IKI)."""
    draft = not targets or any(t.state in UNDECIDED for t in targets)
    approval, assignment = (None, None) if draft else _approval(targets)
    if approval is not None:
        evaluator = approval.actor
        prefix = ACTING.get(assignment.acting, "") if assignment is not None else ""
        prefix = "" if prefix == ACTING[""] else prefix
    else:
        first = targets[0].evaluator if targets else None
        evaluator, prefix = first or ref.employee.atasan, ""
    doc = SkpDocument(
        ref=ref,
        targets=targets,
        draft=draft,
        evaluator=evaluator,
        evaluator_prefix=prefix,
        approved_at=approval.occurred_at if approval else None,
        terms=load_terms(ref.plan),
        groups=group_by_kind(targets),
    )
    if not draft:
        doc.code = letters.verification_code(figures(doc))
        doc.qr = letters.qr_data_uri(doc.code, path=f"cek-skp/{ref.plan.id}/{doc.code}")
    return doc
