"""Mail delivery of the outbox (issue 13 items 2, 3, 6 and 8), against a real SMTP server:
aiosmtpd on a free loopback port, started and stopped by the fixture (never a mock).

The message itself (recipient, language, link, no one else's data, no header injection),
the server down and back (kept, then each sent once), two workers at once (each mail
once), a worker killed midway, backoff to a failed state the admin retries, bounces,
preferences with the digest and quiet hours, and the admin's page and test mail."""

from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import AuditEvent, Employee, MailMessage, Notification, NotificationPreference
from portal.models.notifications import (
    MAIL_DIGEST,
    MAIL_NONE,
    MAIL_QUEUED,
    SEND_FAILED,
    SEND_PENDING,
    SEND_SENDING,
    SEND_SENT,
    NotifySettings,
)
from portal.models.types import utcnow
from portal.notify import delivery
from portal.notify.kinds import a_date
from portal.notify.outbox import notify
from portal.people.services import EmployeeData, check_fields
from tests.reporting_helpers import build_world, sign_in
from workflows import engine
from workflows.states import DRAFTED

BASE = "https://kinerja.contoh.go.id"
JAKARTA = ZoneInfo("Asia/Jakarta")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The SMTP server's handler: keeps what it accepts; refuses (550) or defers (451)
    the addresses it is told to."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for rcpt, m, _raw in self.messages if address in rcpt]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    server = SmtpServer()
    server.start()
    app.config.update(
        PORTAL_SMTP_HOST="127.0.0.1",
        PORTAL_SMTP_PORT=server.port,
        PORTAL_SMTP_TIMEOUT=5,
        PORTAL_MAIL_DIR="",
        PORTAL_BASE_URL=BASE,
        PORTAL_MAIL_FROM="Portal Kinerja <noreply@kinerja.example>",
    )
    yield server
    server.stop()


@pytest.fixture
def w(factory, monkeypatch):
    world = build_world(factory, monkeypatch)
    for person in (world.head, world.boss, world.owner, world.colleague, world.admin):
        person.email = f"{person.nip}@kinerja.example"
    db.session.commit()
    return world


def submitted(w, factory, title="Tersusunnya laporan evaluasi kelembagaan"):
    """The owner submits a target: the boss is told (a notification, then a mail)."""
    target = factory.target(w.owner, w.period, state=DRAFTED, title=title)
    db.session.commit()
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    return target


def mails() -> list[MailMessage]:
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.id)))


def body(message, subtype: str) -> str:
    return message.get_body((subtype,)).get_content()


# -- the message -----------------------------------------------------------------------


def test_a_notification_is_mailed_once_in_the_recipients_language_with_its_link(w, factory, smtp):
    w.boss.language = "en"
    db.session.commit()
    target = submitted(w, factory)
    result = delivery.run()
    assert (result.planned, result.sent, result.failed) == (1, 1, 0)
    (message,) = smtp.inbox.to(w.boss.email)
    assert message["To"].addresses[0].addr_spec == w.boss.email
    assert message["Subject"] == f"{w.owner.display_name} submitted a target for your approval"
    assert message["Content-Language"] == "en"
    assert message["Auto-Submitted"] == "auto-generated"
    link = f"{BASE}/target/{target.id}"
    text, html = body(message, "plain"), body(message, "html")
    assert link in text and f'href="{link}"' in html
    assert "Tersusunnya laporan evaluasi kelembagaan" in text
    assert f"{BASE}/pengaturan/pemberitahuan" in text  # where to turn it off
    # Nothing of anyone the boss does not deal with here, and no NIP at all.
    for other in (w.colleague, w.stranger, w.admin):
        assert other.name not in text and other.name not in html
    assert w.owner.nip not in text and w.owner.nip not in html
    # The same round again sends nothing more.
    again = delivery.run()
    assert (again.planned, again.sent) == (0, 0)
    assert len(smtp.inbox.messages) == 1
    (mail,) = mails()
    assert (mail.status, mail.attempts, mail.to_address) == (SEND_SENT, 1, w.boss.email)
    assert message["Message-ID"] == f"<{mail.idempotency_key}@kinerja.example>"


def test_an_indonesian_reader_gets_indonesian(w, factory, smtp):
    submitted(w, factory)
    delivery.run()
    (message,) = smtp.inbox.to(w.boss.email)
    assert message["Subject"] == f"{w.owner.display_name} mengajukan target untuk Anda setujui"
    assert message["Content-Language"] == "id"
    assert f"Yth. {w.boss.display_name}," in body(message, "plain")


