from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.people.services import LIMITS
from portal.ranks import GOLONGAN, PANGKAT_BY_GOLONGAN, JenisJabatan

REQUIRED = "Wajib diisi."


def _max(field: str):
    return Length(max=LIMITS[field], message=f"Paling banyak {LIMITS[field]} karakter.")


class EmployeeForm(FlaskForm):
    nip = StringField(
        "NIP", validators=[DataRequired(REQUIRED), Length(max=40, message="NIP terlalu panjang.")]
    )
    gelar_depan = StringField("Gelar depan", validators=[Optional(), _max("gelar_depan")])
    name = StringField("Nama (tanpa gelar)", validators=[DataRequired(REQUIRED), _max("name")])
    gelar_belakang = StringField("Gelar belakang", validators=[Optional(), _max("gelar_belakang")])
    jabatan = StringField("Jabatan", validators=[DataRequired(REQUIRED), _max("jabatan")])
    jenis_jabatan = SelectField(
        "Jenis jabatan",
        choices=[(j.value, j.label) for j in JenisJabatan],
        validate_choice=False,  # the service says which value is wrong, in Indonesian
    )
    golongan = SelectField(
        "Pangkat/golongan",
        choices=[(g, f"{PANGKAT_BY_GOLONGAN[g]}, {g}") for g in GOLONGAN],
        validate_choice=False,
    )
    unit_id = SelectField("Unit kerja", coerce=str, validate_choice=False)
    atasan_nip = StringField(
        "NIP atasan langsung",
        description="Kosongkan hanya untuk pimpinan tertinggi instansi.",
        validators=[Optional(), Length(max=40, message="NIP terlalu panjang.")],
    )
    email = StringField("Email", validators=[Optional(), _max("email")])
    is_admin = BooleanField("Admin instansi (pengelola kepegawaian)")
    active = BooleanField("Aktif", default=True)
