"""The notification list's buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import IdField, PlainText, PortalForm, VersionField


class MarkAllForm(PortalForm):
    """ "Tandai semua sudah dibaca": up to the newest notification the list showed, so one
    that arrives meanwhile stays unread."""

    upto = IdField(message=_l("Muat ulang daftar pemberitahuan lalu ulangi."))


NOTE_LIMIT = 1000


class WrongEvaluatorForm(PortalForm):
    """The employee's report: what is wrong, in their words (optional)."""

    note = TextAreaField(
        validators=[
            PlainText(multiline=True),
            Length(
                max=NOTE_LIMIT,
                message=_l("Catatan paling banyak %(max)d karakter.", max=NOTE_LIMIT),
            ),
        ]
    )


class CloseReportForm(PortalForm):
    """The admin's answer when the evaluator on record is right: why (required)."""

    version = VersionField()
    reason = TextAreaField(
        validators=[
            PlainText(multiline=True),
            DataRequired(_l("Tulis alasannya: pegawai akan membacanya.")),
            Length(
                max=NOTE_LIMIT,
                message=_l("Alasan paling banyak %(max)d karakter.", max=NOTE_LIMIT),
            ),
        ]
    )
