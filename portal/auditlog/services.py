"""Reading the audit log: filters, keyset pages, and links to the objects events are about.

Pages are keyset-paginated on ``(occurred_at, id)``, newest first: a page is "the 50
events before (or after) this one", so rows never repeat or go missing between pages
however many events share a timestamp or arrive meanwhile, and a page deep in a long
log costs what the first one does (the indexes ``(instansi_id, occurred_at, id)`` and
``(subject_id, occurred_at, id)`` serve both the order and the scope).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import joinedload

from portal import clock
from portal.auditlog.labels import ACTION_LABELS, OBJECT_LABELS
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import bounded_id
from portal.models import AuditEvent, Employee, Evaluation, FollowUpItem, Plan, Target, WorkEntry
from portal.nip import normalise

PAGE_SIZE = 50
TEXT_MAX = 100
# The query string's names of the filters (Indonesian: they show in shared addresses).
FILTER_FIELDS = ("pelaku", "tindakan", "objek", "nomor", "pegawai", "dari", "sampai")
# Dates outside these years are typing slips, and beyond them a date no longer converts.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Filters:
    """What the admin narrowed the log to. Empty fields filter nothing."""

    actor: str = ""  # NIP (or its start) or part of the name of who acted
    action: str = ""  # an action key of ACTION_LABELS
    object_type: str = ""  # a model name of OBJECT_LABELS
    object_id: int | None = None
    subject: str = ""  # NIP or name of the employee whose data the event is about
    date_from: date | None = None  # days in the agency's time zone, both inclusive
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """The URL parameters that give these filters back (for links and the pager)."""
        values = {
            "pelaku": self.actor,
            "tindakan": self.action,
            "objek": self.object_type,
            "nomor": "" if self.object_id is None else str(self.object_id),
            "pegawai": self.subject,
            "dari": self.date_from.isoformat() if self.date_from else "",
            "sampai": self.date_to.isoformat() if self.date_to else "",
        }
        return {name: value for name, value in values.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        where = []
        if self.actor:
            where.append(AuditEvent.actor_id.in_(_people_matching(self.actor)))
        if self.action:
            where.append(AuditEvent.action == self.action)
        if self.object_type:
            where.append(AuditEvent.object_type == self.object_type)
        if self.object_id is not None:
            where.append(AuditEvent.object_id == self.object_id)
        if self.subject:
            where.append(AuditEvent.subject_id.in_(_people_matching(self.subject)))
        if self.date_from:
            where.append(AuditEvent.occurred_at >= _start_of(self.date_from))
        if self.date_to:
            where.append(AuditEvent.occurred_at < _start_of(self.date_to + timedelta(days=1)))
        return where


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters from the query string; every bad value is reported at once, by field."""
    errors: dict[str, str] = {}
    text = {name: (args.get(name) or "").strip() for name in FILTER_FIELDS}
    for name in ("pelaku", "pegawai"):
        if len(text[name]) > TEXT_MAX:
            errors[name] = _("Paling banyak %(max)s karakter.", max=TEXT_MAX)
    if text["tindakan"] and text["tindakan"] not in ACTION_LABELS:
        errors["tindakan"] = _("Jenis tindakan tidak dikenal. Pilih dari daftar.")
    if text["objek"] and text["objek"] not in OBJECT_LABELS:
        errors["objek"] = _("Jenis objek tidak dikenal. Pilih dari daftar.")
    typed = text["nomor"]
    object_id = bounded_id(typed)
    if typed and not (typed.isascii() and typed.isdigit()):
        errors["nomor"] = _("Nomor objek harus berupa angka bulat, misalnya 125.")
    elif typed and object_id is None:
        errors["nomor"] = _("Nomor objek terlalu besar: tidak ada objek dengan nomor itu.")
    elif object_id is not None and not text["objek"] and "objek" not in errors:
        errors["nomor"] = _("Pilih juga jenis objeknya: nomor saja bisa berarti objek apa pun.")
    dates = {}
    for name in ("dari", "sampai"):
        dates[name] = _parse_date(text[name], name, errors)
    if dates["dari"] and dates["sampai"] and dates["dari"] > dates["sampai"]:
        errors["sampai"] = _("Tanggal akhir tidak boleh sebelum tanggal awal.")
    if errors:
        raise InvalidInput(errors=errors)
    return Filters(
        actor=text["pelaku"],
        action=text["tindakan"],
        object_type=text["objek"],
        object_id=object_id,
        subject=text["pegawai"],
        date_from=dates["dari"],
        date_to=dates["sampai"],
    )


def _parse_date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Tanggal tidak valid. Gunakan format TTTT-BB-HH, misalnya 2026-03-31.")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors[name] = _(
            "Tanggal harus antara tahun %(first)s dan %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
        )
        return None
    return day


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the agency's time zone, as the UTC instant it is."""
    return datetime.combine(day, time.min, tzinfo=clock.zone()).astimezone(UTC)


def _people_matching(text: str) -> Select:
    """Ids of the employees a typed NIP (or its start) or part of a name points to."""
    digits = normalise(text)
    if digits.isdigit():
        return select(Employee.id).where(Employee.nip.startswith(digits))
    # What was typed is matched as typed: % and _ are not wildcards here.
    return select(Employee.id).where(Employee.name.icontains(text, autoescape=True))


