"""The modules training and calibration import only when they reach them, loaded up front."""

from __future__ import annotations

import importlib

# Modules that training and calibration import only when they reach them (after the epochs:
# export, quantization, evaluation, speed). They are loaded before any work, so that a source tree
# changed during an hour of training (a checkout, a pull) cannot end the run with a mix of old and
# new code. tests/test_train.py checks that every function-level import of propscan.train is here.
LATE_MODULES = (
    "hashlib",
    "tempfile",
    "onnx",
    "onnx.external_data_helper",
    "onnx.helper",
    "onnx.numpy_helper",
    "onnxruntime",
    "onnxruntime.quantization",
    "onnxruntime.transformers",
    "onnxruntime.transformers.optimizer",
    "transformers.utils",
    "transformers.utils.logging",
    "rich.progress",
    "propscan",
    "propscan.engine.windows",
)


def load_late_modules() -> None:
    """Import every module in LATE_MODULES now (see there why)."""
    for name in LATE_MODULES:
        importlib.import_module(name)


__all__ = ["LATE_MODULES", "load_late_modules"]
