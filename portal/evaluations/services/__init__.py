"""Operations of evaluation: save and finish (firing ``evaluate``), respond and object,
decide the objection, plan and complete the follow-up. Each takes typed input
(``portal.evaluations.inputs``), checks it against the database, changes, audits and
flushes; the request commits once."""

from portal.evaluations.services.evaluate import (
    authorize_evaluator,
    compute,
    coverage_of,
    save,
)
from portal.evaluations.services.follow_up import (
    add_follow_up,
    close_follow_up,
    complete_follow_up,
)
from portal.evaluations.services.objection import decide_objection, respond

__all__ = [
    "add_follow_up",
    "authorize_evaluator",
    "close_follow_up",
    "complete_follow_up",
    "compute",
    "coverage_of",
    "decide_objection",
    "respond",
    "save",
]
