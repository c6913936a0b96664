"""Delivering the outbox by mail: ``flask --app wsgi notify``, and every round of the RQ
worker when ``PORTAL_REDIS_URL`` is set.

A round has three steps, each safe to run in two workers at once:

1. **Plan.** Each new notification is decided once (a compare-and-swap on its
   ``mail_decision``): by the recipient's preference for its group, a mail of its own, a
   place in the day's digest, or none. Results and objections are always mailed at once.
   A person without a usable address (none, or one that bounced) gets none; so does a
   notification older than :data:`MAX_AGE` (mail switched on later does not send a
   month of old news). A mail due in the person's quiet hours waits until they end.
2. **Digest.** At the instansi's digest hour, one mail per person and day gathers the
   notifications set aside for it (its key ``digest-<person>-<day>`` is unique).
3. **Send.** Each due mail is claimed (compare-and-swap on its version, with a lease;
   on PostgreSQL the candidates are picked ``FOR UPDATE SKIP LOCKED``), sent, and
   marked sent. A failure waits exponentially longer each time (:func:`backoff`) and
   after :data:`MAX_ATTEMPTS` the mail is *failed*, for the admin to see and retry. An
   address refused for good marks the person's address as bounced. An unreachable server
   stops the round and costs no mail an attempt: nothing is lost while it is down. A
   worker killed while sending leaves a lease that runs out, and the mail is sent again
   with the same Message-ID (at least once; the key makes the copy the same message).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit, clock, jobs
from portal.concurrency import compare_and_swap
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee, MailMessage, Notification, NotificationPreference
from portal.models.notifications import (
    MAIL_DIGEST,
    MAIL_NONE,
    MAIL_QUEUED,
    MAIL_UNDECIDED,
    MODE_DIGEST,
    MODE_IMMEDIATE,
    MODE_OFF,
    SEND_FAILED,
    SEND_PENDING,
    SEND_SENDING,
    SEND_SENT,
    NotifySettings,
)
from portal.models.types import utcnow
from portal.notify import mailer
from portal.notify.kinds import KINDS, text
from portal.notify.queries import link

MAX_AGE = timedelta(days=3)
MAX_ATTEMPTS = 8
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=5)
BATCH = 200
SINGLE, DIGEST, TEST = "single", "digest", "test"
STALE_MAIL = _l("Email ini baru saja diubah orang lain; keadaan terbarunya ditampilkan.")


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _skip_locked(stmt):
    """PostgreSQL: rows another worker is deciding or sending are passed over, not waited
    for. SQLite runs one writer at a time; the compare-and-swap that follows settles it."""
    if db.engine.dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


# -- the calendar of one instansi ------------------------------------------------------


def settings_for(instansi_ids) -> dict[int, NotifySettings]:
    ids = {i for i in instansi_ids if i is not None}
    rows = db.session.scalars(select(NotifySettings).where(NotifySettings.instansi_id.in_(ids)))
    return {row.instansi_id: row for row in rows}


def _zone(settings: NotifySettings | None) -> ZoneInfo:
    return ZoneInfo(settings.timezone) if settings is not None else clock.zone()


def _digest_hour(settings: NotifySettings | None) -> int:
    return settings.digest_hour if settings is not None else 7


def in_quiet_hours(hour: int, start: int | None, end: int | None) -> bool:
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def after_quiet_hours(now: datetime, person: Employee, zone: ZoneInfo) -> datetime:
    """``now``, or the end of the person's quiet hours when ``now`` falls inside them."""
    local = now.astimezone(zone)
    if not in_quiet_hours(local.hour, person.quiet_start, person.quiet_end):
        return now
    end = local.replace(hour=person.quiet_end, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


# -- 1. plan ---------------------------------------------------------------------------


def _usable(person: Employee) -> bool:
    return bool(person.active and person.email and person.email_bounced_at is None)


def plan(now: datetime) -> int:
    """Decide the mail of up to :data:`BATCH` new notifications; returns how many."""
    rows = list(
        db.session.scalars(
            _skip_locked(
                select(Notification)
                .where(Notification.mail_decision == MAIL_UNDECIDED)
                .order_by(Notification.id)
                .limit(BATCH)
            ).options(selectinload(Notification.recipient))
        )
    )
    if not rows:
        return 0
    people = {n.recipient_id for n in rows}
    modes = {
        (p.employee_id, p.kind): p.mode
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.employee_id.in_(people))
        )
    }
    settings = settings_for(n.recipient.instansi_id for n in rows)
    decided: dict[str, list[Notification]] = defaultdict(list)
    for notification in rows:
        decided[_decide(notification, modes, now)].append(notification)
    won: set[int] = set()
    for decision, group in decided.items():
        won.update(
            db.session.scalars(
                update(Notification)
                .where(
                    Notification.id.in_([n.id for n in group]),
                    Notification.mail_decision == MAIL_UNDECIDED,
                )
                .values(mail_decision=decision)
                .returning(Notification.id),
                execution_options={"synchronize_session": False},
            )
        )
    for notification in decided.get(MAIL_QUEUED, []):
        if notification.id in won:
            person = notification.recipient
            zone = _zone(settings.get(person.instansi_id))
            notification.mail = MailMessage(
                recipient_id=person.id,
                instansi_id=person.instansi_id,
                to_address=person.email,
                kind=SINGLE,
                idempotency_key=f"notification-{notification.id}",
                next_attempt_at=after_quiet_hours(now, person, zone),
            )
    db.session.commit()
    return len(won)


