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


# axe-core (the npm package axe-core, vendored: the intranet and CI have no CDN) checks
# every page state a journey reaches: each page load and each htmx swap, at every level
# (moderate and minor included). The script is added by the browser itself before the
# page's own scripts (outside the page's CSP), and reports through the console; a test
# fails at its end on any violation, naming the page, the rule and the elements.
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
AXE_PREFIX = "AXE-VIOLATIONS "
AXE_RUNNER = """
(() => {
  if (window.top !== window) return;
  let busy = false, again = false;
  const run = () => {
    if (!window.axe || !document.body) return;
    if (busy) { again = true; return; }
    busy = true;
    window.axe.run(document, { resultTypes: ['violations'] })
      .then(result => {
        if (result.violations.length) {
          console.log(%(prefix)s + location.pathname + location.search + ' ' + JSON.stringify(
            result.violations.map(v => ({
              id: v.id, impact: v.impact,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }))));
        }
      })
      .catch(() => {})
      .finally(() => { busy = false; if (again) { again = false; run(); } });
  };
  window.addEventListener('load', () => setTimeout(run, 30));
  document.addEventListener('htmx:afterSettle', () => setTimeout(run, 30));
})();
"""


@pytest.fixture
def axe_violations() -> list[str]:
    return []


@pytest.fixture
def new_context(new_context, axe_violations):
    """pytest-playwright's contexts, each checked by axe on every page state."""
    source = AXE.read_text(encoding="utf-8")
    runner = AXE_RUNNER % {"prefix": repr(AXE_PREFIX)}

    def _collect(message) -> None:
        if message.text.startswith(AXE_PREFIX):
            axe_violations.append(message.text.removeprefix(AXE_PREFIX))

    def _new_context(**options):
        context = new_context(**options)
        context.add_init_script(source)
        context.add_init_script(runner)
        context.on("console", _collect)
        return context

    yield _new_context
    assert not axe_violations, "axe found violations:\n" + "\n".join(axe_violations)
