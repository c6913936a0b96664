"""The layers hold (issue 11 §2): the low modules load nothing above them, month arithmetic
needs no model, and a function-local import says why it is one.

The import graph itself (layers, no feature from the workflows, no cycles) is checked by
``lint-imports`` in ``make test``; these tests check what it does not see.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import months

ROOT = Path(__file__).resolve().parent.parent
# Modules whose function-local imports predate the rule and are still to be cleaned (each
# either moved to the top or given a comment saying why it must stay). Remove a module
# from here once it is clean; a module not listed must keep the rule.
NOT_YET_CLEANED = {
    "portal/__init__.py",
    "portal/cli.py",
    "portal/evaluations/batch.py",
    "portal/evaluations/routes.py",
    "portal/evaluations/services.py",
    "portal/imports/reader.py",
    "portal/jobs.py",
    "portal/plans/routes.py",
    "portal/reports/queries.py",
    "portal/reports/routes.py",
    "portal/reports/services.py",
    "portal/seed/reports.py",
    "portal/seed/scale_work.py",
}


def _local_imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, source, explained) of each import inside a function of ``path``; explained
    when a comment is on its line or on the line above."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                line = lines[node.lineno - 1]
                above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                found[node.lineno] = (line.strip(), "#" in line or above.startswith("#"))
    return [(number, line, explained) for number, (line, explained) in sorted(found.items())]


def _modules() -> list[Path]:
    return sorted([*ROOT.glob("portal/**/*.py"), *ROOT.glob("workflows/**/*.py")])


def test_a_function_local_import_says_why_it_is_one():
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in _modules()
        if path.relative_to(ROOT).as_posix() not in NOT_YET_CLEANED
        for number, line, explained in _local_imports(path)
        if not explained
    ]
    assert unexplained == []


def test_the_engine_and_what_it_stands_on_import_nothing_inside_functions():
    """The files the cycles hid behind local imports: none is left, explained or not."""
    files = [
        *ROOT.glob("workflows/*.py"),
        *ROOT.glob("portal/models/*.py"),
        ROOT / "portal/months.py",
        ROOT / "portal/policy.py",
        ROOT / "portal/policy_messages.py",
        ROOT / "portal/reassign/override.py",
        ROOT / "portal/realisation.py",
    ]
    assert len(files) > 15
    assert [(f.name, _local_imports(f)) for f in files if _local_imports(f)] == []


def test_the_checker_sees_a_local_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    import os\n\n\ndef g():\n    # why\n    import sys\n", encoding="utf-8"
    )
    assert _local_imports(module) == [(2, "import os", False), (7, "import sys", True)]


def _loaded_after_import(module: str) -> set[str]:
    """The portal and workflow modules that importing ``module`` loads, in a fresh
    interpreter."""
    code = (
        f"import sys, {module}\n"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('portal', 'workflows')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("workflows.states", {"portal.models", "workflows.targets", "workflows.engine"}),
        ("portal.months", {"portal.models", "workflows.targets", "workflows.engine"}),
        (
            "portal.models",
            {"workflows.targets", "workflows.guards", "workflows.engine", "portal.policy"},
        ),
        (
            "workflows.engine",
            {"portal.reports", "portal.reassign", "portal.plans", "portal.realisation"},
        ),
    ],
)
def test_a_low_module_loads_nothing_above_it(module, must_not_load):
    loaded = _loaded_after_import(module)
    assert module in loaded
    assert loaded & must_not_load == set()


def test_month_arithmetic_needs_only_the_bounds_of_a_period():
    bounds = SimpleNamespace(
        start_date=date(2026, 7, 1),
        end_date=date(2027, 6, 30),
        month_count=12,
        report_deadline_day=5,
    )
    assert months.month_index(bounds, date(2027, 2, 14)) == 8
    assert months.month_of(bounds, date(2028, 1, 1)) == 12
    assert months.elapsed_months(bounds, date(2026, 6, 1)) == 0
    assert months.elapsed_months(bounds, date(2027, 7, 1)) == 12
    assert months.month_start(bounds, 7) == date(2027, 1, 1)
    assert months.month_end(bounds, 8) == date(2027, 2, 28)
    assert months.report_deadline(bounds, 6) == date(2027, 1, 5)
