"""The typed SQLAlchemy models, one module per area."""

from portal.models.audit import AuditEvent
from portal.models.org import Instansi, Unit
from portal.models.people import AuthFailure, Employee
from portal.models.periods import Period, Scheme

__all__ = ["AuditEvent", "AuthFailure", "Employee", "Instansi", "Period", "Scheme", "Unit"]
