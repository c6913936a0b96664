"""The seven core values of the ASN (BerAKHLAK) as data: each value's key, its name, its
meaning and its *panduan perilaku* (the key behaviours).

The wording is the official one of SE MenPANRB 20/2021 on the implementation of the core
values and the employer branding of the ASN (the same behaviours as Pasal 4 ayat (2) of
UU 20/2023), which the SKP of PermenPANRB 6/2022 prints in its *perilaku kerja* section
beside the supervisor's *ekspektasi khusus pimpinan*. They are the regulation's words and
are shown as they are, in Indonesian, in every language of the portal (as the value names
of :data:`portal.scoring.BERAKHLAK` are).

``key`` is what the database stores (``plan_expectation.value_key``): short, ASCII and
stable, whatever the name's letter case or spelling on a screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoreValue:
    key: str
    # As in ``scoring.BERAKHLAK``, in the same order (tests/test_plan_expectations.py):
    # the evaluations key their ratings and feedback by the name.
    name: str
    makna: str  # what the value means
    panduan: tuple[str, ...]  # the panduan perilaku


VALUES: tuple[CoreValue, ...] = (
    CoreValue(
        "berorientasi_pelayanan",
        "Berorientasi Pelayanan",
        "Komitmen memberikan pelayanan prima demi kepuasan masyarakat",
        (
            "Memahami dan memenuhi kebutuhan masyarakat",
            "Ramah, cekatan, solutif, dan dapat diandalkan",
            "Melakukan perbaikan tiada henti",
        ),
    ),
    CoreValue(
        "akuntabel",
        "Akuntabel",
        "Bertanggung jawab atas kepercayaan yang diberikan",
        (
            "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin, dan "
            "berintegritas tinggi",
            "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, "
            "dan efisien",
            "Tidak menyalahgunakan kewenangan jabatan",
        ),
    ),
    CoreValue(
        "kompeten",
        "Kompeten",
        "Terus belajar dan mengembangkan kapabilitas",
        (
            "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
            "Membantu orang lain belajar",
            "Melaksanakan tugas dengan kualitas terbaik",
        ),
    ),
    CoreValue(
        "harmonis",
        "Harmonis",
        "Saling peduli dan menghargai perbedaan",
        (
            "Menghargai setiap orang apapun latar belakangnya",
            "Suka menolong orang lain",
            "Membangun lingkungan kerja yang kondusif",
        ),
    ),
    CoreValue(
        "loyal",
        "Loyal",
        "Berdedikasi dan mengutamakan kepentingan bangsa dan negara",
        (
            "Memegang teguh ideologi Pancasila, Undang-Undang Dasar Negara Republik Indonesia "
            "Tahun 1945, setia kepada NKRI serta pemerintahan yang sah",
            "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
            "Menjaga rahasia jabatan dan negara",
        ),
    ),
    CoreValue(
        "adaptif",
        "Adaptif",
        "Terus berinovasi dan antusias dalam menggerakkan ataupun menghadapi perubahan",
        (
            "Cepat menyesuaikan diri menghadapi perubahan",
            "Terus berinovasi dan mengembangkan kreativitas",
            "Bertindak proaktif",
        ),
    ),
    CoreValue(
        "kolaboratif",
        "Kolaboratif",
        "Membangun kerja sama yang sinergis",
        (
            "Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
            "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
            "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama",
        ),
    ),
)

KEYS: tuple[str, ...] = tuple(value.key for value in VALUES)
BY_KEY: dict[str, CoreValue] = {value.key: value for value in VALUES}
BY_NAME: dict[str, CoreValue] = {value.name: value for value in VALUES}
