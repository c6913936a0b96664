from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

FILE_REQUIRED = _l("Pilih berkas yang akan diimpor.")


class UploadForm(FlaskForm):
    file = FileField(
        _l("Berkas CSV atau XLSX"),
        description=_l(
            "Kolom seperti templat. CSV harus UTF-8 (di Excel: Simpan sebagai → CSV UTF-8). "
            "Isinya diperiksa dulu; belum ada yang diubah sebelum Anda menerapkannya."
        ),
        validators=[FileRequired(FILE_REQUIRED)],
    )
    full_import = BooleanField(
        _l("Impor penuh: berkas memuat semua pegawai instansi"),
        description=_l(
            "Pegawai instansi yang tidak ada di berkas akan dinonaktifkan (tidak dihapus; "
            "riwayatnya tetap). Biarkan tidak dicentang untuk menambah atau mengubah sebagian "
            "pegawai saja."
        ),
    )
