"""The notification list's buttons, the evaluator report and the reminder thresholds."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation
from wtforms.widgets import TextInput

from portal.forms import IdField, PlainText, PortalForm, VersionField, WholeNumberField
from portal.notify.thresholds import ZONES, Saved, Thresholds


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


class ZoneField(SelectField):
    """One of :data:`thresholds.ZONES`; anything else is refused in the user's language
    (WTForms' own "Not a valid choice" is English)."""

    def pre_validate(self, form) -> None:
        if self.data not in {choice.value for choice in self.choices}:
            raise StopValidation(str(UNKNOWN_ZONE))


UNKNOWN_ZONE = _l("Pilih salah satu zona waktu dari daftar.")
DAYS_LIMIT = 60


class DaysField(WholeNumberField):
    """A whole number typed in a text box (the Indonesian way, by ``parse_whole``)."""

    widget = TextInput()


def _days(label) -> DaysField:
    return DaysField(
        label,
        minimum=1,
        maximum=DAYS_LIMIT,
        description=_l("Hari kerja, 1 sampai %(max)d.", max=DAYS_LIMIT),
    )


class ThresholdsForm(PortalForm):
    """The instansi's reminder thresholds, in working days (weekends and holidays are not
    counted), and the hour of the daily digest."""

    version = VersionField()
    timezone = ZoneField(
        _l("Zona waktu instansi"), choices=[SelectChoice(value, label) for value, label in ZONES]
    )
    planning_notice_days = _days(_l("Pengingat sebelum batas penyusunan SKP"))
    monthly_notice_days = _days(_l("Pengingat sebelum batas laporan bulanan"))
    verify_remind_days = _days(_l("Laporan harian belum diverifikasi: ingatkan atasan setelah"))
    verify_escalate_days = _days(
        _l("Lalu eskalasi ke atasan dari atasan dan admin setelah tambahan")
    )
    objection_notice_days = _days(_l("Pengingat sebelum batas keputusan keberatan"))
    follow_up_notice_days = _days(_l("Pengingat sebelum tindak lanjut jatuh tempo"))
    digest_hour = DaysField(
        _l("Jam pengiriman ringkasan harian"),
        minimum=0,
        maximum=23,
        description=_l("Jam 0 sampai 23, waktu setempat instansi."),
    )

    @classmethod
    def of(cls, saved: Saved) -> ThresholdsForm:
        return cls(formdata=None, data={**asdict(saved.thresholds), "version": saved.version})

    def to_thresholds(self) -> Thresholds:
        return Thresholds(**{name: self[name].data for name in Thresholds.names()})
