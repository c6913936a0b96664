"""The compare-and-swap every change of an evaluation goes through."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from portal.concurrency import compare_and_swap
from portal.evaluations.messages import CHANGED_ELSEWHERE
from portal.models import Evaluation


def claim(evaluation: Evaluation, *conditions, bump: bool = True, **values) -> None:
    """Set ``values`` (and bump the version) only if nobody changed the row since it was
    read and ``conditions`` still hold; else a :class:`~portal.errors.Conflict`."""
    if bump:
        values = {"version": evaluation.version + 1, **values}
    read = (Evaluation.id == evaluation.id, Evaluation.version == evaluation.version)
    compare_and_swap(
        update(Evaluation).where(*read, *conditions).values(**values), CHANGED_ELSEWHERE
    )
    for name, value in values.items():
        set_committed_value(evaluation, name, value)
