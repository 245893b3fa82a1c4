"""Ensembles: two model directories that find and name spans together.

An ensemble directory holds only ``config.json``, ``MODEL_CARD.md`` and ``SHA256SUMS``; its
members are model directories (or shipped model names) recorded in the config with the sha256 of
their own ``SHA256SUMS``, so a member that changed since the ensemble was measured is refused.

The first member decodes: its tokens' "inside a span" probabilities are mixed with the second
member's (carried from the second member's tokens to the first's through character offsets, so
the two may use different tokenizers), and runs of its tokens above the threshold become spans
exactly as in a single model. A span's technique distribution is the weighted mean of the two
members' distributions. Each member runs its encoder once per window.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .calibration import reliability_svg
from .decode import BlockOutput
from .detector import Detector
from .errors import ChecksumError, InputError, ModelError
from .model import ModelConfig, resolve, sha256, verify, write_checksums
from .registry import shipped_names
from .techniques import LABELS

FILES = ("config.json", "MODEL_CARD.md")  # what an ensemble directory holds besides SHA256SUMS
PLOT = "reliability.svg"  # and, when val scores were measured or taken over


def is_ensemble(directory: Path) -> bool:
    try:
        return "ensemble" in json.loads((directory / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False


@dataclass
class JointOutput(BlockOutput):
    """The decoding member's outputs for one block, plus the other member's for the same block.
    ``merged_probs`` gives the mixed token probabilities on the decoding member's tokens."""

    other: BlockOutput | None = None
    token_weight: float = 0.5
    _mixed: np.ndarray | None = None

    def own_probs(self) -> np.ndarray:
        return BlockOutput.merged_probs(self)

    def merged_probs(self) -> np.ndarray:
        if self._mixed is None:
            own = self.own_probs()  # (N, 1+L)
            if self.other is None or not self.other.bounds:
                self._mixed = own
            else:
                self._mixed = (1 - self.token_weight) * own + self.token_weight * _on_tokens(self, self.other)
        return self._mixed


def _on_tokens(target: BlockOutput, source: BlockOutput) -> np.ndarray:
    """(N, 1+L) the source member's token probabilities, spread over the characters its tokens
    hold (zero elsewhere) and averaged over each of the target member's tokens."""
    start, n = target.block.start, len(target.block.text)
    chars = np.zeros((n + 1, source.probs[0].shape[1]), dtype=np.float64)
    for (s, e), p in zip((source.block.offsets - start).tolist(), source.merged_probs(), strict=True):
        chars[s:e] = p
    cum = np.concatenate([np.zeros((1, chars.shape[1])), np.cumsum(chars[:n], axis=0)])  # (n+1, 1+L)
    lo, hi = (target.block.offsets - start).T
    width = np.maximum(hi - lo, 1)[:, None]
    return ((cum[hi] - cum[lo]) / width).astype(np.float32)


class EnsembleDetector(Detector):
    """A Detector over two member models; load it with ``Detector.load(ensemble_dir)``."""

    def __init__(
        self, members: Sequence[Detector], config: ModelConfig, directory: Path, checksums: dict
    ) -> None:
        if len(members) != 2:
            raise ModelError(f"an ensemble needs exactly 2 members, {directory} lists {len(members)}")
        self.members = list(members)
        self.model = members[0].model  # the decoding member: tokenizer and windows
        self.directory, self.checksums = directory, checksums
        self.config = config
        spec = config.extra["ensemble"]
        self.token_weight = float(spec["token_weight"])
        self.technique_weight = float(spec["technique_weight"])

    @classmethod
    def from_directory(cls, directory: Path, *, threads: int | None = None) -> EnsembleDetector:
        checksums = verify(directory, required=FILES, optional=(PLOT,))
        try:
            config = ModelConfig.from_json(json.loads((directory / "config.json").read_text("utf-8")))
            entries = config.extra["ensemble"]["members"]
            refs = [(str(m["model"]), str(m["sha256sums"])) for m in entries]
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelError(f"{directory / 'config.json'} is not a valid ensemble config: {exc}") from exc
        if tuple(config.labels) != LABELS:
            raise ModelError(f"{directory / 'config.json'} lists labels this propscan version does not know")
        members = []
        for ref, expected in refs:
            path = member_dir(directory, ref)
            if sha256(path / "SHA256SUMS") != expected:
                raise ChecksumError(
                    f"ensemble member {ref!r} ({path}) is not the model this ensemble was built and measured "
                    f"with: rebuild it with 'propscan ensemble', or restore that member"
                )
            members.append(Detector.load(path, threads=threads))
        return cls(members, config, directory, checksums)

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "path": str(self.directory),
            "checksums": dict(self.checksums),
            "members": [m.info() for m in self.members],
        }

    def _encode(self, texts: Iterable[str], batch_size: int) -> Iterator[tuple[str, BlockOutput | None]]:
        # Both members cut each text into the same blocks (split_blocks is tokenizer-free), in the
        # same order, so their streams pair up block by block.
        first, second = itertools.tee(texts)
        a, b = self.members
        for (text, out), (_, other) in zip(
            a._encode(first, batch_size), b._encode(second, batch_size), strict=True
        ):
            if out is None:
                yield text, None
            else:
                yield (
                    text,
                    JointOutput(out.block, out.bounds, out.probs, out.hidden, other, self.token_weight),
                )

    def _span_probs(
        self,
        text: str,
        lowered: str,
        out: BlockOutput,
        offsets: list[tuple[int, int]],
        token_probs: np.ndarray,
    ) -> np.ndarray:
        """(S, L) the members' technique distributions, each from its own encoder pass, averaged."""
        assert isinstance(out, JointOutput)
        a, b = self.members
        probs = a._span_probs(text, lowered, out, offsets, out.own_probs())
        if out.other is None or not out.other.bounds:
            return probs
        other = b._span_probs(text, lowered, out.other, offsets, out.other.merged_probs())
        return (1 - self.technique_weight) * probs + self.technique_weight * other


