"""Reassigning workflows: supervisor changes, a departing supervisor's handover, one target."""

from flask import Blueprint

bp = Blueprint("reassign", __name__)

from portal.reassign import routes  # noqa: E402,F401
