"""Imports of people and units: an uploaded file between its preview and its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.people import Employee
from portal.models.types import UTCDateTime, utcnow


class ImportBatch(db.Model):
    """One uploaded file: previewed, then committed once (or discarded).

    The file itself is kept in the instance folder under ``stored_name`` until it is
    committed, so the commit applies exactly the bytes the admin previewed
    (``sha256``). ``status`` moves ``preview → committed | discarded`` by
    compare-and-swap: a double submit commits once.
    """

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(4))  # csv | xlsx
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(100))
    # A full import lists everyone: people of the instansi missing from it are leavers.
    full_import: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="preview")
    row_count: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # counts per outcome
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[Employee] = relationship()
