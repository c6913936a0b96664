"""Targets created after a handover to an acting official (Plt./Plh.): the recipient
became the team's atasan, so new targets take them as evaluator, and the target page
shows them as it shows the handed-over targets, "Plt. … (menggantikan …)", until the
employee's atasan changes again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Employee, EvaluatorAssignment, Target
from portal.reassign import handovers, notes, supervisor_changes
from tests.evaluation_helpers import Team
from tests.factories import employee_form
from tests.test_reassign import World, build_world

LABELS = {"plt": "Plt.", "plh": "Plh."}


@pytest.fixture
def w(factory, monkeypatch) -> World:
    """The boss leaves; ``discussed`` (the owner's) is among the targets handed over."""
    return build_world(factory, monkeypatch)


def hand_over(departing: Employee, to: Employee, acting: str, admin: Employee) -> None:
    preview = handovers.preview_handover(departing, to, acting, set_atasan=True, actor=admin)
    handovers.hand_over(
        departing, to, acting, set_atasan=True, note="", token=preview.token, actor=admin
    )
    db.session.commit()


def change_supervisor(employee: Employee, atasan: Employee, admin: Employee) -> None:
    preview = supervisor_changes.preview_supervisor_change(
        employee, atasan, move_work=False, actor=admin
    )
    supervisor_changes.change_supervisor(
        employee, atasan, move_work=False, note="", token=preview.token, actor=admin
    )
    db.session.commit()


def edit_in_the_form(admin_client, employee: Employee, **changes) -> None:
    """The admin's employee form, sending everything as it is but ``changes``."""
    employee = db.session.get(Employee, employee.id)
    response = admin_client.post(
        f"/admin/pegawai/{employee.id}/ubah", employee_form(employee, **changes)
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.expire_all()


def new_target(team: Team, owner: Employee | None = None) -> Target:
    target = team.factory.target(db.session.get(Employee, (owner or team.owner).id), team.period)
    db.session.commit()
    return target


def evaluator_shown(target: Target) -> tuple[int, str, int | None]:
    """(evaluator, prefix, acting for) as the target page shows them."""
    target = db.session.get(Target, target.id)
    view = notes.assignment_view(target)
    return target.evaluator_id, view.prefix, view.acting_for.id if view.acting_for else None


@pytest.mark.parametrize("acting", ["plt", "plh"])
def test_a_target_created_after_the_handover_shows_the_acting_official(
    w, acting, signed_in, no_inline_code
):
    team = w.team
    hand_over(team.boss, w.successor, acting, team.admin)
    owner = signed_in(team.owner)

    response = owner.post(
        f"/skp/{team.period.id}/pegawai/{team.owner.id}/target/baru",
        {
            "title": "Tersusunnya kajian beban kerja",
            "kind": "utama",
            "indicator": "Laporan selesai tepat waktu",  # the kuantitas IKI
            "quantity": "12",
            "quantity_unit": "laporan",
            "quality_target": "100",
            "time_months": "12",
            **{f"month_{i}": "1" for i in range(1, 13)},
        },
    )

    assert response.status_code == 303
    created = db.session.scalar(
        select(Target).where(Target.title == "Tersusunnya kajian beban kerja")
    )
    # The same as on the target handed over, and so recorded on its first assignment row.
    assert evaluator_shown(created) == evaluator_shown(w.discussed)
    assert evaluator_shown(created) == (w.successor.id, LABELS[acting], team.boss.id)
    [row] = db.session.scalars(
        select(EvaluatorAssignment).where(EvaluatorAssignment.target_id == created.id)
    )
    assert (row.evaluator_id, row.acting, row.acting_for_id) == (
        w.successor.id,
        acting,
        team.boss.id,
    )
    page = owner.get(f"/target/{created.id}").get_data(as_text=True)
    assert f"{LABELS[acting]} {w.successor.display_name}" in page
    assert f"menggantikan {team.boss.display_name}" in page
    # The colleague, the boss's other subordinate, too.
    assert evaluator_shown(new_target(team, team.colleague)) == (
        w.successor.id,
        LABELS[acting],
        team.boss.id,
    )


def test_a_target_created_after_a_definitive_supervisor_change_shows_no_plt(w, signed_in):
    team = w.team
    hand_over(team.boss, w.successor, "plt", team.admin)
    change_supervisor(db.session.get(Employee, team.owner.id), team.other_boss, team.admin)

    created = new_target(team)

    assert evaluator_shown(created) == (team.other_boss.id, "", None)
    page = signed_in(team.owner).get(f"/target/{created.id}").get_data(as_text=True)
    assert team.other_boss.display_name in page
    assert "Plt." not in page
    assert "menggantikan" not in page
    # The target handed over stays with the acting official, as such.
    assert evaluator_shown(w.discussed) == (w.successor.id, "Plt.", team.boss.id)


def _back_in_the_reassignment_screen(w: World, signed_in) -> None:
    owner = db.session.get(Employee, w.team.owner.id)
    change_supervisor(owner, w.team.other_boss, w.team.admin)
    change_supervisor(owner, w.successor, w.team.admin)


def _back_in_the_employee_form(w: World, signed_in) -> None:
    admin = signed_in(w.team.admin)
    edit_in_the_form(admin, w.team.owner, atasan_nip=w.team.other_boss.nip_display)
    edit_in_the_form(admin, w.team.owner, atasan_nip=w.successor.nip_display)


@pytest.mark.parametrize(
    "definitive", [_back_in_the_reassignment_screen, _back_in_the_employee_form]
)
def test_the_same_person_made_atasan_again_definitively_is_no_longer_acting(
    w, definitive, signed_in
):
    """Away and back to the acting official: the latest change says definitive."""
    team = w.team
    hand_over(team.boss, w.successor, "plt", team.admin)

    definitive(w, signed_in)

    assert evaluator_shown(new_target(team)) == (w.successor.id, "", None)


def test_a_new_handover_by_the_acting_official_decides_anew(w):
    team = w.team
    hand_over(team.boss, w.successor, "plt", team.admin)
    hand_over(db.session.get(Employee, w.successor.id), team.other_boss, "", team.admin)
    assert evaluator_shown(new_target(team)) == (team.other_boss.id, "", None)

    hand_over(db.session.get(Employee, team.other_boss.id), w.successor, "plh", team.admin)
    assert evaluator_shown(new_target(team)) == (w.successor.id, "Plh.", team.other_boss.id)


def test_other_changes_of_the_employee_keep_the_acting_official(w, signed_in):
    team = w.team
    hand_over(team.boss, w.successor, "plt", team.admin)

    edit_in_the_form(signed_in(team.admin), team.owner, jabatan="Analis SDM Aparatur")

    assert evaluator_shown(new_target(team)) == (w.successor.id, "Plt.", team.boss.id)


def test_a_subordinate_taking_over_answers_to_the_next_level_definitively(w):
    """The owner becomes Plt. of their own boss's post: their new atasan (the boss's
    supervisor) is not acting for anyone, so their own new targets show no Plt."""
    team = w.team
    hand_over(team.boss, db.session.get(Employee, team.owner.id), "plt", team.admin)

    assert evaluator_shown(new_target(team)) == (team.head.id, "", None)
    assert evaluator_shown(new_target(team, team.colleague)) == (
        team.owner.id,
        "Plt.",
        team.boss.id,
    )


def test_without_a_handover_new_targets_show_a_definitive_evaluator(w):
    assert evaluator_shown(new_target(w.team)) == (w.team.boss.id, "", None)


def test_the_preview_says_the_team_gets_an_acting_atasan(w, signed_in, no_inline_code):
    team = w.team
    page = (
        signed_in(team.admin)
        .get(
            f"/admin/pengalihan/pegawai/{team.boss.id}",
            query_string={
                "step": "preview",
                "to": str(w.successor.id),
                "acting": "plt",
                "set_atasan": "1",
            },
        )
        .get_data(as_text=True)
    )

    assert f"{team.colleague.display_name}</span>" in page
    assert f"→ Plt. {w.successor.display_name}</span>" in page
