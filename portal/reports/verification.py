"""The supervisor's side of reporting: accepting or rejecting work entries, and the
monthly quality rating of a target.

The routes check who may decide (``ensure_decidable``, ``ensure_rateable``) before
they look at the form, so a refusal of authority or state comes before a complaint
about the input, as it always did. A decision uses a compare-and-swap on the entry's
version, so two supervisors (or two clicks) never both decide the same entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import EntryStatus, MonthlyQuality, Target, WorkEntry
from portal.models.types import utcnow
from portal.policy import Action
from portal.realisation import forget
from portal.reports.services import record_history, refuse_if_closed
from workflows.targets import APPROVED, REPORTED

REASON_MAX = 2000
ALREADY_REJECTED = _l(
    "Laporan ini sudah ditolak. Pemiliknya perlu memperbaiki dan mengajukannya "
    "ulang sebelum dapat diterima."
)
ALREADY_ACCEPTED = _l("Laporan ini sudah diterima sebelumnya.")
DECIDED_ELSEWHERE = _l("Laporan ini baru saja diubah atau diverifikasi orang lain.")
NOT_RATEABLE = _l("Nilai kualitas hanya untuk target yang disetujui atau dilaporkan.")
MONTH_OUTSIDE_PERIOD = _l("Bulan di luar periode.")


@dataclass(frozen=True)
class QualityRating:
    """A month's quality rating (0–100), checked by ``monthly_forms.ReviewForm``, and the
    evaluator's feedback (*umpan balik*)."""

    rating: int
    note: str = ""


def ensure_decidable(entry: WorkEntry, actor) -> None:
    """Refuse unless ``actor`` evaluates the entry's target, the entry waits for a
    decision and the evaluation has not closed the target (its realisation is final)."""
    policy.authorize(actor, Action.VERIFY_ENTRY, entry)
    refuse_if_closed(entry)
    if entry.status == EntryStatus.REJECTED:
        raise InvalidInput(str(ALREADY_REJECTED))
    if entry.status == EntryStatus.ACCEPTED:
        raise Conflict(str(ALREADY_ACCEPTED))


def verify(entry: WorkEntry, actor, version: int, *, accept: bool, reason: str = "") -> None:
    """Accept or reject a pending entry, as the evaluator of its target. A rejection's
    ``reason`` (required, checked by ``forms.VerificationForm``) goes back to the owner."""
    ensure_decidable(entry, actor)
    status = EntryStatus.ACCEPTED if accept else EntryStatus.REJECTED
    compare_and_swap(
        update(WorkEntry)
        .where(
            WorkEntry.id == entry.id,
            WorkEntry.version == version,
            WorkEntry.is_pending(),
        )
        .values(
            status=status,
            reject_reason="" if accept else reason,
            verified_by_id=actor.id,
            verified_at=utcnow(),
            version=version + 1,
        ),
        str(DECIDED_ELSEWHERE),
    )
    action = "accept" if accept else "reject"
    record_history(entry, actor.id, action, reason)
    audit.record(f"entry.{action}", entry, actor=actor, summary={"reason": reason})
    forget(entry.target_id)
    db.session.flush()
    db.session.expire(entry)


def ensure_rateable(target: Target, month: int, actor) -> None:
    """Refuse unless ``actor`` evaluates ``target``, it is approved or reported, and
    ``month`` is one of its period's."""
    policy.authorize(actor, Action.RATE_TARGET, target)
    if target.state not in (APPROVED, REPORTED):
        raise InvalidInput(str(NOT_RATEABLE))
    if not 1 <= month <= target.period.month_count:
        raise InvalidInput(str(MONTH_OUTSIDE_PERIOD), field="rating")


def rate_month(target: Target, month: int, actor, quality: QualityRating) -> MonthlyQuality:
    """Set the evaluator's quality rating and feedback for one month of a target."""
    ensure_rateable(target, month, actor)
    rating, note = quality.rating, quality.note
    row = db.session.scalar(
        select(MonthlyQuality).where(
            MonthlyQuality.target_id == target.id, MonthlyQuality.month == month
        )
    )
    before = (row.rating, row.note) if row else None
    if row is None:
        row = MonthlyQuality(
            target_id=target.id, month=month, rating=rating, note=note, rated_by_id=actor.id
        )
        db.session.add(row)
    else:
        row.rating, row.note, row.rated_by_id, row.rated_at = rating, note, actor.id, utcnow()
    audit.record(
        "target.rate_month",
        target,
        actor=actor,
        summary={
            "month": month,
            "rating": rating,
            "note": note,
            "before": before,
        },
    )
    forget(target.id)
    db.session.flush()
    return row
