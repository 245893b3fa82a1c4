"""The batch extra's modules, imported on first use so that propscan itself never needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import MissingExtraError


def need(module: str) -> ModuleType:
    """``module`` imported, or MissingExtraError naming the ``batch`` extra's install line."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError("batch", module.split(".")[0]) from exc
