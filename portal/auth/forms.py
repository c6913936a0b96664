from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import PortalForm

PASSWORDS_DIFFER = _l("Kedua isian kata sandi baru tidak sama.")

REQUIRED = _l("Wajib diisi.")


class LoginForm(PortalForm):
    nip = StringField(
        "NIP",
        validators=[DataRequired(REQUIRED), Length(max=40, message=_l("NIP terlalu panjang."))],
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=128, message=_l("Kata sandi terlalu panjang.")),
        ],
    )


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Kata sandi saat ini"), validators=[DataRequired(REQUIRED), Length(max=128)]
    )
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=PASSWORDS_DIFFER),
        ],
    )
