"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput

PASSWORD_TOO_COMMON = _l("Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.")
PASSWORD_CONTAINS_NIP = _l("Kata sandi tidak boleh memuat NIP Anda.")

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def _params() -> tuple[int, int, int]:
    cfg = current_app.config
    # Never below the OWASP minimum for Argon2id, whatever the environment says.
    return (
        max(cfg["PORTAL_ARGON2_TIME_COST"], 2),
        max(cfg["PORTAL_ARGON2_MEMORY_KIB"], 19 * 1024),
        max(cfg["PORTAL_ARGON2_PARALLELISM"], 1),
    )


def hasher() -> PasswordHasher:
    return _hasher(*_params())


@cache
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("portal-kinerja-dummy")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def hash_one_time_password(password: str) -> str:
    """Hash a generated one-time password at the OWASP minimum (t=2, 19 MiB, p=1).

    An import creates thousands of accounts at once, and the full cost (about a quarter
    second each) would take hours. A generated password has ~59 random bits, so the
    cost adds nothing against guessing it; it must be changed at first sign-in, and the
    new one is hashed at the full cost.
    """
    return _hasher(2, 19 * 1024, 1).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, still spend the time so timing reveals nothing."""
    try:
        if password_hash is None:
            hasher().verify(_dummy_hash(*_params()), password)
            return False
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("portal") / "data"
    with gzip.open(data / "common-passwords.txt.gz", "rt", encoding="utf-8") as handle:
        words = {line.strip().lower() for line in handle}
    extra = (data / "common-passwords-id.txt").read_text(encoding="utf-8").splitlines()
    words.update(w.strip().lower() for w in extra if w.strip() and not w.startswith("#"))
    return frozenset(words)


def check_password_rules(password: str, *, nip: str = "", name: str = "") -> None:
    """Raise :class:`InvalidInput` (field ``password``) when the password is not acceptable."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            _("Kata sandi minimal %(min)s karakter.", min=MIN_LENGTH), field="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            _("Kata sandi maksimal %(max)s karakter.", max=MAX_LENGTH), field="password"
        )
    lowered = password.strip().lower()
    if lowered in common_passwords():
        raise InvalidInput(str(PASSWORD_TOO_COMMON), field="password")
    if nip and nip in password:
        raise InvalidInput(str(PASSWORD_CONTAINS_NIP), field="password")
    if name and len(name) >= 4 and lowered == name.strip().lower():
        raise InvalidInput(_("Kata sandi tidak boleh sama dengan nama Anda."), field="password")
