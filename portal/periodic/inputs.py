"""What the periodic services take: typed values, checked for shape by the forms."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeriodicInput:
    """The evaluator's inputs. ``ratings`` and ``behaviour_feedback`` are keyed by the
    BerAKHLAK value; a rating not (or wrongly) given is None. ``rating_hasil_kerja`` and
    ``rating_perilaku`` are None where the evaluator follows the system's suggestion.
    ``version`` is the one the screen was shown with."""

    feedback: dict[int, str] = field(default_factory=dict)
    ratings: dict[str, str | None] = field(default_factory=dict)
    behaviour_feedback: dict[str, str] = field(default_factory=dict)
    rating_hasil_kerja: str | None = None
    rating_perilaku: str | None = None
    departure_reason: str = ""
    version: int | None = None