def admin_scope(user: Employee) -> list[ColumnElement[bool]]:
    """An admin sees their own instansi's events; a superadmin every event."""
    return [] if user.is_superadmin else [AuditEvent.instansi_id == user.instansi_id]


def own_scope(employee: Employee) -> list[ColumnElement[bool]]:
    """The events about the employee's own data (those they did themselves among them)."""
    return [AuditEvent.subject_id == employee.id]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: ``after`` an event (older ones) or ``before`` it (newer)."""

    after: int | None = None
    before: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Cursor:
        after, before = args.get("setelah"), args.get("sebelum")
        cursor = cls(bounded_id(after), bounded_id(before))
        if any(
            raw and value is None for raw, value in ((after, cursor.after), (before, cursor.before))
        ):
            raise InvalidInput(
                _("Penanda halaman tidak valid. Mulai lagi dari halaman pertama."),
                errors={"halaman": _("Penanda halaman tidak valid.")},
            )
        return cursor


@dataclass
class Page:
    events: list[AuditEvent]
    newer: int | None  # the id to ask ``sebelum`` for the newer page; None on the first
    older: int | None  # the id to ask ``setelah`` for the older page; None on the last
    links: dict[tuple[str, int], tuple[str, dict]] = field(default_factory=dict)


def _position(event_id: int):
    """The keyset position ``(occurred_at, id)`` of an event, inside the page's query."""
    occurred_at = select(AuditEvent.occurred_at).where(AuditEvent.id == event_id)
    return tuple_(occurred_at.scalar_subquery(), event_id)


NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def _key():
    return tuple_(AuditEvent.occurred_at, AuditEvent.id)


def older_than(stmt: Select, event_id: int | None) -> Select:
    """``stmt`` newest first, from just after ``event_id`` (from the newest when None)."""
    if event_id is not None:
        stmt = stmt.where(_key() < _position(event_id))
    return stmt.order_by(*NEWEST_FIRST)


def page(
    scope: list[ColumnElement[bool]],
    filters: Filters,
    cursor: Cursor = Cursor(),
    size: int = PAGE_SIZE,
) -> Page:
    """One page of events, with their actors and subjects, in one statement."""
    stmt = (
        select(AuditEvent)
        .where(*scope, *filters.conditions())
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.subject))
    )
    if cursor.before is not None:
        stmt = stmt.where(_key() > _position(cursor.before)).order_by(
            AuditEvent.occurred_at, AuditEvent.id
        )
        events = list(db.session.scalars(stmt.limit(size + 1)))
        has_newer = len(events) > size
        events = events[:size][::-1]
        newer = events[0].id if has_newer and events else None
        older = events[-1].id if events else None
    else:
        events = list(db.session.scalars(older_than(stmt, cursor.after).limit(size + 1)))
        has_older = len(events) > size
        events = events[:size]
        newer = events[0].id if cursor.after is not None and events else None
        older = events[-1].id if has_older else None
    return Page(events=events, newer=newer, older=older, links=object_links(events))


# Objects with a page of their own: how to find the page's address from the object's id.
# Each kind costs at most one query per page (ids of deleted objects find no row).
_LINK_QUERIES = {
    "Target": (
        select(Target.id, Target.id.label("target_id")),
        "plans.target",
    ),
    "Plan": (
        select(Plan.id, Plan.period_id, Plan.employee_id),
        "plans.plan",
    ),
    "Evaluation": (
        select(Evaluation.id, Evaluation.period_id, Evaluation.employee_id),
        "evaluations.screen",
    ),
    "FollowUpItem": (
        select(FollowUpItem.id, Evaluation.period_id, Evaluation.employee_id).join(
            Evaluation, FollowUpItem.evaluation_id == Evaluation.id
        ),
        "evaluations.screen",
    ),
    "WorkEntry": (
        select(WorkEntry.id, WorkEntry.owner_id.label("employee_id"), WorkEntry.period_id),
        "reports.monthly_report",
    ),
}


def object_links(events: Iterable[AuditEvent]) -> dict[tuple[str, int], tuple[str, dict]]:
    """``(object_type, object_id)`` → ``(endpoint, arguments)`` of the object's page."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id is not None:
            ids[event.object_type].add(event.object_id)
    links: dict[tuple[str, int], tuple[str, dict]] = {}
    for object_id in ids.pop("Employee", ()):
        links["Employee", object_id] = ("people.profile", {"employee_id": object_id})
    for object_type, wanted in ids.items():
        if object_type not in _LINK_QUERIES:
            continue
        query, endpoint = _LINK_QUERIES[object_type]
        id_column = query.selected_columns[0]
        for row in db.session.execute(query.where(id_column.in_(wanted))).mappings():
            arguments = {name: value for name, value in row.items() if name != "id"}
            links[object_type, row["id"]] = (endpoint, arguments)
    return links


def summary_items(summary: dict | None) -> list[tuple[str, str]]:
    """An event's summary as ``(key, text)`` pairs for display (escaped by the template).

    A ``changes`` map of ``{field: [before, after]}`` becomes one pair per field.
    """
    items = []
    for key, value in (summary or {}).items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list | tuple) and len(change) == 2:
                    items.append((name, f"{_text(change[0])} → {_text(change[1])}"))
                else:
                    items.append((name, _text(change)))
        else:
            items.append((key, _text(value)))
    return items


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
