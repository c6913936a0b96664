"""Browser tests: the demo agency served by a real HTTP server, driven by headless Chromium.

The system Chromium is used (``/usr/bin/chromium``); Playwright's own browsers are never
downloaded. Without it the tests are skipped with a reason, except under ``CI=true``,
where a missing browser is a failure: CI must not pass by running nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import app_config, empty_all_tables

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's options (--headed, --slowmo…) plus the system Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: tests build theirs from ``live_server``. (This also replaces
    pytest-playwright's fallback fixture, a method that pytest 9 warns about.)"""
    return None


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str

    def __call__(self, path: str = "/") -> str:
        return f"{self.url}{path}"


@pytest.fixture(scope="module")
def live_server(_schema, database_url, tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo agency, on 127.0.0.1 and a free port, for one test module.

    Module scope: the journeys of one module share the data; the tables are emptied
    afterwards so that the rest of the suite starts from an empty database again.
    """
    from portal.seed.demo import seed_demo

    app = create_app(app_config(database_url, tmp_path_factory.mktemp("live")))
    with app.app_context():
        seed_demo()
        db.session.remove()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()
