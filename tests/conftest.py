"""Fixtures: a throwaway database per run (SQLite or PostgreSQL), emptied after every test.

``PORTAL_TEST_DATABASE=postgres`` runs the suite against a new database created on
the server named by ``PORTAL_TEST_POSTGRES_URL`` and dropped at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_app_context, request, request_finished
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db as _db
from portal.models.audit import SQLITE_TRIGGERS

BACKEND = os.environ.get("PORTAL_TEST_DATABASE", "sqlite")
TEST_PASSWORD = "Lembur-Malam-Senin-42"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "portal" / "translations"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Compile stale or missing catalogs, as `make translations` does (.mo files are not
    in git), so the suite works on a fresh clone."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        partial = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=True)
        partial.replace(mo_path)


def _postgres_url() -> str:
    url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
    if not url:
        pytest.exit("PORTAL_TEST_DATABASE=postgres needs PORTAL_TEST_POSTGRES_URL", returncode=2)
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    server = make_url(_postgres_url())
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def app_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # The OWASP minimum: still Argon2id, just quick enough for hundreds of tests.
        "PORTAL_ARGON2_TIME_COST": 2,
        "PORTAL_ARGON2_MEMORY_KIB": 19 * 1024,
        "PORTAL_ARGON2_PARALLELISM": 1,
    }


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(app_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return True


def empty_all_tables() -> None:
    """Delete every row, children first. (TRUNCATE costs over a second per test on
    PostgreSQL with this many tables; DELETE on tables this small costs milliseconds.)"""
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn, audit_log_unlocked(conn):
        for table in tables:
            conn.execute(table.delete())


@contextmanager
def audit_log_unlocked(conn):
    """Lift the audit log's append-only triggers for the test cleanup, inside the
    cleanup's own transaction; they are back in place when it commits."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        yield
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        return
    for name in SQLITE_TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    yield
    for statement in SQLITE_TRIGGERS.values():
        conn.execute(text(statement))


class FreshGlobalsClient(FlaskClient):
    """Gives every request an empty ``g``, as in production.

    The ``app`` fixture keeps an app context pushed for the test's own database work, and
    Flask reuses a pushed context for requests: without this, ``g`` (the signed-in user
    cached by Flask-Login, the CSRF token, the policy cache) would leak from one request,
    and one client, to the next.
    """

    def open(self, *args, **kwargs):
        shared = has_app_context() and current_app._get_current_object() is self.application
        if shared:
            g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if shared and _db.session().in_transaction():
                # In production the request's teardown ends its transaction; here the
                # context outlives the request, so end it (a write request's SQLite
                # transaction holds the write lock until then).
                _db.session.rollback()


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates, kept for the whole run: every test builds a new app, and
    compiling the same templates again for each costs more than most tests do. Keyed by
    template name and source checksum (Jinja's buckets), so an edited template recompiles."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


@pytest.fixture
def app(_schema, database_url, tmp_path):
    app = create_app(app_config(database_url, tmp_path))
    app.test_client_class = FreshGlobalsClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with app.app_context():
        yield app
        _db.session.remove()
        empty_all_tables()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


class Client:
    """A test client that speaks like the browser: CSRF token, htmx headers, sign-in."""

    TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')

    def __init__(self, flask_client) -> None:
        self.raw = flask_client
        self._token: str | None = None

    def get(self, url, *, htmx: bool = False, **kwargs):
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", **headers}
        return self.raw.get(url, headers=headers, **kwargs)

    def csrf_token(self) -> str:
        if self._token is None:
            response = self.raw.get("/masuk")
            if response.status_code == 302:
                # Signed in: the password form is the lightest page with a token, and it
                # stays open while a password change is forced.
                response = self.raw.get("/kata-sandi")
            page = response.get_data(as_text=True)
            match = self.TOKEN.search(page)
            assert match, "no CSRF token on the page"
            self._token = match.group(1) or match.group(2)
        return self._token

    def post(self, url, data=None, *, htmx: bool = False, csrf: bool = True, **kwargs):
        headers = kwargs.pop("headers", {})
        data = dict(data or {})
        if htmx:
            headers = {"HX-Request": "true", **headers}
            if csrf:
                headers.setdefault("X-CSRFToken", self.csrf_token())
        elif csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.raw.post(url, data=data, headers=headers, **kwargs)

    def login(self, employee_or_nip, password: str = TEST_PASSWORD):
        nip = getattr(employee_or_nip, "nip", employee_or_nip)
        self._token = None
        response = self.post("/masuk", {"nip": nip, "password": password})
        self._token = None  # sign-in issues a new session, hence a new token
        return response

    def logout(self):
        response = self.post("/keluar")
        self._token = None
        return response


@pytest.fixture
def client(app) -> Client:
    return Client(app.test_client())


@pytest.fixture
def make_client(app):
    return lambda: Client(app.test_client())


@pytest.fixture
def factory(app):
    from tests.factories import Factory

    return Factory()


@pytest.fixture
def login_as(make_client):
    """``login_as(employee)`` → a client signed in as that employee."""

    def _login(employee) -> Client:
        c = make_client()
        response = c.login(employee)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login


@pytest.fixture
def signed_in(make_client):
    """``signed_in(employee)`` → a client whose session already belongs to that employee.

    For tests about what a signed-in user may see or do: it skips the sign-in form and its
    Argon2 check (tested in test_auth), which would otherwise dominate such tests' time.
    """

    def _signed_in(employee) -> Client:
        c = make_client()
        raw_token = secrets.token_hex(20)
        with c.raw.session_transaction() as session:
            session.permanent = True
            session["_user_id"] = employee.get_id()
            session["_fresh"] = True
            session["csrf_token"] = raw_token
        # The token as Flask-WTF signs it, so that the first POST needs no page for it.
        serializer = URLSafeTimedSerializer(c.raw.application.secret_key, salt="wtf-csrf-token")
        c._token = serializer.dumps(raw_token)
        return c

    return _signed_in


@pytest.fixture
def count_statements(app):
    """``with count_statements() as counter: ...`` then ``counter.count``."""

    @contextmanager
    def _count():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            if statement.startswith("BEGIN"):  # SQLite's explicit transaction start
                return
            counter.count += 1
            counter.statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count


@pytest.fixture
def no_inline_code(app):
    """Every HTML page the test renders is scanned: none may carry inline scripts, styles
    or event handlers (``tests.pages.inline_code``), which the CSP would block."""
    from tests.pages import inline_code

    found: list[tuple[str, list[str]]] = []

    def scan(sender, response, **extra):
        if response.mimetype == "text/html" and not response.is_streamed:
            problems = inline_code(response.get_data(as_text=True))
            if problems:
                found.append((request.path, problems))

    request_finished.connect(scan, app)
    yield
    request_finished.disconnect(scan, app)
    assert found == []
