from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(
        "Berkas CSV atau XLSX",
        description=(
            "Kolom seperti templat. CSV harus UTF-8 (di Excel: Simpan sebagai → CSV UTF-8). "
            "Isinya diperiksa dulu; belum ada yang diubah sebelum Anda menerapkannya."
        ),
        validators=[FileRequired("Pilih berkas yang akan diimpor.")],
    )
    full_import = BooleanField(
        "Impor penuh: berkas memuat semua pegawai instansi",
        description=(
            "Pegawai instansi yang tidak ada di berkas akan dinonaktifkan (tidak dihapus; "
            "riwayatnya tetap). Biarkan tidak dicentang untuk menambah atau mengubah sebagian "
            "pegawai saja."
        ),
    )
