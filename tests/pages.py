"""Reading rendered pages in tests: alerts, field errors, inline code."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


def alert(response) -> str | None:
    """The text of the page's error alert, if any."""
    match = re.search(
        r'<div class="alert alert--error" role="alert">(.*?)</div>', response.get_data(as_text=True)
    )
    return html.unescape(match.group(1)) if match else None


def field_error(response, field: str) -> str | None:
    """The message shown next to a form field, if any."""
    match = re.search(
        rf'<p class="field-error" id="{field}-error">(.*?)</p>', response.get_data(as_text=True)
    )
    return html.unescape(match.group(1)) if match else None


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            if "src" not in {name for name, _ in attrs}:
                self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script body")


def inline_code(page: str) -> list[str]:
    """What a CSP without 'unsafe-inline' would block, or what smuggles code into a page:
    inline scripts, style elements and attributes, event handlers, javascript: URLs."""
    parser = _InlineCode()
    parser.feed(page)
    return parser.problems
