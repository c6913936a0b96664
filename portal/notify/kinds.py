"""Every kind of notification: its text, the preference group it belongs to, and whether
it is always mailed (objection windows, objection decisions and evaluation results are:
the regulation's deadlines run from them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Group:
    key: str
    label: LazyString
    always: bool = False  # mailed at once whatever the person chose


GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("plans", _l("Target kinerja: diajukan, dikembalikan, disetujui, dilaporkan")),
        Group("reports", _l("Laporan harian yang ditolak")),
        Group("monthly", _l("Laporan bulanan: dikirim, dikembalikan, diterima")),
        Group("results", _l("Hasil evaluasi dan masa keberatan"), always=True),
        Group("objections", _l("Keberatan: diajukan dan diputuskan"), always=True),
        Group("follow_up", _l("Tindak lanjut evaluasi")),
        Group("handover", _l("Pengalihan pekerjaan dan perubahan atasan")),
        Group("accounts", _l("Akun dan laporan pejabat penilai")),
        Group("reminders", _l("Pengingat tenggat dan eskalasi")),
    )
}


@dataclass(frozen=True)
class Kind:
    key: str
    group: str
    title: LazyString  # %(name)s placeholders from the notification's params
    detail: LazyString | None = None

    @property
    def always(self) -> bool:
        return GROUPS[self.group].always


def a_date(day: date) -> dict:
    """A date parameter, written in the reader's language when the text is shown."""
    return {"date": day.isoformat()}


def a_month(day: date) -> dict:
    """A month parameter ("Maret 2026"), written in the reader's language."""
    return {"month": day.isoformat()}


class _Params(dict):
    """A text's parameters; one that is missing reads as a dash, never an error."""

    def __missing__(self, key: str) -> str:
        return "—"

    def __getitem__(self, key: str):
        value = super().__getitem__(key)
        if isinstance(value, dict):
            if "date" in value:
                return format_date(date.fromisoformat(value["date"]), "long")
            if "month" in value:
                return format_date(date.fromisoformat(value["month"]), "MMMM yyyy")
        return value


def text(template: LazyString | None, params: dict) -> str:
    if template is None:
        return ""
    return str(template) % _Params(params)


_KINDS = (
    # plans
    Kind(
        "target_submitted",
        "plans",
        _l("%(owner)s mengajukan target untuk Anda setujui"),
        _l("“%(title)s”"),
    ),
    Kind(
        "target_returned",
        "plans",
        _l("Target Anda dikembalikan untuk diperbaiki"),
        _l("“%(title)s”. Alasan: %(reason)s"),
    ),
    Kind(
        "target_assigned_submitted",
        "plans",
        _l("%(owner)s mengajukan target penugasan dari Anda"),
        _l("“%(title)s”: beri umpan balik sebagai ketua tim"),
    ),
    Kind("target_approved", "plans", _l("Target Anda disetujui"), _l("“%(title)s”")),
    Kind(
        "target_reported",
        "plans",
        _l("%(owner)s melaporkan realisasi target"),
        _l("“%(title)s”: siap dievaluasi"),
    ),
    Kind(
        "report_returned",
        "plans",
        _l("Laporan realisasi target Anda dikembalikan"),
        _l("“%(title)s”. Alasan: %(reason)s"),
    ),
    # daily reports
    Kind(
        "entry_rejected",
        "reports",
        _l("Laporan harian Anda ditolak: perbaiki dan ajukan ulang"),
        _l("%(day)s · “%(title)s”. Alasan: %(reason)s"),
    ),
    # monthly reports
    Kind(
        "monthly_submitted",
        "monthly",
        _l("%(owner)s mengirim laporan bulanan %(month)s"),
        _l("Menunggu Anda terima atau kembalikan."),
    ),
    Kind(
        "monthly_returned",
        "monthly",
        _l("Laporan bulanan %(month)s Anda dikembalikan"),
        _l("Alasan: %(reason)s"),
    ),
    Kind("monthly_accepted", "monthly", _l("Laporan bulanan %(month)s Anda diterima")),
    # results
    Kind(
        "periodic_finished",
        "results",
        _l("Evaluasi periodik %(sub_period)s Anda selesai"),
        _l("Predikat periodik: %(predikat)s."),
    ),
    Kind(
        "evaluation_finished",
        "results",
        _l("Evaluasi kinerja %(period)s Anda selesai"),
        _l("Predikat %(predikat)s. Setujui, atau ajukan keberatan paling lambat %(deadline)s."),
    ),
    # objections
    Kind(
        "objection_filed",
        "objections",
        _l("%(owner)s mengajukan keberatan atas evaluasinya"),
        _l("%(period)s. Putuskan paling lambat %(deadline)s."),
    ),
    Kind(
        "objection_decided",
        "objections",
        _l("Keberatan atas evaluasi %(period)s diputuskan"),
        _l("Keputusan: %(decision)s. %(reason)s"),
    ),
    # follow-up
    Kind(
        "follow_up_assigned",
        "follow_up",
        _l("Tindak lanjut evaluasi untuk Anda"),
        _l("%(description)s · jatuh tempo %(due)s"),
    ),
    # handovers
    Kind(
        "handover_targets",
        "handover",
        _l("%(count)s target dialihkan kepada Anda sebagai pejabat penilai"),
    ),
    Kind(
        "handover_evaluations",
        "handover",
        _l("%(count)s evaluasi dialihkan kepada Anda untuk diselesaikan"),
    ),
    Kind("new_subordinates", "handover", _l("%(count)s pegawai kini berada di bawah Anda")),
    Kind("new_supervisor", "handover", _l("Atasan langsung Anda kini %(supervisor)s")),
    # accounts
    Kind(
        "evaluator_reported",
        "accounts",
        _l("%(owner)s melaporkan pejabat penilainya salah"),
        _l("Tercatat sekarang: %(supervisor)s. Catatan: %(note)s"),
    ),
    Kind(
        "evaluator_fixed",
        "accounts",
        _l("Pejabat penilai Anda sudah diperbaiki"),
        _l("Atasan langsung Anda kini %(supervisor)s."),
    ),
    Kind(
        "evaluator_report_closed",
        "accounts",
        _l("Laporan pejabat penilai Anda ditutup tanpa perubahan"),
        _l("Alasan admin: %(reason)s"),
    ),
    Kind(
        "account_created",
        "accounts",
        _l("Akun Portal Kinerja Anda telah dibuat"),
        _l("Masuk dengan NIP Anda; kata sandi sementara diberikan oleh admin kepegawaian."),
    ),
)
KINDS: dict[str, Kind] = {kind.key: kind for kind in _KINDS}


def register(*kinds: Kind) -> None:
    """More kinds (the reminders, the evaluator reports), each in its own module."""
    for kind in kinds:
        if kind.key in KINDS:
            raise ValueError(f"notification kind {kind.key!r} defined twice")
        if kind.group not in GROUPS:
            raise ValueError(f"notification kind {kind.key!r}: unknown group {kind.group!r}")
        KINDS[kind.key] = kind
