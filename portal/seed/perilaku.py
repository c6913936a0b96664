"""The demo employee's perilaku kerja expectations and lampiran, as their atasan set
them in the dialog kinerja (through the real service: versioned and audited)."""

from __future__ import annotations

from portal.models import Employee, Target
from portal.plans.expectations import TermsInput, save_terms
from portal.policy import PlanRef

EXPECTATIONS = {
    "berorientasi_pelayanan": (
        "Menjawab permintaan data kelembagaan dari perangkat daerah paling lambat tiga hari "
        "kerja, dengan penjelasan yang mudah dipahami."
    ),
    "akuntabel": "Setiap dokumen analisis jabatan dilengkapi sumber data dan tanggal verifikasi.",
    "kompeten": "Mengikuti pelatihan analisis beban kerja dan membagikan materinya di subbagian.",
    "harmonis": "Menjaga komunikasi yang santun dengan operator kepegawaian perangkat daerah.",
    "loyal": "Menjaga kerahasiaan data formasi sebelum ditetapkan pimpinan.",
    "adaptif": "Memakai aplikasi e-Kinerja dan anjab-abk daring untuk seluruh dokumen tahun ini.",
    "kolaboratif": "Aktif dalam tim kerja penyederhanaan birokrasi bersama Bagian Hukum.",
}
LAMPIRAN = {
    "dukungan_sumber_daya": (
        "Akses aplikasi anjab-abk daring; data kepegawaian dari BKPSDM; pendampingan "
        "Kepala Subbagian pada dua dokumen pertama."
    ),
    "skema_pertanggungjawaban": (
        "Laporan bulanan melalui portal paling lambat tanggal 5; pemaparan hasil pada "
        "evaluasi kinerja setiap triwulan."
    ),
    "konsekuensi": (
        "Capaian di atas ekspektasi diusulkan untuk penghargaan pegawai berkinerja; di bawah "
        "ekspektasi dua triwulan berturut-turut diikuti rencana pembinaan."
    ),
}


def seed_perilaku(pegawai: Employee, atasan: Employee, target: Target) -> int:
    """Set them on the plan of ``target`` (still in discussion); the rows created."""
    plan = target.plan
    ref = PlanRef(pegawai, target.period, plan)
    changes = save_terms(ref, TermsInput(dict(EXPECTATIONS), dict(LAMPIRAN)), atasan, plan.version)
    return len(EXPECTATIONS) + 1 if changes else 0
