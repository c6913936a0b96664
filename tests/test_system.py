"""Start-up checks the machine: without Pango the portal says what to install."""

from __future__ import annotations

import builtins

import pytest

from portal import system


def test_without_pango_start_up_stops_and_names_the_packages(monkeypatch):
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    with pytest.raises(SystemExit) as stopped:
        system.require_pango()
    message = str(stopped.value)
    assert "libpango-1.0-0" in message
    assert f"sudo apt-get install -y {system.DEBIAN_PACKAGES}" in message


def test_with_pango_start_up_goes_on():
    system.require_pango()
