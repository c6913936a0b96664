from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

REQUIRED = "Wajib diisi."


class LoginForm(FlaskForm):
    nip = StringField(
        "NIP", validators=[DataRequired(REQUIRED), Length(max=40, message="NIP terlalu panjang.")]
    )
    password = PasswordField(
        "Kata sandi",
        validators=[DataRequired(REQUIRED), Length(max=128, message="Kata sandi terlalu panjang.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Kata sandi saat ini", validators=[DataRequired(REQUIRED), Length(max=128)]
    )
    password = PasswordField("Kata sandi baru", validators=[DataRequired(REQUIRED)])
    confirm = PasswordField(
        "Ulangi kata sandi baru",
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message="Kedua isian kata sandi baru tidak sama."),
        ],
    )