def test_no_name_or_title_can_add_a_header(w, factory, smtp):
    w.owner.name = "Budi\r\nBcc: penyusup@contoh.com"
    db.session.commit()
    submitted(w, factory, title="Judul\r\nX-Injected: ya")
    delivery.run()
    ((rcpt, message, raw),) = smtp.inbox.messages
    assert rcpt == [w.boss.email]
    assert message["Bcc"] is None and message["X-Injected"] is None
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\nX-Injected:" not in headers
    assert "\n" not in message["Subject"] and "Budi Bcc: penyusup" in message["Subject"]


def test_people_without_a_usable_address_get_no_mail_but_keep_the_notification(w, factory, smtp):
    w.boss.email = ""
    db.session.commit()
    submitted(w, factory)
    delivery.run()
    (notification,) = db.session.scalars(select(Notification))
    assert notification.mail_decision == MAIL_NONE and mails() == []
    assert smtp.inbox.messages == []


def test_mail_switched_on_later_does_not_send_old_news(w, factory, smtp):
    submitted(w, factory)
    db.session.execute(update(Notification).values(created_at=utcnow() - timedelta(days=4)))
    db.session.commit()
    delivery.run()
    assert mails() == [] and smtp.inbox.messages == []


def test_with_mail_off_nothing_is_decided(w, factory, app):
    app.config.update(PORTAL_SMTP_HOST="", PORTAL_MAIL_DIR="")
    submitted(w, factory)
    assert delivery.run() is None
    (notification,) = db.session.scalars(select(Notification))
    assert notification.mail_decision == "undecided"


# -- the server down, retries, failures, bounces ---------------------------------------


def test_while_the_server_is_down_mail_waits_and_is_then_sent_once(w, factory, smtp):
    submitted(w, factory, title="Pertama")
    submitted(w, factory, title="Kedua")
    smtp.stop()
    down = delivery.run()
    assert down.unreachable and down.sent == 0
    assert [(m.status, m.attempts) for m in mails()] == [(SEND_PENDING, 0)] * 2
    smtp.start()
    up = delivery.run()
    assert up.sent == 2 and not up.unreachable
    delivery.run()
    assert len(smtp.inbox.messages) == 2
    assert {m["Message-ID"] for _r, m, _raw in smtp.inbox.messages} == {
        f"<{m.idempotency_key}@kinerja.example>" for m in mails()
    }


def test_a_deferred_mail_backs_off_then_fails_and_the_admin_retries_it(
    w, factory, smtp, make_client
):
    submitted(w, factory)
    smtp.inbox.defer.add(w.boss.email)
    now = utcnow()
    delivery.run(now)
    (mail,) = mails()
    assert (mail.status, mail.attempts) == (SEND_PENDING, 1)
    assert mail.next_attempt_at == now + timedelta(minutes=1)
    delivery.run(now + timedelta(seconds=30))  # not due yet
    db.session.refresh(mail)
    assert mail.attempts == 1
    waits = [delivery.backoff(n) for n in range(1, delivery.MAX_ATTEMPTS + 1)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits == sorted(waits) and delivery.backoff(30) == delivery.LONGEST_WAIT
    moment = now
    for attempt in range(1, delivery.MAX_ATTEMPTS):
        moment += delivery.backoff(attempt)
        delivery.run(moment)
    db.session.refresh(mail)
    assert (mail.status, mail.attempts) == (SEND_FAILED, delivery.MAX_ATTEMPTS)
    assert "451" in mail.last_error and smtp.inbox.messages == []

    admin = sign_in(make_client, w.admin)
    page = admin.get("/admin/surel?status=failed")
    assert page.status_code == 200 and w.boss.email in page.text and "Kirim ulang" in page.text
    stale = admin.post(f"/admin/surel/{mail.id}/kirim-ulang", data={"version": mail.version - 1})
    assert stale.status_code == 409 and "baru saja diubah" in stale.text
    db.session.refresh(mail)
    assert mail.status == SEND_FAILED
    done = admin.post(f"/admin/surel/{mail.id}/kirim-ulang", data={"version": mail.version})
    assert done.status_code == 303
    db.session.refresh(mail)
    assert (mail.status, mail.attempts) == (SEND_PENDING, 0)
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "mail.retry")
    )
    smtp.inbox.defer.clear()
    delivery.run(utcnow())
    assert len(smtp.inbox.to(w.boss.email)) == 1


