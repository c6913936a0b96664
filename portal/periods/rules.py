"""What a period's settings may be: the admin's form read and checked, and which settings
are fixed once work hangs on the period (:class:`Locks`).

Every rule, with its message per field, lives here, so the form, an import or a test
posting the same fields are checked alike; :mod:`portal.periods.services` applies the
result.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Evaluation, Period, Scheme, Target
from portal.numbers import parse_whole

NAME_MAX = 100
MAX_MONTHS = 12
# Evaluations are finished after the period ends: allow up to this many months after it.
EVALUATION_MONTHS_AFTER = 3
DEFAULT_WEIGHTS = (60, 40)  # PP 46/2011; PP 30/2019 used 70/30

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass
class PeriodInput:
    """What the admin says about a period."""

    name: str
    start_date: date
    end_date: date
    scheme: Scheme
    weight_skp: int
    weight_perilaku: int
    planning_deadline: date
    report_deadline_day: int
    evaluation_deadline: date | None


FIELDS = tuple(f.name for f in fields(PeriodInput))


@dataclass(frozen=True)
class Locks:
    """What already hangs on a period, and so which of its settings are fixed.

    Monthly targets are laid out over the period's months and scored by its scheme:
    once a target exists, the dates and the scheme stay. Final scores were computed
    with the weights: once an evaluation exists, the weights stay.
    """

    targets: int = 0
    evaluations: int = 0

    @property
    def dates(self) -> bool:
        return self.targets > 0

    @property
    def weights(self) -> bool:
        return self.evaluations > 0

    def locked(self, name: str) -> bool:
        if name in ("start_date", "end_date", "scheme"):
            return self.dates
        if name in ("weight_skp", "weight_perilaku"):
            return self.weights
        return False

    def reason(self, name: str) -> str | None:
        if name in ("start_date", "end_date", "scheme") and self.dates:
            return ngettext(
                "Tidak dapat diubah: sudah ada %(num)d target pada periode ini "
                "(rincian bulanan dan penilaiannya bergantung pada tanggal dan skema).",
                "Tidak dapat diubah: sudah ada %(num)d target pada periode ini "
                "(rincian bulanan dan penilaiannya bergantung pada tanggal dan skema).",
                self.targets,
            )
        if name in ("weight_skp", "weight_perilaku") and self.weights:
            return ngettext(
                "Tidak dapat diubah: sudah ada %(num)d evaluasi yang nilainya "
                "dihitung dengan bobot ini.",
                "Tidak dapat diubah: sudah ada %(num)d evaluasi yang nilainya "
                "dihitung dengan bobot ini.",
                self.evaluations,
            )
        return None


def locks_of(period: Period) -> Locks:
    row = db.session.execute(
        select(
            select(func.count())
            .select_from(Target)
            .where(Target.period_id == period.id)
            .scalar_subquery(),
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.period_id == period.id)
            .scalar_subquery(),
        )
    ).one()
    return Locks(targets=row[0], evaluations=row[1])


def fingerprint(period: Period) -> str:
    """A short digest of the period's settings and status, posted back by the edit form:
    a change by someone else since the form was shown is then a conflict, not lost."""
    values = [str(getattr(period, name)) for name in (*FIELDS, "status")]
    return hashlib.sha256("|".join(values).encode()).hexdigest()[:16]


def _date(raw: str | None) -> date | None:
    """``2026-01-31`` (what a date input posts) or ``31-01-2026`` (typed by hand)."""
    raw = (raw or "").strip()
    try:
        if match := _DAY_FIRST.match(raw):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months_later(day: date, months: int) -> date:
    """The last day of the month ``months`` after ``day``'s month."""
    index = day.month - 1 + months
    return _month_end(date(day.year + index // 12, index % 12 + 1, 1))


def month_span(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def parse_period_input(
    form: Mapping, current: Period | None = None, locks: Locks = Locks()
) -> PeriodInput:
    """Read and check the period form; raise :class:`InvalidInput` with every error.

    A locked setting (see :class:`Locks`) may be left out of the form (a disabled
    input posts nothing) and keeps its value; posted with another value, it is an error.
    """
    errors: dict[str, str] = {}

    def raw(name: str) -> str | None:
        value = form.get(name)
        if value is None and current is not None and locks.locked(name):
            return None
        return value

    name = " ".join((form.get("name") or "").split())
    if not name:
        errors["name"] = _("Nama periode wajib diisi, misalnya “Tahun 2027”.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Nama periode paling banyak %(max)s karakter.", max=NAME_MAX)

    def a_date(field: str, label: str, required: bool = True) -> date | None:
        text = raw(field)
        if text is None and current is not None and locks.locked(field):
            return getattr(current, field)
        if not (text or "").strip():
            if required:
                errors[field] = _("%(label)s wajib diisi.", label=label)
            return None
        value = _date(text)
        if value is None:
            errors[field] = _(
                "%(label)s tidak valid; gunakan format tanggal-bulan-tahun.", label=label
            )
        return value

    start = a_date("start_date", _("Tanggal mulai"))
    end = a_date("end_date", _("Tanggal selesai"))
    if start is not None and start.day != 1:
        errors["start_date"] = _(
            "Periode dimulai pada tanggal 1 suatu bulan (rincian target bulanan)."
        )
    if end is not None and end != _month_end(end):
        errors["end_date"] = _("Periode berakhir pada tanggal terakhir suatu bulan.")
    if start is not None and end is not None and "end_date" not in errors:
        if end <= start:
            errors["end_date"] = _("Tanggal selesai harus sesudah tanggal mulai.")
        elif month_span(start, end) > MAX_MONTHS:
            errors["end_date"] = _(
                "Periode paling lama %(max)s bulan (terisi %(months)s bulan).",
                max=MAX_MONTHS,
                months=month_span(start, end),
            )
    dates_ok = (
        start is not None and end is not None and not {"start_date", "end_date"} & set(errors)
    )

    scheme_raw = raw("scheme")
    scheme = None
    if scheme_raw is None and current is not None and locks.locked("scheme"):
        scheme = current.scheme
    else:
        try:
            scheme = Scheme(scheme_raw or "")
        except ValueError:
            errors["scheme"] = _("Pilih skema penilaian: PP 46/2011 atau PermenPANRB 6/2022.")

    def number(field: str, label: str, minimum: int, maximum: int) -> int | None:
        text = raw(field)
        if text is None and current is not None and locks.locked(field):
            return getattr(current, field)
        try:
            return parse_whole(text, label, minimum=minimum, maximum=maximum)
        except ValueError as exc:
            errors[field] = str(exc)
            return None

    weight_skp = number("weight_skp", _("Bobot SKP"), 0, 100)
    weight_perilaku = number("weight_perilaku", _("Bobot perilaku"), 0, 100)
    if (
        weight_skp is not None
        and weight_perilaku is not None
        and weight_skp + weight_perilaku != 100
    ):
        errors["weight_perilaku"] = _(
            "Bobot SKP dan bobot perilaku harus berjumlah 100 (sekarang "
            "%(skp)s + %(perilaku)s = %(sum)s).",
            skp=weight_skp,
            perilaku=weight_perilaku,
            sum=weight_skp + weight_perilaku,
        )
    report_day = number("report_deadline_day", _("Tanggal batas laporan bulanan"), 1, 28)
    if report_day is None and "report_deadline_day" in errors:
        errors["report_deadline_day"] = _(
            "Tanggal batas laporan bulanan harus bilangan 1 sampai 28 (ada di setiap bulan)."
        )

    planning = a_date("planning_deadline", _("Batas penyusunan SKP"))
    if planning is not None and dates_ok and not start <= planning <= end:
        errors["planning_deadline"] = _(
            "Batas penyusunan SKP harus di dalam periode (%(start)s s.d. %(end)s).",
            start=f"{start:%d-%m-%Y}",
            end=f"{end:%d-%m-%Y}",
        )
    evaluation = a_date("evaluation_deadline", _("Batas evaluasi"), required=False)
    if evaluation is not None and dates_ok:
        latest = _months_later(end, EVALUATION_MONTHS_AFTER)
        earliest = planning if planning is not None and start <= planning <= end else start
        if not earliest < evaluation <= latest:
            errors["evaluation_deadline"] = _(
                "Batas evaluasi harus sesudah batas penyusunan SKP dan paling lambat "
                "%(months)s bulan setelah periode berakhir (%(earliest)s s.d. %(latest)s).",
                months=EVALUATION_MONTHS_AFTER,
                earliest=f"{earliest:%d-%m-%Y}",
                latest=f"{latest:%d-%m-%Y}",
            )

    values = {
        "name": name,
        "start_date": start,
        "end_date": end,
        "scheme": scheme,
        "weight_skp": weight_skp,
        "weight_perilaku": weight_perilaku,
        "planning_deadline": planning,
        "report_deadline_day": report_day,
        "evaluation_deadline": evaluation,
    }
    if current is not None:
        for field, value in values.items():
            why = locks.reason(field)
            if why and value is not None and value != getattr(current, field):
                errors[field] = why
    if errors:
        raise InvalidInput(errors=errors)
    return PeriodInput(**values)
