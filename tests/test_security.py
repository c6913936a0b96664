"""CSRF, security headers, cookies, error responses and the absence of inline code."""

from __future__ import annotations

import re

import pytest
from flask import abort
from sqlalchemy import func, select

from portal import create_app
from portal.errors import Conflict
from portal.extensions import db as _db
from portal.models import AuditEvent, AuthFailure, Employee
from portal.web import CSRF_EXPIRED
from tests.conftest import TEST_PASSWORD, Client, app_config
from tests.factories import employee_form
from tests.pages import inline_code

pytestmark = pytest.mark.usefixtures("no_inline_code")  # every page rendered here

CSRF_MESSAGE = str(CSRF_EXPIRED)


def test_the_inline_code_detector_detects():
    assert inline_code('<script src="/a.js"></script><p class="x">ok</p>') == []
    assert inline_code("<script>alert(1)</script>") == [
        "<script> without src",
        "inline script body",
    ]
    assert inline_code('<div style="color:red" onclick="x()" hx-on:click="y()"></div>') == [
        "style= on <div>",
        "onclick= on <div>",
        "hx-on:click= on <div>",
    ]
    assert inline_code('<a href="javascript:alert(1)">x</a><style>p{}</style>') == [
        "javascript: URL in href",
        "<style> element",
    ]


@pytest.fixture
def people(factory, db):
    head, boss, staff = factory.team(2)
    admin = factory.employee(head.unit, atasan=head, is_admin=True)
    db.session.commit()
    return head, boss, staff, admin


# CSRF


def test_plain_post_without_token_is_refused(people, signed_in, db):
    head, boss, staff, admin = people
    client = signed_in(boss)
    response = client.post("/pengaturan/bahasa", {"language": "en"}, csrf=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert CSRF_MESSAGE in page
    assert "<html" in page
    db.session.rollback()
    assert db.session.get(Employee, boss.id).language == "id"
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "employee.language")) == 0
    )


