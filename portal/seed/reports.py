"""Demo reporting: months of daily entries (accepted, pending, rejected), monthly quality
ratings, and a target already sent for evaluation. Through the real services."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from portal import clock
from portal.extensions import db
from portal.models import Employee, Target
from portal.months import elapsed_months, ended_months, month_end, month_start
from portal.reports import services, verification
from portal.reports.services import EntryInput
from portal.reports.verification import QualityRating
from portal.seed.monthly import accepted_months
from workflows import engine

ACTIVITIES = [
    "Mengumpulkan data jabatan dari unit kerja",
    "Wawancara pemangku jabatan",
    "Menyusun draf dokumen",
    "Rapat pembahasan dengan unit kerja",
    "Finalisasi dan pengiriman dokumen",
]


def _workday(day: date) -> date:
    while day.weekday() >= 5 or day in clock.holidays():
        day += timedelta(days=1)
    return day


def _past_workday(day: date, last: date | None = None) -> date:
    """The working day on or before ``day``, and never after ``last`` (yesterday by
    default): demo entries are never dated in the future, whatever today is."""
    day = min(_workday(day), last or clock.today() - timedelta(days=1))
    while day.weekday() >= 5 or day in clock.holidays():
        day -= timedelta(days=1)
    return day


def _log(target: Target, day: date, text: str, quantity: int, minutes: int = 240):
    data = EntryInput(day, target, text, quantity, minutes, None, [], [])
    entry = services.create_entry(data, target.owner, secrets.token_hex(16), [])
    # Demo entries were written at the end of their own working day, not today.
    entry.created_at = datetime.combine(day, time(16, 30), clock.zone())
    return entry


def report_months(
    target: Target,
    evaluator: Employee,
    upto: int,
    *,
    pending_last=True,
    reject_one: int | None = None,
) -> None:
    """Entries for each elapsed month: progress work, then the planned output."""
    period = target.period
    planned = {m.month: m.quantity for m in target.months}
    for month in range(1, upto + 1):
        start = month_start(period, month)
        last_day = min(month_end(period, month), clock.today() - timedelta(days=1))
        if last_day < start:
            continue
        entries = []
        prep_day = _past_workday(start + timedelta(days=3), last_day)
        if prep_day >= start:
            entries.append(_log(target, prep_day, ACTIVITIES[month % 3], 0, 180))
        day = _past_workday(start + timedelta(days=18), last_day)
        if planned.get(month) and day >= start:
            entries.append(_log(target, day, ACTIVITIES[4], planned[month]))
        is_last = month == upto
        for entry in entries:
            if pending_last and is_last:
                continue
            if reject_one == month and entry is entries[-1]:
                verification.verify(
                    entry,
                    evaluator,
                    entry.version,
                    accept=False,
                    reason="Lampirkan dokumen final yang sudah ditandatangani.",
                )
                db.session.refresh(entry)
                fixed = EntryInput(
                    entry.entry_date,
                    target,
                    entry.description + " (revisi)",
                    entry.quantity,
                    entry.minutes,
                    None,
                    [],
                    [],
                )
                services.update_entry(entry, fixed, target.owner, entry.version, [])
                db.session.refresh(entry)
            verification.verify(entry, evaluator, entry.version, accept=True)
        if not (pending_last and is_last):
            verification.rate_month(
                target,
                month,
                evaluator,
                QualityRating(
                    rating=85 + (month * 7) % 15,
                    note="Hasil rapi dan tepat waktu." if month % 2 else "",
                ),
            )


def seed_reports(people: dict[str, Employee], targets: dict[str, Target]) -> int:
    """Create the demo entries; return how many targets received reports."""
    current = targets["pegawai_approved"].period
    # The months begun by yesterday: today's work is not written yet.
    upto = elapsed_months(current, clock.today() - timedelta(days=1))
    if upto < 2:
        return 0
    atasan, kabag = people["ATASAN"], people["ORG"]
    report_months(targets["pegawai_approved"], atasan, upto, reject_one=upto - 1)
    # A pending entry that was rejected and waits for the employee to fix it.
    rejected = _log(
        targets["pegawai_approved"],
        _past_workday(month_start(current, upto) + timedelta(days=1)),
        "Menyusun peta jabatan unit kerja",
        1,
        120,
    )
    verification.verify(
        rejected,
        atasan,
        rejected.version,
        accept=False,
        reason="Peta jabatan bukan bagian target ini; laporkan pada target yang sesuai.",
    )
    for key in ("admin_1", "admin_2"):
        report_months(targets[key], atasan, upto)
    # The peta jabatan target reached its annual quantity early: sent for evaluation.
    done = targets["atasan_2"]
    report_months(done, kabag, upto, pending_last=False)
    period = done.period
    covered = sum(m.quantity for m in done.months if m.month <= upto)
    if covered < done.quantity:  # make up the rest in the last month worked
        day = min(clock.today() - timedelta(days=1), month_end(period, upto))
        extra = _log(
            done,
            _past_workday(day - timedelta(days=3), day),
            "Penyelesaian peta jabatan seluruh perangkat daerah",
            done.quantity - covered,
        )
        verification.verify(extra, kabag, extra.version, accept=True)
    # Begun today, the month needs its rating too before the realisation can be sent.
    for month in range(upto + 1, elapsed_months(period, clock.today()) + 1):
        verification.rate_month(done, month, kabag, QualityRating(rating=90, note=""))
    accepted_months(done.owner, period, kabag, range(1, ended_months(period, clock.today()) + 1))
    engine.fire(done, "submit_report", done.owner)
    db.session.flush()
    from portal.seed.evaluations import evaluate_with_objection

    evaluate_with_objection(done.owner, done.period, kabag)
    return 4
