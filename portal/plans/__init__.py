"""Planning: plans (SKP), targets (RHK), discussion, analysis, cascade and the inbox."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from portal.plans import routes  # noqa: E402,F401
