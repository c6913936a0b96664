"""The audit log viewer, its CSV export, and each employee's own audit trail."""

from flask import Blueprint

bp = Blueprint("auditlog", __name__)

from portal.auditlog import routes  # noqa: E402,F401
