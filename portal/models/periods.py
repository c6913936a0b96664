"""Periode penilaian: the appraisal period of an instansi."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.org import Instansi
from portal.models.types import UTCDateTime, str_enum


class Scheme(StrEnum):
    """The scoring scheme of a period (see shared/domain.md)."""

    PP46 = "pp46"  # PP 46/2011 with Perka BKN 1/2013: numeric, system-scored
    PERMENPANRB_6_2022 = "permenpanrb_6_2022"  # ratings and the predikat matrix

    @property
    def label(self) -> str:
        return {
            "pp46": "PP 46/2011 (nilai prestasi kerja)",
            "permenpanrb_6_2022": "PermenPANRB 6/2022 (predikat kinerja)",
        }[self.value]


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


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
    # Evaluations should be finished by this day (shown on the period's progress page).
    evaluation_deadline: Mapped[date | None]
    status: Mapped[PeriodStatus] = mapped_column(
        str_enum(PeriodStatus, 10), default=PeriodStatus.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))

    instansi: Mapped[Instansi] = relationship()

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
