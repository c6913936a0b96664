"""scripts/audit_deps.py (pip-audit in `make test`): a known vulnerability fails, an
unreachable vulnerability database only warns. No test here needs the internet."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_deps.py"
_spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit_deps = importlib.util.module_from_spec(_spec)
sys.modules["audit_deps"] = audit_deps  # dataclasses look their module up there
_spec.loader.exec_module(audit_deps)

VULNERABLE = {
    "dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.4",
            "vulns": [{"id": "GHSA-q2x7-8rv6-6q7h", "fix_versions": ["3.1.5"]}],
        },
    ],
    "fixes": [],
}
CLEAN = {"dependencies": [{"name": "flask", "version": "3.1.0", "vulns": []}], "fixes": []}
UNKNOWN = "Dependency not found on PyPI and could not be audited"
MIRROR = {
    "dependencies": [
        {"name": "flask", "skip_reason": f"{UNKNOWN}: flask (3.1.0)"},
        {"name": "jinja2", "skip_reason": f"{UNKNOWN}: jinja2 (3.1.4)"},
    ],
    "fixes": [],
}
PROXY_REFUSED = (
    "Traceback (most recent call last):\n  ...\nurllib3.exceptions.ProxyError: "
    "('Unable to connect to proxy', NewConnectionError('Connection refused'))\n"
    "requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443): "
    "Max retries exceeded with url: /pypi/flask/3.1.0/json\n"
)


def test_a_known_vulnerability_fails_and_is_named():
    outcome = audit_deps.classify(1, VULNERABLE, "")
    assert outcome.status == audit_deps.VULNERABLE
    assert "jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h (fixed in 3.1.5)" in outcome.message


def test_an_unreachable_database_warns_and_passes():
    outcome = audit_deps.classify(1, None, PROXY_REFUSED)
    assert outcome.status == audit_deps.OK
    assert outcome.message.startswith("WARNING") and "NOT audited" in outcome.message


def test_a_mirror_that_knows_no_package_warns_and_passes():
    outcome = audit_deps.classify(0, MIRROR, "")
    assert outcome.status == audit_deps.OK and outcome.message.startswith("WARNING")


def test_a_package_the_database_could_not_audit_among_others_fails_as_strict_would():
    report = {"dependencies": [*CLEAN["dependencies"], MIRROR["dependencies"][1]]}
    outcome = audit_deps.classify(0, report, "")
    assert outcome.status == audit_deps.VULNERABLE and "jinja2" in outcome.message


def test_no_vulnerability_passes():
    outcome = audit_deps.classify(0, CLEAN, "")
    assert outcome == audit_deps.Outcome(
        audit_deps.OK, "pip-audit: no known vulnerabilities in 1 packages."
    )


def test_any_other_failure_is_an_error():
    outcome = audit_deps.classify(2, None, "usage: pip-audit [-h] ...\nerror: bad flag")
    assert outcome.status == audit_deps.ERROR and "bad flag" in outcome.message


@pytest.mark.skipif(
    importlib.util.find_spec("pip_audit") is None, reason="pip-audit is not installed"
)
def test_the_real_pip_audit_behind_a_refusing_proxy_warns_and_exits_0(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in {"no_proxy", "http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--cache-dir", str(tmp_path), "--timeout", "5"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "could not reach its vulnerability database" in completed.stdout
