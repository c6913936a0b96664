"""Builders shared by the reporting tests: a team with an approved target, work entries
written straight to the database, evidence files, and a fixed "today".

Each test module wraps :func:`build_world` in its own fixture; these are plain functions
so that no fixture has to be imported into a module (and shadowed by its arguments).
"""

from __future__ import annotations

import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from PIL import Image
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Employee,
    EntryHistory,
    EntryStatus,
    Evidence,
    MonthlyQuality,
    MonthlyReport,
    Period,
    Target,
    WorkEntry,
)
from portal.months import month_index
from workflows.targets import APPROVED

TODAY = date(2026, 6, 15)  # a Monday in the seventh month of nothing special
# A day of planning: no month of the period has ended, so no monthly report or periodic
# evaluation is due yet (the planning tests count the inbox badge).
PLANNING_DAY = date(2026, 1, 20)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    """One instansi: head → boss → owner and colleague, and an admin; and a stranger, alone
    in another instansi. ``target`` is the owner's approved target (12 laporan, 1 a month)
    in ``period``, January to December 2026."""

    head: Employee
    boss: Employee
    owner: Employee
    colleague: Employee
    admin: Employee
    stranger: Employee
    period: Period
    target: Target


def fix_today(monkeypatch, day: date = TODAY) -> None:
    """Every ``clock.today()`` (routes, services, guards, queries) answers ``day``."""
    monkeypatch.setattr(clock, "today", lambda: day)


def build_world(factory, monkeypatch, **target_values) -> World:
    fix_today(monkeypatch)
    head, boss, (owner, colleague) = factory.team(2)
    admin = factory.employee(owner.unit, is_admin=True)
    stranger = factory.employee(factory.unit())
    period = factory.period(owner.instansi)
    target = factory.target(owner, period, state=APPROVED, **target_values)
    db.session.commit()
    return World(head, boss, owner, colleague, admin, stranger, period, target)


def sign_in(make_client, employee: Employee):
    """A test client signed in as ``employee``, like ``login_as`` but without the sign-in
    form: Argon2 on every sign-in would cost more than most of these tests. The session
    holds what the form would put there (see ``auth.services.start_session``) and a CSRF
    token made by Flask-WTF itself; the form is tested in test_auth."""
    client = make_client()
    # The test's app context (and its ``g``, where Flask-WTF caches a token) is shared
    # with the requests; start from no token and leave none behind.
    g.pop("csrf_token", None)
    with current_app.test_request_context():
        token = generate_csrf()
        raw = session["csrf_token"]
    g.pop("csrf_token", None)
    with client.raw.session_transaction() as cookie:
        cookie.permanent = True
        cookie["sid"] = secrets.token_urlsafe(24)
        cookie["_user_id"] = employee.get_id()
        cookie["_fresh"] = True
        cookie["csrf_token"] = raw
    client._token = token
    return client


def entry(
    target: Target,
    day: date,
    *,
    quantity: int = 1,
    minutes: int = 60,
    cost: int | None = None,
    status: EntryStatus = EntryStatus.PENDING,
    created_at: datetime | None = None,
    description: str = "Menyusun bahan laporan",
) -> WorkEntry:
    """A work entry built directly (not through the service), for volume and sums."""
    return WorkEntry(
        target_id=target.id,
        owner_id=target.owner_id,
        instansi_id=target.instansi_id,
        period_id=target.period_id,
        entry_date=day,
        month=month_index(target.period, day),
        description=description,
        quantity=quantity,
        minutes=minutes,
        cost=cost,
        links=[],
        status=status,
        verified_by_id=target.evaluator_id if status != EntryStatus.PENDING else None,
        reject_reason="Bukti tidak sesuai." if status == EntryStatus.REJECTED else "",
        form_token=uuid.uuid4().hex,
        created_at=created_at or datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
    )


def add(*entries: WorkEntry) -> list[WorkEntry]:
    db.session.add_all(entries)
    db.session.commit()
    return list(entries)


