"""Pretrained encoders for training: see :mod:`propscan.hub.weights`, which fetches and verifies them."""

from __future__ import annotations

from ..hub.weights import BASES, BaseModel, base_dir

__all__ = ["BASES", "BaseModel", "base_dir"]
