"""What a reassignment would change: the preview the admin confirms, which is then
applied exactly as computed (``portal.reassign.apply``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from portal.models import Employee, Evaluation, Target
from workflows.targets import DISCUSSED, REPORTED


@dataclass(frozen=True)
class TargetMove:
    """One target to a new evaluator, at the version the preview saw."""

    target: Target
    version: int
    old: Employee | None
    new: Employee
    acting: str
    pending_entries: int


@dataclass(frozen=True)
class EvaluationMove:
    """A draft evaluation to the new evaluator."""

    evaluation: Evaluation
    version: int
    old_id: int
    new: Employee


@dataclass(frozen=True)
class SupervisorMove:
    """An employee's atasan langsung (direct supervisor) changes; ``acting`` when the new
    one holds the post as Plt./Plh. (for the reassignment's ``acting_for``)."""

    employee: Employee
    old: Employee | None
    new: Employee | None
    acting: str = ""


@dataclass
class Gains:
    """What a recipient's work gains, per kind."""

    to_approve: int = 0  # targets awaiting discussion and approval
    to_evaluate: int = 0  # reported targets awaiting evaluation
    to_verify: int = 0  # daily entries awaiting verification
    evaluations: int = 0  # evaluations in progress (drafts)
    other_targets: int = 0  # drafted or approved: theirs to follow, nothing to do yet

    @property
    def inbox(self) -> int:
        """How much the recipient's "Perlu tindakan" count grows."""
        return self.to_approve + self.to_evaluate + self.to_verify


@dataclass
class Reassignment:
    """The preview of a reassignment, and (once applied) its effect."""

    kind: str  # "handover", "supervisor" or "target"
    acting: str = ""
    acting_for: Employee | None = None
    targets: list[TargetMove] = field(default_factory=list)
    evaluations: list[EvaluationMove] = field(default_factory=list)
    supervisors: list[SupervisorMove] = field(default_factory=list)
    # Why some in-flight work does not move (closed periods, the replacement's own work).
    left_behind: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.targets or self.evaluations or self.supervisors)

    @property
    def token(self) -> str:
        """A fingerprint of exactly what would change: the confirmation must match it."""
        parts = [f"{self.kind}|{self.acting}|{self.acting_for.id if self.acting_for else ''}"]
        parts += sorted(f"t{m.target.id}:{m.version}>{m.new.id}" for m in self.targets)
        parts += sorted(f"e{m.evaluation.id}:{m.version}>{m.new.id}" for m in self.evaluations)
        parts += sorted(
            f"s{m.employee.id}:{m.old.id if m.old else ''}>{m.new.id if m.new else ''}"
            for m in self.supervisors
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def gains(self) -> list[tuple[Employee, Gains]]:
        """Whose work gains what, recipients in order of first appearance."""
        by_id: dict[int, tuple[Employee, Gains]] = {}

        def of(person: Employee) -> Gains:
            return by_id.setdefault(person.id, (person, Gains()))[1]

        for move in self.targets:
            gains = of(move.new)
            if move.target.state == DISCUSSED:
                gains.to_approve += 1
            elif move.target.state == REPORTED:
                gains.to_evaluate += 1
            else:
                gains.other_targets += 1
            gains.to_verify += move.pending_entries
        for move in self.evaluations:
            of(move.new).evaluations += 1
        return list(by_id.values())

    def queues(self) -> list[tuple[Employee, int, Employee]]:
        """The verification queues that move: (owner, pending entries, new verifier)."""
        counts: dict[tuple[int, int], list] = {}
        for move in self.targets:
            if move.pending_entries:
                key = (move.target.owner_id, move.new.id)
                row = counts.setdefault(key, [move.target.owner, 0, move.new])
                row[1] += move.pending_entries
        return [tuple(row) for row in counts.values()]
