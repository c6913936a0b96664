"""Reassigning workflows: supervisor changes, a departing supervisor's handover, one target.

Each operation is computed first as a preview (``preview.Reassignment``) and then applied
exactly as computed (``apply``): ``handovers``, ``supervisor_changes`` and
``single_target`` are the operations; ``work`` selects the work in flight and holds the
checks they share; ``acting`` is about Plt./Plh.; ``notes`` is the interim note for the
next evaluator; ``override`` is what an admin's revert changes beyond the target.
"""

from flask import Blueprint

bp = Blueprint("reassign", __name__)

# The routes register on ``bp``; the admin's override subscribes to the engine's signal.
from portal.reassign import override, routes  # noqa: E402,F401
