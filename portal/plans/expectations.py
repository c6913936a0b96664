"""The SKP's perilaku kerja section and lampiran: read them, and set them.

Who and when (PermenPANRB 6/2022): in the dialog kinerja the pejabat penilai states an
*ekspektasi khusus pimpinan* for each BerAKHLAK value and, with the employee, the
lampiran (dukungan sumber daya, skema pertanggungjawaban, konsekuensi). The portal lets
the evaluator of the plan's targets write both, while the plan is being discussed (some
target of it not approved yet: ``policy.plan_in_discussion``); the employee reads them
on their plan page and answers in the targets' discussion. Approving the plan's last
target approves them with it: from then on they are read-only (reopening a target for
discussion opens them again), and the periodic and annual evaluations show each value's
expectation next to its rating and feedback.

Every save is one plan-level change: a compare-and-swap on ``Plan.version``, so a stale
form or the loser of two editors racing gets a :class:`Conflict` (409) and nothing of it
is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from portal import audit, policy
from portal.berakhlak import BY_KEY, BY_NAME, VALUES, CoreValue
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.forms import has_control_characters
from portal.models import Employee, Plan, PlanExpectation, PlanLampiran, Target
from portal.models.perilaku import EXPECTATION_MAX
from portal.policy import Action, PlanRef
from workflows.states import DISCUSSED, DRAFTED

LAMPIRAN_MAX = 2000
LAMPIRAN_FIELDS = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")
FIELD_PREFIX = "ekspektasi_"  # the form's field of a value: ``ekspektasi_<key>``

CHANGED_ELSEWHERE = _l(
    "Perilaku kerja atau lampiran SKP ini baru saja diubah di tempat lain. Isian terbaru "
    "ditampilkan; periksa lalu ulangi perubahan Anda."
)
NO_LONGER_DISCUSSED = _l(
    "Semua target SKP ini baru saja disetujui; ekspektasi dan lampiran ikut disetujui dan "
    "tidak dapat diubah lagi."
)
UNKNOWN_VALUE = _l("Nilai BerAKHLAK “%(key)s” tidak dikenal.")
EXPECTATION_TOO_LONG = _l("Ekspektasi paling banyak %(max)s karakter.")
LAMPIRAN_TOO_LONG = _l("Paling banyak %(max)s karakter.")
NOT_PLAIN = _l("Isian ini memuat karakter yang tidak diizinkan.")


@dataclass(frozen=True)
class ValueExpectation:
    """One row of the perilaku kerja section: the value, its panduan, the expectation."""

    value: CoreValue
    text: str


@dataclass(frozen=True)
class PlanTerms:
    """The perilaku kerja expectations and the lampiran of one plan, as stored, with the
    plan's version they were read at (the edit form posts it back)."""

    version: int
    expectations: dict[str, str] = field(default_factory=dict)  # value key → text
    lampiran: dict[str, str] = field(default_factory=dict)  # LAMPIRAN_FIELDS → text

    @property
    def rows(self) -> list[ValueExpectation]:
        return [ValueExpectation(v, self.expectations.get(v.key, "")) for v in VALUES]

    def for_value(self, name: str) -> str:
        """The expectation of a value by its name (``scoring.BERAKHLAK``), as the
        evaluation screens name them."""
        value = BY_NAME.get(name)
        return self.expectations.get(value.key, "") if value else ""

    @property
    def has_expectations(self) -> bool:
        return any(self.expectations.values())

    @property
    def has_lampiran(self) -> bool:
        return any(self.lampiran.values())

    @property
    def is_empty(self) -> bool:
        return not (self.has_expectations or self.has_lampiran)


@dataclass
class TermsInput:
    """What the edit form posts, typed: every value's expectation (empty: none) and the
    three lampiran texts. Checked by ``plans.expectation_forms`` and again here."""

    expectations: dict[str, str]
    lampiran: dict[str, str]


def load_terms(plan: Plan | None) -> PlanTerms:
    """The plan's section and lampiran: two statements (none without a plan)."""
    if plan is None:
        return PlanTerms(version=0)
    rows = db.session.execute(
        select(PlanExpectation.value_key, PlanExpectation.text).where(
            PlanExpectation.plan_id == plan.id
        )
    ).all()
    lampiran = db.session.scalar(select(PlanLampiran).where(PlanLampiran.plan_id == plan.id))
    return PlanTerms(
        version=plan.version,
        expectations=dict(rows),
        lampiran={name: getattr(lampiran, name) if lampiran else "" for name in LAMPIRAN_FIELDS},
    )


