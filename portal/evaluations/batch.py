"""Printing many letters at once: all evaluated subordinates of a unit as one PDF,
as a background job, and the queries that choose them."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import aliased

from portal import jobs, policy
from portal.evaluations import letter
from portal.extensions import db
from portal.models import Employee, Evaluation, EvaluationStatus, Job, Period
from portal.policy import Action


def printable(user: Employee, period: Period, employee_ids: list[int] | None = None):
    """Final evaluations in the period that ``user`` may print, by employee name."""
    query = (
        select(Evaluation)
        .join(Employee, Employee.id == Evaluation.employee_id)
        .where(Evaluation.period_id == period.id, Evaluation.status == EvaluationStatus.FINAL)
        .order_by(Employee.name, Employee.id)
    )
    if employee_ids is not None:
        query = query.where(Evaluation.employee_id.in_(employee_ids))
    return [e for e in db.session.scalars(query) if policy.can(user, Action.VIEW_EVALUATION, e)]


def subtree_ids(user: Employee) -> list[int]:
    """Everyone below ``user`` in the supervisor chain (one recursive query)."""
    below = aliased(Employee)
    tree = (
        select(Employee.id.label("id"), literal(1).label("depth"))
        .where(Employee.atasan_id == user.id)
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        select(below.id, tree.c.depth + 1)
        .join(tree, below.atasan_id == tree.c.id)
        .where(tree.c.depth < 64)
    )
    return list(db.session.scalars(select(tree.c.id)))


@jobs.handler("unit_letters")
def unit_letters(job: Job, progress) -> str:
    user = db.session.get(Employee, job.created_by_id)
    evaluations = [db.session.get(Evaluation, i) for i in job.params["evaluation_ids"]]
    evaluations = [e for e in evaluations if e is not None]
    progress(0, len(evaluations))
    pdf = letter.letters_of(evaluations, user, progress)
    db.session.commit()
    name = f"surat-evaluasi-{job.id}.pdf"
    (jobs.results_folder() / name).write_bytes(pdf)
    return name
