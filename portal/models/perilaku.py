"""The SKP's perilaku kerja section and its lampiran (PermenPANRB 6/2022), per plan.

The pejabat penilai sets them in the dialog kinerja, while the plan is being discussed,
and they are approved with it (``portal.plans.expectations``). Both are plan-level
changes: every write moves ``Plan.version`` by a compare-and-swap.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.berakhlak import KEYS
from portal.extensions import db

EXPECTATION_MAX = 1000


class PlanExpectation(db.Model):
    """The *ekspektasi khusus pimpinan* for one BerAKHLAK value of a plan: what the
    supervisor expects of this employee on it, against which the value's feedback is
    given in the periodic and annual evaluations. A value without one has no row."""

    __tablename__ = "plan_expectation"
    __table_args__ = (
        UniqueConstraint("plan_id", "value_key"),
        CheckConstraint(
            "value_key IN ({})".format(", ".join(f"'{key}'" for key in KEYS)),
            name="value_key_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (plan_id, value_key) serves every lookup by plan.
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    value_key: Mapped[str] = mapped_column(String(40))  # ``portal.berakhlak.KEYS``
    text: Mapped[str] = mapped_column(String(EXPECTATION_MAX))


class PlanLampiran(db.Model):
    """The SKP's lampiran: *dukungan sumber daya* (what the organisation provides),
    *skema pertanggungjawaban* (how and when the employee accounts for the results) and
    *konsekuensi* (what follows from meeting them or not). One row per plan, once set."""

    __tablename__ = "plan_lampiran"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), unique=True)
    dukungan_sumber_daya: Mapped[str] = mapped_column(Text, default="")
    skema_pertanggungjawaban: Mapped[str] = mapped_column(Text, default="")
    konsekuensi: Mapped[str] = mapped_column(Text, default="")
