"""Operations on work entries: log, edit, delete, accept, reject; monthly quality.

Each validates everything first and changes nothing on bad input; the request
commits once. Verification uses a compare-and-swap on the entry's version, so two
supervisors (or two clicks) never both decide the same entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from portal import audit, clock, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import (
    EntryHistory,
    EntryStatus,
    Evidence,
    MonthlyQuality,
    Target,
    WorkEntry,
)
from portal.models.types import utcnow
from portal.months import month_index
from portal.numbers import parse_whole
from portal.policy import Action
from portal.reports import evidence
from portal.reports.realisation import forget
from workflows.targets import APPROVED, REPORTED

DESCRIPTION_MAX = 2000
ENTRY_QUANTITY_MAX = 10_000
COST_MAX = 1_000_000_000_000
MINUTES_PER_DAY = 24 * 60
LINKS_MAX = 5
LINK = re.compile(r"^https?://[^\s<>\"']{3,490}$", re.IGNORECASE)
REASON_MAX = 2000
CHANGED_ELSEWHERE = _l("Laporan ini baru saja diubah atau diverifikasi. Muat ulang lalu periksa.")


@dataclass
class EntryInput:
    entry_date: date
    target: Target
    description: str
    quantity: int
    minutes: int
    cost: int | None
    links: list[str]
    files: list[evidence.CheckedFile]


def parse_entry(
    form: Mapping,
    files: list[FileStorage],
    owner_id: int,
    targets: dict[int, Target],
    existing: WorkEntry | None = None,
) -> EntryInput:
    """Read and check the daily-log form; raise :class:`InvalidInput` with every error."""
    errors: dict[str, str] = {}
    raw_target = (form.get("target_id") or "").strip()
    known = raw_target.isascii() and raw_target.isdigit()
    target = targets.get(int(raw_target)) if known else None
    if target is None:
        errors["target_id"] = _("Pilih salah satu target Anda yang sudah disetujui.")
        # Say why when it is the owner's own target in a period that is not open.
        own = db.session.get(Target, int(raw_target)) if known else None
        if own is not None and own.owner_id == owner_id and not own.period.is_open:
            errors["form"] = policy.period_refusal(own.period, Action.EDIT_ENTRY)
    raw_date = (form.get("entry_date") or "").strip()
    entry_date = None
    try:
        entry_date = date.fromisoformat(raw_date)
    except ValueError:
        errors["entry_date"] = _("Tanggal tidak valid; gunakan format tahun-bulan-tanggal.")
    if entry_date is not None:
        if entry_date > clock.today():
            errors["entry_date"] = _("Tanggal laporan tidak boleh di masa depan.")
        elif target is not None and not (
            target.period.start_date <= entry_date <= target.period.end_date
        ):
            errors["entry_date"] = _(
                "Tanggal harus di dalam periode %(period)s (%(start)s s.d. %(end)s).",
                period=target.period.name,
                start=target.period.start_date.strftime("%d-%m-%Y"),
                end=target.period.end_date.strftime("%d-%m-%Y"),
            )
    description = " ".join((form.get("description") or "").split())
    if not description:
        errors["description"] = _("Uraikan pekerjaan yang dilakukan.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Uraian paling banyak %(max)s karakter.", max=DESCRIPTION_MAX)

    def number(name, label, minimum, maximum):
        try:
            return parse_whole(form.get(name), label, minimum=minimum, maximum=maximum)
        except ValueError as exc:
            errors[name] = str(exc)
            return None

    quantity = number("quantity", _("Kuantitas"), 0, ENTRY_QUANTITY_MAX)
    minutes = number("minutes", _("Durasi (menit)"), 1, MINUTES_PER_DAY)
    cost = number("cost", _("Biaya"), 0, COST_MAX) if (form.get("cost") or "").strip() else None
    if minutes is not None and entry_date is not None and "entry_date" not in errors:
        used = db.session.scalar(
            select(func.coalesce(func.sum(WorkEntry.minutes), 0)).where(
                WorkEntry.owner_id == owner_id,
                WorkEntry.entry_date == entry_date,
                WorkEntry.id != (existing.id if existing else -1),
            )
        )
        if used + minutes > MINUTES_PER_DAY:
            errors["minutes"] = _(
                "Total durasi pada tanggal ini menjadi %(minutes)s menit, lebih dari 24 jam.",
                minutes=used + minutes,
            )
    links = [line.strip() for line in (form.get("links") or "").splitlines() if line.strip()]
    if len(links) > LINKS_MAX:
        errors["links"] = _("Paling banyak %(max)s tautan.", max=LINKS_MAX)
    elif any(not LINK.match(link) for link in links):
        errors["links"] = _("Setiap tautan harus diawali http:// atau https:// (satu per baris).")
    checked: list[evidence.CheckedFile] = []
    uploads = [f for f in files if f and (f.filename or f.content_length)]
    limit = _max_files()
    already = len(existing.evidence) if existing else 0
    if len(uploads) + already > limit:
        errors["files"] = _("Paling banyak %(max)s berkas bukti per laporan.", max=limit)
    else:
        for upload in uploads:
            try:
                checked.append(evidence.check(upload))
            except InvalidInput as exc:
                errors["files"] = exc.message
                break
    if errors:
        raise InvalidInput(errors=errors)
    return EntryInput(entry_date, target, description, quantity, minutes, cost, links, checked)


def _max_files() -> int:
    from flask import current_app

    return current_app.config.get("PORTAL_EVIDENCE_MAX_FILES", 5)


def reportable_targets(owner_id: int) -> dict[int, Target]:
    """The owner's approved targets in open periods: the only ones a day's work may go to."""
    from portal.models import Period
    from portal.models.periods import PeriodStatus

    rows = db.session.scalars(
        select(Target)
        .join(Period, Period.id == Target.period_id)
        .where(
            Target.owner_id == owner_id,
            Target.state == APPROVED,
            Period.status == PeriodStatus.OPEN,
        )
    )
    return {t.id: t for t in rows}


def _history(entry: WorkEntry, actor_id: int, action: str, note: str = "") -> None:
    db.session.add(EntryHistory(entry_id=entry.id, actor_id=actor_id, action=action, note=note))


def _attach(entry: WorkEntry, files: list[evidence.CheckedFile], stored: list[str]) -> None:
    for checked in files:
        name = evidence.store(checked)
        stored.append(name)
        db.session.add(
            Evidence(
                entry_id=entry.id,
                original_name=checked.original_name,
                stored_name=name,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=checked.sha256,
            )
        )


def _form_token(raw: str) -> str:
    token = (raw or "").strip()[:64]
    if len(token) < 16:
        raise InvalidInput(_("Formulir tidak lengkap; muat ulang halaman."))
    return token


def entry_for_token(form_token: str, owner) -> WorkEntry | None:
    """The entry an earlier post of the same form created (a double click, a retry)."""
    token = _form_token(form_token)
    existing = db.session.scalar(select(WorkEntry).where(WorkEntry.form_token == token))
    if existing is not None and existing.owner_id != owner.id:
        raise InvalidInput(_("Formulir tidak sah; muat ulang halaman."))
    return existing


def create_entry(data: EntryInput, owner, form_token: str, stored: list[str]) -> WorkEntry:
    """Log a day's work. Callers look for the form's entry first (:func:`entry_for_token`);
    a twin posted at the same moment fails here on the unique token with an
    ``IntegrityError``, and the caller rolls back and answers with the twin."""
    token = _form_token(form_token)
    target = data.target
    entry = WorkEntry(
        target_id=target.id,
        owner_id=owner.id,
        instansi_id=target.instansi_id,
        period_id=target.period_id,
        entry_date=data.entry_date,
        month=month_index(target.period, data.entry_date),
        description=data.description,
        quantity=data.quantity,
        minutes=data.minutes,
        cost=data.cost,
        links=data.links,
        status=EntryStatus.PENDING,
        form_token=token,
    )
    db.session.add(entry)
    db.session.flush()
    _attach(entry, data.files, stored)
    _history(entry, owner.id, "create")
    audit.record(
        "entry.create",
        entry,
        actor=owner,
        summary={
            "target_id": target.id,
            "date": data.entry_date.isoformat(),
            "quantity": data.quantity,
            "files": len(data.files),
        },
    )
    forget(target.id)
    db.session.flush()
    return entry


def _editable(entry: WorkEntry, actor) -> None:
    policy.authorize(actor, Action.EDIT_ENTRY, entry)


def update_entry(
    entry: WorkEntry, data: EntryInput, actor, version: int, stored: list[str]
) -> None:
    """Change a pending or rejected entry; a rejected one goes back to the queue."""
    _editable(entry, actor)
    resubmitted = entry.status == EntryStatus.REJECTED
    compare_and_swap(
        update(WorkEntry)
        .where(
            WorkEntry.id == entry.id,
            WorkEntry.version == version,
            WorkEntry.status != EntryStatus.ACCEPTED,
        )
        .values(
            target_id=data.target.id,
            entry_date=data.entry_date,
            month=month_index(data.target.period, data.entry_date),
            period_id=data.target.period_id,
            description=data.description,
            quantity=data.quantity,
            minutes=data.minutes,
            cost=data.cost,
            links=data.links,
            status=EntryStatus.PENDING,
            reject_reason="",
            version=version + 1,
            updated_at=utcnow(),
        ),
        CHANGED_ELSEWHERE,
    )
    _attach(entry, data.files, stored)
    _history(entry, actor.id, "resubmit" if resubmitted else "update")
    audit.record(
        "entry.resubmit" if resubmitted else "entry.update",
        entry,
        actor=actor,
        summary={"quantity": data.quantity, "date": data.entry_date.isoformat()},
    )
    forget(entry.target_id)
    forget(data.target.id)
    db.session.flush()
    db.session.expire(entry)


def delete_entry(entry: WorkEntry, actor, version: int) -> list[str]:
    """Delete an unverified entry; return the stored files to remove after commit."""
    _editable(entry, actor)
    # Compare-and-swap first: an acceptance that lands between reading and deleting wins.
    compare_and_swap(
        update(WorkEntry)
        .where(
            WorkEntry.id == entry.id,
            WorkEntry.version == version,
            WorkEntry.status != EntryStatus.ACCEPTED,
        )
        .values(version=version + 1),
        CHANGED_ELSEWHERE,
    )
    files = [e.stored_name for e in entry.evidence]
    audit.record(
        "entry.delete",
        entry,
        actor=actor,
        summary={
            "date": entry.entry_date.isoformat(),
            "quantity": entry.quantity,
        },
    )
    forget(entry.target_id)
    db.session.delete(entry)
    db.session.flush()
    return files


def verify(entry: WorkEntry, actor, version: int, *, accept: bool, reason: str = "") -> None:
    """Accept or reject a pending entry, as the evaluator of its target."""
    policy.authorize(actor, Action.VERIFY_ENTRY, entry)
    reason = (reason or "").strip()
    if entry.status == EntryStatus.REJECTED:
        raise InvalidInput(
            _(
                "Laporan ini sudah ditolak. Pemiliknya perlu memperbaiki dan mengajukannya "
                "ulang sebelum dapat diterima."
            )
        )
    if entry.status == EntryStatus.ACCEPTED:
        raise Conflict(_("Laporan ini sudah diterima sebelumnya."))
    if not accept and not reason:
        raise InvalidInput(_("Alasan penolakan wajib diisi."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("Alasan paling banyak %(max)s karakter.", max=REASON_MAX), field="reason"
        )
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
        _("Laporan ini baru saja diubah atau diverifikasi orang lain."),
    )
    action = "accept" if accept else "reject"
    _history(entry, actor.id, action, reason)
    audit.record(f"entry.{action}", entry, actor=actor, summary={"reason": reason})
    forget(entry.target_id)
    db.session.flush()
    db.session.expire(entry)


def rate_month(target: Target, month: int, actor, form: Mapping) -> MonthlyQuality:
    """Set the evaluator's quality rating (0–100) and feedback for one month of a target."""
    policy.authorize(actor, Action.RATE_TARGET, target)
    if target.state not in (APPROVED, REPORTED):
        raise InvalidInput(_("Nilai kualitas hanya untuk target yang disetujui atau dilaporkan."))
    if not 1 <= month <= target.period.month_count:
        raise InvalidInput(_("Bulan di luar periode."), field="rating")
    try:
        rating = parse_whole(form.get("rating"), _("Nilai kualitas"), minimum=0, maximum=100)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="rating") from None
    note = (form.get("note") or "").strip()
    if len(note) > REASON_MAX:
        raise InvalidInput(
            _("Umpan balik paling banyak %(max)s karakter.", max=REASON_MAX), field="note"
        )
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
