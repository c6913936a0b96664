"""The monitoring read model: every figure of the dashboard, the period progress page and
the XLSX export, aggregated in SQL with a fixed number of statements whatever the size.

Each aggregate takes *members*: a selectable of ``(employee_id, bucket_id)`` rows for the
active employees being counted, and answers per bucket. The bucket says what a figure is
grouped by: a listed unit with its whole subtree (the dashboard's rows), the employee's own
unit (the export), one employee (a unit's direct staff) or the instansi (the period page).
Subtrees are walked with a recursive CTE on ``unit.parent_id``.

The package: :mod:`.scope` (who is counted, grouped how; the units; the periods),
:mod:`.aggregates` (the figures per bucket) and :mod:`.lists` (the lists behind them).

Definitions (shared by the three pages):

- *approved plan*: at least one target of the period in ``approved`` or a later state.
- *late month*: as in the monthly report (``portal.reports.queries.late_months``): a month
  of the period, begun and with its report deadline (``report_deadline_day`` of the next
  month) already past, with planned quantity on an approved-or-later target, for which the
  employee had created no work entry (of any status) by the end of the deadline day in the
  portal's time zone. Read from the ``report_month`` rollup (``portal.models.rollups``).
- *verification backlog*: pending work entries of the period, per evaluator of their
  target. Read from the ``target_backlog`` rollup.
- *organisation rating* of a unit (PermenPANRB 6/2022): the evaluator records it on each
  evaluation ("Predikat kinerja organisasi (unit)"); a unit's rating is the one recorded
  most often on the final evaluations of the employees placed directly in that unit, the
  most recently evaluated one breaking a tie. The distribution check then applies it to the
  predikat of the unit's whole subtree.
"""

from portal.monitoring.queries.aggregates import (
    Figures,
    approved_plan,
    due_months,
    figures,
    late_pairs,
    organisation_ratings,
)
from portal.monitoring.queries.lists import (
    Backlog,
    LateReport,
    PlanGap,
    Queue,
    add_pending,
    late_reports,
    open_objections,
    pending_queues,
    verification_backlog,
    without_plan,
)
from portal.monitoring.queries.scope import (
    LIST_LIMIT,
    Scope,
    UnitRow,
    ancestors,
    default_period,
    direct_staff,
    employee_members,
    instansi_members,
    listed_units,
    members,
    periods,
    subtree_units,
)

__all__ = [
    "LIST_LIMIT",
    "Backlog",
    "Figures",
    "LateReport",
    "PlanGap",
    "Queue",
    "Scope",
    "UnitRow",
    "add_pending",
    "ancestors",
    "approved_plan",
    "default_period",
    "direct_staff",
    "due_months",
    "employee_members",
    "figures",
    "instansi_members",
    "late_pairs",
    "late_reports",
    "listed_units",
    "members",
    "open_objections",
    "organisation_ratings",
    "pending_queues",
    "periods",
    "subtree_units",
    "verification_backlog",
    "without_plan",
]
