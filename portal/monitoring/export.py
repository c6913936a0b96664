"""The dashboard as an XLSX workbook, through the portal's one XLSX writer
(:mod:`portal.exports`: counts are numbers, dates are dates, names are text that never runs).

One sheet per figure, for the whole scope (the instansi, or the chosen unit's subtree),
with complete lists rather than the page's first fifty. Figures per unit count the
employees placed directly in that unit, so the sheet's rows add up to its total row.
Sheet names and headers are in the language of whoever exports (the state labels and
month names are too); the default, Bahasa Indonesia, is what other tools read.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _

from portal import exports
from portal.monitoring import queries
from portal.monitoring.queries import Figures, Scope
from portal.monitoring.services import distribution_warnings, predikat_names
from portal.months import month_label, report_deadline
from workflows.targets import STATE_LABELS, STATES


def workbook(scope: Scope) -> bytes:
    period = scope.period
    units = queries.subtree_units(scope)
    per_unit = queries.figures(queries.members(scope, per_unit=True), period, scope.today)
    group = queries.members(scope)
    return exports.workbook(
        [
            _states(units, per_unit),
            _without_plan(group, scope),
            _late_reports(group, scope),
            _backlog(group, scope),
            _distribution(units, per_unit, scope),
        ]
    )


def _states(units, per_unit: dict[int, Figures]) -> exports.Sheet:
    def rows() -> Iterator[list]:
        total = Figures()
        for unit in units:
            f = per_unit.get(unit.id, Figures())
            total.add(f)
            yield [
                unit.code,
                unit.name,
                f.employees,
                *(f.states.get(s, 0) for s in STATES),
                f.targets,
            ]
        yield [
            None,
            _("Jumlah"),
            total.employees,
            *(total.states.get(s, 0) for s in STATES),
            total.targets,
        ]

    header = [
        _("Kode unit"),
        _("Unit"),
        _("Pegawai aktif"),
        *(STATE_LABELS[s] for s in STATES),
        _("Jumlah target"),
    ]
    return exports.Sheet(_("Status target per unit"), header, rows())


def _without_plan(group, scope: Scope) -> exports.Sheet:
    def rows() -> Iterator[list]:
        for gap in queries.without_plan(group, scope.period.id, limit=None):
            e = gap.employee
            yield [
                e.nip,
                e.display_name,
                e.jabatan,
                e.unit.name,
                e.atasan.display_name if e.atasan else None,
                gap.targets,
                STATE_LABELS[gap.furthest] if gap.furthest else None,
            ]

    header = [
        _("NIP"),
        _("Nama"),
        _("Jabatan"),
        _("Unit"),
        _("Atasan"),
        _("Jumlah target"),
        _("Status terjauh"),
    ]
    return exports.Sheet(_("Tanpa SKP disetujui"), header, rows())


def _late_reports(group, scope: Scope) -> exports.Sheet:
    period = scope.period

    def rows() -> Iterator[list]:
        for item in queries.late_reports(group, period, scope.today, limit=None):
            e = item.employee
            for month in item.months:
                yield [
                    e.nip,
                    e.display_name,
                    e.unit.name,
                    e.atasan.display_name if e.atasan else None,
                    month_label(period, month),
                    report_deadline(period, month),
                ]

    header = [_("NIP"), _("Nama"), _("Unit"), _("Atasan"), _("Bulan"), _("Batas laporan")]
    return exports.Sheet(_("Laporan terlambat"), header, rows())


def _backlog(group, scope: Scope) -> exports.Sheet:
    items, _total = queries.verification_backlog(
        queries.pending_queues(group, scope.period.id), limit=None
    )

    def rows() -> Iterator[list]:
        for item in items:
            who = item.evaluator
            yield [
                who.nip if who else None,
                who.display_name if who else _("(tanpa pejabat penilai)"),
                who.unit.name if who else None,
                item.pending,
                item.oldest.date(),
                item.age_days(scope.today),
            ]

    header = [
        _("NIP penilai"),
        _("Pejabat penilai"),
        _("Unit"),
        _("Entri menunggu"),
        _("Tertua sejak"),
        _("Umur (hari)"),
    ]
    return exports.Sheet(_("Antrean verifikasi"), header, rows())


def _distribution(units, per_unit: dict[int, Figures], scope: Scope) -> exports.Sheet:
    period = scope.period
    names = predikat_names(period)
    ratings = queries.organisation_ratings([u.id for u in units], period.id)

    def rows() -> Iterator[list]:
        totals: dict[str, int] = {}
        for unit in units:
            f = per_unit.get(unit.id, Figures())
            for name in names:
                totals[name] = totals.get(name, 0) + f.predikats.get(name, 0)
            rating = ratings.get(unit.id)
            yield [
                unit.code,
                unit.name,
                *(f.predikats.get(n, 0) for n in names),
                sum(f.predikats.values()),
                rating,
                " ".join(distribution_warnings(period, rating, f.predikats)),
            ]
        yield [None, _("Jumlah"), *(totals.get(n, 0) for n in names), sum(totals.values())]

    header = [
        _("Kode unit"),
        _("Unit"),
        *names,
        _("Dievaluasi"),
        _("Predikat organisasi"),
        _("Peringatan (pegawai langsung di unit)"),
    ]
    return exports.Sheet(_("Distribusi predikat"), header, rows())
