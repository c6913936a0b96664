"""Observability: a request id, one structured log line per request, a health check and,
when configured, error reports to Sentry.

- Every request gets an id: the ``X-Request-ID`` a proxy sent, when it is a sane one
  (1–128 letters, digits, ``.``, ``_``, ``:`` or ``-``), else a new random one. It is
  echoed in the response's ``X-Request-ID``, shown on the 500 page (a user quotes it to
  the admin) and carried by every log line of the request.
- One JSON line per request on the ``portal.request`` logger: request id, user, instansi,
  endpoint, method, status, duration and the number of SQL statements, counted by an
  engine listener. No paths or query strings: a search can carry a person's name.
- ``GET /healthz`` checks the database (``SELECT 1``) and, when ``PORTAL_REDIS_URL`` is
  set, Redis: 200 when both answer, 503 naming the part that failed. It is answered
  before the session, the sign-in and the password-change redirect are looked at, so it
  needs no account, sets no cookie and says nothing about anyone.
- With ``PORTAL_SENTRY_DSN`` set, unexpected errors also go to Sentry, without personal
  data (the user's id only).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from flask_login import user_logged_in
from sqlalchemy import event, text

from portal.extensions import db

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
HEALTH_ENDPOINT = "healthz"
# How long the health check waits for Redis before calling it down.
REDIS_TIMEOUT_SECONDS = 2

request_log = logging.getLogger("portal.request")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def note_user(employee) -> None:
    """Remember who the request is for, for its log line (read when the user is loaded
    or signs in: by the end of the request a commit or rollback may have expired it)."""
    g.log_user = (employee.id, employee.instansi_id)


def report_error(message: str, exc: BaseException) -> None:
    """Log ``exc`` with the request id, and send it to Sentry when that is configured
    (the portal's error handlers answer every exception, so Sentry's own Flask hook, which
    listens for unhandled ones, never sees any)."""
    current_app.logger.error("%s (request %s)", message, request_id(), exc_info=exc)
    sentry = current_app.extensions.get("portal_sentry")
    if sentry is not None:
        with sentry.new_scope() as scope:
            scope.set_tag("request_id", request_id())
            if g.get("log_user"):
                scope.set_user({"id": g.log_user[0]})
            sentry.capture_exception(exc)


def _incoming_request_id() -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)


def _begin_request() -> Response | None:
    g.request_id = _incoming_request_id()
    g.request_started = time.perf_counter()
    g.sql_statements = 0
    if request.endpoint == HEALTH_ENDPOINT and request.method in ("GET", "HEAD"):
        # Returning here skips the hooks registered after this one (the session's
        # sliding expiry, the signed-in user, the forced password change).
        return health()
    return None


def _end_request(response: Response) -> Response:
    if "request_id" not in g:  # a hook registered before ours refused the request
        _begin_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    user_id, instansi_id = g.get("log_user", (None, None))
    fields = {
        "request_id": g.request_id,
        "user_id": user_id,
        "instansi_id": instansi_id,
        "endpoint": request.endpoint,
        "method": request.method,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "sql_statements": g.sql_statements,
    }
    request_log.info(json.dumps(fields), extra={"request_fields": fields})
    return response


def _count_statement(_conn, _cursor, statement, *_args) -> None:
    # SQLite's explicit BEGIN IMMEDIATE is transaction control, not a query.
    if has_request_context() and "sql_statements" in g and not statement.startswith("BEGIN"):
        g.sql_statements += 1


def _check_database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure is "down": the check names the part, the log the cause
        current_app.logger.warning("Health check: database unavailable", exc_info=True)
        db.session.rollback()
        return False
    return True


def _check_redis(url: str) -> bool:
    from redis import Redis  # only when Redis is configured (as in portal.jobs)

    connection = Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        return bool(connection.ping())
    except Exception:  # connection refused, timeout, authentication: all "down"
        current_app.logger.warning("Health check: Redis unavailable", exc_info=True)
        return False
    finally:
        connection.close()


def health() -> Response:
    """``GET /healthz``: the parts the portal needs, each "ok" or "unavailable"."""
    checks = {"database": _check_database()}
    redis_url = current_app.config.get("PORTAL_REDIS_URL")
    if redis_url:
        checks["redis"] = _check_redis(redis_url)
    healthy = all(checks.values())
    response = jsonify(
        status="ok" if healthy else "unavailable",
        checks={part: "ok" if up else "unavailable" for part, up in checks.items()},
    )
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _init_sentry(app: Flask, dsn: str) -> None:
    # Imported only when a DSN is set: sentry-sdk is an optional extra
    # (``pip install '.[sentry]'``), and a portal without it must start as well.
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("PORTAL_SENTRY_ENVIRONMENT") or None,
        send_default_pii=False,
        traces_sample_rate=0,
    )
    app.extensions["portal_sentry"] = sentry_sdk


def init_app(app: Flask) -> None:
    """Register before every other hook, so that the health check is answered first and
    the log line is written last, with the final status."""
    if request_log.level == logging.NOTSET:
        request_log.setLevel(logging.INFO)
    # Flask adds its log handler when ``app.logger`` is first read; the request log
    # goes out through it (to the server's error stream, gunicorn's error log).
    app.logger.debug("Request log on %s", request_log.name)
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.add_url_rule("/healthz", HEALTH_ENDPOINT, health)
    user_logged_in.connect(lambda _sender, user, **_extra: note_user(user), app, weak=False)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    if app.config.get("PORTAL_SENTRY_DSN"):
        _init_sentry(app, app.config["PORTAL_SENTRY_DSN"])
