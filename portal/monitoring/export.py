"""The dashboard as an XLSX workbook (openpyxl, write-only: rows stream to the file).

One sheet per figure, for the whole scope (the instansi, or the chosen unit's subtree),
with complete lists rather than the page's first fifty. Figures per unit count the
employees placed directly in that unit, so the sheet's rows add up to its total row.
Sheet names and headers are in the language of whoever exports (the state labels and
month names are too); the default, Bahasa Indonesia, is what other tools read.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.monitoring import queries
from portal.monitoring.queries import Figures, Scope
from portal.monitoring.services import distribution_warnings, predikat_names
from portal.months import month_label, report_deadline
from workflows.targets import STATE_LABELS, STATES


def _header(sheet, titles: list[str]) -> None:
    bold = Font(bold=True)
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


def workbook(scope: Scope) -> bytes:
    period, today = scope.period, scope.today
    units = queries.subtree_units(scope)
    per_unit = queries.figures(queries.members(scope, per_unit=True), period, today)
    group = queries.members(scope)
    book = Workbook(write_only=True)

    states = book.create_sheet(_("Status target per unit"))
    _header(
        states,
        [
            _("Kode unit"),
            _("Unit"),
            _("Pegawai aktif"),
            *(STATE_LABELS[s] for s in STATES),
            _("Jumlah target"),
        ],
    )
    total = Figures()
    for unit in units:
        f = per_unit.get(unit.id, Figures())
        total.add(f)
        states.append(
            [unit.code, unit.name, f.employees, *(f.states.get(s, 0) for s in STATES), f.targets]
        )
    states.append(
        ["", _("Jumlah"), total.employees, *(total.states.get(s, 0) for s in STATES), total.targets]
    )

    gaps = book.create_sheet(_("Tanpa SKP disetujui"))
    _header(
        gaps,
        [
            _("NIP"),
            _("Nama"),
            _("Jabatan"),
            _("Unit"),
            _("Atasan"),
            _("Jumlah target"),
            _("Status terjauh"),
        ],
    )
    for gap in queries.without_plan(group, period.id, limit=None):
        e = gap.employee
        gaps.append(
            [
                e.nip,
                e.display_name,
                e.jabatan,
                e.unit.name,
                e.atasan.display_name if e.atasan else "",
                gap.targets,
                STATE_LABELS[gap.furthest] if gap.furthest else "",
            ]
        )

    late = book.create_sheet(_("Laporan terlambat"))
    _header(late, [_("NIP"), _("Nama"), _("Unit"), _("Atasan"), _("Bulan"), _("Batas laporan")])
    for item in queries.late_reports(group, period, today, limit=None):
        e = item.employee
        for month in item.months:
            late.append(
                [
                    e.nip,
                    e.display_name,
                    e.unit.name,
                    e.atasan.display_name if e.atasan else "",
                    month_label(period, month),
                    report_deadline(period, month),
                ]
            )

    backlog = book.create_sheet(_("Antrean verifikasi"))
    _header(
        backlog,
        [
            _("NIP penilai"),
            _("Pejabat penilai"),
            _("Unit"),
            _("Entri menunggu"),
            _("Tertua sejak"),
            _("Umur (hari)"),
        ],
    )
    items, _total = queries.verification_backlog(
        queries.pending_queues(group, period.id), limit=None
    )
    for item in items:
        who = item.evaluator
        backlog.append(
            [
                who.nip if who else "",
                who.display_name if who else _("(tanpa pejabat penilai)"),
                who.unit.name if who else "",
                item.pending,
                item.oldest.date(),
                item.age_days(today),
            ]
        )

    names = predikat_names(period)
    ratings = queries.organisation_ratings([u.id for u in units], period.id)
    spread = book.create_sheet(_("Distribusi predikat"))
    _header(
        spread,
        [
            _("Kode unit"),
            _("Unit"),
            *names,
            _("Dievaluasi"),
            _("Predikat organisasi"),
            _("Peringatan (pegawai langsung di unit)"),
        ],
    )
    total_predikats: dict[str, int] = {}
    for unit in units:
        f = per_unit.get(unit.id, Figures())
        for name in names:
            total_predikats[name] = total_predikats.get(name, 0) + f.predikats.get(name, 0)
        rating = ratings.get(unit.id)
        spread.append(
            [
                unit.code,
                unit.name,
                *(f.predikats.get(n, 0) for n in names),
                sum(f.predikats.values()),
                rating or "",
                " ".join(distribution_warnings(period, rating, f.predikats)),
            ]
        )
    spread.append(
        [
            "",
            _("Jumlah"),
            *(total_predikats[n] for n in names),
            sum(total_predikats.values()),
            "",
            "",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
