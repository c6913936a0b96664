"""Portal Kinerja: the Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as config_module
from portal import observability, system
from portal.extensions import csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# The feature packages, each with its blueprint ``bp``.
FEATURES = (
    "auth",
    "home",
    "inbox",
    "notify",
    "people",
    "plans",
    "reports",
    "evaluations",
    "periodic",
    "imports",
    "reassign",
    "periods",
    "auditlog",
    "monitoring",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the settings read from the environment."""
    system.require_pango()  # before the features import WeasyPrint and fail obscurely
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    if app.config["PORTAL_TRUSTED_PROXIES"]:
        hops = app.config["PORTAL_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from portal.routing import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    db.init_app(app)
    observability.init_app(app)  # before the other extensions: its hooks enclose theirs
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    from portal.i18n import init_babel

    init_babel(app)
    with app.app_context():
        _tune_sqlite(db.engine)
        _tune_postgres(db.engine)

    from portal import web

    web.init_app(app)

    from importlib import import_module

    for feature in FEATURES:
        app.register_blueprint(import_module(f"portal.{feature}").bp)

    from portal import cli

    cli.init_app(app)
    return app


def _tune_postgres(engine) -> None:
    """No JIT compilation on PostgreSQL: the portal's queries are short or, for the
    dashboards, aggregates whose compile time JIT never earns back (a unit's dashboard
    at 20,000 employees took twice as long with it)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def _tune_sqlite(engine) -> None:
    """WAL, a busy timeout and foreign keys for the embedded SQLite database.

    A request that may write (POST, PUT, PATCH, DELETE) starts its transaction with
    ``BEGIN IMMEDIATE``: concurrent writers then queue (busy timeout) instead of
    working on stale snapshots, so a lost race is a clean compare-and-swap miss with
    fresh data to show, and savepoints nest inside a real transaction (pysqlite's own
    handling would make a first SAVEPOINT the transaction and commit it on release).
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
