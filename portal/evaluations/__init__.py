"""Evaluation by the supervisor, objections, PDF letters and follow-up (tindak lanjut)."""

from flask import Blueprint

bp = Blueprint("evaluations", __name__)

# routes serve the blueprint; batch registers the background-job handlers
from portal.evaluations import batch, routes  # noqa: E402,F401
