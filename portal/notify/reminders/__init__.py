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


def _chunks(rows: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def write(reminders: Iterable[Reminder]) -> int:
    """Insert the reminders not written before; how many were new. A key already in the
    table (an earlier run, or one running now) is skipped by the database itself."""
    now = utcnow()
    rows = []
    for r in {r.dedup_key: r for r in reminders}.values():
        if r.kind not in KINDS:
            raise ValueError(f"unknown notification kind {r.kind!r}")
        rows.append(
            {
                "recipient_id": r.recipient_id,
                "instansi_id": r.instansi_id,
                "kind": r.kind,
                "object_type": r.object_type,
                "object_id": r.object_id,
                "params": r.params,
                "endpoint": r.endpoint,
                "endpoint_args": r.args,
                "dedup_key": r.dedup_key,
                "created_at": now,
                "mail_decision": MAIL_UNDECIDED,
            }
        )
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    written = 0
    for chunk in _chunks(rows):
        statement = (
            dialect.insert(Notification)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Notification.id)
        )
        written += len(db.session.execute(statement).all())
    return written
