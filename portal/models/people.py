"""People: the employee (who is also the user) and failed sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal.models.org import Instansi, Unit
from portal.models.types import UTCDateTime, str_enum, utcnow
from portal.nip import format_nip
from portal.ranks import JenisASN, JenisJabatan, pangkat_golongan


class Employee(UserMixin, db.Model):
    """A PNS or PPPK, and the account they sign in with.

    Every employee is a *pegawai*; whoever has subordinates is also an *atasan*
    (supervisor). ``is_admin`` makes them admin of their own instansi;
    ``is_superadmin`` of every instansi.
    """

    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    gelar_depan: Mapped[str] = mapped_column(String(50), default="")
    gelar_belakang: Mapped[str] = mapped_column(String(80), default="")
    jabatan: Mapped[str] = mapped_column(String(200))
    jenis_jabatan: Mapped[JenisJabatan] = mapped_column(str_enum(JenisJabatan))
    # PNS golongan/ruang "III/a", or PPPK golongan "IX": the one that fits ``jenis_asn``.
    golongan: Mapped[str] = mapped_column(String(5))
    jenis_asn: Mapped[JenisASN] = mapped_column(
        str_enum(JenisASN, 4), default=JenisASN.PNS, server_default=JenisASN.PNS.value
    )
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    atasan_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    # "plt" / "plh" while the atasan holds the post acting for an absent official
    # (``atasan_acting_for``), as a handover to an acting official makes them; "" when
    # the atasan holds it definitively. Any other change of the atasan clears it.
    atasan_acting: Mapped[str] = mapped_column(String(3), default="", server_default=text("''"))
    atasan_acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    email: Mapped[str] = mapped_column(String(200), default="")
    # A mail to the address bounced (the admin sees it; a new address clears it).
    email_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Quiet hours for mail, in the instansi's time zone: from this hour to that one
    # (both 0-23; start > end spans midnight); none when either is empty.
    quiet_start: Mapped[int | None]
    quiet_end: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_superadmin: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="id")

    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by sign-out, password change and deactivation: every older session dies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instansi: Mapped[Instansi] = relationship()
    unit: Mapped[Unit] = relationship()
    atasan: Mapped[Employee | None] = relationship(
        remote_side="Employee.id", back_populates="subordinates", foreign_keys=[atasan_id]
    )
    subordinates: Mapped[list[Employee]] = relationship(
        back_populates="atasan", order_by="Employee.name", foreign_keys=[atasan_id]
    )

    @validates("email")
    def _new_address_clears_bounce(self, _key: str, address: str) -> str:
        if address != self.email:
            self.email_bounced_at = None
        return address

    def set_atasan(self, atasan_id: int | None) -> None:
        """A definitive change of the atasan (the admin's form, an import). Setting the
        same atasan again changes nothing, an acting role included."""
        if atasan_id != self.atasan_id:
            self.atasan_id = atasan_id
            self.atasan_acting, self.atasan_acting_for_id = "", None

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def display_name(self) -> str:
        """The name with academic titles, as printed: ``Dr. Siti Aminah, S.E., M.M.``"""
        name = f"{self.gelar_depan} {self.name}".strip()
        return f"{name}, {self.gelar_belakang}" if self.gelar_belakang else name

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)

    @property
    def pangkat_golongan(self) -> str:
        return pangkat_golongan(self.golongan)

    def __repr__(self) -> str:
        return f"<Employee {self.nip}>"


class AuthFailure(db.Model):
    """One failed sign-in, counted per account key and per IP to throttle guessing.

    Kept in the database so that every gunicorn worker sees the same counts. The
    account key is the NIP as typed (normalised), whether or not it exists, so a
    lock-out reveals nothing about which NIPs are real.
    """

    __tablename__ = "auth_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(40), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
