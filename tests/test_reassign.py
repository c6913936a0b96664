"""Reassigning workflows (issue 6 §2): a departing supervisor's handover, one employee's new
supervisor, one target's evaluator, the interim note. The services, called as the screens
call them: the preview is the effect, every bad input is refused in Indonesian with
nothing changed, and every change leaves an assignment row and an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from portal.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.inbox.evaluations import TO_EVALUATE
from portal.inbox.plans import TO_REVIEW
from portal.inbox.queries import count as inbox_count
from portal.inbox.queries import inbox
from portal.models import (
    AuditEvent,
    Employee,
    EntryStatus,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    Target,
)
from portal.models.periods import PeriodStatus
from portal.plans.queries import timeline
from portal.ranks import JenisJabatan
from portal.reassign import handovers, notes, single_target, supervisor_changes, work
from portal.reassign.acting import ACTING_REQUIRED
from portal.reports.queries import verification_queue
from tests.evaluation_helpers import Team, build_team
from tests.reporting_helpers import add, entry
from workflows.targets import APPROVED, DISCUSSED, DRAFTED, EVALUATED, REPORTED


@dataclass
class World:
    """The team's boss leaves. They evaluate the owner's and the colleague's targets in
    every state, two daily entries wait for their verification, a draft evaluation is
    theirs; one target of a closed period is frozen. ``successor`` may take over; the
    other boss's work is never touched."""

    team: Team
    successor: Employee
    grandchild: Employee  # under the owner: below the boss
    drafted: Target
    discussed: Target
    approved: Target
    reported: Target
    evaluated: Target
    frozen: Target
    bystander: Target  # the other boss's, discussed
    evaluation: Evaluation

    @property
    def in_flight(self) -> list[Target]:
        return [self.drafted, self.discussed, self.approved, self.reported]


def build_world(factory, monkeypatch) -> World:
    team = build_team(factory, monkeypatch)
    last_year = factory.period(
        team.owner.instansi,
        name="Tahun 2025",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        planning_deadline=date(2025, 1, 31),
    )
    frozen = factory.target(team.owner, last_year, state=APPROVED)
    last_year.status = PeriodStatus.CLOSED
    successor = factory.employee(
        team.owner.unit,
        atasan=team.head,
        jabatan="Kepala Bagian Perencanaan",
        jenis_jabatan=JenisJabatan.ADMINISTRASI,
        golongan="IV/a",
    )
    grandchild = factory.employee(team.owner.unit, atasan=team.owner)
    period = team.period
    drafted = factory.target(team.owner, period, state=DRAFTED, title="Draf rencana")
    discussed = factory.target(team.owner, period, state=DISCUSSED, title="Sedang dibahas")
    approved = factory.target(team.colleague, period, state=APPROVED, title="Sudah disetujui")
    reported = factory.target(team.owner, period, state=REPORTED, title="Sudah dilaporkan")
    evaluated = factory.target(team.colleague, period, state=EVALUATED, title="Sudah dinilai")
    bystander = factory.target(team.other_staff, period, state=DISCUSSED)
    add(
        entry(approved, date(2026, 5, 4)),
        entry(approved, date(2026, 5, 5)),
        entry(approved, date(2026, 5, 6), status=EntryStatus.ACCEPTED),
    )
    evaluation = Evaluation(
        plan_id=reported.plan_id,
        employee_id=team.owner.id,
        period_id=period.id,
        instansi_id=team.owner.instansi_id,
        evaluator_id=team.boss.id,
        status=EvaluationStatus.DRAFT,
        version=1,
    )
    db.session.add(evaluation)
    db.session.commit()
    return World(
        team,
        successor,
        grandchild,
        drafted,
        discussed,
        approved,
        reported,
        evaluated,
        frozen,
        bystander,
        evaluation,
    )


@pytest.fixture
def w(factory, monkeypatch) -> World:
    return build_world(factory, monkeypatch)


