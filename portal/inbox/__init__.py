"""The inbox ("Perlu tindakan"): every next step waiting for the signed-in person, from
every feature's source (:mod:`portal.inbox.sources`), and the navigation's badge."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from portal.inbox import routes  # noqa: E402,F401
