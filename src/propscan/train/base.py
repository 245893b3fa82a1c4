"""Pretrained encoders for training: see :mod:`propscan.weights`, which fetches and verifies them."""

from __future__ import annotations

from ..weights import BASES, BaseModel, base_dir

__all__ = ["BASES", "BaseModel", "base_dir"]
