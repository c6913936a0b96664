"""The monthly report's workflow (laporan bulanan) as data, and the one function that
fires a trigger on a report.

``draft → submitted → accepted``, or ``submitted → returned`` (with a reason) and
``returned → submitted`` again.

The same pattern as the targets' (:mod:`workflows.targets`, :mod:`workflows.engine`): a
table of transitions with roles (``owner`` = the employee, ``evaluator`` = the evaluator
of their targets, from :func:`portal.policy.monthly_report_roles`) and guards; one
module-level machine; a compare-and-swap on (id, state, version) before the move; a
history row and an audit event after it. A lost race is a :class:`Conflict` (HTTP 409).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from transitions import Machine

from portal import audit, clock, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.i18n import TranslatedLabels
from portal.models import Employee, MonthlyReport, MonthlyReportHistory
from portal.models.monthly import (
    MONTHLY_ACCEPTED as ACCEPTED,
)
from portal.models.monthly import (
    MONTHLY_DRAFT as DRAFT,
)
from portal.models.monthly import (
    MONTHLY_RETURNED as RETURNED,
)
from portal.models.monthly import (
    MONTHLY_SUBMITTED as SUBMITTED,
)
from portal.models.types import utcnow
from portal.months import month_end, month_label, report_deadline
from portal.policy import Action, MonthRef
from workflows.states import EVALUATOR, OWNER

STATES = (DRAFT, SUBMITTED, ACCEPTED, RETURNED)
STATE_LABELS = TranslatedLabels(
    {
        DRAFT: _l("Draf"),
        SUBMITTED: _l("Menunggu tinjauan atasan"),
        ACCEPTED: _l("Diterima"),
        RETURNED: _l("Dikembalikan"),
    }
)
REASON_MAX = 2000

PERIOD_CLOSED = _l("Periode penilaian sudah ditutup; laporan bulanan tidak dapat diubah.")
MONTH_NOT_ENDED = _l(
    "Laporan bulan %(month)s dapat dikirim setelah bulan itu berakhir (mulai %(from)s)."
)
LOST_RACE = _l(
    "Laporan bulanan ini baru saja diubah orang lain. Muat ulang halaman, periksa, lalu ulangi."
)
STALE_VERSION = _l(
    "Laporan bulanan ini baru saja diubah (sekarang berstatus “%(state)s”). "
    "Muat ulang halaman lalu ulangi bila masih perlu."
)
NOT_IN_THIS_STATE = _l("Tindakan ini tidak tersedia untuk laporan bulanan berstatus “%(state)s”.")
NOT_YOUR_ACTION = _l("Anda tidak berwenang melakukan tindakan ini pada laporan bulanan ini.")
REASON_REQUIRED = _l("Alasan pengembalian wajib diisi.")
REASON_TOO_LONG = _l("Alasan paling banyak %(max)s karakter.")


@dataclass(frozen=True)
class Facts:
    """What the guards may look at: the report (with its period) and the agency's today."""

    report: MonthlyReport
    today: date


def period_open(facts: Facts) -> str | None:
    return None if facts.report.period.is_open else str(PERIOD_CLOSED)


def month_ended(facts: Facts) -> str | None:
    """A month is reported once it is over: from the first day of the next month."""
    period, month = facts.report.period, facts.report.month
    end = month_end(period, month)
    if facts.today > end:
        return None
    first = date.fromordinal(end.toordinal() + 1)
    return str(MONTH_NOT_ENDED) % {
        "month": month_label(period, month),
        "from": format_date(first, "long"),
    }


GUARDS = {"period_open": period_open, "month_ended": month_ended}


@dataclass(frozen=True)
class MonthlyTransition:
    trigger: str
    source: str
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    reason_required: bool = False
    label: str = ""


def _row(trigger, source, dest, roles, guards=(), reason=False, label=""):
    return MonthlyTransition(
        trigger, source, dest, frozenset(roles), ("period_open", *guards), reason, label
    )


