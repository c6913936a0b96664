"""Languages: Bahasa Indonesia first, English per user."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

from portal.extensions import babel


class TranslatedLabels(Mapping[str, str]):
    """Labels marked with ``lazy_gettext``, keyed by a code (a state, a trigger).

    Each read gives a plain ``str`` in the current language: safe in f-strings, JSON,
    spreadsheets and comparisons, where a lazy string is not. Letters are rendered under
    ``force_locale("id")``, so there the labels read in Bahasa Indonesia.
    """

    def __init__(self, labels: Mapping[str, object]) -> None:
        self._labels = dict(labels)

    def __getitem__(self, key: str) -> str:
        return str(self._labels[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


def select_locale() -> str:
    languages = current_app.config["PORTAL_LANGUAGES"]
    if not has_request_context():  # command line and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = request.cookies.get("portal_lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
