"""Builders shared by the evaluation, letter and follow-up tests: a team whose targets have
gone all the way to ``reported`` through the real workflow, the evaluator's form as the
browser posts it, and small readers of pages and PDFs.

Plain functions (as in ``reporting_helpers``), wrapped by each module's own fixtures.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from pypdf import PdfReader
from sqlalchemy import func, select

from portal import scoring
from portal.evaluations.inputs import EvaluationInput
from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryStatus,
    Evaluation,
    EvaluationTarget,
    FollowUpItem,
    Letter,
    MonthlyQuality,
    Period,
    Scheme,
    Target,
    TargetHistory,
)
from portal.ranks import JenisJabatan
from tests.reporting_helpers import accept_monthly_reports, add, entry, fix_today
from workflows import engine
from workflows.targets import APPROVED

AFTER_THE_PERIOD = date(2027, 1, 4)
SESUAI = scoring.Rating.SESUAI.value
DI_ATAS = scoring.Rating.DI_ATAS.value
DI_BAWAH = scoring.Rating.DI_BAWAH.value


@dataclass
class Team:
    """head → boss → owner and colleague; head → other_boss → other_staff; an admin of the
    instansi; a stranger alone in another instansi. ``targets`` are the owner's targets in
    ``period`` (January–December 2026), each ``reported`` unless built otherwise."""

    head: object
    boss: object
    owner: object
    colleague: object
    other_boss: object
    other_staff: object
    admin: object
    stranger: object
    period: Period
    factory: object
    targets: list[Target] = field(default_factory=list)

    @property
    def target(self) -> Target:
        return self.targets[0]


@dataclass(frozen=True)
class Work:
    """What a target's owner did: accepted quantity per month, the evaluator's quality
    rating per month, and the cost reported against the target's ``target_cost``."""

    quantities: dict[int, int]
    ratings: dict[int, int]
    cost: int | None = None
    target_cost: int | None = None

    @property
    def total(self) -> int:
        return sum(self.quantities.values())

    @property
    def mean_quality(self) -> float:
        return sum(self.ratings.values()) / len(self.ratings)

    def completion_month(self, target_quantity: int, month_count: int = 12) -> int:
        """RW: the month the cumulative quantity reached the target, else the period length."""
        total = 0
        for month in range(1, month_count + 1):
            total += self.quantities.get(month, 0)
            if total >= target_quantity:
                return month
        return month_count


# A whole year of one laporan a month, all rated 90: capaian exactly 100 %.
STEADY = Work({m: 1 for m in range(1, 13)}, {m: 90 for m in range(1, 13)})


def build_team(factory, monkeypatch, scheme: Scheme = Scheme.PERMENPANRB_6_2022, **period) -> Team:
    fix_today(monkeypatch)
    head, boss, (owner, colleague) = factory.team(2)
    other_boss = factory.employee(
        owner.unit,
        atasan=head,
        jabatan="Kepala Subbagian Umum",
        jenis_jabatan=JenisJabatan.ADMINISTRASI,
        golongan="III/d",
    )
    other_staff = factory.employee(owner.unit, atasan=other_boss)
    admin = factory.employee(owner.unit, is_admin=True)
    stranger = factory.employee(factory.unit(), atasan=None)
    factory.employee(stranger.unit, atasan=stranger)  # the stranger is a supervisor too
    period_row = factory.period(owner.instansi, scheme=scheme, **period)
    db.session.commit()
    return Team(
        head, boss, owner, colleague, other_boss, other_staff, admin, stranger, period_row, factory
    )


def approved_target(team: Team, owner=None, **values) -> Target:
    """An approved target of ``owner`` (the team's owner by default), 12 laporan."""
    target = team.factory.target(owner or team.owner, team.period, state=APPROVED, **values)
    db.session.commit()
    return target


def report(target: Target, work: Work = STEADY, *, on: date = AFTER_THE_PERIOD) -> Target:
    """Accepted entries, monthly ratings and the rated months' accepted monthly reports for
    ``target``, then ``submit_report`` fired by
    its owner through the engine (``on`` a day after the period by default).

    Entries and ratings are written straight to the database (their services are tested
    with the reports); the transition goes through the one transition function."""
    target = db.session.get(Target, target.id)
    entries = [
        entry(target, date(2026, month, 10), quantity=quantity, status=EntryStatus.ACCEPTED)
        for month, quantity in sorted(work.quantities.items())
        if quantity
    ]
    if work.cost is not None:  # the whole cost reported with the first entry
        entries[0].cost = work.cost
    ratings = [
        MonthlyQuality(
            target_id=target.id, month=month, rating=rating, rated_by_id=target.evaluator_id
        )
        for month, rating in sorted(work.ratings.items())
    ]
    add(*entries, *ratings)
    accept_monthly_reports(target.owner, target.period, sorted(work.ratings))
    engine.fire(target, "submit_report", target.owner, on=on)
    db.session.commit()
    return target