def test_post_with_a_forged_token_is_refused(people, signed_in, db):
    head, boss, staff, admin = people
    client = signed_in(boss)
    response = client.raw.post(
        "/pengaturan/bahasa", data={"language": "en", "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Employee, boss.id).language == "id"


def test_sign_out_without_token_is_refused_and_the_session_lives_on(people, signed_in):
    head, boss, staff, admin = people
    client = signed_in(boss)
    assert client.post("/keluar", csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_sign_in_without_token_is_refused_and_nothing_is_counted(people, client, db):
    head, boss, staff, admin = people
    response = client.post("/masuk", {"nip": boss.nip, "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuthFailure)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_htmx_post_without_the_header_is_refused(people, signed_in, db):
    head, boss, staff, admin = people
    client = signed_in(boss)
    response = client.post("/pengaturan/bahasa", {"language": "en"}, htmx=True, csrf=False)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#alerts"
    page = response.get_data(as_text=True)
    assert CSRF_MESSAGE in page
    assert "<html" not in page
    db.session.rollback()
    assert db.session.get(Employee, boss.id).language == "id"


def test_htmx_post_with_the_header_works(people, signed_in, db):
    head, boss, staff, admin = people
    client = signed_in(boss)
    page = client.get("/").get_data(as_text=True)
    # The token is set once on the page, for every htmx request to send as a header.
    token = re.search(r'<body[^>]* hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    response = client.raw.post(
        "/pengaturan/bahasa",
        data={"language": "en"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Employee, boss.id).language == "en"


def test_htmx_admin_form_post_with_the_header_works(people, signed_in, db):
    head, boss, staff, admin = people
    client = signed_in(admin)
    response = client.post(
        f"/admin/pegawai/{staff[0].id}/ubah",
        employee_form(staff[0], jabatan="Analis Data"),
        htmx=True,
    )
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Employee, staff[0].id).jabatan == "Analis Data"


# Security headers on every kind of response


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def assert_security_headers(response, https: bool = False) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    directives = csp(response)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    if https:
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )
    else:
        assert "Strict-Transport-Security" not in response.headers


REQUESTS = {
    "anonymous page": ("anonymous", "GET", "/masuk", False, 200),
    "page": ("admin", "GET", "/", False, 200),
    "profile": ("admin", "GET", "/pegawai/{staff}", False, 200),
    "fragment": ("admin", "GET", "/admin/pegawai?q=x", True, 200),
    "redirect": ("anonymous", "GET", "/", False, 302),
    "error page": ("admin", "GET", "/tidak-ada", False, 404),
    "error fragment": ("admin", "GET", "/pegawai/999999", True, 404),
    "forbidden": ("staff", "GET", "/admin/pegawai", False, 403),
    "csrf error": ("staff", "POST", "/pengaturan/bahasa", False, 400),
    "static": ("anonymous", "GET", "/static/css/portal.css", False, 200),
    "static signed in": ("staff", "GET", "/static/vendor/htmx/htmx-2.0.11.min.js", False, 200),
}


def test_security_headers_on_every_response(people, signed_in, make_client, subtests):
    head, boss, staff, admin = people
    clients = {"admin": signed_in(admin), "staff": signed_in(staff[0])}
    for name, (who, method, url, htmx, status) in REQUESTS.items():
        with subtests.test(name):
            client = clients.get(who) or make_client()
            url = url.format(staff=staff[0].id)
            if method == "POST":
                response = client.post(url, {"language": "en"}, htmx=htmx, csrf=False)
            else:
                response = client.get(url, htmx=htmx)
            assert response.status_code == status
            assert_security_headers(response)


def test_signed_in_pages_are_not_cached(people, signed_in, make_client):
    head, boss, staff, admin = people
    assert signed_in(boss).get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in make_client().get("/masuk").headers.get("Cache-Control", "")


@pytest.fixture
def https_app(monkeypatch, database_url, tmp_path):
    """The portal as deployed behind TLS: ``PORTAL_HTTPS=1`` in the environment."""
    monkeypatch.setenv("PORTAL_HTTPS", "1")
    app = create_app(app_config(database_url, tmp_path / "https"))
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def https_override_app(database_url, tmp_path):
    """``PORTAL_HTTPS`` given to ``create_app`` as a config override."""
    app = create_app({**app_config(database_url, tmp_path / "https"), "PORTAL_HTTPS": True})
    yield app
    with app.app_context():
        _db.engine.dispose()


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def cookie_flags(set_cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}


@pytest.mark.parametrize("which", ["https_app", "https_override_app"])
def test_https_adds_hsts_and_secure_cookies(request, people, which):
    head, boss, staff, admin = people
    app = request.getfixturevalue(which)
    client = Client(app.test_client())
    client.raw.environ_base["wsgi.url_scheme"] = "https"
    login_page = client.get("/masuk")
    assert {"secure", "httponly", "samesite"} <= cookie_flags(session_cookie(login_page))
    for url in ["/masuk", "/static/css/portal.css", "/tidak-ada"]:
        assert_security_headers(client.get(url), https=True)
    signed_in = client.post(
        "/masuk",
        {"nip": boss.nip, "password": TEST_PASSWORD},
        headers={"Referer": "https://localhost/masuk"},
    )
    assert signed_in.status_code == 302
    cookie = session_cookie(signed_in)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_cookie_flags_over_http(people, client):
    head, boss, staff, admin = people
    login_page = client.get("/masuk")
    cookie = session_cookie(login_page)
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "secure" not in cookie_flags(cookie)
    signed_in = client.login(boss)
    cookie = session_cookie(signed_in)
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session, limited by the inactivity timeout


# Error responses: a page, or a small fragment for htmx


@pytest.fixture
def failing_routes(app):
    def conflict():
        raise Conflict("Target ini baru saja diubah oleh atasan Anda.")

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/uji/400", "uji_400", lambda: abort(400))
    app.add_url_rule("/uji/403", "uji_403", lambda: abort(403))
    app.add_url_rule("/uji/409", "uji_409", conflict)
    app.add_url_rule("/uji/500", "uji_500", crash)
    return app


ERRORS = [
    ("/uji/400", 400, "Permintaan tidak valid"),
    ("/uji/403", 403, "Akses ditolak"),
    ("/tidak-ada", 404, "Halaman tidak ditemukan"),
    ("/uji/409", 409, "Data sudah berubah"),
    ("/uji/500", 500, "Terjadi kesalahan pada server"),
]


@pytest.mark.fresh_app  # failing_routes adds routes to the app
def test_error_pages_are_whole_pages_in_indonesian(failing_routes, client, subtests):
    for url, status, title in ERRORS:
        with subtests.test(status=status):
            response = client.get(url)
            assert response.status_code == status
            page = response.get_data(as_text=True)
            assert page.startswith("<!doctype html>")
            assert re.search(rf"<h1>\s*{re.escape(title)}\b", page)
            assert re.search(rf"<title>\s*{re.escape(title)}\b", page)
            assert "HX-Retarget" not in response.headers
            assert inline_code(page) == []
            assert "boom" not in page and "Traceback" not in page


@pytest.mark.fresh_app  # failing_routes adds routes to the app
def test_htmx_errors_get_a_small_fragment(failing_routes, client, subtests):
    for url, status, title in ERRORS:
        with subtests.test(status=status):
            response = client.get(url, htmx=True)
            assert response.status_code == status
            assert response.headers["HX-Retarget"] == "#alerts"
            assert response.headers["HX-Reswap"] == "innerHTML"
            fragment = response.get_data(as_text=True)
            for part_of_a_page in ["<html", "<body", "<nav", "<main"]:
                assert part_of_a_page not in fragment
            assert fragment.strip().startswith('<div class="alert')
            assert f"<strong>{title}</strong>" in fragment
            assert len(fragment) < 500


@pytest.mark.fresh_app  # failing_routes adds routes to the app
def test_a_domain_error_shows_its_own_message(failing_routes, client):
    fragment = client.get("/uji/409", htmx=True).get_data(as_text=True)
    assert "Target ini baru saja diubah oleh atasan Anda." in fragment


@pytest.mark.fresh_app  # failing_routes adds routes to the app
def test_boosted_navigation_gets_the_whole_error_page(failing_routes, client):
    response = client.get("/tidak-ada", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Retarget" not in response.headers


def test_htmx_request_of_a_signed_out_user_is_sent_to_the_login_page(people, client):
    response = client.get("/admin/pegawai?q=x", htmx=True)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/masuk"
    assert "<html" not in response.get_data(as_text=True)


# No inline code anywhere


def test_no_page_carries_inline_script_or_style(people, signed_in, make_client, db):
    head, boss, staff, admin = people
    anonymous = make_client()
    pages = {
        "login": anonymous.get("/masuk"),
        "login error": anonymous.login(boss, "Salah-Sandi-xyz-1"),
        "login 404": anonymous.get("/tidak-ada"),
    }
    admin_client = signed_in(admin)
    pages.update(
        {
            "admin home": admin_client.get("/"),
            "list": admin_client.get("/admin/pegawai"),
            "list search": admin_client.get("/admin/pegawai?q=a"),
            "list fragment": admin_client.get("/admin/pegawai?q=a", htmx=True),
            "new form": admin_client.get("/admin/pegawai/baru"),
            "new form errors": admin_client.post("/admin/pegawai/baru", {"nip": "12"}),
            "edit form": admin_client.get(f"/admin/pegawai/{staff[0].id}/ubah"),
            "created": admin_client.post(
                "/admin/pegawai/baru",
                employee_form(staff[0], nip="19900101 201501 2 001", atasan_nip=boss.nip),
            ),
            "profile": admin_client.get(f"/pegawai/{boss.id}"),
            "password": admin_client.get("/kata-sandi"),
            "password errors": admin_client.post("/kata-sandi", {"password": "x"}),
        }
    )
    boss_client = signed_in(boss)
    pages.update(
        {
            "boss home": boss_client.get("/"),
            "boss profile": boss_client.get(f"/pegawai/{staff[0].id}"),
        }
    )
    staff_client = signed_in(staff[0])
    pages.update(
        {
            "staff home": staff_client.get("/"),
            "staff profile": staff_client.get(f"/pegawai/{staff[0].id}"),
            "403": staff_client.get(f"/pegawai/{staff[1].id}"),
            "403 fragment": staff_client.get(f"/pegawai/{staff[1].id}", htmx=True),
        }
    )
    assert pages["created"].status_code == 201
    for name, response in pages.items():
        assert response.status_code in (200, 201, 401, 403, 404, 422), name
        assert response.mimetype == "text/html", name
        assert inline_code(response.get_data(as_text=True)) == [], name


def test_the_session_cookie_is_renewed_once_a_minute_not_on_every_request(
    people, client, monkeypatch
):
    """A request that rewrote the cookie every time would send back the session as it
    read it: a request running beside a form's redirect wiped that redirect's flash."""
    from portal import web

    clock = [1_000_000.0]
    monkeypatch.setattr(web.time, "time", lambda: clock[0])
    client.login(people[1])
    renewed = client.get("/")
    assert "portal_session=" in " ".join(renewed.headers.getlist("Set-Cookie"))
    clock[0] += 30
    quiet = client.get("/")
    assert not [c for c in quiet.headers.getlist("Set-Cookie") if "portal_session=" in c]
    clock[0] += 31
    again = client.get("/")
    assert "portal_session=" in " ".join(again.headers.getlist("Set-Cookie"))
