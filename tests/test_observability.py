"""Observability: the request id, the request log line, the health check, the 500 page
and the optional error reports to Sentry."""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
import types

import pytest

from portal import create_app
from portal.observability import REQUEST_ID_HEADER
from portal.web import ERROR_MESSAGES
from tests.conftest import app_config

BOOM = "/_test/boom"


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_app(database_url, tmp_path):
    """An app of its own with a route that fails, built with ``config`` on top of the
    test settings (routes cannot be added to an app that has served requests)."""

    def _make(**config):
        app = create_app({**app_config(database_url, tmp_path), **config})

        @app.route(BOOM)
        def boom():
            raise RuntimeError("the printer is on fire")

        return app

    return _make


def _log_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.request"]


# -- one structured line per request --------------------------------------------------


def test_every_request_logs_one_line_with_who_what_and_how_long(
    db, factory, signed_in, caplog, count_statements
):
    employee = factory.employee()
    db.session.commit()
    client = signed_in(employee)
    caplog.set_level(logging.INFO, logger="portal.request")
    with count_statements() as counter:
        response = client.get("/")
    assert response.status_code == 200
    [line] = _log_lines(caplog)
    assert set(line) == {
        "request_id",
        "user_id",
        "instansi_id",
        "endpoint",
        "method",
        "status",
        "duration_ms",
        "sql_statements",
    }
    assert line["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert (line["user_id"], line["instansi_id"]) == (employee.id, employee.instansi_id)
    assert (line["endpoint"], line["method"], line["status"]) == ("home.index", "GET", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["sql_statements"] == counter.count > 0


def test_the_log_line_of_an_anonymous_request_has_no_user(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/")
    assert response.status_code == 302
    [line] = _log_lines(caplog)
    assert (line["user_id"], line["instansi_id"]) == (None, None)
    assert (line["endpoint"], line["status"]) == ("home.index", 302)


def test_a_sign_in_is_logged_with_the_user_who_signed_in(db, factory, client, caplog):
    employee = factory.employee(must_change_password=False)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.login(employee)  # a GET for the form's token, then the POST
    assert response.status_code == 302
    line = _log_lines(caplog)[-1]
    assert (line["endpoint"], line["method"]) == ("auth.login", "POST")
    assert (line["user_id"], line["instansi_id"]) == (employee.id, employee.instansi_id)


def test_the_log_line_names_no_path_or_query(db, factory, signed_in, caplog):
    """A search carries what was typed (a person's name); the endpoint is enough."""
    admin = factory.employee(is_admin=True)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="portal.request")
    signed_in(admin).get("/admin/pegawai?q=Siti+Aminah")
    [record] = [r for r in caplog.records if r.name == "portal.request"]
    assert "Siti" not in record.getMessage() and "pegawai?" not in record.getMessage()


# -- the request id -------------------------------------------------------------------


@pytest.mark.parametrize("incoming", ["9f1c2a7e-55d1-4c1e-9a51-2f0c7c1a9b3e", "lb.01:req_42"])
def test_a_sane_incoming_request_id_is_echoed_and_logged(client, caplog, incoming):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/masuk", headers={REQUEST_ID_HEADER: incoming})
    assert response.headers[REQUEST_ID_HEADER] == incoming
    assert _log_lines(caplog)[0]["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "two words", "id\u00e9", "<script>", "a/b", "semi;colon", "quote'"],
)
def test_a_malformed_request_id_is_replaced_by_a_new_one(client, caplog, incoming):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/masuk", headers={REQUEST_ID_HEADER: incoming})
    echoed = response.headers[REQUEST_ID_HEADER]
    assert echoed != incoming
    assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)
    assert _log_lines(caplog)[0]["request_id"] == echoed


def test_each_request_gets_its_own_id(client):
    first = client.get("/masuk").headers[REQUEST_ID_HEADER]
    second = client.get("/masuk").headers[REQUEST_ID_HEADER]
    assert first != second


# -- the health check -----------------------------------------------------------------


def test_healthz_is_ok_without_an_account_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers[REQUEST_ID_HEADER]


def test_healthz_does_not_touch_a_signed_in_session(db, factory, signed_in):
    """Even a browser's session whose sliding expiry is due, or whose password must be
    changed, gets the health answer and no new cookie."""
    employee = factory.employee(must_change_password=True)
    db.session.commit()
    client = signed_in(employee)
    with client.raw.session_transaction() as session:
        session["seen"] = int(time.time()) - 3600
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert employee.name not in response.get_data(as_text=True)


def test_healthz_checks_redis_when_it_is_configured(app, client):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["PORTAL_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_healthz_is_503_naming_redis_when_redis_is_down(app, client, caplog):
    app.config["PORTAL_REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }
    assert "Health check: Redis unavailable" in caplog.text


def test_healthz_is_503_naming_the_database_when_it_is_down(make_app, caplog):
    url = f"postgresql+psycopg://portal@127.0.0.1:{_closed_port()}/portal"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert "Health check: database unavailable" in caplog.text
    # The database's error message (host, port, user) stays in the log.
    assert "127.0.0.1" not in response.get_data(as_text=True)


# -- an honest 500 page ---------------------------------------------------------------


def test_the_500_page_says_what_is_true_and_shows_the_request_id(make_app, caplog):
    app = make_app()
    response = app.test_client().get(BOOM, headers={REQUEST_ID_HEADER: "req-500-page"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "req-500-page" in page and response.headers[REQUEST_ID_HEADER] == "req-500-page"
    assert str(ERROR_MESSAGES[500]) in page
    assert "kode permintaan" in page.lower()
    for untrue in ("sudah tercatat", "Tim kami", "notified", "dikabari"):
        assert untrue not in page
    # What the page promises: the error is in the server log, under the same id.
    assert "Unhandled error (request req-500-page)" in caplog.text
    assert "the printer is on fire" in caplog.text


def test_a_500_in_an_htmx_request_shows_the_request_id_in_the_alert(make_app):
    app = make_app()
    response = app.test_client().get(BOOM, headers={"HX-Request": "true"})
    assert response.status_code == 500
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert response.headers[REQUEST_ID_HEADER] in fragment


def test_the_500_page_is_in_english_for_an_english_reader(make_app):
    app = make_app()
    client = app.test_client()
    client.set_cookie("portal_lang", "en")
    page = client.get(BOOM).get_data(as_text=True)
    assert "The error has been written to the server log" in page
    assert "Request code:" in page
    assert "Kesalahan ini tercatat" not in page


def test_a_page_that_is_not_a_server_error_shows_no_request_code(client):
    response = client.get("/halaman-yang-tidak-ada")
    assert response.status_code == 404
    assert response.headers[REQUEST_ID_HEADER] not in response.get_data(as_text=True)


# -- Sentry, only when configured -----------------------------------------------------


class FakeSentry(types.ModuleType):
    """Stands in for ``sentry_sdk``: records what the portal asks of it."""

    def __init__(self) -> None:
        super().__init__("sentry_sdk")
        self.options: dict | None = None
        self.captured: list[tuple[BaseException, dict, dict | None]] = []

    def init(self, **options) -> None:
        self.options = options

    def new_scope(self):
        sentry = self

        class Scope:
            def __init__(self) -> None:
                self.tags: dict = {}
                self.user: dict | None = None

            def __enter__(self):
                sentry.scope = self
                return self

            def __exit__(self, *exc) -> None:
                return None

            def set_tag(self, key, value) -> None:
                self.tags[key] = value

            def set_user(self, user) -> None:
                self.user = user

        return Scope()

    def capture_exception(self, exc) -> None:
        self.captured.append((exc, self.scope.tags, self.scope.user))


@pytest.fixture
def fake_sentry(monkeypatch) -> FakeSentry:
    sentry = FakeSentry()
    monkeypatch.setitem(sys.modules, "sentry_sdk", sentry)
    return sentry


def test_without_a_dsn_sentry_is_left_alone(make_app, fake_sentry):
    app = make_app()
    assert app.test_client().get(BOOM).status_code == 500
    assert fake_sentry.options is None and fake_sentry.captured == []
    assert "portal_sentry" not in app.extensions


def test_with_a_dsn_unexpected_errors_are_reported_without_personal_data(make_app, fake_sentry):
    app = make_app(PORTAL_SENTRY_DSN="https://key@sentry.example/1")
    assert fake_sentry.options["dsn"] == "https://key@sentry.example/1"
    assert fake_sentry.options["send_default_pii"] is False
    response = app.test_client().get(BOOM, headers={REQUEST_ID_HEADER: "req-sentry"})
    assert response.status_code == 500
    [(exc, tags, user)] = fake_sentry.captured
    assert isinstance(exc, RuntimeError) and str(exc) == "the printer is on fire"
    assert tags == {"request_id": "req-sentry"} and user is None


def test_with_a_dsn_expected_answers_are_not_reported(make_app, fake_sentry):
    app = make_app(PORTAL_SENTRY_DSN="https://key@sentry.example/1")
    client = app.test_client()
    assert client.get("/halaman-yang-tidak-ada").status_code == 404
    assert client.get("/").status_code == 302
    assert fake_sentry.captured == []


# -- the shared request path: what every page costs ------------------------------------


def _nav_links(page: str) -> set[str]:
    return {
        label for label in ("/verifikasi", "/tim", "/admin/pegawai") if f'href="{label}"' in page
    }


def test_the_navigation_shows_the_team_links_to_whoever_has_a_team(db, factory, signed_in):
    _, boss, (staff, leaver) = factory.team(2)
    lone = factory.employee()
    admin = factory.employee(is_admin=True, unit=lone.unit)
    # An inactive subordinate still makes a team, as the subordinates relationship has it.
    staff.atasan_id = lone.id
    staff.active = False
    db.session.commit()
    pages = {
        who: signed_in(who).get("/kata-sandi").get_data(as_text=True)
        for who in (boss, leaver, lone, admin)
    }
    assert _nav_links(pages[boss]) == {"/verifikasi", "/tim"}
    assert _nav_links(pages[leaver]) == set()
    assert _nav_links(pages[lone]) == {"/verifikasi", "/tim"}
    assert _nav_links(pages[admin]) == {"/admin/pegawai"}


def test_the_layout_loads_the_user_instansi_and_team_in_one_statement(
    db, factory, signed_in, count_statements
):
    _, boss, _ = factory.team(1)
    db.session.commit()
    client = signed_in(boss)
    client.get("/perlu-tindakan/jumlah", htmx=True)
    db.session.expunge_all()  # as in production: nothing known before the request
    with count_statements() as counter:
        response = client.get("/kata-sandi")
    assert response.status_code == 200
    employee_reads = [s for s in counter.statements if "FROM employee" in s]
    # The user's own row, their instansi joined, their team an EXISTS: no other reads
    # (the team links used to load every subordinate, the admin link the instansi).
    assert len(employee_reads) == 1 and "JOIN instansi" in employee_reads[0]
    assert "EXISTS" in employee_reads[0]
    assert not any("FROM instansi" in s for s in counter.statements)
