"""Whose data an audit event is about (``portal.audit.subject_of``), and a label for every
action the code records."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.audit import subject_of
from portal.auditlog.labels import ACTION_LABELS
from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryHistory,
    Evaluation,
    EvaluationTarget,
    EvaluatorAssignment,
    Evidence,
    FollowUpItem,
    FollowUpKind,
    Letter,
    MonthlyQuality,
    TargetComment,
    TargetHistory,
)
from tests.reporting_helpers import entry
from workflows.monthly import TRANSITIONS as MONTHLY_TRANSITIONS
from workflows.targets import APPROVED, TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent


def world(factory):
    head, boss, (owner,) = factory.team(1)
    period = factory.period(owner.instansi)
    target = factory.target(owner, period, state=APPROVED)
    work = entry(target, date(2026, 3, 2))
    db.session.add(work)
    db.session.flush()
    evaluation = Evaluation(
        plan_id=target.plan_id,
        employee_id=owner.id,
        period_id=period.id,
        instansi_id=owner.instansi_id,
        evaluator_id=boss.id,
    )
    db.session.add(evaluation)
    db.session.commit()
    return boss, owner, period, target, work, evaluation


def dependants(boss, target, work, evaluation) -> dict[str, object]:
    """Objects that carry no owner themselves, only the id of what they belong to."""
    return {
        "evidence": Evidence(
            entry_id=work.id,
            original_name="a.pdf",
            stored_name="x",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
        ),
        "entry history": EntryHistory(entry_id=work.id, actor_id=boss.id, action="accept"),
        "monthly quality": MonthlyQuality(
            target_id=target.id, month=1, rating=90, rated_by_id=boss.id
        ),
        "comment": TargetComment(
            target_id=target.id, author_id=boss.id, body="Baik", form_token="t"
        ),
        "target history": TargetHistory(
            target_id=target.id,
            actor_id=boss.id,
            trigger="approve",
            from_state="discussed",
            to_state="approved",
            version=2,
        ),
        "evaluator assignment": EvaluatorAssignment(target_id=target.id, evaluator_id=boss.id),
        "letter": Letter(
            code="ABC",
            evaluation_id=evaluation.id,
            instansi_id=evaluation.instansi_id,
            printed_by_id=boss.id,
        ),
        "evaluation target": EvaluationTarget(evaluation_id=evaluation.id, target_id=target.id),
        "follow-up item": FollowUpItem(
            evaluation_id=evaluation.id,
            employee_id=evaluation.employee_id,
            instansi_id=evaluation.instansi_id,
            kind=FollowUpKind.PEMBINAAN,
            description="Coaching",
            responsible_id=boss.id,
            due_date=date(2026, 12, 1),
            created_by_id=boss.id,
        ),
    }


def test_every_object_leads_to_the_employee_whose_data_it_is(factory, subtests):
    boss, owner, period, target, work, evaluation = world(factory)
    owned = {
        "employee": owner,
        "plan": target.plan,
        "target": target,
        "work entry": work,
        "evaluation": evaluation,
        **dependants(boss, target, work, evaluation),
    }
    for name, obj in owned.items():
        with subtests.test(name):
            assert subject_of(obj) == owner.id
    for name, obj in {
        "period": period,
        "instansi": owner.instansi,
        "unit": owner.unit,
        "nothing": None,
    }.items():
        with subtests.test(name):
            assert subject_of(obj) is None


def test_the_subject_costs_no_query_while_the_parent_is_loaded(factory, count_statements):
    boss, owner, period, target, work, evaluation = world(factory)
    objects = dependants(boss, target, work, evaluation)
    with count_statements() as counter:
        subjects = {name: subject_of(obj) for name, obj in objects.items()}
    assert set(subjects.values()) == {owner.id}
    assert counter.count == 0
    # A parent not in the session costs the one lookup by primary key.
    target_id = target.id
    db.session.expunge_all()
    with count_statements() as counter:
        assert subject_of(MonthlyQuality(target_id=target_id, month=1, rating=1)) == owner.id
    assert counter.count == 1


def test_events_written_by_the_services_name_the_owner(factory, db):
    boss, owner, period, target, work, evaluation = world(factory)
    from portal.plans.services import add_comment

    add_comment(target, boss, "Sudah sesuai.", "form-token-0000001")
    db.session.commit()
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.actor_id)
    ).all()
    assert {action for action, _, _ in events} >= {"plan.create", "target.create", "target.comment"}
    assert {subject for _, subject, _ in events} == {owner.id}


# Labels


RECORD_CALL = re.compile(r"\brecord\(\s*(.+?),\s*\n?", re.S)
QUOTED = re.compile(r'(f?)"([a-z_]+\.[a-z_{}]+)"')
# The keys behind each f-string the code records with.
EXPANSIONS = {
    "target.{trigger}": {f"target.{t.trigger}" for t in TRANSITIONS},
    "monthly_report.{trigger}": {f"monthly_report.{t.trigger}" for t in MONTHLY_TRANSITIONS},
    "entry.{action}": {"entry.accept", "entry.reject"},
    "evaluation.{choice}": {"evaluation.agree", "evaluation.object"},
}


def recorded_actions() -> set[str]:
    """Every action key written by ``audit.record(...)`` in portal/ and workflows/."""
    actions = set()
    for folder in ("portal", "workflows"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "audit.record(" not in source and "from portal.audit import record" not in source:
                continue
            for call in re.finditer(r"audit\.record\(\s*((?:[^,()]|\([^()]*\))+)", source):
                for is_f, key in QUOTED.findall(call.group(1)):
                    if is_f:
                        assert key in EXPANSIONS, f"{path}: new f-string action {key}"
                        actions |= EXPANSIONS[key]
                    else:
                        actions.add(key)
    return actions


def test_every_recorded_action_has_an_indonesian_label():
    actions = recorded_actions()
    assert {"auth.login", "target.approve", "entry.reject", "letter.print"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_every_workflow_trigger_has_a_label():
    assert {f"target.{t.trigger}" for t in TRANSITIONS} <= set(ACTION_LABELS)
