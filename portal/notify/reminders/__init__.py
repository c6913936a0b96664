"""Reminders and escalation (``flask --app wsgi reminders``, every 15 minutes).

Each run looks at the work of every instansi on ``today`` and writes the reminders that
are due, as notifications (the delivery worker mails them). Thresholds are counted in
working days (weekends and ``clock.holidays()`` are not) and set per instansi
(:mod:`portal.notify.thresholds`):

- the planning deadline is near: the employees without an approved plan;
- a monthly report is due (the notice days before its deadline), then overdue (the
  first working day after it): its employee, until the report is submitted;
- entries have waited for verification N working days: the evaluator is reminded, and
  at N + M working days their own atasan and the instansi's admins are told (each
  working day while entries still wait: being blocked is what must not go unseen);
- the periodic or annual evaluations are overdue: the evaluator, with how many wait;
- an objection's decision deadline is near: the atasan who decides it;
- a follow-up item comes due: the person responsible.

Idempotent: every reminder has a ``dedup_key`` ("kind:object:day", the day being the
deadline the reminder is about, or today for the daily ones), unique in the table, and
is inserted with ``ON CONFLICT DO NOTHING``; a second run, even one running at the same
moment, writes nothing again. A run costs a fixed number of statements, however many
employees: set-based queries, then one insert per :data:`CHUNK` reminders.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from portal.concurrency import is_lock_conflict
from portal.extensions import db
from portal.models import Notification, Period
from portal.models.notifications import MAIL_UNDECIDED
from portal.models.periods import PeriodStatus
from portal.models.types import utcnow
from portal.notify.kinds import KINDS, Kind, register
from portal.notify.reminders.common import Reminder
from portal.notify.reminders.evaluations import annual, follow_ups, objections, periodic
from portal.notify.reminders.work import monthly, planning, verification
from portal.notify.thresholds import all_instansi

register(
    Kind(
        "planning_due",
        "reminders",
        _l("Batas penyusunan SKP %(period)s: %(deadline)s"),
        _l("Belum ada target Anda yang disetujui. Susun dan ajukan target sebelum batasnya."),
    ),
    Kind(
        "monthly_due",
        "reminders",
        _l("Laporan bulanan %(month)s jatuh tempo %(deadline)s"),
        _l("Isi dan kirim laporan bulanan Anda kepada atasan."),
    ),
    Kind(
        "monthly_overdue",
        "reminders",
        _l("Laporan bulanan %(month)s terlambat"),
        _l("Batasnya %(deadline)s. Kirim laporan bulanan Anda secepatnya."),
    ),
    Kind(
        "verify_remind",
        "reminders",
        _l("%(count)s laporan harian menunggu verifikasi Anda"),
        _l("Sudah %(days)s hari kerja atau lebih. Terima atau tolak agar pegawai tidak tertahan."),
    ),
    Kind(
        "verify_escalate",
        "reminders",
        _l("Eskalasi: %(count)s laporan harian menunggu verifikasi %(evaluator)s"),
        _l("Sudah %(days)s hari kerja atau lebih tanpa verifikasi."),
    ),
    Kind(
        "periodic_overdue",
        "reminders",
        _l("Evaluasi periodik %(sub_period)s terlambat: %(count)s bawahan"),
        _l("%(period)s · batas %(deadline)s."),
    ),
    Kind(
        "evaluation_overdue",
        "reminders",
        _l("Evaluasi kinerja %(period)s terlambat: %(count)s bawahan"),
        _l("Batas evaluasi %(deadline)s."),
    ),
    Kind(
        "objection_due",
        "reminders",
        _l("Keberatan %(owner)s perlu diputuskan paling lambat %(deadline)s"),
        _l("Evaluasi %(period)s."),
    ),
    Kind(
        "follow_up_due",
        "reminders",
        _l("Tindak lanjut jatuh tempo %(deadline)s"),
        _l("%(description)s"),
    ),
)

#: Reminders per INSERT statement.
CHUNK = 500


ATTEMPTS = 3


def run(today: date) -> int:
    """Write the reminders due on ``today``; how many were new."""
    return write(due(today))


def run_and_commit(today: date) -> int:
    """:func:`run` in a transaction of its own, committed: what the command does. A run
    meeting another one's uncommitted reminders waits for them on PostgreSQL; on SQLite
    its snapshot is then stale ("database is locked"), so it starts again on a fresh one,
    where those reminders are already written."""
    attempt = 1
    while True:
        try:
            written = run(today)
            db.session.commit()
            return written
        except OperationalError as exc:
            db.session.rollback()
            if not is_lock_conflict(exc) or attempt == ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
            attempt += 1


def due(today: date) -> list[Reminder]:
    """Every reminder due on ``today``, written before or not."""
    settings = all_instansi()
    if not settings:
        return []
    periods = list(
        db.session.scalars(
            select(Period)
            .where(Period.status == PeriodStatus.OPEN, Period.instansi_id.in_(settings))
            .order_by(Period.id)
        )
    )
    return [
        *planning(periods, settings, today),
        *monthly(periods, settings, today),
        *verification(settings, today),
        *periodic(periods, today),
        *annual(periods, today),
        *objections(settings, today),
        *follow_ups(settings, today),
    ]


# -- writing -------------------------------------------------------------------------------


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _row(reminder: Reminder, now) -> dict:
    if reminder.kind not in KINDS:
        raise ValueError(f"unknown notification kind {reminder.kind!r}")
    return {
        "recipient_id": reminder.recipient_id,
        "instansi_id": reminder.instansi_id,
        "kind": reminder.kind,
        "object_type": reminder.object_type,
        "object_id": reminder.object_id,
        "params": reminder.params,
        "endpoint": reminder.endpoint,
        "endpoint_args": reminder.args,
        "dedup_key": reminder.dedup_key,
        "created_at": now,
        "mail_decision": MAIL_UNDECIDED,
    }


def write(reminders: Iterable[Reminder]) -> int:
    """Insert the reminders not written before; how many were new.

    The keys already in the table are looked up first (one statement per :data:`CHUNK`):
    most runs of a day find every reminder written, and an insert that conflicts would
    still draw an id from PostgreSQL's sequence each time. A key written meanwhile by a
    run at the same moment is skipped by the database itself (``ON CONFLICT DO NOTHING``).
    """
    now = utcnow()
    by_key = {r.dedup_key: r for r in reminders}
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    written = 0
    for keys in _chunks(list(by_key)):
        known = set(
            db.session.scalars(
                select(Notification.dedup_key).where(Notification.dedup_key.in_(keys))
            )
        )
        fresh = [_row(by_key[key], now) for key in keys if key not in known]
        if not fresh:
            continue
        statement = (
            dialect.insert(Notification)
            .values(fresh)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Notification.id)
        )
        written += len(db.session.execute(statement).all())
    return written
