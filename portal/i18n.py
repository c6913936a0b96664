"""Languages: Bahasa Indonesia first, English per user."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

from portal.extensions import babel


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
