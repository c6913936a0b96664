"""The target workflow as data: states, and a table of transitions.

``drafted → discussed → approved → reported → evaluated → followed_up``

The state names themselves are in :mod:`workflows.states` (re-exported here), so that
the models can use them without the table. Each row says which trigger moves a target
from which state to which, who may fire it (``owner``, ``evaluator``, ``admin``), which
guards must pass and whether a reason is required. One module-level
``transitions.Machine`` (``model=None``) is built from the table and serves every
target; it is never instantiated per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from transitions import Machine

from portal.i18n import TranslatedLabels
from workflows import guards
from workflows.states import (
    ADMIN,
    APPROVED,
    APPROVED_OR_LATER,
    DISCUSSED,
    DRAFTED,
    EVALUATED,
    EVALUATOR,
    FOLLOWED_UP,
    OWNER,
    REPORTED,
    STATES,
)

__all__ = [
    "ADMIN",
    "APPROVED",
    "APPROVED_OR_LATER",
    "DISCUSSED",
    "DRAFTED",
    "EVALUATED",
    "EVALUATOR",
    "FOLLOWED_UP",
    "MACHINE",
    "OWNER",
    "REPORTED",
    "REVERTED",
    "REVERT_LABEL",
    "STATES",
    "STATE_LABELS",
    "TRANSITIONS",
    "TRIGGER_DONE",
    "TRIGGER_LABELS",
    "Transition",
    "transition_for",
    "transitions_from",
]

REVERT_LABEL = _l("Kembalikan ke tahap sebelumnya")
REVERTED = _l("Dikembalikan ke tahap sebelumnya")

# What people read; the states themselves are codes. Each read is text in the current
# language (letters: Bahasa Indonesia).
STATE_LABELS = TranslatedLabels(
    {
        DRAFTED: _l("Draf"),
        DISCUSSED: _l("Dalam pembahasan"),
        APPROVED: _l("Disetujui"),
        REPORTED: _l("Dilaporkan"),
        EVALUATED: _l("Dievaluasi"),
        FOLLOWED_UP: _l("Ditindaklanjuti"),
    }
)


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    reason_required: bool = False
    label: str = ""  # the button's text, lazily translated
    style: str = "primary"  # how the button looks: primary, secondary, danger
    # False for the rows only a feature's operation fires (the evaluation screen fires
    # ``evaluate_unreported`` on finishing): never a button on the target's card.
    offered: bool = True


def _row(
    trigger,
    source,
    dest,
    roles,
    guards=(),
    reason=False,
    label="",
    style="primary",
    offered=True,
):
    return Transition(
        trigger,
        source,
        dest,
        frozenset(roles),
        ("period_open", *guards),
        reason,
        label,
        style,
        offered,
    )


TRANSITIONS: tuple[Transition, ...] = (
    _row(
        "submit",
        DRAFTED,
        DISCUSSED,
        {OWNER},
        ("target_complete", "has_evaluator"),
        label=_l("Ajukan ke atasan"),
    ),
    _row(
        "request_revision",
        DISCUSSED,
        DRAFTED,
        {EVALUATOR},
        reason=True,
        label=_l("Minta perbaikan"),
        style="secondary",
    ),
    _row("approve", DISCUSSED, APPROVED, {EVALUATOR}, ("target_complete",), label=_l("Setujui")),
    _row(
        "reopen",
        APPROVED,
        DISCUSSED,
        {EVALUATOR, ADMIN},
        reason=True,
        label=_l("Buka kembali"),
        style="secondary",
    ),
    _row(
        "submit_report",
        APPROVED,
        REPORTED,
        {OWNER},
        (
            "not_excluded",
            "reporting_finished",
            "entries_verified",
            "months_rated",
            "monthly_reports_accepted",
        ),
        label=_l("Kirim realisasi untuk evaluasi"),
    ),
    _row(
        "return_report",
        REPORTED,
        APPROVED,
        {EVALUATOR},
        reason=True,
        label=_l("Kembalikan laporan"),
        style="secondary",
    ),
    _row("evaluate", REPORTED, EVALUATED, {EVALUATOR}, ("evaluation_final",), label=_l("Evaluasi")),
    # The evaluation covers every approved target: one not reported by the end that the
    # evaluator chose to score on its accepted entries is evaluated when the evaluation
    # is finished, from the screen only.
    _row(
        "evaluate_unreported",
        APPROVED,
        EVALUATED,
        {EVALUATOR},
        ("evaluation_final",),
        label=_l("Evaluasi tanpa laporan akhir"),
        offered=False,
    ),
    _row(
        "follow_up",
        EVALUATED,
        FOLLOWED_UP,
        {EVALUATOR},
        ("follow_up_planned",),
        label=_l("Tindak lanjuti"),
    ),
    # Admin override: one step back along the lifecycle, whatever the state. The step
    # back from "evaluated" is the way the target came: to "reported", or to "approved"
    # for a target evaluated without a final report (the guards tell the two apart, and
    # the card offers only the one that applies: ``guards.PATH_GUARDS``).
    *(
        _row(
            "revert",
            later,
            earlier,
            {ADMIN},
            ("came_reported",) if later == EVALUATED else (),
            reason=True,
            label=REVERT_LABEL,
            style="danger",
        )
        for earlier, later in zip(STATES, STATES[1:], strict=False)
    ),
    _row(
        "revert_unreported",
        EVALUATED,
        APPROVED,
        {ADMIN},
        ("came_unreported",),
        reason=True,
        label=REVERT_LABEL,
        style="danger",
    ),
)

TRIGGER_LABELS = TranslatedLabels({t.trigger: t.label for t in TRANSITIONS})
TRIGGER_DONE = TranslatedLabels(
    {
        "submit": _l("Diajukan ke atasan"),
        "request_revision": _l("Dikembalikan untuk perbaikan"),
        "approve": _l("Disetujui"),
        "reopen": _l("Dibuka kembali untuk pembahasan"),
        "submit_report": _l("Realisasi dikirim untuk evaluasi"),
        "return_report": _l("Laporan dikembalikan"),
        "evaluate": _l("Dievaluasi"),
        "evaluate_unreported": _l("Dievaluasi tanpa laporan akhir"),
        "follow_up": _l("Ditindaklanjuti"),
        "revert": REVERTED,
        "revert_unreported": REVERTED,
    }
)


def transition_for(trigger: str, state: str) -> Transition | None:
    """The row for ``trigger`` fired in ``state``, or None when the table has none."""
    return _BY_KEY.get((trigger, state))


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


_BY_KEY = {(t.trigger, t.source): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (trigger, source)"


def _guards_pass(transition: Transition):
    """The row's guards as the machine's condition. Each guard runs once; every refusal
    is kept on the moving model (``refusals``), so the person reads all the reasons at
    once rather than one per try. The guards are looked up when they run, not when the
    machine is built (tests replace some of them)."""

    def guards_pass(event) -> bool:
        firing = event.model
        firing.refusals = guards.failures(transition.guards, firing.facts)
        return not firing.refusals

    guards_pass.__name__ = f"guards_pass_{transition.trigger}_from_{transition.source}"
    return guards_pass


# The one machine for every target. What it moves is the engine's ``Firing`` (a target,
# an actor, the guards' facts), never the ORM row; the callbacks named here are that
# model's methods: ``claim`` writes the move with a compare-and-swap before the state
# changes, ``record`` writes the history and the audit event after it, and ``announce``
# sends ``workflows.signals.target_transitioned``.
MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=[
        {
            "trigger": t.trigger,
            "source": t.source,
            "dest": t.dest,
            "conditions": [_guards_pass(t)],
        }
        for t in TRANSITIONS
    ],
    initial=DRAFTED,
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
    before_state_change=["claim"],
    after_state_change=["record", "announce"],
)
