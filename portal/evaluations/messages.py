"""Every sentence the evaluation feature says to its users, in one place: the forms, the
outcome and the services use them, and the tests import them instead of copying them.

Lazily translated: :func:`say` turns one into text, in the language of the request, with
its placeholders filled in.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

TEXT_MAX = 4000

TEXT_TOO_LONG = _l("Paling banyak %(max)s karakter.")
NOTES_TOO_LONG = _l("Catatan paling banyak %(max)s karakter.")

# the evaluation screen
BEHAVIOUR_SCORE = _l("Nilai %(aspect)s harus angka 0–100.")
DUTY_COUNT = _l("Jumlah tugas tambahan harus bilangan bulat 0–100.")
UNKNOWN_KREATIVITAS = _l("Tingkat kreativitas tidak dikenal.")
PICK_RATING = _l("Pilih rating %(value)s.")
UNKNOWN_RATING = _l("Rating %(value)s tidak dikenal.")
UNKNOWN_ORGANISATION_RATING = _l("Predikat kinerja organisasi tidak dikenal.")
UNIT_RATING_NEEDED = _l(
    "Pilih predikat kinerja unit: pimpinan unit kerja mengambil rating hasil "
    "kerjanya dari predikat itu."
)
UNKNOWN_HASIL_KERJA = _l("Rating hasil kerja tidak dikenal.")
UNKNOWN_PERILAKU = _l("Rating perilaku tidak dikenal.")
DEPARTURE_NEEDS_REASON = _l("Rating berbeda dari saran sistem: tuliskan alasannya.")
NO_REPORTED_TARGETS = _l("Belum ada target yang dilaporkan untuk dievaluasi.")
NOT_THE_EVALUATOR = _l("Anda bukan pejabat penilai target pegawai ini.")
PERIOD_CLOSED = _l("Periode penilaian sudah ditutup.")
ALREADY_FINISHED = _l("Evaluasi ini sudah diselesaikan sebelumnya.")
CHANGED_ELSEWHERE = _l("Evaluasi ini baru saja diubah di tempat lain. Muat ulang lalu ulangi.")
SPLIT_EVALUATORS = _l(
    "%(count)s target pegawai ini dinilai oleh pejabat penilai lain (%(names)s). Satu "
    "pegawai dievaluasi oleh satu pejabat penilai: minta admin kepegawaian mengalihkan "
    "target tersebut kepada Anda sebelum evaluasi."
)

# coverage: every approved target is evaluated or excluded, never left out silently
EVALUATE_ON_REALISATION = _l("Nilai dari capaiannya")
EXCLUDE_WITH_REASON = _l("Kecualikan, dengan alasan")
PICK_COVERAGE = _l(
    "Target ini belum dilaporkan: pilih “Nilai dari capaiannya” atau “Kecualikan, dengan alasan”."
)
UNKNOWN_COVERAGE = _l("Pilihan untuk target ini tidak dikenal.")
EXCLUSION_NEEDS_REASON = _l("Tuliskan alasan target ini dikecualikan dari evaluasi.")
UNDECIDED_TARGETS = _l(
    "Evaluasi belum dapat diselesaikan: tentukan dulu target yang belum dilaporkan "
    "(%(titles)s), dinilai dari capaiannya atau dikecualikan dengan alasan."
)
NOT_APPROVED_NOT_EVALUATED = _l("tidak dievaluasi: belum disetujui")
DRAFT_SAVED = _l("Draf evaluasi tersimpan.")

# the employee's response and the objection (keberatan)
ALREADY_RESPONDED = _l("Anda sudah memberi tanggapan atas evaluasi ini.")
PICK_RESPONSE = _l("Pilih setuju atau ajukan keberatan.")
OBJECTION_TOO_LATE = _l("Batas waktu keberatan sudah lewat (%(deadline)s).")
OBJECTION_NEEDS_REASON = _l("Tuliskan alasan keberatan.")
ALREADY_DECIDED = _l("Keberatan ini sudah diputuskan.")
PICK_DECISION = _l("Pilih menguatkan atau mengubah evaluasi.")
DECISION_NEEDS_REASON = _l("Alasan keputusan wajib diisi.")
PICK_NEW_PREDIKAT = _l("Pilih predikat baru yang berbeda.")

# follow-up (tindak lanjut)
PICK_FOLLOW_UP_KIND = _l("Pilih jenis tindak lanjut.")
DESCRIBE_FOLLOW_UP = _l("Uraikan tindak lanjutnya.")
DUE_IN_THE_PAST = _l("Tenggat tidak boleh di masa lalu.")
DUE_NOT_A_DATE = _l("Tenggat harus tanggal yang sah.")
UNKNOWN_RESPONSIBLE = _l("Penanggung jawab tidak dikenal.")
ITEM_ALREADY_DONE = _l("Butir tindak lanjut ini sudah selesai.")
EVALUATION_NOT_FINISHED = _l("Evaluasi belum selesai.")
NOTHING_TO_FOLLOW_UP = _l("Tidak ada target yang menunggu tindak lanjut Anda.")

# letters
LETTER_AFTER_FINISH = _l("Surat evaluasi dapat dicetak setelah evaluasi selesai.")
PRINT_FIRST = _l("Cetak surat evaluasi dengan tombol di halaman evaluasi terlebih dahulu.")
NOTHING_TO_PRINT = _l("Belum ada evaluasi selesai yang dapat dicetak pada periode ini.")
RECAP_NEEDS_SUBORDINATES = _l("Rekap tim hanya untuk atasan yang memiliki bawahan.")


def finished_message(scored: int, unreported: int, excluded: int, not_approved: int) -> str:
    """What a finished evaluation covered, e.g. "Evaluasi selesai: 3 target dinilai
    (1 tanpa laporan akhir), 1 dikecualikan, 1 belum disetujui dan tidak dievaluasi."
    Each count is said with ngettext; a part whose count is 0 is left out (but the
    scored targets are always said)."""
    covered = ngettext("%(num)d target dinilai", "%(num)d target dinilai", scored)
    if unreported:
        covered += " " + ngettext(
            "(%(num)d tanpa laporan akhir)", "(%(num)d tanpa laporan akhir)", unreported
        )
    parts = [covered]
    if excluded:
        parts.append(ngettext("%(num)d dikecualikan", "%(num)d dikecualikan", excluded))
    if not_approved:
        parts.append(
            ngettext(
                "%(num)d belum disetujui dan tidak dievaluasi",
                "%(num)d belum disetujui dan tidak dievaluasi",
                not_approved,
            )
        )
    return gettext("Evaluasi selesai: %(covered)s.", covered=", ".join(parts))


def say(message, **values) -> str:
    """``message`` as text in the request's language, its placeholders filled in."""
    text = str(message)
    return text % values if values else text
