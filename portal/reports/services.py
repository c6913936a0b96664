"""Operations on work entries: log, edit and delete a day's work.

The routes validate the entry form (``reports.forms``) and hand these an
:class:`EntryInput`; each operation changes the rows, writes the history and audit,
and flushes; the request commits once. Edits and deletes use a compare-and-swap on
the entry's version, so an acceptance that lands first wins. Deciding entries is in
``reports.verification``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import audit, policy
from portal.concurrency import compare_and_swap
from portal.errors import Conflict, InvalidInput
from portal.extensions import db
from portal.models import EntryHistory, EntryStatus, Evidence, Target, WorkEntry
from portal.models.types import utcnow
from portal.months import month_index
from portal.policy import Action
from portal.realisation import forget
from portal.reports import evidence, month_lock
from portal.reports.queries import closed_reason

CHANGED_ELSEWHERE = _l("Laporan ini baru saja diubah atau diverifikasi. Muat ulang lalu periksa.")

TOKEN_MISSING = _l("Formulir tidak lengkap; muat ulang halaman.")
TOKEN_NOT_YOURS = _l("Formulir tidak sah; muat ulang halaman.")


def refuse_if_closed(entry: WorkEntry) -> None:
    """A forged edit or delete of an entry on a closed target: a 409 that says why."""
    reason = closed_reason(entry.target)
    if reason is not None:
        raise Conflict(reason)


@dataclass
class EntryInput:
    """A day's work, checked by ``forms.EntryForm``: ``target`` is one of the owner's
    reportable targets and ``files`` have passed ``evidence.check``."""

    entry_date: date
    target: Target
    description: str
    quantity: int
    minutes: int
    cost: int | None
    links: list[str]
    files: list[evidence.CheckedFile]


def record_history(entry: WorkEntry, actor_id: int, action: str, note: str = "") -> None:
    """One line of the entry's own history (shown to its owner and the supervisor)."""
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
        raise InvalidInput(str(TOKEN_MISSING))
    return token


def entry_for_token(form_token: str, owner) -> WorkEntry | None:
    """The entry an earlier post of the same form created (a double click, a retry)."""
    token = _form_token(form_token)
    existing = db.session.scalar(select(WorkEntry).where(WorkEntry.form_token == token))
    if existing is not None and existing.owner_id != owner.id:
        raise InvalidInput(str(TOKEN_NOT_YOURS))
    return existing


def create_entry(data: EntryInput, owner, form_token: str, stored: list[str]) -> WorkEntry:
    """Log a day's work. Callers look for the form's entry first (:func:`entry_for_token`);
    a twin posted at the same moment fails here on the unique token with an
    ``IntegrityError``, and the caller rolls back and answers with the twin."""
    token = _form_token(form_token)
    target = data.target
    month = month_index(target.period, data.entry_date)
    month_lock.hold(owner.id, target.period_id, {month})
    entry = WorkEntry(
        target_id=target.id,
        owner_id=owner.id,
        instansi_id=target.instansi_id,
        period_id=target.period_id,
        entry_date=data.entry_date,
        month=month,
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
    record_history(entry, owner.id, "create")
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


def update_entry(
    entry: WorkEntry, data: EntryInput, actor, version: int, stored: list[str]
) -> None:
    """Change a pending or rejected entry; a rejected one goes back to the queue."""
    policy.authorize(actor, Action.EDIT_ENTRY, entry)
    refuse_if_closed(entry)
    resubmitted = entry.status == EntryStatus.REJECTED
    new_month = month_index(data.target.period, data.entry_date)
    months = {(entry.period_id, entry.month), (data.target.period_id, new_month)}
    for period_id in sorted({p for p, _m in months}):
        month_lock.hold(entry.owner_id, period_id, {m for p, m in months if p == period_id})
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
            month=new_month,
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
    record_history(entry, actor.id, "resubmit" if resubmitted else "update")
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
    policy.authorize(actor, Action.EDIT_ENTRY, entry)
    refuse_if_closed(entry)
    month_lock.hold(entry.owner_id, entry.period_id, {entry.month})
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
