"""The "Perlu tindakan" inbox: every actor's pending work, each item linking to where it is
handled, the badge counting exactly the items, and a fixed cost whatever waits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import insert, update

from portal import clock
from portal.extensions import db
from portal.inbox import admin as admin_inbox
from portal.inbox import evaluations as evaluation_inbox
from portal.inbox import monthly as monthly_inbox
from portal.inbox import plans as plan_inbox
from portal.inbox import queries
from portal.inbox import reports as report_inbox
from portal.models import Employee, Evaluation, FollowUpItem, FollowUpKind, Target, WorkEntry
from portal.models.periods import Cadence
from portal.models.reports import EntryStatus
from tests.evaluation_helpers import (
    DI_ATAS,
    SESUAI,
    STEADY,
    approved_target,
    build_team,
    evaluation_of,
    finish,
    form_b,
    reported_targets,
)
from tests.reporting_helpers import add, entry, sign_in
from workflows import engine
from workflows.states import APPROVED, DISCUSSED, DRAFTED, REPORTED

SMALL, LARGE = 5, 500


@pytest.fixture
def team(factory, monkeypatch):
    return build_team(factory, monkeypatch, cadence=Cadence.TRIWULANAN)  # the default


@pytest.fixture
def login_as(make_client, no_inline_code):
    return lambda employee: sign_in(make_client, employee)


def inbox_of(person):
    with current_app.test_request_context():
        return queries.inbox(db.session.get(Employee, person.id))


def badge_of(person) -> int:
    return queries.count(db.session.get(Employee, person.id))


def section(person, title) -> dict:
    """The items of one section: key → item."""
    return {i.key: i for i in inbox_of(person).items if i.section == str(title)}


def _badge_in(html: str) -> int:
    return int(re.search(r'id="inbox-badge"[^>]*>(\d+)<', html).group(1))


# -- what each actor finds --------------------------------------------------------------


def test_the_employee_finds_drafts_revisions_rejections_and_targets_ready_to_report(
    team, monkeypatch
):
    draft = team.factory.target(team.owner, team.period, title="Draf baru")
    returned = team.factory.target(team.owner, team.period, title="Draf dikembalikan")
    engine.fire(returned, "submit", team.owner)
    engine.fire(returned, "request_revision", team.boss, reason="Kurangi target Desember")
    fixable = approved_target(team, title="Target berjalan", quantity=24)
    done = approved_target(team, title="Target tuntas", quantity=2)
    rejected, accepted_1, accepted_2 = add(
        entry(fixable, date(2026, 6, 1), status=EntryStatus.REJECTED),
        entry(done, date(2026, 5, 1), status=EntryStatus.ACCEPTED),
        entry(done, date(2026, 6, 1), status=EntryStatus.ACCEPTED),
    )
    # A rejected entry on a target already sent for evaluation cannot be fixed: not listed.
    closed = approved_target(team, title="Target terkirim")
    (dead_end,) = add(entry(closed, date(2026, 6, 2), status=EntryStatus.REJECTED))
    closed.state = REPORTED
    db.session.commit()

    drafts = section(team.owner, plan_inbox.DRAFTS)
    assert set(drafts) == {f"target-{draft.id}", f"target-{returned.id}"}
    assert drafts[f"target-{returned.id}"].note == "Diminta perbaikan: Kurangi target Desember"
    assert drafts[f"target-{draft.id}"].note == ""
    # Ready: the accepted quantity reached the annual target before the period's end.
    assert set(section(team.owner, plan_inbox.READY)) == {f"target-{done.id}"}
    rejections = section(team.owner, report_inbox.REJECTED)
    assert set(rejections) == {f"entry-{rejected.id}"}
    assert rejections[f"entry-{rejected.id}"].url == f"/laporan/{rejected.id}/ubah"
    assert rejections[f"entry-{rejected.id}"].note == "Alasan penolakan: Bukti tidak sesuai."
    assert f"entry-{dead_end.id}" not in inbox_of(team.owner).item_keys()

    # After the period every approved target is ready to report.
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 4))
    assert set(section(team.owner, plan_inbox.READY)) == {f"target-{t.id}" for t in (fixable, done)}
    # And the twelve monthly reports of the year, none of them submitted.
    monthly = section(team.owner, monthly_inbox.DUE)
    assert set(monthly) == {f"monthly-{team.period.id}-{m}" for m in range(1, 13)}
    # December's report is due on 5 January, not yet overdue; the others are.
    assert [m for m in range(1, 13) if monthly[f"monthly-{team.period.id}-{m}"].overdue] == list(
        range(1, 12)
    )
    assert badge_of(team.owner) == inbox_of(team.owner).count == 5 + 12


def test_the_supervisor_finds_targets_to_discuss_entries_to_verify_and_work_to_evaluate(team):
    discussed = team.factory.target(team.owner, team.period, title="Untuk dibahas")
    engine.fire(discussed, "submit", team.owner)
    ongoing = approved_target(team, owner=team.colleague)
    add(*(entry(ongoing, date(2026, 6, d)) for d in (1, 2, 3)))
    reported = reported_targets(team, [STEADY, STEADY])
    db.session.commit()

    boss = inbox_of(team.boss)
    assert boss.item_keys(str(plan_inbox.TO_REVIEW)) == [f"target-{discussed.id}"]
    (verify,) = [i for i in boss.items if i.section == str(report_inbox.TO_VERIFY)]
    assert (verify.key, verify.count) == (f"employee-{team.colleague.id}", 3)
    assert verify.url == f"/verifikasi#pegawai-{team.colleague.id}"
    (evaluate,) = [i for i in boss.items if i.section == str(evaluation_inbox.TO_EVALUATE)]
    assert evaluate.count == len(reported) == 2
    assert evaluate.url == f"/evaluasi/{team.period.id}/pegawai/{team.owner.id}"
    mine = (plan_inbox.TO_REVIEW, report_inbox.TO_VERIFY, evaluation_inbox.TO_EVALUATE)
    assert sum(s.count for s in boss.sections if s.title in map(str, mine)) == 1 + 3 + 2
    # The first quarter has ended: its periodic evaluations are due too.
    periodic = [i for i in boss.items if i.key.startswith("periodic-")]
    due = sum(i.count for i in periodic)
    assert due == 2 and badge_of(team.boss) == boss.count == 1 + 3 + 2 + due
    # Nobody else is asked: the colleague and another supervisor have nothing of it.
    assert inbox_of(team.other_boss).count == 0 == badge_of(team.other_boss)


def _final(team, login_as):
    reported_targets(team, [STEADY])
    form = form_b(team, ratings=[DI_ATAS] * 4 + [SESUAI] * 3)
    assert finish(login_as(team.boss), team, form).status_code == 303
    return evaluation_of(team)


def test_the_employee_is_told_of_the_result_and_the_objection_windows_last_day(
    team, login_as, monkeypatch
):
    evaluation = _final(team, login_as)
    last_day = clock.local_date(evaluation.evaluated_at) + timedelta(days=14)
    items = section(team.owner, evaluation_inbox.TO_RESPOND)
    item = items[f"respond-{evaluation.id}"]
    assert item.due == last_day and not item.overdue
    assert f"paling lambat {last_day.day}" in item.detail
    page = login_as(team.owner).get("/perlu-tindakan").get_data(as_text=True)
    assert "Lihat dan tanggapi" in page

    # The last day still counts; the day after, the window is closed and the item gone.
    monkeypatch.setattr(clock, "today", lambda: last_day)
    assert f"respond-{evaluation.id}" in inbox_of(team.owner).item_keys()
    monkeypatch.setattr(clock, "today", lambda: last_day + timedelta(days=1))
    assert f"respond-{evaluation.id}" not in inbox_of(team.owner).item_keys()
    assert badge_of(team.owner) == inbox_of(team.owner).count

    # Once the employee has answered, nothing waits for them.
    monkeypatch.setattr(clock, "today", lambda: last_day)
    response = login_as(team.owner).post(
        f"/evaluasi/{evaluation.id}/tanggapan", {"response": "agree"}
    )
    assert response.status_code == 303
    assert f"respond-{evaluation.id}" not in inbox_of(team.owner).item_keys()


def test_an_objection_waits_in_the_inbox_of_the_evaluators_supervisor(team, login_as, app):
    evaluation = _final(team, login_as)
    objected = login_as(team.owner).post(
        f"/evaluasi/{evaluation.id}/tanggapan",
        {"response": "object", "reason": "Laporan Juni belum dihitung."},
    )
    assert objected.status_code == 303
    evaluation = evaluation_of(team)
    decider = section(team.head, evaluation_inbox.OBJECTIONS)
    item = decider[f"objection-{evaluation.id}"]
    assert item.note == "Laporan Juni belum dihitung."
    assert item.due == clock.local_date(evaluation.responded_at) + timedelta(days=14)
    assert item.title == team.owner.display_name and team.boss.display_name in item.detail
    # The evaluator and the employee do not decide it.
    for person in (team.boss, team.owner, team.other_boss):
        assert f"objection-{evaluation.id}" not in inbox_of(person).item_keys()
    # The deadline is configurable.
    app.config["PORTAL_OBJECTION_DECISION_DAYS"] = 5
    item = section(team.head, evaluation_inbox.OBJECTIONS)[f"objection-{evaluation.id}"]
    assert item.due == clock.local_date(evaluation.responded_at) + timedelta(days=5)
    head = login_as(team.head)
    page = head.get("/perlu-tindakan").get_data(as_text=True)
    assert "Keberatan yang harus Anda putuskan" in page and _badge_in(page) == 1
    # Following the link, the decision form is there; once decided, the item is gone.
    assert "Putuskan keberatan" in head.get(item.url.split("#")[0]).get_data(as_text=True)
    decided = head.post(
        f"/evaluasi/{evaluation.id}/keberatan",
        {"decision": "upheld", "reason": "Laporan Juni sudah dihitung."},
    )
    assert decided.status_code == 303
    assert badge_of(team.head) == 0 == inbox_of(team.head).count


def test_follow_up_items_show_when_they_come_due(team, login_as, monkeypatch):
    evaluation = _final(team, login_as)

    def item(kind, description, responsible, days):
        return FollowUpItem(
            evaluation_id=evaluation.id,
            employee_id=team.owner.id,
            instansi_id=team.owner.instansi_id,
            kind=kind,
            description=description,
            responsible_id=responsible.id,
            due_date=clock.today() + timedelta(days=days),
            created_by_id=team.boss.id,
        )

    soon = item(FollowUpKind.PEMBINAAN, "Bimbingan penyusunan laporan", team.owner, 10)
    later = item(FollowUpKind.PENGEMBANGAN, "Diklat analisis kebijakan", team.boss, 60)
    db.session.add_all([soon, later])
    db.session.commit()
    for person in (team.owner, team.boss):
        assert set(section(person, evaluation_inbox.FOLLOW_UPS)) == {f"follow-up-{soon.id}"}
    monkeypatch.setattr(clock, "today", lambda: soon.due_date + timedelta(days=1))
    item = section(team.boss, evaluation_inbox.FOLLOW_UPS)[f"follow-up-{soon.id}"]
    assert item.overdue
    assert badge_of(team.boss) == inbox_of(team.boss).count


def test_the_admin_finds_work_stuck_without_an_evaluator_and_work_waiting_too_long(team, app):
    orphan = approved_target(team, title="Tanpa penilai")
    orphan.evaluator_id = None
    waiting = approved_target(team, owner=team.colleague, title="Penilai pensiun")
    add(
        entry(waiting, date(2026, 6, 1), created_at=datetime(2026, 6, 1, 3, tzinfo=UTC)),
        entry(waiting, date(2026, 6, 2), created_at=datetime.now(UTC)),
    )
    team.boss.active = False
    db.session.commit()

    stuck = section(team.admin, admin_inbox.STUCK)
    assert stuck["stuck-none"].count == 1
    assert stuck["stuck-none"].url == f"/admin/pengalihan/target/{orphan.id}"
    assert stuck[f"stuck-{team.boss.id}"].count >= 1
    assert stuck[f"stuck-{team.boss.id}"].url == f"/admin/pengalihan/pegawai/{team.boss.id}"
    late = section(team.admin, admin_inbox.OVERDUE)
    assert late["late-entries"].count == 1  # the fresh one is not late yet
    assert "lebih dari 7 hari" in late["late-entries"].title
    app.config["PORTAL_INBOX_OVERDUE_DAYS"] = 365
    assert "late-entries" not in section(team.admin, admin_inbox.OVERDUE)
    assert badge_of(team.admin) == inbox_of(team.admin).count
    # Only the admin: the others see none of it.
    for person in (team.owner, team.head):
        assert not any(k.startswith(("stuck-", "late-")) for k in inbox_of(person).item_keys())


def test_every_item_links_to_a_page_its_person_may_open(team, login_as, monkeypatch):
    """Each next step is reachable from the inbox: every link answers 200 to its person."""
    discussed = team.factory.target(team.owner, team.period)
    engine.fire(discussed, "submit", team.owner)
    team.factory.target(team.owner, team.period)
    ongoing = approved_target(team, owner=team.colleague)
    add(
        entry(ongoing, date(2026, 6, 1)),
        entry(ongoing, date(2026, 6, 2), status=EntryStatus.REJECTED),
    )
    evaluation = _final(team, login_as)
    login_as(team.owner).post(
        f"/evaluasi/{evaluation.id}/tanggapan", {"response": "object", "reason": "Belum adil."}
    )
    orphan = approved_target(team, owner=team.other_staff)
    orphan.evaluator_id = None
    db.session.commit()
    people = (team.owner, team.colleague, team.boss, team.head, team.admin)
    seen = set()
    for person in people:
        client = login_as(person)
        inbox = inbox_of(person)
        for item in inbox.items:
            seen.add(item.section)
            response = client.get(item.url.split("#")[0])
            assert response.status_code == 200, (person.jabatan, item)
        page = client.get("/perlu-tindakan").get_data(as_text=True)
        assert _badge_in(page) == inbox.count == badge_of(person)
        for item in inbox.items:
            assert item.title in page or item.title.replace("&", "&amp;") in page
    assert seen >= {
        str(plan_inbox.TO_REVIEW),
        str(plan_inbox.DRAFTS),
        str(report_inbox.TO_VERIFY),
        str(report_inbox.REJECTED),
        str(evaluation_inbox.OBJECTIONS),
        str(admin_inbox.STUCK),
    }


def test_the_badge_on_every_page_is_counted_before_rendering(team, login_as):
    """The navigation's badge comes from the route, never from a query while rendering:
    whole pages carry the count, and the home page's equals its inbox."""
    team.factory.target(team.owner, team.period)
    db.session.commit()
    owner = login_as(team.owner)
    for url in (
        "/",
        "/perlu-tindakan",
        "/laporan",
        f"/skp/{team.period.id}/pegawai/{team.owner.id}",
    ):
        html = owner.get(url).get_data(as_text=True)
        assert _badge_in(html) == 1, url
        assert 'hx-trigger="load' not in html.split('id="inbox-badge"')[1][:400]
    fragment = owner.get("/perlu-tindakan/jumlah", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and _badge_in(fragment) == 1


def test_the_inbox_is_empty_and_says_so(team, login_as):
    html = login_as(team.colleague).get("/perlu-tindakan").get_data(as_text=True)
    assert "Tidak ada yang menunggu tindakan Anda saat ini." in html
    assert _badge_in(html) == 0


# -- cost -------------------------------------------------------------------------------


def _statements(count_statements, client, url) -> int:
    with count_statements() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def _fill(team, start: int, stop: int) -> None:
    """Subordinates ``start`` … ``stop`` of the boss, each with something in every section
    of the boss's, the head's and the admin's inbox: a target to discuss, a pending entry,
    a reported target, an open objection, a follow-up item, a target without evaluator."""
    for n in range(start, stop):
        person = team.factory.employee(team.boss.unit, atasan=team.boss)
        discussed = team.factory.target(person, team.period, title=f"Dibahas {n}")
        discussed.state = DISCUSSED
        ongoing = team.factory.target(person, team.period, state=APPROVED)
        team.factory.target(person, team.period, state=REPORTED)
        orphan = team.factory.target(person, team.period, state=DRAFTED)
        orphan.evaluator_id = None
        db.session.add(entry(ongoing, date(2026, 6, 1)))
        db.session.flush()
        evaluation = Evaluation(
            plan_id=ongoing.plan_id,
            employee_id=person.id,
            period_id=team.period.id,
            instansi_id=person.instansi_id,
            evaluator_id=team.boss.id,
            status="final",
            predikat="Baik",
            evaluated_at=datetime.now(UTC),
            employee_response="object",
            response_reason="Keberatan",
            responded_at=datetime(2026, 6, 1, tzinfo=UTC),
            objection_status="open",
        )
        db.session.add(evaluation)
        db.session.flush()
        db.session.execute(
            insert(FollowUpItem).values(
                evaluation_id=evaluation.id,
                employee_id=person.id,
                instansi_id=person.instansi_id,
                kind=FollowUpKind.PEMBINAAN,
                description="Bimbingan",
                responsible_id=team.boss.id,
                due_date=clock.today(),
                created_by_id=team.boss.id,
                status="open",
            )
        )
    db.session.execute(
        update(WorkEntry).values(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    )  # all late for the admin
    db.session.commit()


def test_every_inbox_costs_the_same_for_5_and_500_subordinates(team, login_as, count_statements):
    people = (team.boss, team.head, team.admin, team.owner)
    clients = [login_as(p) for p in people]
    _fill(team, 0, SMALL)
    small = [
        (
            _statements(count_statements, c, "/perlu-tindakan"),
            _statements(count_statements, c, "/perlu-tindakan/jumlah"),
        )
        for c in clients
    ]
    _fill(team, SMALL, LARGE)
    large = [
        (
            _statements(count_statements, c, "/perlu-tindakan"),
            _statements(count_statements, c, "/perlu-tindakan/jumlah"),
        )
        for c in clients
    ]
    assert large == small
    # The badge is one statement beyond the request's own (the signed-in user).
    assert all(badge <= 2 for _, badge in large)
    boss = inbox_of(team.boss)
    assert boss.count == badge_of(team.boss) >= 3 * LARGE  # the 500 are all there
    assert inbox_of(team.head).count == badge_of(team.head) >= LARGE
    assert inbox_of(team.admin).count == badge_of(team.admin) >= 2 * LARGE
    assert db.session.query(Target).filter(Target.evaluator_id.is_(None)).count() >= LARGE
