"""``config.json`` of a model directory, parsed once into typed settings.

Every key a propscan version knows is a field; keys it does not know are kept in ``extra`` so a
config written by a newer version survives a round trip. Malformed content is a ModelError that
names the file and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .layout import CONFIG


@dataclass(frozen=True)
class EnsembleMember:
    model: str  # a shipped model's name, or a directory (relative to the ensemble's, or absolute)
    # the member's fingerprint (hub.checksums.fingerprint: its SHA256SUMS, card and plot aside) when
    # the ensemble was built and measured; ensembles built before 2026-12-07 hold the sha256 of the
    # member's whole SHA256SUMS, which is accepted too
    sha256sums: str
    name: str = ""  # the member's name-version, for cards


@dataclass(frozen=True)
class EnsembleSpec:
    """Two members: the first decodes; the second's scores are mixed in with these weights."""

    members: tuple[EnsembleMember, ...]
    token_weight: float = 0.5
    technique_weight: float = 0.5

    def to_json(self) -> dict[str, Any]:
        return {
            "members": [{"model": m.model, "sha256sums": m.sha256sums, "name": m.name} for m in self.members],
            "token_weight": self.token_weight,
            "technique_weight": self.technique_weight,
        }


@dataclass(frozen=True)
class ModelConfig:
    name: str
    version: str
    labels: tuple[str, ...]
    max_tokens: int = 256  # the window the encoder was fine-tuned on
    min_overlap: int = 32  # tokens shared by neighbouring windows at inference
    threshold: float = 0.4  # token probability above which a token is inside a span
    bridge_tokens: int = 2  # gaps of at most this many tokens inside a run are closed
    single_token_threshold: float = 0.6  # lone-token runs are mostly noise: they need this much
    # a text of at most short_tokens tokens (a sentence, a short paragraph, a post) is decoded with
    # short_threshold instead of threshold: alone, without its article, a sentence's tokens score
    # higher and spans come thick (chosen by cross-validation on lines analysed alone); None: off
    short_threshold: float | None = None
    short_tokens: int = 96
    multi_label_threshold: float = 0.5  # a span also gets every other technique this likely
    token_blend: float = 0.0  # weight of the token head's technique channels in a span's label
    # per-technique log offsets added to a span's technique distribution (in LABELS order), chosen
    # by cross-validation to name rare techniques more often; None: no offsets
    technique_bias: tuple[float, ...] | None = None
    # the encoder's special token ids (BERT tokenizers say [CLS]/[SEP]; MPNet's <s>/</s>)
    pad_id: int | None = None
    cls_id: int | None = None
    sep_id: int | None = None
    hidden: int | None = None  # the encoder's width
    base: str | None = None  # key of propscan.hub.weights.BASES
    base_model: str | None = None  # its public name
    base_sha256: str | None = None  # of its model.safetensors
    train: dict[str, Any] = field(default_factory=dict)  # the training options and split, as recorded
    calibration: dict[str, Any] | None = None  # the score map (see propscan.engine.calibration)
    calibration_fit: dict[str, Any] | None = None  # how and on what the map was fitted
    scores: dict[str, Any] = field(default_factory=dict)  # headline figures and speed, for `models list`
    ensemble: EnsembleSpec | None = None  # set for an ensemble directory
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    @property
    def trained_on(self) -> str | None:
        """The split the model was trained on ("train" or "all"), as recorded."""
        split = self.train.get("split")
        return str(split) if split is not None else None

    @classmethod
    def from_json(cls, data: Any, source: str | Path = CONFIG) -> ModelConfig:
        """Parse ``data`` (config.json's content); ``source`` names the file in errors."""
        if not isinstance(data, dict):
            raise ModelError(
                f"{source} must hold a JSON object, not {type(data).__name__}: re-train or restore it"
            )
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in data and f.name != "extra":
                values[f.name] = _field(f.name, data[f.name], source)
        for required in ("name", "version", "labels"):
            if required not in values:
                raise ModelError(
                    f"{source} lacks the field {required!r}: re-train or restore the model directory"
                )
        _check_rules(values, source)
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None or (f.name in ("train", "scores") and not value):
                continue
            if f.name in ("labels", "technique_bias"):
                value = list(value)
            elif isinstance(value, EnsembleSpec):
                value = value.to_json()
            out[f.name] = value
        out.update(self.extra)
        return out


