"""Demo monthly reports (laporan bulanan) in every state, for months that are over only,
through the real services and workflow, each move dated on a plausible past day (never
after ``clock.today()``).

The demo employee's newest months tell the rhythm: the last month submitted and waiting
for review, the one before returned with a reason, the one before that still a draft
(overdue), one accepted but late, and the older ones accepted on time. The other people
with approved work have their months accepted and the last one waiting for review.
Idempotent: a month that already has a report is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Employee, MonthlyReport, Period, Target
from portal.models.types import utcnow
from portal.months import ended_months, month_end, report_deadline
from portal.reports import monthly_reports
from portal.reports.monthly_reports import TargetWords
from workflows import monthly as workflow
from workflows.states import APPROVED_OR_LATER

CAPAIAN = "Kegiatan bulan ini selesai sesuai rencana; bukti dukung terlampir pada laporan harian."
KENDALA = "Data dari sebagian unit kerja terlambat masuk."
RENCANA = "Menindaklanjuti data yang belum lengkap dan menyusun draf bulan berikutnya."
RETURN_REASON = "Capaian belum menyebut jumlah dokumen yang selesai; lengkapi lalu kirim ulang."


def _dated(history, day: date) -> None:
    """The move happened on ``day`` at ten, or earlier today (never in the future)."""
    history.occurred_at = min(datetime.combine(day, time(10, 0), clock.zone()), utcnow())


def _report(employee: Employee, period: Period, month: int, actor: Employee | None = None):
    """The month's report with the employee's words on each approved target (a draft)."""
    ref = monthly_reports.month_ref(employee, period, month)
    targets = db.session.scalars(
        select(Target.id).where(
            Target.owner_id == employee.id,
            Target.period_id == period.id,
            Target.state.in_(APPROVED_OR_LATER),
        )
    ).all()
    words = [TargetWords(t, CAPAIAN, KENDALA if month % 2 else "", RENCANA) for t in targets]
    return monthly_reports.save(ref, actor or employee, words, 0)


def _move(report, trigger: str, actor: Employee, day: date, reason: str = "") -> None:
    _dated(workflow.fire(report, trigger, actor, reason=reason, on=day), day)


def accepted_months(employee: Employee, period: Period, reviewer: Employee, months) -> None:
    """Reports of ``months`` submitted by their deadline and accepted two days later (what
    ``submit_report`` needs at the end of the year); months with a report are skipped."""
    yesterday = clock.today() - timedelta(days=1)
    for month in months:
        if monthly_reports.find_report(employee.id, period.id, month) is not None:
            continue
        report = _report(employee, period, month)
        # By the deadline, by yesterday, but not before the month is over (on the 1st of
        # the next month, that is today).
        opens = month_end(period, month) + timedelta(days=1)
        submitted = max(opens, min(yesterday, report_deadline(period, month) - timedelta(days=1)))
        _move(report, "submit", employee, submitted)
        _move(
            report,
            "accept",
            reviewer,
            max(submitted, min(yesterday, submitted + timedelta(days=2))),
        )


def seed_monthly_reports(people: dict[str, Employee], targets: dict[str, Target]) -> int:
    """Monthly reports of the current period; returns how many were created."""
    period = targets["pegawai_approved"].period
    today = clock.today() - timedelta(days=1)  # the demo's latest day is yesterday
    ended = ended_months(period, today)
    before = db.session.query(MonthlyReport).count()
    pegawai, atasan = people["PEGAWAI"], people["ATASAN"]
    newest = {  # months back from the newest ended month: its state
        0: "submitted",
        1: "returned",
        2: "draft",
        3: "late",
    }
    for month in range(1, ended + 1):
        if monthly_reports.find_report(pegawai.id, period.id, month) is not None:
            continue
        kind = newest.get(ended - month, "accepted")
        deadline = report_deadline(period, month)
        if kind == "draft":
            _report(pegawai, period, month)
        elif kind == "late":
            report = _report(pegawai, period, month)
            submitted = min(today, deadline + timedelta(days=4))
            _move(report, "submit", pegawai, submitted)
            _move(report, "accept", atasan, min(today, submitted + timedelta(days=1)))
        elif kind == "accepted":
            accepted_months(pegawai, period, atasan, [month])
        else:
            report = _report(pegawai, period, month)
            submitted = min(today, deadline - timedelta(days=1))
            _move(report, "submit", pegawai, submitted)
            if kind == "returned":
                _move(
                    report,
                    "return_report",
                    atasan,
                    min(today, submitted + timedelta(days=1)),
                    RETURN_REASON,
                )
    for key in ("admin_1",):
        owner = targets[key].owner
        accepted_months(owner, period, targets[key].evaluator, range(1, ended))
        if ended and monthly_reports.find_report(owner.id, period.id, ended) is None:
            report = _report(owner, period, ended)
            _move(report, "submit", owner, min(today, report_deadline(period, ended)))
    # Everyone else with approved work sent and had accepted every ended month, so that
    # their inboxes show what the demo is about, not a year of overdue reports.
    others = db.session.execute(
        select(Target.owner_id, Target.evaluator_id)
        .where(
            Target.period_id == period.id,
            Target.state.in_(APPROVED_OR_LATER),
            Target.evaluator_id.is_not(None),
            Target.owner_id.not_in([pegawai.id, *(targets[k].owner_id for k in ("admin_1",))]),
        )
        .distinct()
    ).all()
    for owner_id, evaluator_id in others:
        owner, evaluator = (
            db.session.get(Employee, owner_id),
            db.session.get(Employee, evaluator_id),
        )
        accepted_months(owner, period, evaluator, range(1, ended + 1))
    db.session.flush()
    return db.session.query(MonthlyReport).count() - before
