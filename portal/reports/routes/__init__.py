"""The reporting pages, by responsibility: the owner's daily log (``entries``), the
supervisor's verification queue (``verification``) and the monthly views (``month``)."""

from portal.reports.routes import entries, month, monthly_reports, verification  # noqa: F401
