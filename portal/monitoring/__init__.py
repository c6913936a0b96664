"""The monitoring dashboard per instansi and unit, with drill-down and XLSX export."""

from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from portal.monitoring import routes  # noqa: E402,F401
