"""Scheme B: how the periodic evaluations weigh on the suggested annual ratings.

PermenPANRB 6/2022 evaluates annually "taking the periodic evaluations into account";
the portal's rule, for the rating hasil kerja and the rating perilaku alike:

* the year-end suggestion (from the whole year's capaian, or the seven BerAKHLAK ratings)
  is the starting point;
* if more than half of the finished periodic ratings agree on one rating and it differs
  from the year-end suggestion, the suggestion moves **one step** towards it (*di bawah*
  ↔ *sesuai* ↔ *di atas*): a year of periodic "di atas" lifts a year-end "sesuai" to
  "di atas", and lifts a year-end "di bawah" only to "sesuai";
* without such a majority the year-end suggestion stands; without periodic ratings it
  stands too, and the steps say nothing of them.

The supervisor still decides, and a departure from the suggestion still needs a reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ._common import Explained
from .b2022 import Rating

_ORDER = (Rating.DI_BAWAH, Rating.SESUAI, Rating.DI_ATAS)


def explain_with_periodic(
    year_end: object, periodic: Sequence[object], what: str = "hasil kerja"
) -> Explained[Rating]:
    """The annual suggestion of ``what`` given the ``year_end`` suggestion and the finished
    periodic ratings (in order; an empty one, not rated, is left out), with its steps.
    Raises ValueError for an unknown rating."""
    base = Rating.parse(year_end)
    ratings = [Rating.parse(r) for r in periodic if r]
    if not ratings:
        return Explained(base, ())
    listed = ", ".join(r.label for r in ratings)
    steps = [f"Evaluasi periodik ({what}): {listed}"]
    counts = Counter(ratings)
    majority = next((r for r in _ORDER if 2 * counts[r] > len(ratings)), None)
    if majority is None or majority is base:
        why = "tidak ada mayoritas lain" if majority is None else "mayoritas sejalan"
        steps.append(f"Saran rating {what} tahunan: {base.label} (saran akhir tahun; {why})")
        return Explained(base, tuple(steps))
    here, there = _ORDER.index(base), _ORDER.index(majority)
    moved = _ORDER[here + (1 if there > here else -1)]
    steps.append(
        f"Mayoritas periodik {majority.label} ≠ saran akhir tahun {base.label}: "
        f"bergeser satu tingkat → {moved.label}"
    )
    return Explained(moved, tuple(steps))


def with_periodic(year_end: object, periodic: Sequence[object]) -> Rating:
    """See :func:`explain_with_periodic`."""
    return explain_with_periodic(year_end, periodic).value
