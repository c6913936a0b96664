"""Periode penilaian: the appraisal period of an instansi."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.org import Instansi
from portal.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from portal.models.people import Employee


class Scheme(StrEnum):
    """The scoring scheme of a period (see shared/domain.md)."""

    PP46 = "pp46"  # PP 46/2011 with Perka BKN 1/2013: numeric, system-scored
    PERMENPANRB_6_2022 = "permenpanrb_6_2022"  # ratings and the predikat matrix

    @property
    def label(self) -> LazyString:
        return {
            "pp46": _l("PP 46/2011 (nilai prestasi kerja)"),
            "permenpanrb_6_2022": _l("PermenPANRB 6/2022 (predikat kinerja)"),
        }[self.value]


class Cadence(StrEnum):
    """How often the evaluator evaluates during the period (PermenPANRB 6/2022: the
    agency decides): monthly, quarterly (the usual choice, Triwulan I–IV) or per
    semester. The sub-periods follow from it (``portal.subperiods``)."""

    BULANAN = "bulanan"
    TRIWULANAN = "triwulanan"
    SEMESTERAN = "semesteran"

    @property
    def months(self) -> int:
        """How many months one sub-period spans."""
        return {"bulanan": 1, "triwulanan": 3, "semesteran": 6}[self.value]

    @property
    def label(self) -> LazyString:
        return {
            "bulanan": _l("Bulanan"),
            "triwulanan": _l("Triwulanan"),
            "semesteran": _l("Semesteran"),
        }[self.value]


class PeriodStatus(StrEnum):
    """``draft`` (prepared by the admin, not yet open to anyone) → ``open`` → ``closed``.

    Only an open period takes plans, reports and evaluations; a closed one is frozen
    until an admin reopens it (with a reason). Rows made before ``draft`` existed are
    ``open`` or ``closed``, which is why the column's default stays ``open``.
    """

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> LazyString:
        return {"draft": _l("Disiapkan"), "open": _l("Dibuka"), "closed": _l("Ditutup")}[self.value]


class Period(db.Model):
    __tablename__ = "period"
    __table_args__ = (
        CheckConstraint("end_date > start_date", name="dates_ordered"),
        CheckConstraint("weight_skp + weight_perilaku = 100", name="weights_sum"),
        CheckConstraint("report_deadline_day BETWEEN 1 AND 28", name="report_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    end_date: Mapped[date]
    scheme: Mapped[Scheme] = mapped_column(str_enum(Scheme, 30))
    planning_deadline: Mapped[date]
    # Monthly reports are due on this day of the following month.
    report_deadline_day: Mapped[int] = mapped_column(default=5)
    weight_skp: Mapped[int] = mapped_column(default=60)
    weight_perilaku: Mapped[int] = mapped_column(default=40)
    # How often the periodic evaluations (evaluasi kinerja periodik) come.
    cadence: Mapped[Cadence] = mapped_column(
        str_enum(Cadence, 12), default=Cadence.TRIWULANAN, server_default=Cadence.TRIWULANAN.value
    )
    # Evaluations should be finished by this day (shown on the period's progress page).
    evaluation_deadline: Mapped[date | None]
    status: Mapped[PeriodStatus] = mapped_column(
        str_enum(PeriodStatus, 10), default=PeriodStatus.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))

    instansi: Mapped[Instansi] = relationship()
    closed_by: Mapped[Employee | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    @property
    def month_count(self) -> int:
        return (
            (self.end_date.year - self.start_date.year) * 12
            + (self.end_date.month - self.start_date.month)
            + 1
        )
