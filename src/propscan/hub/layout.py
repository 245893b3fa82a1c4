"""The file names of a model directory, named once (what each file holds: engine/model.py)."""

from __future__ import annotations

CONFIG = "config.json"  # settings, labels, calibration; an ensemble's members
ENCODER = "model.onnx"  # encoder + token head
SPAN_HEAD = "span_head.npz"
TOKENIZER = "tokenizer.json"
CARD = "MODEL_CARD.md"
PLOT = "reliability.svg"  # the calibration plot, when there were scores to plot
SUMS = "SHA256SUMS"

__all__ = ["CARD", "CONFIG", "ENCODER", "PLOT", "SPAN_HEAD", "SUMS", "TOKENIZER"]