def _check(data: TermsInput) -> None:
    """The shape of the input, whoever calls (the form checks it first, with the same
    limits): known values, lengths, no control characters."""
    errors = {}
    for key, text in data.expectations.items():
        name = f"{FIELD_PREFIX}{key}"
        if key not in BY_KEY:
            errors[name] = str(UNKNOWN_VALUE) % {"key": key}
        elif len(text) > EXPECTATION_MAX:
            errors[name] = str(EXPECTATION_TOO_LONG) % {"max": EXPECTATION_MAX}
        elif has_control_characters(text, multiline=True):
            errors[name] = str(NOT_PLAIN)
    for name in LAMPIRAN_FIELDS:
        text = data.lampiran.get(name, "")
        if len(text) > LAMPIRAN_MAX:
            errors[name] = str(LAMPIRAN_TOO_LONG) % {"max": LAMPIRAN_MAX}
        elif has_control_characters(text, multiline=True):
            errors[name] = str(NOT_PLAIN)
    if errors:
        raise InvalidInput(errors=errors)


def save_terms(
    ref: PlanRef, data: TermsInput, actor: Employee, expected_version: int | None
) -> dict[str, list[str]]:
    """Set the plan's expectations and lampiran as posted; the changes, by field, as
    ``[before, after]`` (none: nothing is written and the version stays)."""
    policy.authorize(actor, Action.SET_EXPECTATIONS, ref)
    _check(data)
    plan = ref.plan
    before = load_terms(plan)
    expectation_changes = {
        key: [before.expectations.get(key, ""), text]
        for key, text in data.expectations.items()
        if before.expectations.get(key, "") != text
    }
    lampiran_changes = {
        name: [before.lampiran.get(name, ""), data.lampiran.get(name, "")]
        for name in LAMPIRAN_FIELDS
        if name in data.lampiran and before.lampiran.get(name, "") != data.lampiran[name]
    }
    if not (expectation_changes or lampiran_changes):
        # What was posted is what is stored, whatever version the form was shown with.
        return {}
    _claim(plan, expected_version)
    _write_expectations(plan, expectation_changes)
    _write_lampiran(plan, data, lampiran_changes, before)
    if expectation_changes:
        audit.record(
            "plan.expectations",
            plan,
            actor=actor,
            summary={"changes": {BY_KEY[k].name: v for k, v in expectation_changes.items()}},
        )
    if lampiran_changes:
        audit.record("plan.lampiran", plan, actor=actor, summary={"changes": lampiran_changes})
    db.session.flush()
    db.session.expire(plan)
    return {**expectation_changes, **lampiran_changes}


def _claim(plan: Plan, expected_version: int | None) -> None:
    """The compare-and-swap on the plan, after making sure it is still discussed.

    The open targets are locked first (PostgreSQL; SQLite serialises its writers): an
    approval of the last one racing this save either committed before (and this sees no
    open target left, and refuses) or waits until this save has committed. Without the
    lock, a save could land on a plan approved a moment earlier."""
    still_open = db.session.scalars(
        select(Target.id)
        .where(Target.plan_id == plan.id, Target.state.in_((DRAFTED, DISCUSSED)))
        .with_for_update()
    ).all()
    if not still_open:
        raise Conflict(str(NO_LONGER_DISCUSSED))
    if expected_version is None:
        raise Conflict(str(CHANGED_ELSEWHERE))
    compare_and_swap(
        update(Plan)
        .where(Plan.id == plan.id, Plan.version == expected_version)
        .values(version=expected_version + 1),
        str(CHANGED_ELSEWHERE),
    )


def _write_expectations(plan: Plan, changes: dict[str, list[str]]) -> None:
    """An emptied expectation loses its row; a new one gets one; a changed one is updated."""
    for key, (old, new) in changes.items():
        if not new:
            db.session.execute(
                delete(PlanExpectation).where(
                    PlanExpectation.plan_id == plan.id, PlanExpectation.value_key == key
                )
            )
        elif not old:
            db.session.add(PlanExpectation(plan_id=plan.id, value_key=key, text=new))
        else:
            db.session.execute(
                update(PlanExpectation)
                .where(PlanExpectation.plan_id == plan.id, PlanExpectation.value_key == key)
                .values(text=new)
                .execution_options(synchronize_session=False)
            )


def _write_lampiran(
    plan: Plan, data: TermsInput, changes: dict[str, list[str]], before: PlanTerms
) -> None:
    if not changes:
        return
    values = {name: data.lampiran.get(name, before.lampiran.get(name, "")) for name in changes}
    exists = db.session.scalar(select(PlanLampiran.id).where(PlanLampiran.plan_id == plan.id))
    if exists is None:
        db.session.add(PlanLampiran(plan_id=plan.id, **{**before.lampiran, **values}))
    else:
        db.session.execute(
            update(PlanLampiran)
            .where(PlanLampiran.id == exists)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