def test_a_refused_address_is_marked_bounced_and_shown_to_the_admin(w, factory, smtp, make_client):
    submitted(w, factory, title="Pertama")
    smtp.inbox.refuse.add(w.boss.email)
    result = delivery.run()
    assert result.failed == 1
    (mail,) = mails()
    assert mail.status == SEND_FAILED and "550" in mail.last_error
    db.session.refresh(w.boss)
    assert w.boss.email_bounced_at is not None
    submitted(w, factory, title="Kedua")  # no more mail to a dead address
    delivery.run()
    assert [n.mail_decision for n in db.session.scalars(select(Notification))] == [
        MAIL_QUEUED,
        MAIL_NONE,
    ]
    page = sign_in(make_client, w.admin).get("/admin/surel")
    assert "Alamat email ditolak" in page.text and w.boss.display_name in page.text
    w.boss.email = "baru@kinerja.example"  # a new address clears the mark
    db.session.commit()
    assert w.boss.email_bounced_at is None


def test_a_worker_killed_while_sending_leaves_the_mail_to_the_next_once_its_lease_ends(
    w, factory, smtp
):
    submitted(w, factory)
    delivery.plan(utcnow())
    (mail,) = mails()
    # The dead worker's claim: "sending", with a lease not yet over.
    db.session.execute(
        update(MailMessage).values(
            status=SEND_SENDING, lease_until=utcnow() + timedelta(minutes=2), version=2
        )
    )
    db.session.commit()
    assert delivery.run().sent == 0
    later = delivery.run(utcnow() + delivery.LEASE)
    assert later.sent == 1 and len(smtp.inbox.messages) == 1


@pytest.mark.commits
def test_two_workers_at_once_send_each_mail_once(w, factory, smtp, app):
    for n in range(12):
        submitted(w, factory, title=f"Target {n}")
    db.session.remove()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                delivery.run()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    delivery.run()  # anything one left to the other
    ids = [m["Message-ID"] for _r, m, _raw in smtp.inbox.messages]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 12


# -- preferences, the digest, quiet hours ----------------------------------------------


def test_a_digest_gathers_the_days_notifications_into_one_mail_at_the_digest_hour(w, factory, smtp):
    db.session.add(NotificationPreference(employee_id=w.boss.id, kind="plans", mode="digest"))
    db.session.add(NotifySettings(instansi_id=w.boss.instansi_id, digest_hour=7))
    db.session.commit()
    submitted(w, factory, title="Pertama")
    submitted(w, factory, title="Kedua")
    today = utcnow().astimezone(JAKARTA).replace(minute=0, second=0, microsecond=0)
    early = today.replace(hour=6)
    delivery.run(early)
    assert [n.mail_decision for n in db.session.scalars(select(Notification))] == [MAIL_DIGEST] * 2
    assert mails() == []  # before the digest hour
    at_seven = today.replace(hour=7, minute=5)
    delivery.run(at_seven)
    (message,) = smtp.inbox.to(w.boss.email)
    assert message["Subject"] == "Ringkasan harian: 2 pemberitahuan"
    text = body(message, "plain")
    assert "Pertama" in text and "Kedua" in text
    submitted(w, factory, title="Ketiga")  # after today's digest: tomorrow's
    delivery.run(at_seven + timedelta(hours=2))
    assert len(smtp.inbox.messages) == 1
    delivery.run(at_seven + timedelta(days=1))
    assert len(smtp.inbox.messages) == 2 and "Ketiga" in body(smtp.inbox.messages[1][1], "plain")


def test_off_means_no_mail_but_results_and_objections_are_always_sent(w, factory, smtp):
    for group in ("plans", "results"):
        db.session.add(NotificationPreference(employee_id=w.boss.id, kind=group, mode="off"))
    db.session.commit()
    submitted(w, factory)
    notify(
        w.boss.id,
        "evaluation_finished",
        endpoint="home.index",
        params={"period": "2026", "predikat": "Baik", "deadline": a_date(utcnow().date())},
        instansi_id=w.boss.instansi_id,
    )
    db.session.commit()
    delivery.run()
    (message,) = smtp.inbox.to(w.boss.email)
    assert message["Subject"] == "Evaluasi kinerja 2026 Anda selesai"


