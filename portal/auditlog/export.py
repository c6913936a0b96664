"""The filtered audit log as CSV, produced in chunks as it is sent.

The rows are read in keyset chunks of plain columns (no ORM objects), so a hundred
thousand events never sit in memory at once, and the database holds no cursor open
while the client downloads. The portal's one CSV writer (:mod:`portal.exports`) gives a
cell that a spreadsheet program would run as a formula a leading apostrophe, so a name
or a browser's user agent can never become one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased

from portal import exports
from portal.auditlog.labels import action_label
from portal.auditlog.services import Filters, older_than
from portal.extensions import db
from portal.models import AuditEvent, Employee

CHUNK = 1000

# In the language of whoever exports, like the action labels; the codes, the summary and
# the other cells are stored values and stay as they are.
HEADER = (
    _l("No. kejadian"),
    _l("Waktu"),
    _l("NIP pelaku"),
    _l("Nama pelaku"),
    _l("Kode tindakan"),
    _l("Tindakan"),
    _l("Jenis objek"),
    _l("No. objek"),
    _l("NIP pegawai (pemilik data)"),
    _l("Nama pegawai (pemilik data)"),
    _l("Ringkasan"),
    _l("Alamat IP"),
    _l("Peramban"),
)


def summary_text(summary: dict | None) -> str:
    return json.dumps(summary or {}, ensure_ascii=False, sort_keys=True, default=str)


def _rows(scope: list[ColumnElement[bool]], filters: Filters) -> Iterator:
    actor, subject = aliased(Employee), aliased(Employee)
    stmt = (
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            actor.nip.label("actor_nip"),
            actor.name.label("actor_name"),
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            subject.nip.label("subject_nip"),
            subject.name.label("subject_name"),
            AuditEvent.summary,
            AuditEvent.ip,
            AuditEvent.user_agent,
        )
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .outerjoin(subject, AuditEvent.subject_id == subject.id)
        .where(*scope, *filters.conditions())
    )
    last = None
    while True:
        chunk = db.session.execute(older_than(stmt, last).limit(CHUNK)).all()
        yield from chunk
        if len(chunk) < CHUNK:
            return
        last = chunk[-1].id


def csv_lines(scope: list[ColumnElement[bool]], filters: Filters) -> Iterator[str]:
    """The CSV text: the header, then pieces of up to ``CHUNK`` rows."""
    return exports.csv_chunks(HEADER, _cells(scope, filters), rows_per_chunk=CHUNK)


def _cells(scope: list[ColumnElement[bool]], filters: Filters) -> Iterator[tuple]:
    for row in _rows(scope, filters):
        yield (
            row.id,
            format_datetime(row.occurred_at, "yyyy-MM-dd HH:mm:ss xxx"),
            row.actor_nip,
            row.actor_name,
            row.action,
            action_label(row.action),
            row.object_type,
            row.object_id,
            row.subject_nip,
            row.subject_name,
            summary_text(row.summary),
            row.ip,
            row.user_agent,
        )
