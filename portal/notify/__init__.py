"""Notifications ("Pemberitahuan"): what was decided about one's work or handed to one,
written with the change (:mod:`portal.notify.events`), listed with an unread count, and
later delivered by mail (the ``notify`` command)."""

from flask import Blueprint

bp = Blueprint("notify", __name__)

from portal.notify import (  # noqa: E402,F401
    events,
    mail_routes,
    reminders,
    routes,
    thresholds_routes,
)