def _decide(notification: Notification, modes: dict, now: datetime) -> str:
    person = notification.recipient
    kind = KINDS.get(notification.kind)
    if kind is None or not _usable(person) or notification.created_at < now - MAX_AGE:
        return MAIL_NONE
    if kind.always:
        return MAIL_QUEUED
    mode = modes.get((person.id, kind.group), MODE_IMMEDIATE)
    return {MODE_IMMEDIATE: MAIL_QUEUED, MODE_DIGEST: MAIL_DIGEST, MODE_OFF: MAIL_NONE}[mode]


# -- 2. digest -------------------------------------------------------------------------


def digest(now: datetime) -> int:
    """Gather each person's digest notifications into the day's mail, from the digest
    hour on; returns how many digests were made."""
    waiting = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.mail_decision == MAIL_DIGEST, Notification.mail_id.is_(None))
            .order_by(Notification.id)
            .options(selectinload(Notification.recipient))
        )
    )
    by_person: dict[int, list[Notification]] = defaultdict(list)
    for notification in waiting:
        by_person[notification.recipient_id].append(notification)
    settings = settings_for(n.recipient.instansi_id for n in waiting)
    made = 0
    for person_id, notifications in by_person.items():
        person = notifications[0].recipient
        own = settings.get(person.instansi_id)
        local = now.astimezone(_zone(own))
        if local.hour < _digest_hour(own) or not _usable(person):
            continue
        key = f"digest-{person_id}-{local.date().isoformat()}"
        if db.session.scalar(select(MailMessage.id).where(MailMessage.idempotency_key == key)):
            continue  # today's digest went already: these wait for tomorrow's
        try:
            with db.session.begin_nested():
                mail = MailMessage(
                    recipient_id=person_id,
                    instansi_id=person.instansi_id,
                    to_address=person.email,
                    kind=DIGEST,
                    idempotency_key=key,
                    next_attempt_at=after_quiet_hours(now, person, _zone(own)),
                )
                db.session.add(mail)
                db.session.flush()
                db.session.execute(
                    update(Notification)
                    .where(
                        Notification.id.in_([n.id for n in notifications]),
                        Notification.mail_id.is_(None),
                    )
                    .values(mail_id=mail.id),
                    execution_options={"synchronize_session": False},
                )
            made += 1
        except IntegrityError:
            continue  # another worker made this digest a moment ago
    db.session.commit()
    return made


# -- 3. send ---------------------------------------------------------------------------


def _due(now: datetime):
    return or_(
        and_(MailMessage.status == SEND_PENDING, MailMessage.next_attempt_at <= now),
        and_(MailMessage.status == SEND_SENDING, MailMessage.lease_until < now),
    )


def _claim(now: datetime, skip: set[int], only: int | None) -> MailMessage | None:
    """The next due mail, claimed for this worker (None: nothing left to claim)."""
    while True:
        stmt = select(MailMessage.id, MailMessage.version).where(_due(now))
        if only is not None:
            stmt = stmt.where(MailMessage.id == only)
        if skip:
            stmt = stmt.where(MailMessage.id.not_in(skip))
        row = db.session.execute(
            _skip_locked(stmt.order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1))
        ).first()
        if row is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            update(MailMessage)
            .where(MailMessage.id == row.id, MailMessage.version == row.version, _due(now))
            .values(
                status=SEND_SENDING,
                lease_until=now + LEASE,
                version=MailMessage.version + 1,
            ),
            execution_options={"synchronize_session": False},
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(MailMessage, row.id, populate_existing=True)
        skip.add(row.id)  # another worker has it


def _finish(mail: MailMessage, **values) -> bool:
    """Record the outcome, unless another worker took the mail over meanwhile."""
    done = db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == mail.id, MailMessage.version == mail.version)
        .values(version=MailMessage.version + 1, lease_until=None, **values),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    return bool(done)


@dataclass
class Round:
    planned: int = 0
    digests: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: str = ""
    errors: list[str] = field(default_factory=list)


def send_due(
    now: datetime, transport: mailer.Transport, result: Round, only: int | None = None
) -> None:
    """Send every due mail (or only the one with id ``only``)."""
    skip: set[int] = set()
    try:
        while (mail := _claim(now, skip, only)) is not None:
            skip.add(mail.id)
            attempts = mail.attempts + 1
            try:
                transport.send(compose(mail), mail.idempotency_key)
            except mailer.Unreachable as exc:
                # Not the mail's fault: back to the queue as it was, and the round stops.
                _finish(mail, status=SEND_PENDING, last_error=str(exc)[:500])
                result.unreachable = str(exc)
                return
            except mailer.Refused as exc:
                _finish(mail, status=SEND_FAILED, attempts=attempts, last_error=str(exc)[:500])
                _bounced(mail, now)
                result.failed += 1
            except mailer.Deferred as exc:
                gave_up = attempts >= MAX_ATTEMPTS
                _finish(
                    mail,
                    status=SEND_FAILED if gave_up else SEND_PENDING,
                    attempts=attempts,
                    next_attempt_at=now + backoff(attempts),
                    last_error=str(exc)[:500],
                )
                if gave_up:
                    result.failed += 1
                else:
                    result.retried += 1
            else:
                _finish(mail, status=SEND_SENT, attempts=attempts, sent_at=now, last_error="")
                result.sent += 1
    finally:
        transport.close()


