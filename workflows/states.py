"""The states of a target and the workflow roles, as names only.

``drafted → discussed → approved → reported → evaluated → followed_up``

Constants and nothing else, so that any layer may import them: the models (the rollup
triggers compare states in SQL), the policy, the queries and the templates' view models.
What people read is in :data:`workflows.targets.STATE_LABELS`; the moves between the
states are the table in :mod:`workflows.targets`.
"""

from __future__ import annotations

DRAFTED = "drafted"
DISCUSSED = "discussed"
APPROVED = "approved"
REPORTED = "reported"
EVALUATED = "evaluated"
FOLLOWED_UP = "followed_up"
STATES = (DRAFTED, DISCUSSED, APPROVED, REPORTED, EVALUATED, FOLLOWED_UP)
# An approved plan: its targets in these states count as planned work.
APPROVED_OR_LATER = (APPROVED, REPORTED, EVALUATED, FOLLOWED_UP)

# Who fires a trigger, relative to the target (``portal.policy.target_roles``).
OWNER, EVALUATOR, ADMIN = "owner", "evaluator", "admin"
