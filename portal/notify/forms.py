"""The notification list's buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.forms import IdField, PortalForm


class MarkAllForm(PortalForm):
    """ "Tandai semua sudah dibaca": up to the newest notification the list showed, so one
    that arrives meanwhile stays unread."""

    upto = IdField(message=_l("Muat ulang daftar pemberitahuan lalu ulangi."))
