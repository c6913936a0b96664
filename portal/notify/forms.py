"""The notification list's buttons, the evaluator report, the mail preferences, the
admin's mail buttons and the reminder thresholds."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal.forms import IdField, PlainText, PortalForm, VersionField, WholeNumberField
from portal.models.notifications import MODE_DIGEST, MODE_IMMEDIATE, MODE_OFF, MODES
from portal.notify.kinds import GROUPS
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


# -- the mail preferences (``/pengaturan/pemberitahuan``) --------------------------------

UNKNOWN_MODE = _l("Pilihan pengiriman tidak dikenal.")
UNKNOWN_HOUR = _l("Pilih jam 00 sampai 23, atau kosongkan.")
HALF_QUIET = _l("Isi jam mulai dan jam selesai, atau kosongkan keduanya.")
HOURS = [SelectChoice("", "—")] + [SelectChoice(str(h), f"{h:02d}.00") for h in range(24)]


def _hour(value):
    return int(value) if value not in (None, "") and str(value).isdigit() else value or None


class _QuietHour(SelectField):
    def pre_validate(self, form) -> None:
        if self.data is not None and (not isinstance(self.data, int) or not 0 <= self.data < 24):
            raise StopValidation(str(UNKNOWN_HOUR))


def preferences_form(**kwargs) -> PortalForm:
    """A radio group per notification group a person may choose for (the groups that are
    always mailed are shown, not asked), and the quiet hours."""

    class PreferencesForm(PortalForm):
        quiet_start = _QuietHour(_l("Mulai"), choices=HOURS, coerce=_hour)
        quiet_end = _QuietHour(_l("Sampai"), choices=HOURS, coerce=_hour)

        def validate_quiet_end(self, field) -> None:
            if (self.quiet_start.data is None) != (field.data is None):
                raise ValidationError(str(HALF_QUIET))

    for group in GROUPS.values():
        if not group.always:
            setattr(
                PreferencesForm,
                f"mode_{group.key}",
                RadioField(
                    group.label,
                    choices=[
                        SelectChoice(MODE_IMMEDIATE, _l("Segera")),
                        SelectChoice(MODE_DIGEST, _l("Ringkasan harian")),
                        SelectChoice(MODE_OFF, _l("Tidak lewat email")),
                    ],
                    default=MODE_IMMEDIATE,
                    validators=[AnyOf(MODES, message=UNKNOWN_MODE)],
                    validate_choice=False,
                ),
            )
    return PreferencesForm(**kwargs)


class RetryMailForm(PortalForm):
    version = VersionField()


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
