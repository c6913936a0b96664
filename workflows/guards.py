"""Guards of the target workflow: pure, cheap functions of the facts about a target.

Each returns None when the transition may go ahead, or the reason why it may not, in
the user's language (the sentences are the constants below, which tests import). No
database access: the caller loads what the facts need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.months import elapsed_months, ended_months, month_label

PERIOD_CLOSED = _l("Periode penilaian sudah ditutup; tidak ada perubahan yang dapat dilakukan.")
NO_TITLE = _l("Judul target belum diisi.")
NO_QUANTITY = _l("Kuantitas target tahunan belum diisi.")
MONTHS_INCOMPLETE = _l("Rincian target bulanan belum lengkap.")
MONTHS_DO_NOT_ADD_UP = _l(
    "Jumlah target bulanan (%(monthly)s) belum sama dengan target tahunan (%(annual)s)."
)
NO_EVALUATOR = _l(
    "Target ini belum memiliki pejabat penilai. Minta admin kepegawaian menetapkan "
    "atasan langsung Anda."
)
EVALUATOR_INACTIVE = _l(
    "Pejabat penilai target ini sudah nonaktif. Minta admin menetapkan penggantinya."
)
REPORTING_NOT_FINISHED = _l(
    "Realisasi dapat dikirim untuk evaluasi setelah periode berakhir atau setelah "
    "kuantitas tahunan tercapai (baru %(accepted)s dari %(quantity)s %(unit)s diterima)."
)
ENTRIES_PENDING = _l("Masih ada %(pending)s laporan harian yang belum diverifikasi atasan.")
MONTHS_UNRATED = _l("Nilai kualitas bulanan belum diberikan untuk bulan ke-%(months)s.")
MONTHLY_REPORTS_NOT_ACCEPTED = _l(
    "Laporan bulanan belum diterima atasan untuk bulan %(months)s. Kirim laporan bulanan "
    "bulan itu dan minta atasan menerimanya."
)
EVALUATION_NOT_FINAL = _l(
    "Selesaikan evaluasi pegawai ini di layar evaluasi; target dievaluasi bersama."
)
NOT_SCORED = _l(
    "Target ini dilaporkan setelah evaluasi diselesaikan dan belum dinilai; "
    "minta admin membuka kembali evaluasi."
)
EXCLUDED = _l(
    "Target ini dikecualikan dari evaluasi yang sudah selesai; realisasinya tidak dapat "
    "dikirim lagi."
)
CAME_UNREPORTED = _l(
    "Target ini dievaluasi tanpa laporan akhir; langkah sebelumnya adalah “Disetujui”."
)
CAME_REPORTED = _l(
    "Target ini dievaluasi dari laporan akhirnya; langkah sebelumnya adalah “Dilaporkan”."
)
EVALUATION_UNFINISHED = _l("Evaluasi belum selesai.")
NO_FOLLOW_UP = _l("Susun rencana tindak lanjut (minimal satu butir) sebelum menindaklanjuti.")
IMPROVEMENT_REQUIRED = _l(
    "Predikat “%(predikat)s” mewajibkan butir perbaikan kinerja dengan tenggat waktu."
)


def _say(sentence, **values) -> str:
    """The sentence in the user's language, filled with ``values``."""
    return str(sentence) % values if values else str(sentence)


@dataclass(frozen=True)
class Facts:
    """What the guards may look at."""

    target: object  # portal.models.Target, with its period and months loaded
    today: date
    # portal.realisation.Realisation, loaded only for guards that need it
    realisation: object | None = None
    # portal.models.Evaluation of the target's plan, loaded only for guards that need it
    evaluation: object | None = None
    follow_up_kinds: frozenset[str] = frozenset()
    scored_target_ids: frozenset[int] = frozenset()  # targets the evaluation gave a score
    # of those, the ones scored without a final report (``evaluate_unreported``)
    unreported_target_ids: frozenset[int] = frozenset()
    # The months of the owner's accepted monthly reports in the target's period, loaded
    # only for guards that need them
    accepted_report_months: frozenset[int] = frozenset()


def period_open(facts: Facts) -> str | None:
    if not facts.target.period.is_open:
        return _say(PERIOD_CLOSED)
    return None


def target_complete(facts: Facts) -> str | None:
    target = facts.target
    if not (target.title or "").strip():
        return _say(NO_TITLE)
    if target.quantity is None or target.quantity <= 0:
        return _say(NO_QUANTITY)
    months = target.monthly_quantities
    if len(months) != target.period.month_count:
        return _say(MONTHS_INCOMPLETE)
    if sum(months) != target.quantity:
        return _say(MONTHS_DO_NOT_ADD_UP, monthly=sum(months), annual=target.quantity)
    return None


def has_evaluator(facts: Facts) -> str | None:
    evaluator = facts.target.evaluator
    if evaluator is None:
        return _say(NO_EVALUATOR)
    if not evaluator.active:
        return _say(EVALUATOR_INACTIVE)
    return None