def reported_targets(team: Team, works: list[Work], owner=None, **values) -> list[Target]:
    """One reported target per ``Work``, all of ``owner`` (the team's owner by default)."""
    targets = []
    for index, work in enumerate(works):
        target = approved_target(
            team,
            owner,
            **{"title": f"Laporan kinerja {index + 1}", "cost": work.target_cost, **values},
        )
        targets.append(report(target, work))
    if owner is None or owner.id == team.owner.id:
        team.targets.extend(targets)
    return targets


# -- the evaluator's form ------------------------------------------------------------------


def form_b(team: Team, *, ratings=None, **changes) -> dict:
    """Scheme B as the browser posts it: seven BerAKHLAK ratings (all *sesuai* by default)
    and the decided ratings left to the system's suggestion."""
    ratings = ratings or [SESUAI] * len(scoring.BERAKHLAK)
    data = {f"berakhlak_{i}": rating for i, rating in enumerate(ratings)}
    data.update({"ekspektasi_khusus": "", "organisation_rating": "Baik", "notes": ""})
    for target in team.targets:
        data[f"feedback_{target.id}"] = ""
    data.update(changes)
    return data


def typed_b(ratings=None, **changes) -> EvaluationInput:
    """Scheme B as the services take it: :func:`form_b`'s inputs, typed."""
    ratings = ratings or [SESUAI] * len(scoring.BERAKHLAK)
    values = dict(zip(scoring.BERAKHLAK, ratings, strict=True))
    return EvaluationInput(berakhlak=values, organisation_rating="Baik", **changes)


def form_a(team: Team, scores=(80, 82, 84, 86, 88), **changes) -> dict:
    """Scheme A as the browser posts it: the behaviour aspects, duties and creativity."""
    data = {f"perilaku_{i}": str(score) for i, score in enumerate(scores)}
    data.update({"tugas_tambahan": "0", "kreativitas": "", "notes": ""})
    for target in team.targets:
        data[f"feedback_{target.id}"] = ""
    data.update(changes)
    return data


def screen_url(team: Team, employee=None) -> str:
    return f"/evaluasi/{team.period.id}/pegawai/{(employee or team.owner).id}"


def evaluation_of(team: Team, employee=None) -> Evaluation | None:
    db.session.expire_all()
    employee_id = (employee or team.owner).id
    return db.session.scalar(
        select(Evaluation).where(
            Evaluation.employee_id == employee_id, Evaluation.period_id == team.period.id
        )
    )


def finish(client, team: Team, form: dict, employee=None):
    """Post the form with ``action=finish`` (and the current version when a draft exists)."""
    evaluation = evaluation_of(team, employee)
    data = {**form, "action": "finish"}
    if evaluation is not None:
        data.setdefault("version", str(evaluation.version))
    return client.post(screen_url(team, employee), data)


# -- what must not change ------------------------------------------------------------------


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot() -> tuple:
    """Everything a refused evaluation request must leave unchanged."""
    db.session.expire_all()
    return (
        tuple(
            db.session.execute(
                select(
                    Evaluation.id,
                    Evaluation.status,
                    Evaluation.version,
                    Evaluation.predikat,
                    Evaluation.final_score,
                    Evaluation.rating_hasil_kerja,
                    Evaluation.employee_response,
                    Evaluation.objection_status,
                ).order_by(Evaluation.id)
            ).all()
        ),
        tuple(db.session.execute(select(Target.id, Target.state, Target.version)).all()),
        count(EvaluationTarget),
        count(TargetHistory),
        count(FollowUpItem),
        count(Letter),
        count(AuditEvent, AuditEvent.action.not_like("auth.%")),
    )


def audit_actions(prefix: str) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like(f"{prefix}%"))
            .order_by(AuditEvent.id)
        )
    )


# -- reading pages and PDFs ----------------------------------------------------------------


def text_of(response) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def pdf_text(data: bytes) -> tuple[str, int]:
    """(all text with whitespace collapsed, page count) of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)
