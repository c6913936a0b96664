"""Evaluation by the supervisor, objections, PDF letters and follow-up (tindak lanjut)."""

from flask import Blueprint

bp = Blueprint("evaluations", __name__)

from portal.evaluations import routes  # noqa: E402,F401