def reporting_finished(facts: Facts) -> str | None:
    """The period has ended, or the accepted quantity already reached the annual target."""
    if facts.today > facts.target.period.end_date:
        return None
    if facts.realisation is not None and facts.realisation.accepted >= facts.target.quantity:
        return None
    accepted = facts.realisation.accepted if facts.realisation is not None else 0
    return _say(
        REPORTING_NOT_FINISHED,
        accepted=accepted,
        quantity=facts.target.quantity,
        unit=facts.target.quantity_unit,
    )


def entries_verified(facts: Facts) -> str | None:
    pending = facts.realisation.pending if facts.realisation is not None else 0
    if pending:
        return _say(ENTRIES_PENDING, pending=pending)
    return None


def months_rated(facts: Facts) -> str | None:
    if facts.realisation is None:
        return None
    missing = facts.realisation.months_needing_rating(
        elapsed_months(facts.target.period, facts.today)
    )
    if missing:
        listed = ", ".join(str(m) for m in missing)
        return _say(MONTHS_UNRATED, months=listed)
    return None


def monthly_reports_accepted(facts: Facts) -> str | None:
    """Every month that is over and had work planned or accepted on this target has the
    owner's monthly report accepted by the supervisor."""
    if facts.realisation is None:
        return None
    period = facts.target.period
    ended = ended_months(period, facts.today)
    missing = [
        m.month
        for m in facts.realisation.months
        if m.month <= ended
        and (m.planned or m.accepted)
        and m.month not in facts.accepted_report_months
    ]
    if missing:
        listed = ", ".join(month_label(period, m) for m in missing)
        return _say(MONTHLY_REPORTS_NOT_ACCEPTED, months=listed)
    return None


def evaluation_final(facts: Facts) -> str | None:
    if facts.evaluation is None or facts.evaluation.status != "final":
        return _say(EVALUATION_NOT_FINAL)
    if facts.target.id not in facts.scored_target_ids:
        # Reported after the evaluation was finished: it has no score in it to stand on.
        return _say(NOT_SCORED)
    return None


def not_excluded(facts: Facts) -> str | None:
    """The plan's final evaluation did not exclude the target (``Target.excluded`` is
    loaded with the target itself)."""
    if getattr(facts.target, "excluded", False):
        return _say(EXCLUDED)
    return None


def came_reported(facts: Facts) -> str | None:
    """The target was evaluated from its final report: its step back is "reported"."""
    if facts.target.id in facts.unreported_target_ids:
        return _say(CAME_UNREPORTED)
    return None


def came_unreported(facts: Facts) -> str | None:
    """The target was evaluated without a final report: its step back is "approved"."""
    if facts.target.id not in facts.unreported_target_ids:
        return _say(CAME_REPORTED)
    return None


# Predikat that call for a performance-improvement plan (shared/domain.md). Data, not
# text to translate: they are compared with the stored predikat.
NEEDS_IMPROVEMENT = frozenset({"Butuh Perbaikan", "Kurang", "Sangat Kurang", "Cukup", "Buruk"})


def follow_up_planned(facts: Facts) -> str | None:
    evaluation = facts.evaluation
    if evaluation is None or evaluation.status != "final":
        return _say(EVALUATION_UNFINISHED)
    if not facts.follow_up_kinds:
        return _say(NO_FOLLOW_UP)
    if (
        evaluation.predikat in NEEDS_IMPROVEMENT
        and "perbaikan_kinerja" not in facts.follow_up_kinds
    ):
        return _say(IMPROVEMENT_REQUIRED, predikat=evaluation.predikat)
    return None


GUARDS: dict[str, Callable[[Facts], str | None]] = {
    "period_open": period_open,
    "target_complete": target_complete,
    "has_evaluator": has_evaluator,
    "reporting_finished": reporting_finished,
    "entries_verified": entries_verified,
    "months_rated": months_rated,
    "monthly_reports_accepted": monthly_reports_accepted,
    "evaluation_final": evaluation_final,
    "follow_up_planned": follow_up_planned,
    "not_excluded": not_excluded,
    "came_reported": came_reported,
    "came_unreported": came_unreported,
}
# Guards that look at the realisation; the engine loads it only for these.
NEEDS_REALISATION = frozenset(
    {"reporting_finished", "entries_verified", "months_rated", "monthly_reports_accepted"}
)
NEEDS_MONTHLY_REPORTS = frozenset({"monthly_reports_accepted"})
NEEDS_EVALUATION = frozenset(
    {"evaluation_final", "follow_up_planned", "came_reported", "came_unreported"}
)
# Guards that say which of two rows of one move applies (the way a target came), not
# what is missing: a row one of them refuses is not offered at all; the other one is.
PATH_GUARDS = frozenset({"came_reported", "came_unreported"})


def failures(guard_names: tuple[str, ...], facts: Facts) -> list[str]:
    """The reasons why the named guards refuse; empty when all pass."""
    return [reason for name in guard_names if (reason := GUARDS[name](facts)) is not None]
