"""The period forms. They draw the fields and carry the CSRF token; every rule (with its
Indonesian message per field) lives in ``portal.periods.services``, so the form and an
import or test posting the same fields are checked alike."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from portal.models import Scheme
from portal.periods.services import EVALUATION_MONTHS_AFTER, MAX_MONTHS


class PeriodForm(FlaskForm):
    name = StringField("Nama periode", description="Misalnya “Tahun 2027” atau “Triwulan I 2027”.")
    start_date = StringField(
        "Tanggal mulai",
        description=f"Tanggal 1 suatu bulan. Periode paling lama {MAX_MONTHS} bulan.",
    )
    end_date = StringField("Tanggal selesai", description="Tanggal terakhir suatu bulan.")
    scheme = SelectField(
        "Skema penilaian",
        choices=[(s.value, s.label) for s in Scheme],
        validate_choice=False,  # the service says which value is wrong, in Indonesian
        description=(
            "PP 46/2011: nilai angka dari kuantitas, kualitas, waktu dan biaya. "
            "PermenPANRB 6/2022: rating hasil kerja dan perilaku, predikat dari matriks."
        ),
    )
    weight_skp = StringField("Bobot SKP (%)", default="60")
    weight_perilaku = StringField("Bobot perilaku kerja (%)", default="40")
    planning_deadline = StringField(
        "Batas penyusunan SKP",
        description="Target pegawai diajukan dan disetujui paling lambat tanggal ini.",
    )
    report_deadline_day = StringField(
        "Tanggal batas laporan bulanan",
        default="5",
        description="Laporan suatu bulan jatuh tempo pada tanggal ini di bulan berikutnya (1–28).",
    )
    evaluation_deadline = StringField(
        "Batas evaluasi (opsional)",
        description=(
            "Evaluasi tahunan selesai paling lambat tanggal ini; boleh sampai "
            f"{EVALUATION_MONTHS_AFTER} bulan setelah periode berakhir."
        ),
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Alasan membuka kembali",
        description="Wajib; dicatat di log audit bersama nama Anda.",
    )
