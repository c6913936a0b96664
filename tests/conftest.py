"""Fixtures: one app per test worker, and a database that every test leaves as it found it.

``PORTAL_TEST_DATABASE=postgres`` runs the suite against a new database created on
the server named by ``PORTAL_TEST_POSTGRES_URL`` and dropped at the end.

Two ways to leave the database clean:

- By default a test runs inside one outer transaction on one connection, rolled back at
  the end. ``db.session`` joins it with a savepoint (SQLAlchemy's "join a session into an
  external transaction" recipe), so the app's own ``commit()`` and ``rollback()`` release
  or roll back a savepoint, and nothing the test does is ever really committed.
- A test marked ``@pytest.mark.commits`` commits for real, and every table is emptied
  afterwards. It is for what one connection cannot show: several connections or threads
  (races, locks, background jobs), triggers or rollups that need committed rows, commands
  and migrations that open their own connections. A test without the marker that opens a
  second connection fails at once, saying so (instead of waiting for a lock held by its
  own uncommitted transaction, or not seeing its rows).

``pytest --always-commit`` runs every test the second way (to tell whether a failure comes
from the rollback, or to time the difference). A test marked ``@pytest.mark.fresh_app``
gets an app built for it alone, for changes to the app itself (adding routes); settings
in ``app.config`` may be changed by any test: they are restored after it.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, request, request_finished
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session, _app_ctx_id
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import Pool

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


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--always-commit",
        action="store_true",
        help="run every test with real commits and emptied tables (as if marked commits)",
    )


def build_app(database_url: str, tmp_path: Path, **overrides) -> Flask:
    """An app for the tests: their settings, the shared template cache, the test client."""
    app = create_app({**app_config(database_url, tmp_path), **overrides})
    app.test_client_class = FreshGlobalsClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture(scope="session")
def _shared_app(database_url, tmp_path_factory) -> Iterator[Flask]:
    """The app of this test worker. Building one costs more than most tests (the URL map
    alone), so it is built once; ``app`` restores its settings after every test."""
    app = build_app(database_url, tmp_path_factory.mktemp("app"))
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def _schema(_shared_app) -> bool:
    """The tables exist (for fixtures that build apps of their own)."""
    return True


def empty_all_tables() -> None:
    """Delete every row, children first. (TRUNCATE costs over a second per test on
    PostgreSQL with this many tables; DELETE on tables this small costs milliseconds.)"""
    tables = list(reversed(_db.metadata.sorted_tables))
    if _joined.connection is not None:
        # A rolled-back test that empties the tables itself (between the examples of a
        # property test): in its own transaction, which is all it can see.
        connection = _joined.connection
        with connection.begin_nested(), audit_log_unlocked(connection):
            for table in tables:
                connection.execute(table.delete())
        return
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
    """Compiled templates, kept for the whole run: an app built for one test
    (``fresh_app``) would otherwise compile the worker's templates again, which costs
    more than most tests do. Keyed by
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
def app(request, _shared_app, database_url, tmp_path) -> Iterator[Flask]:
    """The app, with an app context pushed for the test's own database work. Its settings
    are the test's to change; uploads go to the test's own folder."""
    node = request.node
    fresh = node.get_closest_marker("fresh_app") is not None
    commits = request.config.getoption("always_commit") or node.get_closest_marker("commits")
    app = build_app(database_url, tmp_path) if fresh else _shared_app
    settings = dict(app.config)
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    try:
        with app.app_context():
            if commits:
                with committed_and_emptied():
                    yield app
            else:
                with rolled_back():
                    yield app
    finally:
        app.config.clear()
        app.config.update(settings)
        if fresh:
            with app.app_context():
                _db.engine.dispose()


@contextmanager
def committed_and_emptied() -> Iterator[None]:
    try:
        yield
    finally:
        _db.session.remove()
        empty_all_tables()


class JoinedSession(Session):
    """``db.session`` of a rolled-back test: every query goes through the test's
    connection, whatever engine Flask-SQLAlchemy would pick."""

    def __init__(self, *args, **kwargs) -> None:
        if threading.get_ident() != _joined.thread:
            raise NeedsCommits("opened a session in another thread")
        super().__init__(*args, **kwargs)

    def get_bind(self, *args, **kwargs):
        if _db.engine.url != self.bind.engine.url:
            raise NeedsCommits(f"opened a session on another database ({_db.engine.url})")
        return self.bind


