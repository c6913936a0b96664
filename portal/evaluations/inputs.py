"""What the evaluation services take: typed values, checked for shape by the forms
(``portal.evaluations.forms``) and for meaning by the services and the outcome.

The routes never hand ``request.form`` on; the seed and the tests build these directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from portal.models import FollowUpKind


class Coverage(StrEnum):
    """The evaluator's decision on a target approved but not reported by the end."""

    EVALUATE = "evaluate"  # "Nilai dari capaiannya": scored on its accepted entries
    EXCLUDE = "exclude"  # "Kecualikan, dengan alasan"


@dataclass(frozen=True)
class EvaluationInput:
    """The evaluator's inputs on the evaluation screen.

    A value the form refused is ``None`` (the outcome then reports it missing), so the
    screen can still show what the rest of the inputs come to. ``perilaku`` (scheme A,
    0–100 per aspect) and ``berakhlak`` (scheme B, a rating per BerAKHLAK value) are keyed
    by the aspect's or value's name. ``rating_hasil_kerja`` and ``rating_perilaku`` are the
    supervisor's decision, ``None`` when they follow the system's suggestion. ``version``
    is the one the screen was shown with (``None`` if missing or malformed). ``coverage``
    is the decision on each target not reported by the end (``None``: undecided), and
    ``exclusion_reasons`` the reason of each one excluded.
    """

    feedback: dict[int, str] = field(default_factory=dict)
    notes: str = ""
    perilaku: dict[str, float | None] = field(default_factory=dict)
    tugas_tambahan: int | None = 0
    kreativitas: str | None = None
    berakhlak: dict[str, str | None] = field(default_factory=dict)
    ekspektasi_khusus: str = ""
    organisation_rating: str | None = None
    rating_hasil_kerja: str | None = None
    rating_perilaku: str | None = None
    departure_reason: str = ""
    version: int | None = None
    coverage: dict[int, Coverage | None] = field(default_factory=dict)
    exclusion_reasons: dict[int, str] = field(default_factory=dict)


class Response(StrEnum):
    """The employee's response to a final evaluation, as stored."""

    AGREE = "agree"
    OBJECT = "object"  # keberatan


class Decision(StrEnum):
    """The decision on an objection, as stored in ``objection_status``."""

    UPHELD = "upheld"
    CHANGED = "changed"


class Responsible(StrEnum):
    """Who carries out a follow-up item: the employee or the evaluator."""

    EMPLOYEE = "employee"
    EVALUATOR = "evaluator"


@dataclass(frozen=True)
class ResponseInput:
    """The employee's response; an objection needs a reason."""

    choice: Response
    reason: str = ""


@dataclass(frozen=True)
class DecisionInput:
    """The decision on an objection; ``predikat`` is the new one when it is changed."""

    decision: Decision
    reason: str
    predikat: str | None = None


@dataclass(frozen=True)
class FollowUpInput:
    """One item of the follow-up plan."""

    kind: FollowUpKind
    description: str
    due_date: date
    responsible: Responsible = Responsible.EMPLOYEE