def test_quiet_hours_hold_a_mail_until_they_end_in_the_instansis_time(w, factory, smtp):
    w.boss.quiet_start, w.boss.quiet_end = 21, 6
    db.session.add(NotifySettings(instansi_id=w.boss.instansi_id, timezone="Asia/Makassar"))
    db.session.commit()
    submitted(w, factory)
    makassar = ZoneInfo("Asia/Makassar")
    local_now = utcnow().astimezone(makassar)
    night = local_now.replace(hour=23, minute=0, second=0, microsecond=0)
    if night < local_now:
        night -= timedelta(days=1)  # tonight's or last night's: within the age limit
    delivery.run(night)
    (mail,) = mails()
    assert mail.next_attempt_at == night.replace(hour=6) + timedelta(days=1)
    assert smtp.inbox.messages == []
    delivery.run(night + timedelta(hours=6, minutes=59))
    assert smtp.inbox.messages == []
    delivery.run(night + timedelta(hours=7, minutes=1))
    assert len(smtp.inbox.messages) == 1


@pytest.mark.parametrize(
    ("start", "end", "hour", "quiet"),
    [(21, 6, 23, True), (21, 6, 5, True), (21, 6, 6, False), (12, 14, 13, True), (8, 8, 8, False)],
)
def test_quiet_hours_may_span_midnight(start, end, hour, quiet):
    assert delivery.in_quiet_hours(hour, start, end) is quiet


def test_the_preferences_page_saves_choices_and_refuses_bad_ones(w, make_client):
    me = sign_in(make_client, w.owner)
    page = me.get("/pengaturan/pemberitahuan")
    assert page.status_code == 200
    assert 'name="mode_plans"' in page.text and 'name="mode_results"' not in page.text
    assert "Hasil evaluasi dan masa keberatan" in page.text  # shown as always sent
    form = {f"mode_{g}": "immediate" for g in ("plans", "reports", "monthly", "follow_up")}
    form |= {"mode_handover": "immediate", "mode_accounts": "immediate"}
    form |= {"mode_reminders": "digest", "quiet_start": "21", "quiet_end": "6"}
    saved = me.post("/pengaturan/pemberitahuan", data=form)
    assert saved.status_code == 303
    db.session.refresh(w.owner)
    assert (w.owner.quiet_start, w.owner.quiet_end) == (21, 6)
    chosen = db.session.scalar(
        select(NotificationPreference.mode).where(
            NotificationPreference.employee_id == w.owner.id,
            NotificationPreference.kind == "reminders",
        )
    )
    assert chosen == "digest"
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "notification.preferences")
    )
    for bad, message in (
        ({"mode_plans": "2147483648"}, "Pilihan pengiriman tidak dikenal."),
        ({"mode_plans": "always"}, "Pilihan pengiriman tidak dikenal."),
        ({"quiet_start": "99"}, "Pilih jam 00 sampai 23, atau kosongkan."),
        ({"quiet_start": "", "quiet_end": "6"}, "Isi jam mulai dan jam selesai"),
        ({"quiet_start": "x" * 5000}, "Pilih jam 00 sampai 23"),
    ):
        refused = me.post("/pengaturan/pemberitahuan", data=form | bad)
        assert refused.status_code == 422 and message in refused.text, bad
    db.session.refresh(w.owner)
    assert (w.owner.quiet_start, w.owner.quiet_end) == (21, 6)
    assert me.post("/pengaturan/pemberitahuan", data=form, csrf=False).status_code == 400
    huge = me.post("/pengaturan/pemberitahuan", data=form | {"pad": "x" * (30 * 1024 * 1024)})
    assert huge.status_code == 413


# -- the admin's page and test mail ----------------------------------------------------


def test_the_admin_sends_a_test_mail_and_sees_it_in_the_list(w, smtp, make_client, monkeypatch):
    moment = utcnow() + timedelta(seconds=30)  # both clicks within one minute, always
    monkeypatch.setattr(delivery, "utcnow", lambda: moment)
    admin = sign_in(make_client, w.admin)
    sent = admin.post("/admin/surel/uji", data={})
    assert sent.status_code == 303
    (message,) = smtp.inbox.to(w.admin.email)
    assert message["Subject"] == "Uji email Portal Kinerja"
    page = admin.get("/admin/surel")
    assert "Email uji terkirim" in page.text and "Terkirim" in page.text
    assert "Uji email Portal Kinerja" in page.text
    # A second click in the same minute (a double submit, two tabs) sends no second one.
    assert admin.post("/admin/surel/uji", data={}).status_code == 303
    assert len(smtp.inbox.to(w.admin.email)) == 1 and len(mails()) == 1


