"""Periods: create, open, close (freezing every change), and each period's progress."""

from flask import Blueprint

bp = Blueprint("periods", __name__)

from portal.periods import routes  # noqa: E402,F401