def _bounced(mail: MailMessage, now: datetime) -> None:
    """The address was refused: marked on the person (while it is still theirs)."""
    db.session.execute(
        update(Employee)
        .where(Employee.id == mail.recipient_id, Employee.email == mail.to_address)
        .values(email_bounced_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def run(now: datetime | None = None, folder: str | None = None) -> Round | None:
    """One round (None when mail is off: the notifications stay in the portal)."""
    transport = mailer.transport(folder)
    if transport is None:
        return None
    now = now or utcnow()
    result = Round()
    result.planned = plan(now)
    result.digests = digest(now)
    send_due(now, transport, result)
    return result


# -- what a mail says ------------------------------------------------------------------


def compose(mail: MailMessage):
    """The mail in the recipient's language, its links on ``PORTAL_BASE_URL``."""
    person = mail.recipient
    language = person.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base), force_locale(language):
        context = {
            "person": person,
            "settings_url": url_for("notify.preferences", _external=True),
            "inbox_url": url_for("notify.index", _external=True),
        }
        if mail.kind == TEST:
            subject = _("Uji email Portal Kinerja")
        else:
            items = [_item(n) for n in sorted(mail.notifications, key=lambda n: n.id)]
            context["items"] = items
            if mail.kind == DIGEST:
                subject = _("Ringkasan harian: %(num)s pemberitahuan", num=len(items))
            else:
                subject = items[0]["title"] if items else _("Pemberitahuan Portal Kinerja")
        context["subject"] = subject
        return mailer.build(
            key=mail.idempotency_key,
            to_name=person.display_name,
            to_address=mail.to_address,
            subject=subject,
            text=render_template(f"mail/{mail.kind}.txt", **context),
            html=render_template(f"mail/{mail.kind}.html", **context),
            language=language,
        )


def _item(notification: Notification) -> dict:
    kind = KINDS.get(notification.kind)
    params = notification.params or {}
    return {
        "title": text(kind.title, params) if kind else notification.kind,
        "detail": text(kind.detail, params) if kind else "",
        "url": link(notification, _external=True),
    }


# -- the admin's part ------------------------------------------------------------------


def retry(mail: MailMessage, actor: Employee, version: int) -> None:
    """A failed mail goes back to the queue with a fresh count of attempts."""
    compare_and_swap(
        update(MailMessage)
        .where(
            MailMessage.id == mail.id,
            MailMessage.version == version,
            MailMessage.status == SEND_FAILED,
        )
        .values(
            status=SEND_PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            version=MailMessage.version + 1,
        ),
        STALE_MAIL,
    )
    db.session.expire(mail)
    audit.record("mail.retry", mail, actor=actor, instansi_id=mail.instansi_id)


MAIL_OFF = _l("Email belum aktif: atur PORTAL_SMTP_HOST (atau PORTAL_MAIL_DIR untuk berkas .eml).")
NO_OWN_ADDRESS = _l("Akun Anda belum memiliki alamat email; isi dulu di data pegawai Anda.")


def send_test(actor: Employee) -> tuple[MailMessage, Round]:
    """A test mail to the admin's own address, sent at once (the answer of the server is
    what the admin wants to see); it stays in the list like any other mail."""
    transport = mailer.transport()
    if transport is None:
        raise InvalidInput(str(MAIL_OFF))
    if not actor.email:
        raise InvalidInput(str(NO_OWN_ADDRESS))
    # One test mail per admin and minute: a double click (or two tabs) sends one.
    key = f"test-{actor.id}-{utcnow():%Y%m%d%H%M}"
    mail = db.session.scalar(select(MailMessage).where(MailMessage.idempotency_key == key))
    if mail is None:
        try:
            with db.session.begin_nested():
                mail = MailMessage(
                    recipient_id=actor.id,
                    instansi_id=actor.instansi_id,
                    to_address=actor.email,
                    kind=TEST,
                    idempotency_key=key,
                )
                db.session.add(mail)
            audit.record("mail.test", mail, actor=actor, instansi_id=actor.instansi_id)
        except IntegrityError:  # the other click made it a moment ago
            mail = db.session.scalar(select(MailMessage).where(MailMessage.idempotency_key == key))
    db.session.commit()
    result = Round()
    send_due(utcnow(), transport, result, only=mail.id)
    db.session.refresh(mail)
    return mail, result


# The RQ worker delivers too, at each of its maintenance rounds (PORTAL_REDIS_URL).
jobs.ROUNDS.append(run)
