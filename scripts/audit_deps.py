"""Audit the venv's packages for known vulnerabilities with pip-audit (`make test` runs it).

Offline-safe: when the vulnerability database cannot be reached (no network, a proxy that
refuses, or an index mirror that knows no package at all), it warns and exits 0, so that
the tests still run on a machine without internet. It fails (exit 1) on a known
vulnerability, and, as ``pip-audit --strict`` would, on a package the database could not
audit while it answered for the others. Any other failure of pip-audit exits 2.

Extra arguments go to pip-audit as they are (e.g. ``--cache-dir DIR``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# What requests/urllib3 say when the service cannot be reached at all.
NETWORK_ERRORS = (
    "ConnectionError",
    "ProxyError",
    "NewConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Connection refused",
    "Network is unreachable",
    "timed out",
    "ConnectTimeout",
    "ReadTimeout",
)

OK, VULNERABLE, ERROR = 0, 1, 2


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str


def classify(returncode: int, report: dict | None, stderr: str) -> Outcome:
    """What a pip-audit run means: its exit status, its JSON report (None when it wrote
    none) and its error output."""
    if report is None:
        if any(marker in stderr for marker in NETWORK_ERRORS):
            return Outcome(
                OK,
                "WARNING: pip-audit could not reach its vulnerability database (no network?); "
                "the dependencies were NOT audited.",
            )
        return Outcome(ERROR, f"pip-audit failed (exit {returncode}):\n{stderr.strip()}")
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    if vulnerable:
        lines = [
            f"  {d['name']} {d.get('version', '')}: "
            + ", ".join(
                f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
                for v in d["vulns"]
            )
            for d in vulnerable
        ]
        return Outcome(VULNERABLE, "Known vulnerabilities:\n" + "\n".join(lines))
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    if dependencies and not audited:
        return Outcome(
            OK,
            "WARNING: the vulnerability database knows none of the "
            f"{len(dependencies)} packages (an offline mirror?); the dependencies were NOT "
            "audited.",
        )
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        return Outcome(VULNERABLE, f"Packages that could not be audited: {names}")
    if returncode != 0:
        return Outcome(ERROR, f"pip-audit failed (exit {returncode}):\n{stderr.strip()}")
    return Outcome(OK, f"pip-audit: no known vulnerabilities in {audited} packages.")


def run(extra: list[str]) -> Outcome:
    with tempfile.TemporaryDirectory() as work:
        output = Path(work) / "report.json"
        completed = subprocess.run(  # noqa: S603 (this interpreter's own pip-audit)
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",  # the portal itself is not on PyPI
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(output),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(output.read_text()) if output.exists() else None
    return classify(completed.returncode, report, completed.stderr)


def main(argv: list[str]) -> int:
    outcome = run(argv)
    print(outcome.message, file=sys.stderr if outcome.status else sys.stdout)
    return outcome.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
