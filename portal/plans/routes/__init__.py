"""The planning screens, by responsibility: the plan and its pages (``plan``), the
target editor (``editor``), the workflow buttons (``transitions``) and the discussion
(``comments``). Endpoint names are the blueprint's: ``plans.plan``, ``plans.fire`` …"""

from __future__ import annotations

from flask_login import current_user

from portal.months import month_label
from portal.plans import bp, queries
from portal.plans.routes import comments, editor, plan, transitions
from workflows.targets import STATE_LABELS, TRIGGER_DONE

__all__ = ["comments", "editor", "plan", "transitions"]


@bp.app_context_processor
def planning_helpers():
    """``inbox_count()`` for the navigation badge (queried only when a template asks),
    and the labels the planning templates read."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.inbox_count(current_user.id)

    return {
        "inbox_count": count,
        "STATE_LABELS": STATE_LABELS,
        "TRIGGER_DONE": TRIGGER_DONE,
        "month_label": month_label,
    }