def entry_form(target: Target, **changes) -> dict:
    """The daily-log form as a browser posts it, valid for ``TODAY`` by default."""
    return {
        "entry_date": TODAY.isoformat(),
        "target_id": str(target.id),
        "description": "Menyusun draf laporan bulanan",
        "quantity": "1",
        "minutes": "90",
        "cost": "",
        "links": "",
        "form_token": uuid.uuid4().hex,
        **changes,
    }


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def uploaded_files(app) -> list[Path]:
    """The stored originals (a photo's thumbnail beside it: :func:`thumbnails`)."""
    root = Path(app.config["UPLOAD_FOLDER"])
    files = sorted(root.iterdir()) if root.exists() else []
    return [path for path in files if not path.name.endswith(".thumb.jpg")]


def thumbnails(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(root.glob("*.thumb.jpg")) if root.exists() else []


def snapshot(app) -> tuple:
    """Everything a refused request must leave unchanged."""
    db.session.expire_all()
    return (
        count(WorkEntry),
        count(Evidence),
        count(EntryHistory),
        count(MonthlyQuality),
        tuple(
            db.session.execute(
                select(MonthlyReport.id, MonthlyReport.state, MonthlyReport.version).order_by(
                    MonthlyReport.id
                )
            ).all()
        ),
        db.session.scalar(  # signing in is audited too, and is not what is measured
            select(func.count()).where(AuditEvent.action.not_like("auth.%"))
        ),
        len(uploaded_files(app)),
        tuple(
            db.session.execute(
                select(
                    WorkEntry.id, WorkEntry.status, WorkEntry.version, WorkEntry.quantity
                ).order_by(WorkEntry.id)
            ).all()
        ),
    )


def audit_actions(object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id)
        )
    )


def history_actions(entry_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(EntryHistory.action)
            .where(EntryHistory.entry_id == entry_id)
            .order_by(EntryHistory.id)
        )
    )


def accept_monthly_reports(owner: Employee, period: Period, months) -> None:
    """The owner's monthly reports of ``months``, accepted, written straight to the
    database (their workflow is tested in test_monthly_report)."""
    have = set(
        db.session.scalars(
            select(MonthlyReport.month).where(
                MonthlyReport.employee_id == owner.id, MonthlyReport.period_id == period.id
            )
        )
    )
    for month in months:
        if month not in have:
            db.session.add(
                MonthlyReport(
                    employee_id=owner.id,
                    instansi_id=owner.instansi_id,
                    period_id=period.id,
                    month=month,
                    state="accepted",
                    reviewed_by_id=owner.atasan_id,
                )
            )
    db.session.flush()


def submitted_monthly_report(owner: Employee, period: Period, month: int) -> MonthlyReport:
    """The owner's report of ``month``, submitted, written straight to the database."""
    report = MonthlyReport(
        employee_id=owner.id,
        instansi_id=owner.instansi_id,
        period_id=period.id,
        month=month,
        state="submitted",
        submitted_on=TODAY,
    )
    db.session.add(report)
    db.session.commit()
    return report


def review_form(owner: Employee, period: Period, month: int, ratings: dict, **changes) -> dict:
    """The review screen as the browser posts it: ``ratings`` maps each target (in the
    screen's order) to ``(rating, note)``; accepting by default."""
    from portal.reports.monthly_reports import find_report, month_figures

    report = find_report(owner.id, period.id, month)
    data = {
        "version": str(report.version if report else 1),
        "fingerprint": month_figures(owner.id, period.id, month)[1],
        "decision": "accept",
        "reason": "",
    }
    for index, (target, (rating, note)) in enumerate(ratings.items()):
        data[f"targets-{index}-target_id"] = str(target.id)
        data[f"targets-{index}-rating"] = rating
        data[f"targets-{index}-note"] = note
    data.update(changes)
    return data


def review_url(owner: Employee, period: Period, month: int) -> str:
    return f"/pegawai/{owner.id}/laporan-bulanan/{period.id}/{month}/review"
