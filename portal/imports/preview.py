"""The preview of an import batch as its page shows it, kept beside the stored upload.

Planning a file of 20,000 rows takes seconds, so the plan is turned once into plain data
(:class:`Preview`) and written as JSON next to the upload; later views and pages read it.
The file is named after the upload's SHA-256 and also records it, with the admin it was
planned for (a full import may deactivate the viewer's own account) and the language of
its messages: a preview for other bytes, another admin or another language is never
shown. A missing or unreadable file is planned again. The commit never reads it: it plans
the stored bytes against the database as it is then.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from portal.imports.plan import ImportPlan, Leaver
from portal.imports.reader import Issue

FORMAT = 1  # bump when the shape below changes: older files are then planned again


@dataclass
class UnitRow:
    code: str
    name: str
    parent_code: str | None
    action: str  # create | update
    changes: dict[str, list]


@dataclass
class PersonRow:
    row: int
    nip_display: str
    display_name: str
    action: str  # create | update | deactivate
    jabatan: str
    unit_code: str
    changes: dict[str, list]


@dataclass
class LeaverRow:
    nip_display: str
    display_name: str
    jabatan: str
    targets: int
    entries: int
    subordinates: int
    has_pending_work: bool

    @classmethod
    def of(cls, leaver: Leaver) -> LeaverRow:
        employee = leaver.employee
        return cls(
            employee.nip_display,
            employee.display_name,
            employee.jabatan,
            leaver.targets,
            leaver.entries,
            leaver.subordinates,
            leaver.has_pending_work,
        )


@dataclass
class Preview:
    row_count: int
    full_import: bool
    counts: dict[str, int]
    errors: list[Issue]
    warnings: list[Issue]
    units: list[UnitRow]
    changed: list[PersonRow]  # the rows that create, update or deactivate someone
    leavers: list[LeaverRow]  # missing from a full import
    pending_leavers: list[LeaverRow]  # anyone leaving who still has work waiting on them

    @classmethod
    def of(cls, plan: ImportPlan) -> Preview:
        return cls(
            row_count=plan.row_count,
            full_import=plan.full_import,
            counts=plan.counts,
            errors=plan.errors,
            warnings=plan.warnings,
            units=[UnitRow(u.code, u.name, u.parent_code, u.action, u.changes) for u in plan.units],
            changed=[
                PersonRow(
                    row.row,
                    row.nip_display,
                    row.display_name,
                    row.action,
                    row.data.jabatan,
                    row.unit_code,
                    row.changes,
                )
                for row in plan.employees
                if row.action != "unchanged"
            ],
            leavers=[LeaverRow.of(leaver) for leaver in plan.leavers],
            pending_leavers=[LeaverRow.of(leaver) for leaver in plan.pending_leavers],
        )

    @classmethod
    def from_dict(cls, data: dict) -> Preview:
        return cls(
            row_count=data["row_count"],
            full_import=data["full_import"],
            counts=data["counts"],
            errors=[Issue(**issue) for issue in data["errors"]],
            warnings=[Issue(**issue) for issue in data["warnings"]],
            units=[UnitRow(**unit) for unit in data["units"]],
            changed=[PersonRow(**row) for row in data["changed"]],
            leavers=[LeaverRow(**leaver) for leaver in data["leavers"]],
            pending_leavers=[LeaverRow(**leaver) for leaver in data["pending_leavers"]],
        )

    def errors_by_row(self) -> list[tuple[int | None, list[Issue]]]:
        grouped: dict[int | None, list[Issue]] = defaultdict(list)
        for issue in self.errors:
            grouped[issue.row].append(issue)
        return sorted(grouped.items(), key=lambda item: -1 if item[0] is None else item[0])


def load(path: Path, key: dict) -> Preview | None:
    """The preview kept at ``path`` if it was made for ``key``; None if it is missing,
    unreadable or made for something else."""
    try:
        with path.open("rb") as handle:
            kept = json.load(handle)
        if kept["key"] != {"format": FORMAT, **key}:
            return None
        return Preview.from_dict(kept["preview"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        current_app.logger.warning("unreadable import preview %s; planning again", path.name)
        return None


def save(path: Path, key: dict, preview: Preview) -> None:
    """Write the preview whole or not at all: readers never see half a file."""
    text = json.dumps(
        {"key": {"format": FORMAT, **key}, "preview": asdict(preview)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".preview-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
