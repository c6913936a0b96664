"""Signing in and out, changing passwords: the operations behind the auth routes."""

from __future__ import annotations

import secrets

from flask import request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import select

from portal import audit
from portal.auth import passwords, throttle
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Employee
from portal.models.types import utcnow
from portal.nip import normalise

PASSWORD_UNCHANGED = _l("Kata sandi baru harus berbeda dari yang sekarang.")

GENERIC_FAILURE = _l("NIP atau kata sandi salah.")
# ``str.format`` placeholder: filled by ``LOCKED.format(minutes=...)`` (lazy strings pass
# ``format`` on to their text in the current language).
LOCKED = _l(
    "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, coba lagi setelah "
    "{minutes} menit atau hubungi pengelola kepegawaian."
)


class SignInRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        message = str(message)  # lazy texts become text in the request's language
        super().__init__(message)
        self.message = message
        self.status = status


def sign_in(nip_text: str, password: str, lockout_minutes: int) -> Employee:
    """Check the credentials and start a fresh session; raise :class:`SignInRefused`."""
    account_key = normalise(nip_text)[:40]
    ip = request.remote_addr or "unknown"
    if throttle.is_locked(account_key, ip):
        audit.record("auth.login_blocked", summary={"nip": account_key})
        db.session.commit()
        raise SignInRefused(LOCKED.format(minutes=lockout_minutes), 429)
    employee = db.session.scalar(
        select(Employee).where(Employee.nip == account_key, Employee.active.is_(True))
    )
    if not passwords.verify_password(employee.password_hash if employee else None, password):
        locked_now = throttle.register_failure(account_key, ip)
        # Whoever typed the password is unknown: the account is the event's subject.
        audit.record(
            "auth.login_failed",
            employee,
            summary={"nip": account_key, "reason": "credentials"},
        )
        if locked_now:
            audit.record("auth.lockout", employee, summary={"nip": account_key})
        db.session.commit()
        if locked_now:
            raise SignInRefused(LOCKED.format(minutes=lockout_minutes), 429)
        raise SignInRefused(GENERIC_FAILURE, 401)

    if passwords.needs_rehash(employee.password_hash):
        employee.password_hash = passwords.hash_password(password)
    throttle.clear_account(account_key)
    employee.last_login_at = utcnow()
    start_session(employee)
    audit.record("auth.login", employee, actor=employee)
    db.session.commit()
    return employee


def start_session(employee: Employee) -> None:
    """Throw the old session away and issue a new one (no session fixation)."""
    session.clear()
    session.permanent = True
    session["sid"] = secrets.token_urlsafe(24)
    login_user(employee)


def sign_out(employee: Employee) -> None:
    """End this and every other session of the user."""
    employee.session_version += 1
    audit.record("auth.logout", employee, actor=employee)
    db.session.commit()
    logout_user()
    session.clear()


def change_password(employee: Employee, current: str, new: str) -> None:
    if not passwords.verify_password(employee.password_hash, current):
        audit.record("auth.password_change_failed", employee)
        db.session.commit()
        raise InvalidInput(_("Kata sandi saat ini salah."), field="current_password")
    passwords.check_password_rules(new, nip=employee.nip, name=employee.name)
    if current == new:
        raise InvalidInput(str(PASSWORD_UNCHANGED), field="password")
    employee.password_hash = passwords.hash_password(new)
    employee.must_change_password = False
    employee.session_version += 1  # every other session of this user ends here
    audit.record("auth.password_changed", employee)
    start_session(employee)
    db.session.commit()
