"""People: profiles, and the admin's list and form of employees."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from portal.people import routes  # noqa: E402,F401
