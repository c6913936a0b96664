"""The period forms: each rule of a period's settings, with its message beside its field in
the user's language, is a validator here; the service gets a checked :class:`PeriodInput`
and adds the rules that need the database (unique name, no overlap, nobody changed it
meanwhile).

A setting fixed by what already hangs on the period (:class:`portal.periods.queries.Locks`)
may be left out of the post (a disabled input posts nothing) and keeps its value; posted
with another value, it is refused with the reason it is fixed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal.forms import PlainText, PortalForm, WholeNumberField
from portal.models import Cadence, Period, Scheme
from portal.numbers import parse_whole
from portal.periods.queries import Locks
from portal.periods.services import PeriodInput

NAME_MAX = 100
REASON_MAX = 2000
MAX_MONTHS = 12
# Evaluations are finished after the period ends: allow up to this many months after it.
EVALUATION_MONTHS_AFTER = 3
DEFAULT_WEIGHTS = (60, 40)  # PP 46/2011; PP 30/2019 used 70/30

NAME_REQUIRED = _l("Nama periode wajib diisi, misalnya “Tahun 2027”.")
NAME_TOO_LONG = _l("Nama periode paling banyak %(max)s karakter.", max=NAME_MAX)
DATE_REQUIRED = _l("%(label)s wajib diisi.")
DATE_INVALID = _l("%(label)s tidak valid; gunakan format tanggal-bulan-tahun.")
START_NOT_FIRST = _l("Periode dimulai pada tanggal 1 suatu bulan (rincian target bulanan).")
END_NOT_LAST = _l("Periode berakhir pada tanggal terakhir suatu bulan.")
END_NOT_AFTER_START = _l("Tanggal selesai harus sesudah tanggal mulai.")
TOO_LONG = _l("Periode paling lama %(max)s bulan (terisi %(months)s bulan).")
SCHEME_REQUIRED = _l("Pilih skema penilaian: PP 46/2011 atau PermenPANRB 6/2022.")
CADENCE_REQUIRED = _l("Pilih jadwal evaluasi periodik: bulanan, triwulanan atau semesteran.")
WEIGHTS_NOT_100 = _l(
    "Bobot SKP dan bobot perilaku harus berjumlah 100 (sekarang %(skp)s + %(perilaku)s = %(sum)s)."
)
REPORT_DAY_INVALID = _l(
    "Tanggal batas laporan bulanan harus bilangan 1 sampai 28 (ada di setiap bulan)."
)
PLANNING_OUTSIDE = _l("Batas penyusunan SKP harus di dalam periode (%(start)s s.d. %(end)s).")
EVALUATION_OUTSIDE = _l(
    "Batas evaluasi harus sesudah batas penyusunan SKP dan paling lambat "
    "%(months)s bulan setelah periode berakhir (%(earliest)s s.d. %(latest)s)."
)
REASON_REQUIRED = _l("Tuliskan alasan membuka kembali periode ini (dicatat di log audit).")
REASON_TOO_LONG = _l("Alasan paling banyak %(max)s karakter.", max=REASON_MAX)

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_later(day: date, months: int) -> date:
    """The last day of the month ``months`` after ``day``'s month."""
    index = day.month - 1 + months
    return month_end(date(day.year + index // 12, index % 12 + 1, 1))


def month_span(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _dmy(day: date) -> str:
    return f"{day:%d-%m-%Y}"


def fill(message, **values) -> str:
    """A message with placeholders (``%(label)s``), translated now and filled."""
    return str(message) % values


class DayFirstDateField(StringField):
    """A date as a date input posts it (``2026-01-31``) or typed by hand (``31-01-2026``).

    ``named`` is how the messages call the field (the label may say more, such as
    "(opsional)"); ``data`` is a ``date`` or ``None``.
    """

    def __init__(self, label=None, validators=None, *, named, required=True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.named, self.required = named, required

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            if self.required:
                raise ValueError(fill(DATE_REQUIRED, label=self.named))
            return
        try:
            if match := _DAY_FIRST.match(raw):
                day, month, year = (int(part) for part in match.groups())
                self.data = date(year, month, day)
            else:
                self.data = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(fill(DATE_INVALID, label=self.named)) from None


class NamedWholeNumberField(WholeNumberField):
    """A whole number whose messages call it ``named`` (shorter than its label), or say
    ``message`` whatever was wrong."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, named, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.named, self.message = named, message

    def process_formdata(self, valuelist) -> None:
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        try:
            self.data = parse_whole(
                self.raw_text, str(self.named), minimum=self.minimum, maximum=self.maximum
            )
        except ValueError as exc:
            self.data = None
            raise ValueError(str(self.message or exc)) from None


class KeptWhenLocked:
    """First on a setting that :class:`Locks` may fix: not posted, it keeps the period's
    value; posted with another value, it is refused with the reason it is fixed."""

    def __call__(self, form: PeriodForm, field) -> None:
        if form.current is None or not form.locks.locked(field.name):
            return
        kept = getattr(form.current, field.name)
        if not field.raw_data:
            field.process_errors, field.errors[:] = [], []
            field.data = kept
            raise StopValidation()
        if field.data is not None and field.data != kept:
            field.errors[:] = []
            raise StopValidation(form.locks.reason(field.name))


def _scheme_or_none(value) -> Scheme | None:
    try:
        return Scheme(value or "")
    except ValueError:
        return None


def _cadence_or_none(value) -> Cadence | None:
    try:
        return Cadence(value or "")
    except ValueError:
        return None


class CadenceField(SelectField):
    """The cadence of the periodic evaluations; not posted, it is the period's own (or the
    default, quarterly, for a new one), so older forms and clients keep working."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        super().process_formdata(valuelist)


def _squeeze(value: str | None) -> str:
    return " ".join((value or "").split())


def _strip(value: str | None) -> str:
    return (value or "").strip()


class PeriodForm(PortalForm):
    """A period's settings. ``current`` and ``locks`` are the period being changed and
    what fixes its settings (none when a period is prepared)."""

    name = StringField(
        _l("Nama periode"),
        description=_l("Misalnya “Tahun 2027” atau “Triwulan I 2027”."),
        filters=[_squeeze],
        validators=[PlainText()],
    )
    start_date = DayFirstDateField(
        _l("Tanggal mulai"),
        [KeptWhenLocked()],
        named=_l("Tanggal mulai"),
        description=_l("Tanggal 1 suatu bulan. Periode paling lama %(max)s bulan.", max=MAX_MONTHS),
    )
    end_date = DayFirstDateField(
        _l("Tanggal selesai"),
        [KeptWhenLocked()],
        named=_l("Tanggal selesai"),
        description=_l("Tanggal terakhir suatu bulan."),
    )
    scheme = SelectField(
        _l("Skema penilaian"),
        [KeptWhenLocked()],
        choices=[SelectChoice(s.value, s.label) for s in Scheme],
        coerce=_scheme_or_none,
        validate_choice=False,  # the validator says which value is wrong, in the user's words
        description=_l(
            "PP 46/2011: nilai angka dari kuantitas, kualitas, waktu dan biaya. "
            "PermenPANRB 6/2022: rating hasil kerja dan perilaku, predikat dari matriks."
        ),
    )
    cadence = CadenceField(
        _l("Jadwal evaluasi periodik"),
        [KeptWhenLocked()],
        choices=[SelectChoice(c.value, c.label) for c in Cadence],
        coerce=_cadence_or_none,
        default=Cadence.TRIWULANAN,
        validate_choice=False,
        description=_l(
            "Atasan mengevaluasi bawahannya di akhir setiap bulan, triwulan (biasanya) atau "
            "semester. Tidak dapat diubah setelah ada evaluasi periodik."
        ),
    )
    weight_skp = NamedWholeNumberField(
        _l("Bobot SKP (%)"),
        [KeptWhenLocked()],
        named=_l("Bobot SKP"),
        minimum=0,
        maximum=100,
        default=DEFAULT_WEIGHTS[0],
    )
    weight_perilaku = NamedWholeNumberField(
        _l("Bobot perilaku kerja (%)"),
        [KeptWhenLocked()],
        named=_l("Bobot perilaku"),
        minimum=0,
        maximum=100,
        default=DEFAULT_WEIGHTS[1],
    )
    planning_deadline = DayFirstDateField(
        _l("Batas penyusunan SKP"),
        named=_l("Batas penyusunan SKP"),
        description=_l("Target pegawai diajukan dan disetujui paling lambat tanggal ini."),
    )
    report_deadline_day = NamedWholeNumberField(
        _l("Tanggal batas laporan bulanan"),
        named=_l("Tanggal batas laporan bulanan"),
        message=REPORT_DAY_INVALID,
        minimum=1,
        maximum=28,
        default=5,
        description=_l(
            "Laporan suatu bulan jatuh tempo pada tanggal ini di bulan berikutnya (1–28)."
        ),
    )
    evaluation_deadline = DayFirstDateField(
        _l("Batas evaluasi (opsional)"),
        named=_l("Batas evaluasi"),
        required=False,
        description=_l(
            "Evaluasi tahunan selesai paling lambat tanggal ini; boleh sampai "
            "%(months)s bulan setelah periode berakhir.",
            months=EVALUATION_MONTHS_AFTER,
        ),
    )

    def __init__(self, *args, current: Period | None = None, locks: Locks | None = None, **kw):
        super().__init__(*args, **kw)
        self.current, self.locks = current, locks or Locks()
        if current is not None and not self.cadence.raw_data:
            self.cadence.data = current.cadence

    @classmethod
    def of(cls, period: Period, locks: Locks) -> PeriodForm:
        """The form showing ``period``'s settings as they are."""
        form = cls(formdata=None, current=period, locks=locks)
        for name in PeriodInput.names():
            getattr(form, name).data = getattr(period, name)
        return form

    def _dates(self) -> tuple[date, date] | None:
        """Start and end, when both are valid."""
        start, end = self.start_date, self.end_date
        if start.data is None or end.data is None or start.errors or end.errors:
            return None
        return start.data, end.data

    def validate_name(self, field) -> None:
        if not field.data:
            raise StopValidation(str(NAME_REQUIRED))
        if len(field.data) > NAME_MAX:
            raise StopValidation(str(NAME_TOO_LONG))

    def validate_start_date(self, field) -> None:
        if field.data is not None and field.data.day != 1:
            raise ValidationError(str(START_NOT_FIRST))

    def validate_end_date(self, field) -> None:
        end, start = field.data, self.start_date.data
        if end is None:
            return
        if end != month_end(end):
            raise StopValidation(str(END_NOT_LAST))
        if start is None:
            return
        if end <= start:
            raise ValidationError(str(END_NOT_AFTER_START))
        if month_span(start, end) > MAX_MONTHS:
            raise ValidationError(fill(TOO_LONG, max=MAX_MONTHS, months=month_span(start, end)))

    def validate_scheme(self, field) -> None:
        if field.data is None:
            raise StopValidation(str(SCHEME_REQUIRED))

    def validate_cadence(self, field) -> None:
        if field.data is None:
            raise StopValidation(str(CADENCE_REQUIRED))

    def validate_weight_perilaku(self, field) -> None:
        skp, perilaku = self.weight_skp.data, field.data
        if skp is not None and perilaku is not None and skp + perilaku != 100:
            raise ValidationError(
                fill(WEIGHTS_NOT_100, skp=skp, perilaku=perilaku, sum=skp + perilaku)
            )

    def validate_planning_deadline(self, field) -> None:
        dates = self._dates()
        if field.data is not None and dates and not dates[0] <= field.data <= dates[1]:
            raise ValidationError(fill(PLANNING_OUTSIDE, start=_dmy(dates[0]), end=_dmy(dates[1])))

    def validate_evaluation_deadline(self, field) -> None:
        dates = self._dates()
        if field.data is None or not dates:
            return
        start, end = dates
        planning = self.planning_deadline.data
        latest = months_later(end, EVALUATION_MONTHS_AFTER)
        earliest = planning if planning is not None and start <= planning <= end else start
        if not earliest < field.data <= latest:
            raise ValidationError(
                fill(
                    EVALUATION_OUTSIDE,
                    months=EVALUATION_MONTHS_AFTER,
                    earliest=_dmy(earliest),
                    latest=_dmy(latest),
                )
            )

    def to_input(self) -> PeriodInput:
        return PeriodInput(**{name: getattr(self, name).data for name in PeriodInput.names()})


class EditPeriodForm(PeriodForm):
    # The fingerprint of the settings the form was shown with (services.fingerprint).
    seen = HiddenField(filters=[_strip], validators=[PlainText()])


class ReasonForm(PortalForm):
    reason = TextAreaField(
        _l("Alasan membuka kembali"),
        description=_l("Wajib; dicatat di log audit bersama nama Anda."),
        filters=[_strip],
        validators=[PlainText(multiline=True)],
    )

    def validate_reason(self, field) -> None:
        if not field.data:
            raise StopValidation(str(REASON_REQUIRED))
        if len(field.data) > REASON_MAX:
            raise StopValidation(str(REASON_TOO_LONG))
