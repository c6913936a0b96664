"""Cross-cutting web concerns: security headers, sessions, errors, rendering fragments."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Flask, Response, g, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased, joinedload
from werkzeug.exceptions import HTTPException

from portal import observability, policy
from portal.concurrency import is_lock_conflict
from portal.errors import DomainError
from portal.extensions import db, htmx, login_manager
from portal.forms import CONTROL_CHARACTERS, bounded_id, has_control_characters
from portal.models import Employee
from portal.models.plans import group_by_kind
from portal.numbers import decimal, rupiah, thousands

# A stored file shown in the browser (a PDF in its viewer, a photo): it may run nothing,
# load nothing, and submit nothing; the viewer itself is the browser's own.
FILE_CSP = "; ".join(
    [
        "default-src 'none'",
        "img-src 'self'",
        "object-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)

# htmx 2 does not swap 4xx/5xx by default. We decide once: every response is swapped;
# forms re-render with 422, races answer 409 with the fresh row, and other errors
# retarget themselves to the page's alert region (see render_error).
# How often a signed-in user's session cookie is renewed (its expiry slides).
SESSION_RENEW_SECONDS = 60

CSRF_EXPIRED = _l(
    "Sesi formulir sudah kedaluwarsa atau tidak sah (token CSRF). "
    "Muat ulang halaman lalu kirim lagi."
)

HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    # htmx settles "style" too by default: copying a style attribute onto the new content
    # is an inline style, which the CSP refuses.
    "attributesToSettle": ["class", "width", "height"],
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
}

ERROR_TITLES = {
    400: _l("Permintaan tidak valid"),
    401: _l("Perlu masuk"),
    403: _l("Akses ditolak"),
    404: _l("Halaman tidak ditemukan"),
    405: _l("Metode tidak diizinkan"),
    409: _l("Data sudah berubah"),
    413: _l("Berkas terlalu besar"),
    422: _l("Data belum benar"),
    429: _l("Terlalu banyak percobaan"),
    500: _l("Terjadi kesalahan pada server"),
}
ERROR_MESSAGES = {
    400: _l("Permintaan tidak dapat diproses. Muat ulang halaman lalu coba lagi."),
    401: _l("Silakan masuk terlebih dahulu."),
    403: _l("Anda tidak berwenang melakukan tindakan ini."),
    404: policy.NOT_FOUND,
    405: _l("Tindakan ini tidak dapat dilakukan dengan cara tersebut."),
    409: _l(
        "Data ini baru saja diubah orang lain. Tampilan sudah diperbarui; periksa lalu ulangi."
    ),
    413: _l("Berkas yang dikirim melebihi batas ukuran."),
    422: _l("Periksa kembali isian Anda."),
    429: _l("Terlalu banyak percobaan. Tunggu beberapa saat lalu coba lagi."),
    500: _l(
        "Maaf, terjadi kesalahan pada server. Kesalahan ini tercatat di log server. Silakan "
        "coba lagi nanti; bila terus terjadi, sampaikan kode permintaan di bawah ini kepada "
        "admin."
    ),
}

# Endpoints a user who must change their password may still reach.
_PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static"}


def current_employee() -> Employee:
    """The signed-in employee (the real object, not Flask-Login's proxy)."""
    return current_user._get_current_object()


_SUBORDINATE = aliased(Employee)


def _has_team(employee_id):
    """Whether anyone has ``employee_id`` as their atasan (active or not, as the
    ``subordinates`` relationship counts them)."""
    return exists().where(_SUBORDINATE.atasan_id == employee_id)


# The signed-in user, their instansi and whether they have a team, in one statement built
# once (every request runs it).
_SIGNED_IN_USER = (
    select(Employee, _has_team(Employee.id))
    .options(joinedload(Employee.instansi, innerjoin=True))
    .where(Employee.id == bindparam("pk"))
)


def has_team() -> bool:
    """Whether the signed-in user supervises anyone (the navigation's Verifikasi and Tim).

    The user loader answers it in the statement that loads the user, with the instansi:
    the layout of every page then needs no query of its own for either. Only a user who
    signed in during this request is asked here, once.
    """
    if "has_team" not in g:
        g.has_team = current_user.is_authenticated and bool(
            db.session.scalar(select(_has_team(current_user.id)))
        )
    return g.has_team


def whole_number(raw: str | None) -> int | None:
    """ASCII digits only (``"²".isdigit()`` is true, and ``int("²")`` fails), at most 18
    of them (``int()`` refuses 100,000 digits; a larger number is no quantity we keep)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def arg_id(name: str, default: int | None = None) -> int | None:
    """The id (or page number) in the query string's ``name``, within the id range; else
    ``default``: a malformed or huge one names nothing, never a database error."""
    value = bounded_id(request.args.get(name))
    return default if value is None else value


def same_site_path(target: str | None) -> str | None:
    """``target`` as a path on this site (``/a/b?c``), or None when it could lead away.

    The one judge of where to go after an action (a ``next`` parameter, a Referer): a
    relative path that starts with one ``/``, or an absolute URL of this very scheme and
    host, reduced to its path. Refused: another host, a scheme-relative ``//host``, a
    backslash (``/\\host``, which browsers read as ``//host``), an encoded ``%2F%2Fhost``,
    ``http:host``, and any control character (parsers drop tabs and newlines, so
    ``/\t/host`` would leave as ``//host``).
    """
    if not target or not target.isprintable() or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        here = urlsplit(request.host_url)
        if (parts.scheme.lower(), parts.netloc.lower()) != (here.scheme, here.netloc.lower()):
            return None
    path = parts.path
    decoded = unquote(path)
    if not path.startswith("/") or decoded.startswith("//") or "\\" in decoded:
        return None
    return urlunsplit(("", "", path, parts.query, ""))


def redirect_back(fallback: str, *, target: str | None = None) -> Response:
    """A 303 to ``target`` (default: the Referer) when it is on this site, else to
    ``fallback``: after an action posted without htmx."""
    chosen = same_site_path(request.referrer if target is None else target)
    return redirect(chosen or fallback, code=303)


def is_fragment_request() -> bool:
    """An htmx request for part of a page (boosted navigation and history restores want
    whole pages)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# A user's two counts: the inbox's items and the unread notifications (one statement).
BadgeCounter = Callable[[Employee], tuple[int, int]]
_badge_counter: BadgeCounter | None = None


def provide_badge_count(counter: BadgeCounter) -> BadgeCounter:
    """Name the function that counts a user's inbox and unread notifications (the inbox
    feature registers it when it is imported: the features below it ask
    :func:`badge_count` without importing it). Returns the function, so that it can be
    used as a decorator."""
    global _badge_counter
    _badge_counter = counter
    return counter


def _badges() -> tuple[int, int]:
    if "badges" not in g:
        if _badge_counter is None:
            raise RuntimeError("No inbox badge counter: portal.inbox not registered")
        g.badges = _badge_counter(current_employee())
    return g.badges


def badge_count() -> int:
    """The signed-in user's inbox count, once per request."""
    return _badges()[0]


def unread_count() -> int:
    """The signed-in user's unread notifications, counted with the inbox (one statement)."""
    return _badges()[1]


def render(
    template: str,
    partial: str | None = None,
    status: int = 200,
    replace_messages: bool = True,
    **context,
) -> Response:
    """Render the page, or only its partial when htmx asked for a fragment.

    The page template includes the partial, so page and fragment never drift apart. A
    whole page gets the navigation's inbox badge count here, before rendering (the
    templates never query). An action answered in place replaces the page's messages;
    a live preview (``replace_messages=False``) changes nothing and leaves them, so a
    late preview cannot wipe the message of the action that overtook it.
    """
    fragment = partial and is_fragment_request()
    name = partial if fragment else template
    if not fragment and current_user.is_authenticated:
        if "badge_count" not in context:
            context["badge_count"] = badge_count()
        if "unread_count" not in context:
            context["unread_count"] = unread_count()
    body = render_template(name, **context)
    if replace_messages and is_fragment_request() and request.method != "GET":
        # An action answered in place: the page's earlier messages give way to its own.
        body += render_template("partials/_flashes.html", oob=True)
    return htmx_response(body, status)


def render_error(status: int, message: str | None = None) -> Response:
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    message = message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    if is_fragment_request():
        # A small alert in the page's live region instead of a whole page in a row.
        response = htmx_response(
            render_template("errors/_alert.html", status=status, title=title, message=message),
            status,
            retarget="#alerts",
            reswap="innerHTML",
        )
    else:
        response = Response(
            render_template("errors/error.html", status=status, title=title, message=message),
            status=status,
        )
    return response


def init_app(app: Flask) -> None:
    if app.config["PORTAL_HTTPS"]:
        # Also when PORTAL_HTTPS comes as an override to create_app rather than from the
        # environment: HTTPS always means cookies over TLS only and a strict CSRF referrer.
        app.config.update(
            SESSION_COOKIE_SECURE=True, WTF_CSRF_SSL_STRICT=True, PREFERRED_URL_SCHEME="https"
        )
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Silakan masuk untuk membuka halaman ini."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are ended by session_version

    @login_manager.user_loader
    def load_user(user_id: str) -> Employee | None:
        try:
            pk, version = (int(part) for part in user_id.split("."))
        except ValueError:
            return None
        row = db.session.execute(_SIGNED_IN_USER, {"pk": pk}).one_or_none()
        if row is None:
            return None
        employee, g.has_team = row
        if not employee.active or employee.session_version != version:
            return None
        observability.note_user(employee)
        return employee

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_fragment_request():
            response = render_error(401)
            response.headers["HX-Redirect"] = url_for("auth.login")
            return response
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))

    @app.before_request
    def forced_password_change():
        # The endpoint first: a static file then loads no user (one statement saved on
        # every stylesheet, script and icon).
        if (
            request.endpoint not in _PASSWORD_CHANGE_EXEMPT
            and current_user.is_authenticated
            and current_user.must_change_password
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        # A response may bring a stricter policy of its own (a file shown inline).
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["PORTAL_HTTPS"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # A response that already says how to cache it (static files, downloads) keeps
        # that, and needs no user loaded to decide.
        if "Cache-Control" not in headers and current_user and current_user.is_authenticated:
            headers["Cache-Control"] = "no-store"
        headers.add("Vary", "HX-Request")
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        return render_error(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400,
            str(CSRF_EXPIRED),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        if exc.code is None or exc.code < 400:
            return exc
        message = exc.description if getattr(exc, "portal_message", False) else None
        return render_error(exc.code, message)

    @app.errorhandler(OperationalError)
    def database_busy(exc: OperationalError):
        # SQLite refuses a write whose snapshot another writer has just moved on: the
        # same lost race a compare-and-swap reports, so the same answer.
        db.session.rollback()
        if is_lock_conflict(exc):
            return render_error(409)
        observability.report_error("Database error", exc)
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        observability.report_error("Unhandled error", exc)
        db.session.rollback()
        return render_error(500)

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["tanggal"] = lambda d: format_date(d, "long") if d else "—"
    app.jinja_env.filters["waktu"] = lambda t: format_datetime(t, "d MMM y, HH.mm") if t else "—"
    app.jinja_env.filters["angka"] = thousands
    app.jinja_env.filters["desimal"] = decimal
    app.jinja_env.filters["rupiah"] = rupiah
    # Targets, or rows that carry one in ``attribute``, under A. Utama and B. Tambahan.
    app.jinja_env.filters["per_jenis"] = lambda items, attribute=None: group_by_kind(
        items, (lambda item: getattr(item, attribute)) if attribute else (lambda item: item)
    )

    @app.context_processor
    def template_helpers():
        return {
            "can": policy.can,
            "Action": policy.Action,
            "current_lang": str(get_locale() or "id"),
            "htmx_config": HTMX_CONFIG,
            "has_team": has_team,
        }

    @app.before_request
    def plain_query_string():
        """A NUL or another control character in the query string (a NUL would reach
        PostgreSQL's text as an error) is a 422 with words, before any view. Tabs and line
        breaks are left to the views, which refuse them where they matter (``next``)."""
        args = request.args.items(multi=True)
        if any(has_control_characters(f"{k}{v}", multiline=True) for k, v in args):
            return render_error(422, str(CONTROL_CHARACTERS))
        return None

    @app.before_request
    def slide_the_idle_timeout():
        """Renew the session cookie's expiry at most once a minute (see config)."""
        if session.permanent:
            now = int(time.time())
            if now - session.get("seen", 0) >= SESSION_RENEW_SECONDS:
                session["seen"] = now

    @app.before_request
    def remember_request_start():
        g.setdefault("policy_cache", {})