def member_dir(directory: Path, ref: str) -> Path:
    """A member reference -> its directory: a path relative to the ensemble directory, an
    absolute path, or a shipped model's name."""
    local = directory / ref
    if not os.path.isabs(ref) and local.is_dir() and (local / "config.json").is_file():
        return local
    return resolve(ref)


def build(
    members: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    token_weight: float = 0.5,
    technique_weight: float = 0.5,
    threshold: float | None = None,
    name: str = "propscan-ensemble",
    data: str | os.PathLike[str] | None = None,
    reference: str | os.PathLike[str] | None = None,
    speed_articles: str | os.PathLike[str] | None = None,
) -> Path:
    """Write an ensemble directory over two members (model directories or shipped names; the
    first decodes). Decision settings come from the first member unless ``threshold`` is given.
    With ``data`` (a PTC corpus), val scores are measured and written to the card: members must
    then have been trained on ``train`` only. With ``reference`` (an ensemble of the train-split
    twins of the same members), its val scores are taken over instead. The articles/s recorded for
    ``propscan models list`` is measured over ``speed_articles`` (a folder of .txt articles;
    default with ``data``: its ``test-articles``), or else taken over from ``reference``."""
    for label, w in (("token_weight", token_weight), ("technique_weight", technique_weight)):
        if not 0.0 <= w <= 1.0:
            raise InputError(f"{label} must lie between 0 and 1, got {w!r}")
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise InputError(f"threshold must lie strictly between 0 and 1, got {threshold!r}")
    if len(members) != 2:
        raise InputError(f"an ensemble takes exactly 2 members, got {len(members)}")
    out = Path(output)
    if data is not None and reference is not None:
        raise InputError("give --data (measure val scores) or --reference (take them over), not both")
    ref_val = _reference_val(Path(reference)) if reference is not None else None
    speed_texts = _speed_texts(speed_articles, data)
    if out.exists() and not is_ensemble(out):  # before any work: measuring takes minutes
        raise InputError(f"{out} exists and is not an ensemble directory: choose another --output")
    refs, dirs = [], []
    for member in members:
        path = resolve(member)
        refs.append(str(member) if str(member) in shipped_names() else str(path.resolve()))
        dirs.append(path)
    loaded = [Detector.load(p) for p in dirs]
    if data is not None:
        for ref, det in zip(refs, loaded, strict=True):
            if det.config.extra.get("train", {}).get("split") == "all":
                raise InputError(
                    f"member {ref!r} was trained on all articles, val included, so its val scores would be "
                    "inflated: measure an ensemble of train-split members with --data, then build this one "
                    "with --reference pointing at it"
                )
    first = loaded[0].config
    config = replace(
        first,
        name=name,
        threshold=first.threshold if threshold is None else float(threshold),
        extra={
            "ensemble": {
                "members": [
                    {"model": ref, "sha256sums": sha256(d / "SHA256SUMS"), "name": det.name}
                    for ref, d, det in zip(refs, dirs, loaded, strict=True)
                ],
                "token_weight": token_weight,
                "technique_weight": technique_weight,
            },
        },
    )
    val = ref_val
    speed: dict[str, Any] = {}
    if reference is not None:  # the train-split twin's calibration map goes with its val scores
        ref_extra = json.loads((Path(reference) / "config.json").read_text("utf-8"))
        _same_settings(config, ref_extra, Path(reference))
        calibration = {k: ref_extra[k] for k in ("calibration", "calibration_fit") if k in ref_extra}
        config = replace(config, extra={**config.extra, **calibration})
        measured = ref_extra.get("scores", {})
        if "articles_per_s" in measured:
            note = f"{measured.get('speed_note', '')} (measured on {reference})".strip()
            speed = {"articles_per_s": measured["articles_per_s"], "speed_note": note}
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.is_dir() else None) as tmp:
        stage = Path(tmp) / "ensemble"
        _write(stage, config, loaded, None)
        if data is not None:
            from .evaluate import cross_fitted_calibration, evaluate

            det = Detector.load(stage)
            val = evaluate(det, data, "val").to_dict()
            calibration, val = cross_fitted_calibration(det, data, val)
            config = replace(config, extra={**config.extra, **calibration})
        if speed_texts:
            from .speed import measure_speed

            speed = measure_speed(Detector.load(stage), speed_texts)
        if val is not None or speed:
            summary = {}
            if val is not None:
                summary = {
                    "si": val["si"]["f1"],
                    "tc": val["tc"],
                    "flc": val["flc"]["f1"],
                    "ece": val.get("ece"),
                }
            config = replace(config, extra={**config.extra, "scores": {"val": summary, **speed}})
            _write(stage, config, loaded, val)
        if out.exists():
            if not is_ensemble(out):
                raise InputError(f"{out} exists and is not an ensemble directory: choose another --output")
            for child in out.iterdir():
                child.unlink()
            out.rmdir()
        stage.rename(out)
    return out


