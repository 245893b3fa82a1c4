"""The ``propscan`` command line (Typer): ``propscan.cli.app`` and the script's ``main``."""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
