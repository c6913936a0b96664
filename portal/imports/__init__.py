"""Import and export of people and units (CSV, XLSX): preview, commit, leavers."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from portal.imports import routes  # noqa: E402,F401
