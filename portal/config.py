"""Settings, read from the environment (``PORTAL_*``) with safe defaults.

Every setting is documented in README.md. Nothing secret is hard-coded: when
``PORTAL_SECRET_KEY`` is not set, a random key is generated once and kept in the
instance folder, so sessions survive restarts and all workers of one instance agree.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's generated secret key, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when two workers start at once, exactly one writes and both read it back.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from ``PORTAL_*`` variables."""
    https = _env_bool("PORTAL_HTTPS", False)
    database_url = os.environ.get(
        "PORTAL_DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
    )
    return {
        "SECRET_KEY": os.environ.get("PORTAL_SECRET_KEY") or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=_env_int("PORTAL_SESSION_IDLE_MINUTES", 8 * 60)
        ),
        # The idle timeout slides, but the cookie is rewritten at most once a minute
        # (``portal.web``): a request that rewrote it every time would send back the
        # session as it read it, and a concurrent request's flash message was lost.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "UPLOAD_FOLDER": os.environ.get(
            "PORTAL_UPLOAD_FOLDER", str(Path(instance_path) / "uploads")
        ),
        "PORTAL_MAX_UPLOAD_MB": _env_int("PORTAL_MAX_UPLOAD_MB", 5),
        # A request may carry every allowed file at its largest (evidence files, or one
        # import file), plus the form itself.
        "MAX_CONTENT_LENGTH": max(
            _env_int("PORTAL_MAX_UPLOAD_MB", 5) * _env_int("PORTAL_EVIDENCE_MAX_FILES", 5),
            _env_int("PORTAL_IMPORT_MAX_MB", 20),
        )
        * 1024
        * 1024
        + 256 * 1024,
        # Imports of people and units (CSV/XLSX): kept here between preview and commit.
        "PORTAL_IMPORT_FOLDER": os.environ.get(
            "PORTAL_IMPORT_FOLDER", str(Path(instance_path) / "imports")
        ),
        "PORTAL_IMPORT_MAX_ROWS": _env_int("PORTAL_IMPORT_MAX_ROWS", 30000),
        "PORTAL_IMPORT_MAX_MB": _env_int("PORTAL_IMPORT_MAX_MB", 20),
        "BABEL_DEFAULT_LOCALE": os.environ.get("PORTAL_DEFAULT_LANGUAGE", "id"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Jakarta"),
        "PORTAL_LANGUAGES": ("id", "en"),
        # Argon2id: argon2-cffi's RFC 9106 low-memory profile (t=3, m=64 MiB, p=4) is
        # above the OWASP minimum (m=19 MiB, t=2, p=1), which is the floor we accept.
        "PORTAL_ARGON2_TIME_COST": _env_int("PORTAL_ARGON2_TIME_COST", 3),
        "PORTAL_ARGON2_MEMORY_KIB": _env_int("PORTAL_ARGON2_MEMORY_KIB", 65536),
        "PORTAL_ARGON2_PARALLELISM": _env_int("PORTAL_ARGON2_PARALLELISM", 4),
        "PORTAL_LOCKOUT_ACCOUNT_FAILURES": _env_int("PORTAL_LOCKOUT_ACCOUNT_FAILURES", 5),
        "PORTAL_LOCKOUT_IP_FAILURES": _env_int("PORTAL_LOCKOUT_IP_FAILURES", 30),
        "PORTAL_LOCKOUT_MINUTES": _env_int("PORTAL_LOCKOUT_MINUTES", 15),
        "PORTAL_HOLIDAYS_FILE": os.environ.get("PORTAL_HOLIDAYS_FILE"),
        "PORTAL_EVIDENCE_MAX_FILES": _env_int("PORTAL_EVIDENCE_MAX_FILES", 5),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "PORTAL_REDIS_URL": os.environ.get("PORTAL_REDIS_URL"),
        # Mail (README "Email dan pengingat"): off without an SMTP host, unless the
        # messages are written as .eml files into PORTAL_MAIL_DIR (a demo without a server).
        "PORTAL_SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", ""),
        "PORTAL_SMTP_PORT": _env_int("PORTAL_SMTP_PORT", 25),
        "PORTAL_SMTP_USER": os.environ.get("PORTAL_SMTP_USER", ""),
        "PORTAL_SMTP_PASSWORD": os.environ.get("PORTAL_SMTP_PASSWORD", ""),
        "PORTAL_SMTP_STARTTLS": _env_bool("PORTAL_SMTP_STARTTLS", False),
        "PORTAL_SMTP_TIMEOUT": _env_int("PORTAL_SMTP_TIMEOUT", 20),
        "PORTAL_MAIL_FROM": os.environ.get(
            "PORTAL_MAIL_FROM", "Portal Kinerja <noreply@kinerja.example>"
        ),
        "PORTAL_MAIL_DIR": os.environ.get("PORTAL_MAIL_DIR", ""),
        # Error reports to Sentry (needs the optional extra: pip install '.[sentry]').
        "PORTAL_SENTRY_DSN": os.environ.get("PORTAL_SENTRY_DSN"),
        "PORTAL_SENTRY_ENVIRONMENT": os.environ.get("PORTAL_SENTRY_ENVIRONMENT"),
        "PORTAL_OBJECTION_DAYS": _env_int("PORTAL_OBJECTION_DAYS", 14),
        "PORTAL_OBJECTION_DECISION_DAYS": _env_int("PORTAL_OBJECTION_DECISION_DAYS", 14),
        "PORTAL_INBOX_OVERDUE_DAYS": _env_int("PORTAL_INBOX_OVERDUE_DAYS", 7),
        "PORTAL_PERIODIC_DUE_DAYS": _env_int("PORTAL_PERIODIC_DUE_DAYS", 14),
        "PORTAL_TRUSTED_PROXIES": _env_int("PORTAL_TRUSTED_PROXIES", 0),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": https,
    }
