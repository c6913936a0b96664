"""The typed SQLAlchemy models, one module per area."""

from portal.models.audit import AuditEvent
from portal.models.evaluations import (
    Evaluation,
    EvaluationExclusion,
    EvaluationStatus,
    EvaluationTarget,
    FollowUpItem,
    FollowUpKind,
    Letter,
)
from portal.models.imports import ImportBatch
from portal.models.jobs import Job
from portal.models.monthly import MonthlyReport, MonthlyReportHistory, MonthlyReportTarget
from portal.models.notifications import (
    EvaluatorReport,
    MailMessage,
    Notification,
    NotificationPreference,
    NotifySettings,
)
from portal.models.org import Instansi, Unit
from portal.models.people import AuthFailure, Employee
from portal.models.perilaku import PlanExpectation, PlanLampiran
from portal.models.periodic import PeriodicEvaluation, PeriodicStatus, PeriodicTarget
from portal.models.periods import Cadence, Period, Scheme
from portal.models.plans import (
    EvaluatorAssignment,
    IndicatorAspect,
    MonthlyTarget,
    Pendekatan,
    Perspektif,
    Plan,
    SkpForm,
    Target,
    TargetComment,
    TargetHistory,
    TargetIndicator,
    TargetKind,
    TargetRevision,
)
from portal.models.reports import EntryHistory, EntryStatus, Evidence, MonthlyQuality, WorkEntry
from portal.models.rollups import ReportMonth, TargetBacklog

__all__ = [
    "AuditEvent",
    "AuthFailure",
    "Cadence",
    "Employee",
    "EntryHistory",
    "EntryStatus",
    "Evaluation",
    "EvaluationStatus",
    "EvaluationExclusion",
    "EvaluationTarget",
    "Evidence",
    "FollowUpItem",
    "FollowUpKind",
    "ImportBatch",
    "EvaluatorAssignment",
    "EvaluatorReport",
    "IndicatorAspect",
    "Instansi",
    "Job",
    "Letter",
    "MailMessage",
    "MonthlyQuality",
    "MonthlyReport",
    "MonthlyReportHistory",
    "MonthlyReportTarget",
    "MonthlyTarget",
    "Notification",
    "NotificationPreference",
    "NotifySettings",
    "Pendekatan",
    "Period",
    "PeriodicEvaluation",
    "PeriodicStatus",
    "PeriodicTarget",
    "Perspektif",
    "Plan",
    "PlanExpectation",
    "PlanLampiran",
    "ReportMonth",
    "Scheme",
    "SkpForm",
    "Target",
    "TargetBacklog",
    "TargetComment",
    "TargetHistory",
    "TargetIndicator",
    "TargetKind",
    "TargetRevision",
    "Unit",
    "WorkEntry",
]