class NeedsCommits(RuntimeError):
    """A rolled-back test did what only real commits show faithfully."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"This test {what}. One connection in one rolled-back transaction cannot "
            "stand for that: mark the test @pytest.mark.commits."
        )


class _Joined:
    """The rolled-back test's connection and thread, while it runs (one test at a time
    per process, and seen from every thread: a second connection is refused in any)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.connection: Connection | None = None
        self.thread: int | None = None
        self.last_savepoint: str | None = None
        self.session_savepoints: set[str] = set()
        # The sessions' savepoints still open, oldest first: has another session
        # committed inside it?
        self.open_savepoints: dict[str, bool] = {}


_joined = _Joined()


@event.listens_for(Pool, "checkout")
def _refuse_second_connection(dbapi_connection, record, proxy) -> None:
    if _joined.connection is not None:
        raise NeedsCommits(
            "opened a second database connection (it would not see the test's rows, and "
            "might wait for their locks)"
        )


def _watch_savepoints(conn, cursor, statement, *args) -> None:
    """Follow the sessions' savepoints on the test's connection, and refuse the one thing
    that one connection cannot do as several would: a session (say the test's own) rolls
    back after another session (say a request's, in an app context of its own) committed
    while the first one's transaction was open. The rollback to the first savepoint would
    undo that commit too."""
    word, _, name = statement.rpartition(" ")
    if word == "SAVEPOINT":
        _joined.last_savepoint = name
    elif name in _joined.open_savepoints:
        names = list(_joined.open_savepoints)
        undoes_a_commit = _joined.open_savepoints[name]
        # Ending a savepoint ends those opened after it too.
        for later in names[names.index(name) :]:
            del _joined.open_savepoints[later]
        if word == "RELEASE SAVEPOINT":
            for earlier in _joined.open_savepoints:
                _joined.open_savepoints[earlier] = True
        elif word == "ROLLBACK TO SAVEPOINT" and undoes_a_commit:
            raise NeedsCommits(
                "rolled back a session (in one app context) after another session (in "
                "another app context) had committed inside its transaction: the rollback "
                "would undo that commit too"
            )


@event.listens_for(JoinedSession, "after_begin")
def _note_session_savepoint(session, transaction, connection) -> None:
    """A session's own transaction (not a ``begin_nested`` inside it) has just begun on
    the test's connection, with the savepoint before this."""
    if not transaction.nested:
        _joined.session_savepoints.add(_joined.last_savepoint)
        _joined.open_savepoints[_joined.last_savepoint] = False


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the test in one transaction on one connection, rolled back at the end, with
    ``db.session`` joined to it through a savepoint (``join_transaction_mode``)."""
    connection = _db.engine.connect()
    driver = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's own transaction handling would end the outer transaction at the
        # first SAVEPOINT's release: take over, and emit BEGIN ourselves (SQLAlchemy's
        # documented workaround).
        driver.isolation_level = None
    transaction = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    session = scoped_session(
        sessionmaker(
            class_=JoinedSession,
            db=_db,
            query_cls=_db.Query,
            bind=connection,
            join_transaction_mode="create_savepoint",
        ),
        scopefunc=_app_ctx_id,
    )
    original = _db.session
    _db.session = session
    _joined.connection, _joined.thread = connection, threading.get_ident()
    event.listen(connection, "before_cursor_execute", _watch_savepoints)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", _watch_savepoints)
        # Forgotten, so that a later test's savepoints of the same name are counted.
        _joined.reset()
        session.remove()
        _db.session = original
        transaction.rollback()
        if sqlite:
            driver.isolation_level = ""
        connection.close()


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
        counter = StatementCounter()
        engine = _db.engine
        event.listen(engine, "before_cursor_execute", counter.before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter.before)

    return _count


class StatementCounter:
    """The statements sent to the database, as a request in production sends them.

    Left out: SQLite's explicit BEGIN, and in a rolled-back test the savepoints that stand
    for the sessions' own transactions (a production request begins and ends its
    transaction without a statement of its own on PostgreSQL). The app's savepoints
    (``begin_nested``) are counted. Which savepoint is which is only known once the
    session has begun, hence the filtering when read.
    """

    def __init__(self) -> None:
        self._seen: list[str] = []

    def before(self, conn, cursor, statement, *args) -> None:
        if not statement.startswith("BEGIN"):
            self._seen.append(statement)

    @property
    def statements(self) -> list[str]:
        return [s for s in self._seen if not _is_session_savepoint(s)]

    @property
    def count(self) -> int:
        return len(self.statements)


SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _is_session_savepoint(statement: str) -> bool:
    word, _, name = statement.rpartition(" ")
    return word in SAVEPOINT_STATEMENTS and name in _joined.session_savepoints


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
