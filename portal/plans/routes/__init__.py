"""The planning screens, by responsibility: the plan and its pages (``plan``), the
target editor (``editor``), the perilaku kerja expectations and lampiran
(``expectations``), the workflow buttons (``transitions``) and the discussion
(``comments``). Endpoint names are the blueprint's: ``plans.plan``, ``plans.fire`` …"""

from __future__ import annotations

from portal.months import month_label
from portal.plans import bp
from portal.plans.routes import comments, editor, expectations, plan, transitions
from workflows.targets import STATE_LABELS, TRIGGER_DONE

__all__ = ["comments", "editor", "expectations", "plan", "transitions"]


@bp.app_context_processor
def planning_helpers():
    """The labels the planning templates read."""
    return {
        "STATE_LABELS": STATE_LABELS,
        "TRIGGER_DONE": TRIGGER_DONE,
        "month_label": month_label,
    }
