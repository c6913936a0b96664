"""Organisation: the agency (instansi) and its tree of units (unit kerja)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Instansi(db.Model):
    """An agency: ministry, province or regency/city. Admins work within one."""

    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100), default="")

    units: Mapped[list[Unit]] = relationship(back_populates="instansi")

    def __repr__(self) -> str:
        return f"<Instansi {self.code}>"


class Unit(db.Model):
    """Unit kerja / unor: a node of the organisation tree inside one instansi."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("instansi_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))

    instansi: Mapped[Instansi] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
