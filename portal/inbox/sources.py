"""The inbox's sources, in the order their sections are shown: one module per area of
work (``plans``, ``reports``, ``evaluations``, ``admin`` …) in this package. Each has

- ``items(user, today) -> list[InboxItem]``: a fixed number of SQL statements, however
  much waits;
- ``count(user, today)``: a scalar subquery of what ``items`` would count, so that the
  badge sums every source in one statement.
"""

from __future__ import annotations

from portal.inbox import admin, assigned, evaluations, monthly, periodic, plans, reports

SOURCES = (plans, assigned, reports, monthly, periodic, evaluations, admin)