TRANSITIONS: tuple[MonthlyTransition, ...] = (
    _row("submit", DRAFT, SUBMITTED, {OWNER}, ("month_ended",), label=_l("Kirim ke atasan")),
    _row("submit", RETURNED, SUBMITTED, {OWNER}, ("month_ended",), label=_l("Kirim ulang")),
    _row("accept", SUBMITTED, ACCEPTED, {EVALUATOR}, label=_l("Terima laporan")),
    _row(
        "return_report",
        SUBMITTED,
        RETURNED,
        {EVALUATOR},
        reason=True,
        label=_l("Kembalikan ke pegawai"),
    ),
)
TRIGGER_DONE = TranslatedLabels(
    {
        "submit": _l("Laporan bulanan dikirim ke atasan."),
        "accept": _l("Laporan bulanan diterima."),
        "return_report": _l("Laporan bulanan dikembalikan ke pegawai."),
    }
)
_BY_KEY = {(t.trigger, t.source): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (trigger, source)"


def transition_for(trigger: str, state: str) -> MonthlyTransition | None:
    return _BY_KEY.get((trigger, state))


def failures(names: tuple[str, ...], facts: Facts) -> list[str]:
    return [reason for name in names if (reason := GUARDS[name](facts)) is not None]


@dataclass(eq=False)
class Firing:
    """What the shared machine moves: one trigger fired on one report by one actor."""

    report: MonthlyReport
    transition: MonthlyTransition
    actor: Employee
    reason: str
    facts: Facts
    state: str = field(init=False)
    from_state: str = field(init=False)
    version: int = field(init=False)
    refusals: list[str] = field(default_factory=list)
    history: MonthlyReportHistory | None = None

    def __post_init__(self) -> None:
        self.state = self.from_state = self.report.state
        self.version = self.report.version

    def changes(self) -> dict:
        """What the move writes beside the state: the submission's date and lateness, or
        the reviewer and the reason of a return."""
        trigger, report, today = self.transition.trigger, self.report, self.facts.today
        if trigger == "submit":
            late = today > report_deadline(report.period, report.month)
            return {"submitted_on": today, "late": late, "return_reason": ""}
        if trigger == "return_report":
            return {"return_reason": self.reason, "reviewed_by_id": self.actor.id}
        return {"reviewed_by_id": self.actor.id}

    def claim(self, _event) -> None:
        report, values = self.report, self.changes()
        compare_and_swap(
            update(MonthlyReport)
            .where(
                MonthlyReport.id == report.id,
                MonthlyReport.state == self.from_state,
                MonthlyReport.version == self.version,
            )
            .values(
                state=self.transition.dest,
                version=self.version + 1,
                updated_at=utcnow(),
                **values,
            ),
            str(LOST_RACE),
        )
        values.update(state=self.transition.dest, version=self.version + 1)
        for name, value in values.items():
            set_committed_value(report, name, value)

    def record(self, _event) -> None:
        trigger = self.transition.trigger
        self.history = MonthlyReportHistory(
            report_id=self.report.id,
            actor_id=self.actor.id,
            trigger=trigger,
            from_state=self.from_state,
            to_state=self.state,
            reason=self.reason,
            version=self.version + 1,
            occurred_at=utcnow(),
        )
        db.session.add(self.history)
        audit.record(
            f"monthly_report.{trigger}",
            self.report,
            actor=self.actor,
            summary={
                "month": self.report.month,
                "from": self.from_state,
                "to": self.state,
                "reason": self.reason,
                "late": self.report.late,
                "version": self.version + 1,
            },
        )


def _guards_pass(transition: MonthlyTransition):
    def guards_pass(event) -> bool:
        firing = event.model
        firing.refusals = failures(transition.guards, firing.facts)
        return not firing.refusals

    guards_pass.__name__ = f"guards_pass_{transition.trigger}_from_{transition.source}"
    return guards_pass


# The one machine for every monthly report (never one per row); it moves a Firing.
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
    initial=DRAFT,
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
    before_state_change=["claim"],
    after_state_change=["record"],
)


def roles_on(actor: Employee, report: MonthlyReport) -> frozenset[str]:
    ref = MonthRef(report.employee, report.period, report.month, report)
    policy.authorize(actor, Action.VIEW_MONTHLY_REPORT, ref)
    return policy.monthly_report_roles(actor, ref)


def fire(
    report: MonthlyReport,
    trigger: str,
    actor: Employee,
    *,
    reason: str = "",
    expected_version: int | None = None,
    on: date | None = None,
) -> MonthlyReportHistory:
    """Fire ``trigger`` on ``report`` as ``actor``; return the new history row. The
    report's ``state`` and ``version`` (and what the move wrote) are updated in place."""
    roles = roles_on(actor, report)
    if expected_version is not None and expected_version != report.version:
        raise Conflict(str(STALE_VERSION) % {"state": STATE_LABELS[report.state]})
    transition = transition_for(trigger, report.state)
    if transition is None:
        raise Conflict(str(NOT_IN_THIS_STATE) % {"state": STATE_LABELS[report.state]})
    if not transition.roles & roles:
        raise PermissionDenied(str(NOT_YOUR_ACTION))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise InvalidInput(str(REASON_REQUIRED), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(str(REASON_TOO_LONG) % {"max": REASON_MAX}, field="reason")
    facts = Facts(report, on or clock.today())
    firing = Firing(report, transition, actor, reason, facts)
    if not MACHINE.events[trigger].trigger(firing):
        raise InvalidInput(" ".join(firing.refusals))
    db.session.flush()
    return firing.history
