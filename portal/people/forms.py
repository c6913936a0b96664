from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import REQUIRED, PlainText, PortalForm
from portal.people.services import LIMITS
from portal.ranks import GOLONGAN, GOLONGAN_PPPK, PANGKAT_BY_GOLONGAN, JenisASN, JenisJabatan


def _max(field: str):
    return Length(
        max=LIMITS[field], message=_l("Paling banyak %(max)s karakter.", max=LIMITS[field])
    )


_PLAIN = PlainText()


class EmployeeForm(PortalForm):
    nip = StringField(
        "NIP",
        validators=[
            DataRequired(REQUIRED),
            Length(max=40, message=_l("NIP terlalu panjang.")),
            _PLAIN,
        ],
    )
    gelar_depan = StringField(
        _l("Gelar depan"), validators=[Optional(), _max("gelar_depan"), _PLAIN]
    )
    name = StringField(
        _l("Nama (tanpa gelar)"), validators=[DataRequired(REQUIRED), _max("name"), _PLAIN]
    )
    gelar_belakang = StringField(
        _l("Gelar belakang"), validators=[Optional(), _max("gelar_belakang"), _PLAIN]
    )
    jabatan = StringField(
        _l("Jabatan"), validators=[DataRequired(REQUIRED), _max("jabatan"), _PLAIN]
    )
    jenis_jabatan = SelectField(
        _l("Jenis jabatan"),
        choices=[SelectChoice(j.value, j.label) for j in JenisJabatan],
        validate_choice=False,  # the service says which value is wrong
    )
    jenis_asn = SelectField(
        _l("Jenis ASN"),
        choices=[SelectChoice(j.value, j.label) for j in JenisASN],
        default=JenisASN.PNS.value,
        validate_choice=False,
    )
    golongan = SelectField(
        _l("Pangkat/golongan"),
        description=_l("PNS: pangkat dan golongan/ruang. PPPK: golongan I–XVII, tanpa pangkat."),
        choices=[
            *(SelectChoice(g, f"{PANGKAT_BY_GOLONGAN[g]}, {g}", optgroup="PNS") for g in GOLONGAN),
            *(SelectChoice(g, f"Golongan {g}", optgroup="PPPK") for g in GOLONGAN_PPPK),
        ],
        validate_choice=False,
    )
    unit_id = SelectField(_l("Unit kerja"), coerce=str, validate_choice=False)
    atasan_nip = StringField(
        _l("NIP atasan langsung"),
        description=_l("Kosongkan hanya untuk pimpinan tertinggi instansi."),
        validators=[Optional(), Length(max=40, message=_l("NIP terlalu panjang.")), _PLAIN],
    )
    email = StringField("Email", validators=[Optional(), _max("email"), _PLAIN])
    is_admin = BooleanField(_l("Admin instansi (pengelola kepegawaian)"))
    active = BooleanField(_l("Aktif"), default=True)
