"""Every sentence the periodic evaluation says to its users; the tests import them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEXT_MAX = 4000

TEXT_TOO_LONG = _l("Paling banyak %(max)s karakter.", max=TEXT_MAX)
UNKNOWN_RATING = _l("Rating %(value)s tidak dikenal.")
PICK_RATING = _l("Pilih rating %(value)s.")
PICK_HASIL_KERJA = _l("Pilih rating hasil kerja.")
PICK_PERILAKU = _l("Pilih rating perilaku.")
UNKNOWN_DECISION = _l("Rating tidak dikenal.")
DEPARTURE_NEEDS_REASON = _l("Rating berbeda dari saran sistem: tuliskan alasannya.")
NO_APPROVED_TARGETS = _l("Pegawai ini belum punya target yang disetujui pada periode ini.")
NOT_ENDED = _l(
    "%(sub)s belum berakhir (berakhir %(end)s). Evaluasi periodik dapat dibuat setelah "
    "subperiodenya selesai."
)
NO_SUCH_SUB_PERIOD = _l("Subperiode ini tidak ada pada periode %(period)s.")
ALREADY_FINISHED = _l("Evaluasi periodik ini sudah diselesaikan sebelumnya.")
ALREADY_ACKNOWLEDGED = _l("Anda sudah menerima hasil evaluasi periodik ini.")
CHANGED_ELSEWHERE = _l(
    "Evaluasi periodik ini baru saja diubah di tempat lain. Periksa data terbaru lalu ulangi."
)
SAVED = _l("Draf evaluasi periodik tersimpan.")
FINISHED = _l("Evaluasi periodik %(sub)s untuk %(name)s selesai; pegawai dapat melihat hasilnya.")
ACKNOWLEDGED = _l("Hasil evaluasi periodik %(sub)s diterima.")


def say(message, **values) -> str:
    text = str(message)
    return text % values if values else text