def test_the_test_mail_says_when_mail_is_off_or_the_admin_has_no_address(w, app, make_client):
    app.config.update(PORTAL_SMTP_HOST="", PORTAL_MAIL_DIR="")
    admin = sign_in(make_client, w.admin)
    off = admin.post("/admin/surel/uji", data={})
    assert off.status_code == 422 and "Email belum aktif" in off.text
    assert mails() == []


def test_only_the_instansis_admin_sees_or_retries_its_mail(w, factory, smtp, make_client):
    submitted(w, factory)
    smtp.inbox.refuse.add(w.boss.email)
    delivery.run()
    (mail,) = mails()
    for person in (w.owner, w.boss):
        other = sign_in(make_client, person)
        assert other.get("/admin/surel").status_code == 403
        assert other.post("/admin/surel/uji", data={}).status_code == 403
        assert (
            other.post(f"/admin/surel/{mail.id}/kirim-ulang", data={"version": mail.version})
        ).status_code == 403
    foreign_admin = factory.employee(factory.unit(factory.instansi()), is_admin=True)
    db.session.commit()
    foreign = sign_in(make_client, foreign_admin)
    assert w.boss.email not in foreign.get("/admin/surel").text
    assert (
        foreign.post(f"/admin/surel/{mail.id}/kirim-ulang", data={"version": mail.version})
    ).status_code == 404
    admin = sign_in(make_client, w.admin)
    for wrong in ("2147483648", "99999999999999999999"):
        assert admin.post(f"/admin/surel/{wrong}/kirim-ulang", data={}).status_code == 404
    assert admin.post(f"/admin/surel/{mail.id}/kirim-ulang", data={}).status_code == 422
    assert admin.get("/admin/surel?status=bukan&q=%25&page=99999999999").status_code == 200


# -- .eml files for a demo without a mail server, and the command ----------------------


def test_the_command_writes_eml_files_once_each_without_a_server(w, factory, app, tmp_path):
    app.config.update(PORTAL_SMTP_HOST="", PORTAL_MAIL_DIR="", PORTAL_BASE_URL=BASE)
    submitted(w, factory)
    runner = app.test_cli_runner()
    off = runner.invoke(args=["notify"])
    assert off.exit_code == 0 and "Email tidak aktif" in off.output
    folder = tmp_path / "outbox"
    first = runner.invoke(args=["notify", "--ke-folder", str(folder)])
    assert first.exit_code == 0 and "1 email terkirim" in first.output, first.output
    second = runner.invoke(args=["notify", "--ke-folder", str(folder)])
    assert second.exit_code == 0 and "0 email terkirim" in second.output, second.output
    (eml,) = folder.glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert message["To"].addresses[0].addr_spec == w.boss.email
    assert f"{BASE}/target/" in body(message, "plain")


def test_the_command_reports_an_unreachable_server_with_a_temporary_failure(w, factory, smtp, app):
    submitted(w, factory)
    smtp.stop()
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 75 and "tidak dapat dihubungi" in result.output


# -- addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Budi.Santoso@Kinerja.Example", "Budi.Santoso@kinerja.example"),
        ("  siti@bkd.jatimprov.go.id ", "siti@bkd.jatimprov.go.id"),
        ("bukan-email", None),
        ("budi@@kinerja.example", None),
        ("budi@kinerja", None),
        ("budi santoso@kinerja.example", None),
        ("budi@kinerja.example\r\nBcc: x@y.z", None),
    ],
)
def test_an_email_address_is_checked_by_its_syntax(typed, stored, app):
    data = EmployeeData(
        nip="199001012015031001",
        name="Budi Santoso",
        jabatan="Analis",
        golongan="III/a",
        jenis_jabatan="fungsional",
        unit_id=1,
        email=typed,
    )
    with app.test_request_context():
        errors = check_fields(data)
    if stored is None:
        assert errors.get("email") == "Alamat email tidak valid."
    else:
        assert "email" not in errors and data.email == stored


def test_timestamps_are_compared_as_utc():
    # The quiet-hours arithmetic returns an aware moment in the caller's zone.
    person = Employee(quiet_start=21, quiet_end=6)
    now = datetime(2026, 12, 4, 16, 0, tzinfo=ZoneInfo("UTC"))  # 23.00 in Jakarta
    after = delivery.after_quiet_hours(now, person, JAKARTA)
    assert after == datetime(2026, 12, 4, 23, 0, tzinfo=ZoneInfo("UTC"))  # 06.00 WIB
