"""What an inbox ("Perlu tindakan") shows: items of work waiting for one person, each
linking straight to where it is handled, grouped in sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting for the user. ``count`` is what it adds to the badge (a group
    item, such as "7 laporan harian dari Andi", counts each of them)."""

    section: str  # the heading it is listed under, translated
    title: str
    detail: str
    url: str
    action: str  # the link's text: what the user does there
    due: date | None = None
    overdue: bool = False
    count: int = 1
    key: str = ""  # what it is about ("target-12"), for anchors and tests
    note: str = ""  # a reason the user must read (a revision request, a rejection)
    # Items of one person or plan share a heading within their section, which links to
    # where they are handled together (a subordinate's plan).
    group: str = ""
    group_url: str = ""


@dataclass
class InboxSection:
    title: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(item.count for item in self.items)

    @property
    def groups(self) -> list[InboxGroup]:
        """The items in runs of the same ``group`` (one run of no group for most)."""
        runs: list[InboxGroup] = []
        for item in self.items:
            if not runs or runs[-1].name != item.group:
                runs.append(InboxGroup(item.group, item.group_url))
            runs[-1].items.append(item)
        return runs


@dataclass
class InboxGroup:
    name: str
    url: str
    items: list[InboxItem] = field(default_factory=list)


@dataclass
class Inbox:
    sections: list[InboxSection]

    @property
    def count(self) -> int:
        return sum(section.count for section in self.sections)

    @property
    def items(self) -> list[InboxItem]:
        return [item for section in self.sections for item in section.items]

    def item_keys(self, section: str | None = None) -> list[str]:
        return [
            item.key
            for s in self.sections
            if section is None or s.title == section
            for item in s.items
        ]


def grouped(items: list[InboxItem]) -> Inbox:
    """The items in sections, in the order the sections first appear."""
    sections: dict[str, InboxSection] = {}
    for item in items:
        sections.setdefault(item.section, InboxSection(item.section)).items.append(item)
    return Inbox(list(sections.values()))
