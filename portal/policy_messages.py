"""The policy's refusal sentences: what a person reads when ``portal.policy`` says no.

Whole sentences (translations need them whole), as lazy strings, filled by the policy with
``%(period)s`` (the period's name) or ``%(state)s`` (the target's state, as people read
it). Which one applies is decided in ``portal.policy``; tests import them from here
instead of copying the words.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Word for word the answer for a row that does not exist (``web.ERROR_MESSAGES``): an
# object of another instansi must not be told apart from no object at all.
NOT_FOUND = _l("Halaman atau data yang Anda cari tidak ada.")

# Everyone who may not act and is not the one who could: the refusal tells them nothing.
NOT_PERMITTED = _l("Anda tidak berwenang melakukan tindakan ini.")

# The owner editing a target that has left the draft.
ONLY_DRAFTS = _l(
    "Target ini berstatus “%(state)s”; hanya draf yang dapat diubah. Minta atasan "
    "mengembalikannya bila perlu diperbaiki."
)

# The evaluator, once every target of the plan is approved: the perilaku kerja
# expectations and the lampiran were approved with them.
EXPECTATIONS_AGREED = _l(
    "Semua target SKP ini sudah disetujui; ekspektasi perilaku kerja dan lampiran ikut "
    "disetujui dan tidak dapat diubah lagi. Kembalikan target ke pembahasan bila perlu "
    "diubah."
)

# A period the admin prepared and has not opened yet.
NOT_YET_OPEN = _l(
    "Periode penilaian %(period)s belum dibuka; SKP dan laporan dapat diisi setelah "
    "admin kepegawaian membukanya."
)

# What a closed period no longer allows, per action (keyed by the
# value of ``policy.Action``, a StrEnum, so that this module need not import the policy).
FROZEN = {
    "edit_plan": _l(
        "Periode penilaian %(period)s sudah ditutup; SKP tidak dapat diubah lagi. Hubungi "
        "admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "edit_target": _l(
        "Periode penilaian %(period)s sudah ditutup; target tidak dapat diubah lagi. Hubungi "
        "admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "comment_target": _l(
        "Periode penilaian %(period)s sudah ditutup; diskusi target tidak dapat ditambah "
        "lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "rate_target": _l(
        "Periode penilaian %(period)s sudah ditutup; nilai kualitas bulanan tidak dapat "
        "diubah lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "edit_entry": _l(
        "Periode penilaian %(period)s sudah ditutup; laporan harian tidak dapat ditambah, "
        "diubah atau dihapus lagi. Hubungi admin kepegawaian bila periode perlu dibuka "
        "kembali."
    ),
    "verify_entry": _l(
        "Periode penilaian %(period)s sudah ditutup; laporan harian tidak dapat "
        "diverifikasi lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "respond_evaluation": _l(
        "Periode penilaian %(period)s sudah ditutup; tanggapan atas evaluasi tidak dapat "
        "diberikan lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "decide_objection": _l(
        "Periode penilaian %(period)s sudah ditutup; keberatan tidak dapat diputuskan lagi. "
        "Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "plan_follow_up": _l(
        "Periode penilaian %(period)s sudah ditutup; rencana tindak lanjut tidak dapat "
        "diubah lagi (butir yang masih terbuka tetap dapat ditandai selesai). Hubungi admin "
        "kepegawaian bila periode perlu dibuka kembali."
    ),
    "write_monthly_report": _l(
        "Periode penilaian %(period)s sudah ditutup; laporan bulanan tidak dapat diisi atau "
        "dikirim lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "review_monthly_report": _l(
        "Periode penilaian %(period)s sudah ditutup; laporan bulanan tidak dapat ditinjau "
        "lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "evaluate_periodic": _l(
        "Periode penilaian %(period)s sudah ditutup; evaluasi periodik tidak dapat dibuat atau "
        "diubah lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "acknowledge_periodic": _l(
        "Periode penilaian %(period)s sudah ditutup; hasil evaluasi periodik tidak dapat "
        "diterima lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
    ),
    "set_expectations": _l(
        "Periode penilaian %(period)s sudah ditutup; ekspektasi perilaku kerja dan lampiran "
        "SKP tidak dapat diubah lagi. Hubungi admin kepegawaian bila periode perlu dibuka "
        "kembali."
    ),
}
FROZEN_OTHER = _l(
    "Periode penilaian %(period)s sudah ditutup; tidak ada perubahan yang dapat dilakukan "
    "lagi. Hubungi admin kepegawaian bila periode perlu dibuka kembali."
)