def state_of_the_world() -> tuple:
    """Everything a reassignment may change, to compare before and after."""
    db.session.expire_all()
    return (
        dict(db.session.execute(select(Target.id, Target.evaluator_id)).all()),
        dict(db.session.execute(select(Target.id, Target.version)).all()),
        dict(db.session.execute(select(Evaluation.id, Evaluation.evaluator_id)).all()),
        dict(db.session.execute(select(Employee.id, Employee.atasan_id)).all()),
        db.session.scalar(select(func.count()).select_from(EvaluatorAssignment)),
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("auth.%"))
        ),
    )


def changed(before: dict, after: dict) -> dict:
    return {key: after[key] for key in after if before.get(key) != after[key]}


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# -- the handover: preview equals effect


@pytest.mark.parametrize("acting", ["", "plt", "plh"])
def test_the_handover_preview_is_exactly_its_effect(w, acting):
    team = w.team
    preview = handovers.preview_handover(
        team.boss, w.successor, acting, set_atasan=True, actor=team.admin
    )
    # What the preview lists: every in-flight target of the boss in the open period, the
    # draft evaluation, the queue of two entries and both subordinates; nothing else.
    assert {m.target.id for m in preview.targets} == {t.id for t in w.in_flight}
    assert {m.new.id for m in preview.targets} == {w.successor.id}
    assert [m.evaluation.id for m in preview.evaluations] == [w.evaluation.id]
    assert {m.employee.id: m.new.id for m in preview.supervisors} == {
        team.owner.id: w.successor.id,
        team.colleague.id: w.successor.id,
    }
    [(person, gains)] = preview.gains()
    assert person.id == w.successor.id
    assert (gains.to_approve, gains.to_evaluate, gains.to_verify, gains.evaluations) == (
        1,
        1,
        2,
        1,
    )
    assert gains.other_targets == 2  # drafted and approved
    [(owner, pending, verifier)] = preview.queues()
    assert (owner.id, pending, verifier.id) == (team.colleague.id, 2, w.successor.id)
    assert preview.left_behind == [
        "1 target pada periode yang sudah ditutup tidak dipindahkan: periode itu dibekukan."
    ]

    expected_targets = {m.target.id: m.new.id for m in preview.targets}
    expected_versions = {m.target.id: m.version + 1 for m in preview.targets}
    expected_evaluations = {m.evaluation.id: m.new.id for m in preview.evaluations}
    expected_atasan = {m.employee.id: m.new.id for m in preview.supervisors}
    inbox_before = {p: inbox_count(p) for p in (w.successor, team.boss)}
    before = state_of_the_world()

    handovers.hand_over(
        team.boss,
        w.successor,
        acting,
        set_atasan=True,
        note="Pak Budi sudah sepakat menambah satu laporan.",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    after = state_of_the_world()

    assert changed(before[0], after[0]) == expected_targets
    assert changed(before[1], after[1]) == expected_versions
    assert changed(before[2], after[2]) == expected_evaluations
    assert changed(before[3], after[3]) == expected_atasan
    assert after[4] - before[4] == len(preview.targets)
    # The inboxes moved by exactly what the preview said.
    assert inbox_count(w.successor) - inbox_before[w.successor] == gains.inbox == 4
    assert inbox_before[team.boss] - inbox_count(team.boss) == gains.inbox
    assert verification_queue(w.successor.id)[1] == 2
    assert verification_queue(team.boss.id)[1] == 0
    with current_app.test_request_context():  # the items carry their links
        fresh = inbox(w.successor)
    assert fresh.item_keys(str(TO_REVIEW)) == [f"target-{w.discussed.id}"]
    reported = w.reported
    assert fresh.item_keys(str(TO_EVALUATE)) == [
        f"evaluate-{reported.owner_id}-{reported.period_id}"
    ]
    assert [i.count for i in fresh.items if i.section == str(TO_EVALUATE)] == [1]
    # Every move left an assignment row with the note and the acting role, and an audit event.
    rows = db.session.scalars(
        select(EvaluatorAssignment).where(EvaluatorAssignment.evaluator_id == w.successor.id)
    ).all()
    assert {r.target_id for r in rows} == set(expected_targets)
    assert {(r.acting, r.acting_for_id, r.assigned_by_id) for r in rows} == {
        (acting, team.boss.id if acting else None, team.admin.id)
    }
    assert {r.note for r in rows} == {"Pak Budi sudah sepakat menambah satu laporan."}
    actions = audit_actions()
    assert actions.count("target.reassign") == 4
    assert actions.count("evaluation.reassign") == 1
    assert actions.count("employee.update") == 2
    assert actions.count("reassign.handover") == 1
    # Untouched: evaluated work, the frozen period, the other boss's team.
    db.session.expire_all()
    assert db.session.get(Target, w.evaluated.id).evaluator_id == team.boss.id
    assert db.session.get(Target, w.frozen.id).evaluator_id == team.boss.id
    assert db.session.get(Target, w.bystander.id).evaluator_id == team.other_boss.id


def test_work_created_after_the_handover_reaches_the_acting_official(w):
    team = w.team
    preview = handovers.preview_handover(
        team.boss, w.successor, "plt", set_atasan=True, actor=team.admin
    )
    handovers.hand_over(
        team.boss,
        w.successor,
        "plt",
        set_atasan=True,
        note="",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    new = team.factory.target(db.session.get(Employee, team.owner.id), team.period)
    assert new.evaluator_id == w.successor.id
    # The acting official has no second plan: nothing was created for them.
    assert (
        db.session.scalar(
            select(func.count()).select_from(Target).where(Target.owner_id == w.successor.id)
        )
        == 0
    )


def test_a_subordinate_taking_over_as_plt_hands_their_own_work_one_level_up(w):
    """The owner (the boss's subordinate) becomes Plt.: their own targets cannot be
    evaluated by themselves and go to the boss's supervisor; so does their atasan."""
    team = w.team
    preview = handovers.preview_handover(
        team.boss, team.owner, "plt", set_atasan=True, actor=team.admin
    )
    by_target = {m.target.id: (m.new.id, m.acting) for m in preview.targets}
    assert by_target == {
        w.drafted.id: (team.head.id, ""),
        w.discussed.id: (team.head.id, ""),
        w.reported.id: (team.head.id, ""),
        w.approved.id: (team.owner.id, "plt"),
    }
    assert [(m.evaluation.id, m.new.id) for m in preview.evaluations] == [
        (w.evaluation.id, team.head.id)
    ]
    assert {m.employee.id: m.new.id for m in preview.supervisors} == {
        team.owner.id: team.head.id,
        team.colleague.id: team.owner.id,
    }
    handovers.hand_over(
        team.boss,
        team.owner,
        "plt",
        set_atasan=True,
        note="",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Target, w.reported.id).evaluator_id == team.head.id
    assert db.session.get(Target, w.approved.id).evaluator_id == team.owner.id
    assert db.session.get(Employee, team.owner.id).atasan_id == team.head.id


# -- bad input: a clear message, nothing changes


def refused(call, exception=InvalidInput) -> str:
    before = state_of_the_world()
    with pytest.raises(exception) as caught:
        call()
    db.session.rollback()
    assert state_of_the_world() == before
    return caught.value.message


def test_handover_bad_inputs_are_refused_in_words(w, factory):
    team = w.team
    inactive = factory.employee(team.owner.unit, active=False)
    db.session.commit()

    def hand_over(to, acting="", set_atasan=True):
        preview = lambda: handovers.preview_handover(  # noqa: E731
            team.boss, to, acting, set_atasan=set_atasan, actor=team.admin
        )
        return lambda: handovers.hand_over(
            team.boss,
            to,
            acting,
            set_atasan=set_atasan,
            note="",
            token="x",
            actor=team.admin,
        ), preview

    cases = [
        (None, "", str(handovers.RECIPIENT.missing)),
        (inactive, "", "sudah nonaktif; pilih pegawai yang masih aktif"),
        (team.stranger, "", str(handovers.RECIPIENT.elsewhere)),
        (team.boss, "", "tidak dapat dialihkan kepada pegawai yang pergi itu sendiri"),
        (w.successor, "kepala", str(ACTING_REQUIRED)),
        (w.grandchild, "", "melingkar"),
    ]
    for to, acting, expected in cases:
        apply, preview = hand_over(to, acting)
        assert expected in refused(preview)
        assert expected in refused(apply)
    # Without making them anyone's atasan: still nobody evaluates their own superior.
    apply, _ = hand_over(w.grandchild, set_atasan=False)
    assert "tidak boleh melingkar" in refused(apply)


def test_a_stale_handover_confirmation_is_a_conflict(w):
    team = w.team
    preview = handovers.preview_handover(
        team.boss, w.successor, "", set_atasan=True, actor=team.admin
    )
    w.discussed.state = APPROVED  # the boss approved it in the meantime
    w.discussed.version += 1
    db.session.commit()
    message = refused(
        lambda: handovers.hand_over(
            team.boss,
            w.successor,
            "",
            set_atasan=True,
            note="",
            token=preview.token,
            actor=team.admin,
        ),
        Conflict,
    )
    assert "berubah sejak pratinjau dibuat" in message


def test_supervisor_change_bad_inputs(w, factory):
    team = w.team
    inactive = factory.employee(team.owner.unit, active=False)
    db.session.commit()
    cases = [
        (None, str(supervisor_changes.RECIPIENT.missing)),
        (inactive, "sudah nonaktif"),
        (team.stranger, str(supervisor_changes.RECIPIENT.elsewhere)),
        (team.owner, str(supervisor_changes.OWN_SUPERVISOR)),
        (w.grandchild, "rantai atasan tidak boleh melingkar"),
        (team.boss, "sudah menjadi atasan langsung"),
    ]
    for atasan, expected in cases:
        message = refused(
            lambda atasan=atasan: supervisor_changes.change_supervisor(
                team.owner, atasan, move_work=False, note="", token=None, actor=team.admin
            )
        )
        assert expected in message


def test_supervisor_change_moves_the_in_flight_work_when_asked(w):
    team = w.team
    preview = supervisor_changes.preview_supervisor_change(
        team.owner, team.other_boss, move_work=True, actor=team.admin
    )
    assert {m.target.id for m in preview.targets} == {
        w.drafted.id,
        w.discussed.id,
        w.reported.id,
    }
    assert [m.evaluation.id for m in preview.evaluations] == [w.evaluation.id]
    before = state_of_the_world()
    supervisor_changes.change_supervisor(
        team.owner,
        team.other_boss,
        move_work=True,
        note="Pindah bagian",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    after = state_of_the_world()
    assert changed(before[0], after[0]) == {
        m.target.id: team.other_boss.id for m in preview.targets
    }
    assert changed(before[3], after[3]) == {team.owner.id: team.other_boss.id}
    # Without moving the work, only the atasan changes.
    before = state_of_the_world()
    preview = supervisor_changes.preview_supervisor_change(
        team.colleague, team.other_boss, move_work=False, actor=team.admin
    )
    supervisor_changes.change_supervisor(
        team.colleague,
        team.other_boss,
        move_work=False,
        note="",
        token=preview.token,
        actor=team.admin,
    )
    db.session.commit()
    after = state_of_the_world()
    assert changed(before[0], after[0]) == {}
    assert changed(before[3], after[3]) == {team.colleague.id: team.other_boss.id}


def test_one_target_bad_inputs(w, factory):
    team = w.team
    inactive = factory.employee(team.owner.unit, active=False)
    db.session.commit()

    def move(target, to, version=None, actor=None):
        return lambda: single_target.reassign_target(
            target,
            to,
            "",
            note="",
            expected_version=target.version if version is None else version,
            actor=actor or team.admin,
        )

    assert "targetnya sendiri" in refused(move(w.discussed, team.owner))
    assert "sudah menjadi pejabat penilai" in refused(move(w.discussed, team.boss))
    assert "sudah nonaktif" in refused(move(w.discussed, inactive))
    assert "instansi yang sama" in refused(move(w.discussed, team.stranger))
    assert "melingkar" in refused(move(w.discussed, w.grandchild))
    assert "sudah ditutup dan dibekukan" in refused(move(w.frozen, w.successor))
    assert "sudah dievaluasi" in refused(move(w.evaluated, w.successor))
    assert "baru saja diubah" in refused(move(w.discussed, w.successor, version=99), Conflict)
    refused(move(w.discussed, w.successor, actor=team.boss), PermissionDenied)
    refused(move(w.discussed, w.successor, actor=team.stranger), NotFound)
    # An admin never reassigns their own target.
    own = team.factory.target(team.admin, team.period, state=DISCUSSED)
    db.session.commit()
    refused(move(own, w.successor), PermissionDenied)


def test_other_instansi_and_non_admins_cannot_preview(w):
    team = w.team
    with pytest.raises(NotFound):
        handovers.preview_handover(team.boss, w.successor, "", set_atasan=True, actor=team.stranger)
    with pytest.raises(PermissionDenied):
        handovers.preview_handover(team.boss, w.successor, "", set_atasan=True, actor=team.head)
    with pytest.raises(NotFound):
        supervisor_changes.preview_supervisor_change(
            team.owner, team.head, move_work=True, actor=team.stranger
        )


# -- one target and the interim note


def test_one_target_moves_with_its_queue_and_shows_in_the_history(w):
    team = w.team
    single_target.reassign_target(
        w.approved,
        w.successor,
        "plh",
        note="Verifikasi laporan Mei belum selesai.",
        expected_version=w.approved.version,
        actor=team.admin,
    )
    db.session.commit()
    assert verification_queue(w.successor.id)[1] == 2
    assert verification_queue(team.boss.id)[1] == 0
    view = notes.assignment_view(db.session.get(Target, w.approved.id))
    assert (view.prefix, view.acting_for.id) == ("Plh.", team.boss.id)
    assert [(n.row.note, n.role) for n in view.notes] == [
        ("Verifikasi laporan Mei belum selesai.", "admin")
    ]
    [item] = [e for e in timeline(w.approved.id) if e.kind == "reassignment"]
    assert (item.who.id, item.item.evaluator_id) == (team.admin.id, w.successor.id)
    assert "target.reassign" in audit_actions()


def test_the_departing_evaluator_leaves_a_note_that_follows_the_target(w):
    team = w.team
    notes.write_note(w.discussed, team.boss, "Target ini sudah dibahas lisan; tinggal setujui.")
    db.session.commit()
    # A double submit keeps one note.
    notes.write_note(w.discussed, team.boss, "Target ini sudah dibahas lisan; tinggal setujui.")
    db.session.commit()
    assert [e.kind for e in timeline(w.discussed.id)] == ["interim_note"]
    single_target.reassign_target(
        w.discussed,
        w.successor,
        "",
        note="Lihat catatan Pak Kepala.",
        expected_version=w.discussed.version,
        actor=team.admin,
    )
    db.session.commit()
    # Both notes of the handover show: the departing evaluator's and the admin's.
    view = notes.assignment_view(db.session.get(Target, w.discussed.id))
    assert [(n.row.note, n.row.assigned_by_id, n.role) for n in view.notes] == [
        ("Target ini sudah dibahas lisan; tinggal setujui.", team.boss.id, "previous"),
        ("Lihat catatan Pak Kepala.", team.admin.id, "admin"),
    ]
    # After one more handover, only the notes of the last one remain on the page.
    notes.write_note(db.session.get(Target, w.discussed.id), w.successor, "Sudah saya setujui.")
    single_target.reassign_target(
        db.session.get(Target, w.discussed.id),
        team.other_boss,
        "",
        note="",
        expected_version=db.session.get(Target, w.discussed.id).version,
        actor=team.admin,
    )
    db.session.commit()
    view = notes.assignment_view(db.session.get(Target, w.discussed.id))
    assert [(n.row.note, n.role) for n in view.notes] == [
        ("Lihat catatan Pak Kepala.", "admin"),
        ("Sudah saya setujui.", "previous"),
    ]
    assert audit_actions().count("target.interim_note") == 2  # the double submit kept one
    # The boss is no longer its evaluator: no more notes from them; the owner never.
    refused(lambda: notes.write_note(w.discussed, team.boss, "Lagi"), PermissionDenied)
    refused(lambda: notes.write_note(w.discussed, team.owner, "Saya"), PermissionDenied)
    assert "Tulis catatannya" in refused(lambda: notes.write_note(w.discussed, team.admin, "  "))
    too_long = "x" * (work.NOTE_MAX + 1)
    assert "paling banyak 2000" in refused(
        lambda: notes.write_note(w.discussed, team.admin, too_long)
    )