SETTINGS = ("max_tokens", "threshold", "bridge_tokens", "single_token_threshold", "multi_label_threshold")


def _same_settings(config: ModelConfig, ref: dict[str, Any], reference: Path) -> None:
    """Val scores taken over from ``reference`` describe these settings only: refuse others."""
    mine = config.to_json()
    pairs = [(k, mine.get(k), ref.get(k)) for k in (*SETTINGS, "token_blend")]
    pairs += [
        (k, mine["ensemble"][k], ref.get("ensemble", {}).get(k)) for k in ("token_weight", "technique_weight")
    ]
    differ = [f"{k} {a!r} (reference: {b!r})" for k, a, b in pairs if a != b]
    if differ:
        raise InputError(
            f"--reference {reference} was measured with other settings: {', '.join(differ)}; build with "
            "the reference's settings (e.g. --threshold), or measure this ensemble's twin with --data"
        )


def _speed_texts(
    speed_articles: str | os.PathLike[str] | None, data: str | os.PathLike[str] | None
) -> list[str]:
    """The articles to measure speed on, read before any work so a bad folder fails fast."""
    folder = Path(speed_articles) if speed_articles is not None else None
    if folder is None and data is not None and (Path(data) / "test-articles").is_dir():
        folder = Path(data) / "test-articles"
    if folder is None:
        return []
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not paths:
        raise InputError(f"--speed-articles {folder} is not a folder of .txt articles: give one that is")
    return [p.read_text("utf-8", errors="replace") for p in paths]


def _reference_val(reference: Path) -> dict:
    try:
        return json.loads((reference / "val_report.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"--reference {reference} is not an ensemble built with --data: {exc}") from exc


def _write(directory: Path, config: ModelConfig, members: Sequence[Detector], val: dict | None) -> None:
    from .ensemble_card import ensemble_card

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config.to_json(), indent=2) + "\n", "utf-8")
    (directory / "MODEL_CARD.md").write_text(ensemble_card(config, members, val), "utf-8")
    names = FILES
    if val is not None:
        (directory / "val_report.json").write_text(json.dumps(val, indent=2) + "\n", "utf-8")
        if val.get("reliability"):
            title = f"val: ECE {val['ece']:.3f} ({val.get('n_articles', '?')} articles)"
            (directory / PLOT).write_text(reliability_svg(val["reliability"], title), "utf-8")
            names = (*FILES, PLOT)
    write_checksums(directory, names)
