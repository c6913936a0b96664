"""Notifications ("Pemberitahuan"): written with the change they tell of and rolled back
with it, listed with an unread badge at a fixed cost, opened and marked read by their
recipient only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert, select

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent, Employee, EvaluatorReport, Notification, Target
from portal.notify import evaluator_reports, queries
from portal.notify.outbox import notify
from portal.reports import verification
from tests.reporting_helpers import add, build_world, entry, sign_in
from workflows import engine
from workflows.states import APPROVED, DRAFTED

SMALL, LARGE = 5, 500


@pytest.fixture
def w(factory, monkeypatch):
    return build_world(factory, monkeypatch)


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


def notifications_of(person) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.recipient_id == person.id)
            .order_by(Notification.id)
        )
    )


def kinds_of(person) -> list[str]:
    return [n.kind for n in notifications_of(person)]


def _badge_in(html: str) -> int:
    return int(re.search(r'id="notify-badge"[^>]*>(\d+)<', html).group(1))


# -- what is told, to whom -----------------------------------------------------------------


def test_a_target_submitted_returned_and_approved_tells_the_next_person(w, factory, app):
    target = factory.target(w.owner, w.period, state=DRAFTED, title="Tersusunnya laporan")
    db.session.commit()
    engine.fire(target, "submit", w.owner)
    db.session.commit()
    (submitted,) = notifications_of(w.boss)
    assert submitted.kind == "target_submitted"
    assert (submitted.endpoint, submitted.endpoint_args) == (
        "plans.target",
        {"target_id": target.id},
    )
    assert submitted.actor_id == w.owner.id and submitted.instansi_id == w.owner.instansi_id
    assert kinds_of(w.owner) == []  # nobody is told of their own act

    engine.fire(target, "request_revision", w.boss, reason="Kurangi target Desember")
    engine.fire(target, "submit", w.owner)
    engine.fire(target, "approve", w.boss)
    db.session.commit()
    assert kinds_of(w.owner) == ["target_returned", "target_approved"]
    assert kinds_of(w.boss) == ["target_submitted", "target_submitted"]
    returned = notifications_of(w.owner)[0]
    with app.test_request_context():
        shown = queries.view(returned)
    assert shown.title == "Target Anda dikembalikan untuk diperbaiki"
    assert shown.detail == "“Tersusunnya laporan”. Alasan: Kurangi target Desember"
    # Nobody else hears of it: not the head, not the colleague, not the admin.
    for other in (w.head, w.colleague, w.admin, w.stranger):
        assert kinds_of(other) == []


def test_a_rejected_entry_tells_its_owner_with_the_reason_and_the_way_to_fix_it(w, app):
    (e,) = add(entry(w.target, date(2026, 6, 10)))
    with app.test_request_context():
        verification.verify(e, w.boss, e.version, accept=False, reason="Lampirkan notula.")
        db.session.commit()
        (told,) = notifications_of(w.owner)
        shown = queries.view(told)
    assert told.kind == "entry_rejected"
    assert shown.url == f"/laporan/{e.id}/ubah"
    assert "Lampirkan notula." in shown.detail and "10 Juni 2026" in shown.detail
    accepted = add(entry(w.target, date(2026, 6, 11)))[0]
    with app.test_request_context():
        verification.verify(accepted, w.boss, accepted.version, accept=True)
    db.session.commit()
    assert kinds_of(w.owner) == ["entry_rejected"]  # an acceptance needs no one to act


def test_a_refused_or_rolled_back_change_leaves_no_notification(w, factory):
    target = factory.target(w.owner, w.period, state=DRAFTED)
    db.session.commit()
    engine.fire(target, "submit", w.owner)
    db.session.rollback()
    assert kinds_of(w.boss) == []
    assert db.session.scalar(select(Target.state).where(Target.id == target.id)) == DRAFTED
    # A transition its guards refuse writes nothing either (no evaluator to submit to).
    orphan = factory.employee(w.owner.unit, atasan=None)
    lonely = factory.target(orphan, w.period, state=DRAFTED)
    db.session.commit()
    with pytest.raises(Exception):  # noqa: B017 - the engine's refusal, whatever its class
        engine.fire(lonely, "submit", orphan)
    db.session.rollback()
    assert db.session.scalar(select(Notification.id)) is None


def test_work_handed_over_in_one_change_is_one_notification_with_its_count(w, factory, app):
    targets = [factory.target(w.owner, w.period, state=APPROVED) for _ in range(3)]
    db.session.commit()
    for target in targets:
        audit.record("target.reassign", target, actor=w.admin, summary={"to": w.colleague.id})
    db.session.commit()
    (told,) = notifications_of(w.colleague)
    assert told.kind == "handover_targets" and told.params["count"] == 3
    with app.test_request_context():
        assert queries.view(told).title == "3 target dialihkan kepada Anda sebagai pejabat penilai"
    # The next change is a notification of its own.
    audit.record("target.reassign", targets[0], actor=w.admin, summary={"to": w.colleague.id})
    db.session.commit()
    assert [n.params["count"] for n in notifications_of(w.colleague)] == [3, 1]


def test_a_new_supervisor_and_the_subordinate_are_both_told(w):
    audit.record(
        "employee.update",
        w.owner,
        actor=w.admin,
        summary={"changes": {"atasan_id": [w.boss.id, w.head.id]}},
    )
    db.session.commit()
    assert kinds_of(w.head) == ["new_subordinates"]
    (told,) = notifications_of(w.owner)
    assert told.kind == "new_supervisor"
    assert told.params["supervisor"] == db.session.get(Employee, w.head.id).display_name


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        notify(1, "no_such_kind", endpoint="inbox.index")


# -- the list ------------------------------------------------------------------------------


def _many(person, n: int) -> None:
    db.session.execute(
        insert(Notification),
        [
            {
                "recipient_id": person.id,
                "instansi_id": person.instansi_id,
                "kind": "target_approved",
                "endpoint": "plans.my_plan",
                "endpoint_args": {},
                "params": {"title": f"Target {i}"},
                "mail_decision": "none",
            }
            for i in range(n)
        ],
    )
    db.session.commit()


@pytest.mark.parametrize("n", [SMALL, LARGE])
def test_the_list_costs_the_same_at_5_and_500_notifications(w, login_as, count_statements, n):
    _many(w.owner, n)
    client = login_as(w.owner)
    client.get("/pemberitahuan")  # warm: the session's user, the compiled statements
    with count_statements() as counter:
        response = client.get("/pemberitahuan")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _badge_in(html) == n
    assert html.count('class="notify-item is-unread"') == min(n, queries.PER_PAGE)
    assert "Target Anda disetujui" in html and "“Target " in html
    # The user, the count and page of notifications, the newest id, the badges: fixed.
    assert counter.count == EXPECTED_LIST_STATEMENTS, counter.statements


EXPECTED_LIST_STATEMENTS = 5


def test_the_badge_rides_along_with_every_whole_page(w, login_as):
    _many(w.owner, 3)
    client = login_as(w.owner)
    for page in ("/", "/perlu-tindakan", "/laporan", "/pemberitahuan"):
        assert _badge_in(client.get(page).get_data(as_text=True)) == 3, page
    fragment = client.get("/pemberitahuan/jumlah", htmx=True).get_data(as_text=True)
    assert _badge_in(fragment) == 3 and "<html" not in fragment


def test_opening_marks_read_and_goes_where_the_work_is(w, login_as):
    _many(w.owner, 2)
    first, second = notifications_of(w.owner)
    client = login_as(w.owner)
    response = client.post(f"/pemberitahuan/{first.id}/buka")
    assert response.status_code == 303 and response.headers["Location"] == "/skp"
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None
    # Marking one read in place answers its row and the badge, out of band.
    fragment = client.post(f"/pemberitahuan/{second.id}/dibaca", htmx=True)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and f'id="notification-{second.id}"' in html
    assert "is-unread" not in html and _badge_in(html) == 0 and 'hx-swap-oob="true"' in html
    # Twice is no error and changes nothing more.
    assert client.post(f"/pemberitahuan/{second.id}/dibaca").status_code == 303
    reads = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "notification.read")
    ).all()
    assert len(reads) == 2


def test_mark_all_read_stops_at_what_the_list_showed(w, login_as):
    _many(w.owner, 3)
    client = login_as(w.owner)
    html = client.get("/pemberitahuan").get_data(as_text=True)
    upto = re.search(r'name="upto" value="(\d+)"', html).group(1)
    _many(w.owner, 1)  # arrives while the list is open
    response = client.post("/pemberitahuan/dibaca-semua", {"upto": upto})
    assert response.status_code == 303
    assert "3 pemberitahuan ditandai sudah dibaca." in client.get("/pemberitahuan").get_data(
        as_text=True
    )
    unread = [n for n in notifications_of(w.owner) if n.read_at is None]
    assert len(unread) == 1 and unread[0].id > int(upto)
    unread_page = client.get("/pemberitahuan?tampil=belum-dibaca").get_data(as_text=True)
    assert unread_page.count('class="notify-item is-unread"') == 1


@pytest.mark.parametrize(
    "upto", ["", "abc", "-1", "²", "99999999999999999999", "1e30", "1" * 100_000]
)
def test_mark_all_read_with_a_bad_id_says_so_and_changes_nothing(w, login_as, upto):
    _many(w.owner, 2)
    response = login_as(w.owner).post("/pemberitahuan/dibaca-semua", {"upto": upto})
    assert 400 <= response.status_code < 500
    assert "Muat ulang daftar pemberitahuan" in response.get_data(as_text=True)
    assert all(n.read_at is None for n in notifications_of(w.owner))


def test_only_the_recipient_may_open_or_mark_a_notification(w, login_as):
    _many(w.owner, 1)
    (mine,) = notifications_of(w.owner)
    for other in (w.boss, w.admin, w.colleague, w.stranger):
        client = login_as(other)
        for action in ("buka", "dibaca"):
            response = client.post(f"/pemberitahuan/{mine.id}/{action}")
            assert response.status_code == 404, (other, action)
        assert "Target 0" not in client.get("/pemberitahuan").get_data(as_text=True)
    for bad in ("99999999999999999999", "0"):
        assert login_as(w.owner).post(f"/pemberitahuan/{bad}/buka").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at is None


def test_every_change_needs_the_csrf_token_and_a_sign_in(w, login_as, client):
    _many(w.owner, 1)
    (mine,) = notifications_of(w.owner)
    owner = login_as(w.owner)
    for url in (f"/pemberitahuan/{mine.id}/buka", "/pemberitahuan/dibaca-semua"):
        assert owner.post(url, {"upto": str(mine.id)}, csrf=False).status_code == 400
    assert client.get("/pemberitahuan").status_code == 302  # to the sign-in
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at is None


def test_a_notification_reads_in_the_readers_language(w, login_as):
    _many(w.owner, 1)
    db.session.get(Employee, w.owner.id).language = "en"
    db.session.commit()
    html = login_as(w.owner).get("/pemberitahuan").get_data(as_text=True)
    assert "Your target was approved" in html and "Notifications" in html


def test_a_notification_whose_page_is_gone_links_to_the_inbox(w, app):
    _many(w.owner, 1)
    (mine,) = notifications_of(w.owner)
    mine.endpoint = "plans.no_such_page"
    with app.test_request_context():
        assert queries.link(mine) == "/perlu-tindakan"


def test_a_missing_parameter_reads_as_a_dash_never_an_error(w, app):
    _many(w.owner, 1)
    (mine,) = notifications_of(w.owner)
    mine.kind, mine.params = "target_returned", {}
    with app.test_request_context():
        assert queries.view(mine).detail == "“—”. Alasan: —"
    db.session.rollback()


# -- "my pejabat penilai is wrong" ---------------------------------------------------------


def _reports_of(person) -> list[EvaluatorReport]:
    return list(
        db.session.scalars(select(EvaluatorReport).where(EvaluatorReport.employee_id == person.id))
    )


def test_a_wrong_evaluator_reported_from_the_plan_reaches_the_admins_once(w, login_as):
    owner = login_as(w.owner)
    page = owner.get("/skp", follow_redirects=True).get_data(as_text=True)
    assert "Pejabat penilai Anda belum ada atau salah?" in page
    note = "Atasan saya kini Kepala Bidang Mutasi sejak 1 Maret."
    response = owner.post("/pejabat-penilai-salah", {"note": note})
    assert response.status_code == 303
    again = owner.post("/pejabat-penilai-salah", {"note": "dua kali"})  # a double submit
    assert again.status_code == 303
    (row,) = _reports_of(w.owner)
    assert (row.status, row.note) == ("open", note)
    assert kinds_of(w.admin) == ["evaluator_reported"]
    assert kinds_of(w.boss) == []  # the supervisor on record is not the one who fixes it
    page = owner.get("/skp", follow_redirects=True).get_data(as_text=True)
    assert "sedang diproses" in page and "Pejabat penilai Anda belum ada atau salah?" not in page
    inbox = login_as(w.admin).get("/perlu-tindakan").get_data(as_text=True)
    assert "Laporan pegawai: pejabat penilai salah" in inbox and note in inbox
    assert f"/admin/pengalihan/pegawai/{w.owner.id}/atasan" in inbox
    screen = login_as(w.admin).get(f"/admin/pengalihan/pegawai/{w.owner.id}/atasan")
    assert note in screen.get_data(as_text=True)


def test_fixing_the_supervisor_resolves_the_report_and_tells_the_employee(w, app):
    from portal.reassign import supervisor_changes

    with app.test_request_context():
        evaluator_reports.report(db.session.get(Employee, w.owner.id), "")
        db.session.commit()
        owner, head = db.session.get(Employee, w.owner.id), db.session.get(Employee, w.head.id)
        admin = db.session.get(Employee, w.admin.id)
        preview = supervisor_changes.preview_supervisor_change(
            owner, head, move_work=False, actor=admin
        )
        supervisor_changes.change_supervisor(
            owner, head, move_work=False, note="", token=preview.token, actor=admin
        )
        db.session.commit()
    (row,) = _reports_of(w.owner)
    assert (row.status, row.resolved_by_id) == ("resolved", w.admin.id)
    assert kinds_of(w.owner) == ["evaluator_fixed"]
    assert kinds_of(w.head) == ["new_subordinates"]


def test_the_admin_may_close_a_report_with_a_reason_the_employee_reads(w, login_as, app):
    with app.test_request_context():
        row, _ = evaluator_reports.report(db.session.get(Employee, w.owner.id), "")
        db.session.commit()
    url = f"/admin/laporan-pejabat-penilai/{row.id}/tutup"
    form = {"version": str(row.version), "reason": "Kepala Bidang memang penilai Anda."}
    assert login_as(w.boss).post(url, form).status_code == 403
    assert login_as(w.owner).post(url, form).status_code == 403
    assert login_as(w.stranger).post(url, form).status_code == 404
    assert (
        login_as(w.admin)
        .post("/admin/laporan-pejabat-penilai/99999999999999999999/tutup", form)
        .status_code
        == 404
    )
    refused = login_as(w.admin).post(url, {"version": str(row.version), "reason": " "})
    assert refused.status_code == 303
    db.session.expire_all()
    assert _reports_of(w.owner)[0].status == "open"
    assert login_as(w.admin).post(url, form).status_code == 303
    stale = login_as(w.admin).post(url, form)
    assert stale.status_code == 409
    db.session.expire_all()
    (closed,) = _reports_of(w.owner)
    assert (closed.status, closed.resolution) == ("closed", form["reason"])
    assert kinds_of(w.owner) == ["evaluator_report_closed"]
    # A new report may be made once the old one is closed.
    login_as(w.owner).post("/pejabat-penilai-salah", {"note": ""})
    assert [r.status for r in _reports_of(w.owner)] == ["closed", "open"]


@pytest.mark.parametrize("note", ["x" * 1001, "baris\x00nul"])
def test_a_bad_note_is_refused_and_nothing_is_reported(w, login_as, note):
    response = login_as(w.owner).post("/pejabat-penilai-salah", {"note": note})
    assert response.status_code == 303
    assert _reports_of(w.owner) == [] and kinds_of(w.admin) == []