def read_config(directory: Path) -> ModelConfig:
    """The parsed ``config.json`` of a model (or ensemble) directory."""
    path = directory / CONFIG
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ModelError(
            f"{path} cannot be read ({exc.strerror or exc}): re-install or re-train the model"
        ) from exc
    except ValueError as exc:
        raise ModelError(f"{path} is not valid JSON ({exc}): re-install or re-train the model") from exc
    return ModelConfig.from_json(data, path)


def write_config(directory: Path, config: ModelConfig) -> None:
    (directory / CONFIG).write_text(json.dumps(config.to_json(), indent=2) + "\n", "utf-8")


_INTS = ("max_tokens", "min_overlap", "bridge_tokens", "pad_id", "cls_id", "sep_id", "hidden", "short_tokens")
_FLOATS = ("threshold", "single_token_threshold", "multi_label_threshold", "token_blend", "short_threshold")
_STRINGS = ("name", "version", "base", "base_model", "base_sha256")
_DICTS = ("train", "calibration", "calibration_fit", "scores")


def _field(name: str, value: Any, source: str | Path) -> Any:
    def bad(expected: str) -> ModelError:
        return ModelError(
            f"{source}: field {name!r} must be {expected}, got {value!r}; "
            "re-train or restore the model directory"
        )

    if name in _INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("a non-negative integer")
        return value
    if name in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise bad("a number")
        return float(value)
    if name in _STRINGS:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if name in _DICTS:
        if not isinstance(value, dict):
            raise bad("a JSON object")
        return value
    if name == "technique_bias":
        if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
        ):
            raise bad("a list of numbers, one per technique")
        return tuple(float(v) for v in value)
    if name == "labels":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of technique labels")
        return tuple(value)
    if name == "ensemble":
        return _ensemble(value, bad)
    raise AssertionError(f"unhandled config field {name}")  # a field added without a parser


def _check_rules(values: dict[str, Any], source: str | Path) -> None:
    """The rules between fields: windows longer than their overlap, probabilities in [0, 1]."""
    defaults = {f.name: f.default for f in fields(ModelConfig)}
    max_tokens = values.get("max_tokens", defaults["max_tokens"])
    min_overlap = values.get("min_overlap", defaults["min_overlap"])
    if max_tokens - 2 <= min_overlap:  # a window holds max_tokens - 2 text tokens ([CLS], [SEP])
        raise ModelError(
            f"{source}: field 'max_tokens' ({max_tokens}) must exceed 'min_overlap' ({min_overlap}) "
            "by more than 2, or windows cannot advance; re-train or restore the model directory"
        )
    # threshold: 0 would mark every token, 1 none; the other two may exceed 1, which turns them off
    strict = (0.0, 1.0, "strictly between 0 and 1")
    ranges = {"threshold": strict, "short_threshold": strict, "token_blend": (0.0, 1.0, "in [0, 1]")}
    for name in _FLOATS:
        value = values.get(name)
        if value is None:
            continue
        low, high, said = ranges.get(name, (0.0, math.inf, "0 or more"))
        if not (low < value < high if ranges.get(name) is strict else low <= value <= high):
            raise ModelError(
                f"{source}: field {name!r} must be {said}, got {value!r}; "
                "re-train or restore the model directory"
            )


def _ensemble(value: Any, bad: Any) -> EnsembleSpec:
    try:
        members = tuple(
            EnsembleMember(str(m["model"]), str(m["sha256sums"]), str(m.get("name", "")))
            for m in value["members"]
        )
        weights = [value.get(k, 0.5) for k in ("token_weight", "technique_weight")]
    except (KeyError, TypeError, AttributeError):
        raise bad("an object with 'members' ({model, sha256sums} each) and two weights") from None
    if any(isinstance(w, bool) or not isinstance(w, int | float) or not 0.0 <= w <= 1.0 for w in weights):
        raise bad("an object whose token_weight and technique_weight lie between 0 and 1")
    return EnsembleSpec(members, float(weights[0]), float(weights[1]))


__all__ = ["CONFIG", "EnsembleMember", "EnsembleSpec", "ModelConfig", "read_config", "write_config"]
