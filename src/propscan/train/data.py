"""PTC articles -> training windows: token targets (any + per technique) and span targets."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tokenizers import Tokenizer

from ..document import Document
from ..engine.features import lower, span_features
from ..engine.windows import make_windows
from ..techniques import LABELS
from ..text import context_bounds

IGNORE = -100.0


@dataclass
class Example:
    ids: np.ndarray  # (T,) with [CLS] and [SEP]
    token_targets: np.ndarray  # (T, 1 + L) in {0, 1}, IGNORE on special tokens
    span_masks: list[np.ndarray]  # each (T,) 1.0 on the span's tokens
    context_masks: list[np.ndarray]  # each (T,) 1.0 on the tokens of the span's sentence(s)
    span_feats: list[np.ndarray]  # each (F,)
    span_targets: list[np.ndarray]  # each (L,) label distribution (k labels -> 1/k each)
    hidden: torch.Tensor | None = None  # (T, H) output of the frozen layers, when training above them
    crop: bool = False  # a window of a crop of an article (crops_epochs may keep it out of early epochs)


def build_examples(
    docs: Sequence[Document],
    tokenizer: Tokenizer,
    max_tokens: int,
    min_overlap: int,
    cls_id: int,
    sep_id: int,
    teacher: Sequence[dict[tuple[int, int], np.ndarray]] | None = None,
    teacher_weight: float = 0.0,
    char_teacher: Sequence[np.ndarray] | None = None,
    token_teacher_weight: float = 0.0,
    span_jitter: int = 0,
    jitter_copies: int = 2,
    seed: int = 0,
    jitter_teacher: bool = False,
    token_targets: bool = True,
    span_examples: bool = True,
) -> list[Example]:
    """Training windows of ``docs``. With ``teacher`` (per doc: a technique distribution for each
    gold span's offsets), span targets mix the gold labels with it; with ``char_teacher`` (per doc:
    (len(text), 1 + L) probabilities per character, as from ``Detector.char_probs``), token targets
    mix the gold 0/1 targets with the teacher's mean over each token's characters (distillation).
    With ``span_jitter`` > 0, the span head also sees ``jitter_copies`` copies of each span whose
    ends moved by up to that many characters (``jitter_views`` with ``seed`` plus the doc's index),
    with the span's targets; token targets stay the gold ones. With ``jitter_teacher`` too, a copy
    whose offsets ``teacher`` holds takes the teacher's distribution for it instead: a moved span may
    no longer be what the gold span was (a repeated phrase cut short is no longer repeated).
    With ``token_targets`` False every token target is IGNORE: the windows train the span head
    alone (texts whose other techniques nobody labelled, such as a sentence with one fallacy label).
    With ``span_examples`` False the windows hold no spans: they train the token heads alone (texts
    cut from an article, whose spans may need what was cut away, such as the first of a repetition)."""
    n_labels = len(LABELS)
    examples = []
    for d, doc in enumerate(docs):
        soft = None
        if char_teacher is not None:
            probs = char_teacher[d]
            if probs.shape != (len(doc.text), 1 + n_labels):
                raise ValueError(
                    f"char_teacher[{d}] has shape {probs.shape}, not ({len(doc.text)}, {1 + n_labels})"
                )
            soft = np.concatenate([np.zeros((1, 1 + n_labels)), np.cumsum(probs, axis=0, dtype=np.float64)])
        lowered = lower(doc.text)
        by_offsets: dict[tuple[int, int], list[int]] = defaultdict(list)
        for span in doc.spans:
            by_offsets[(span.start, span.end)].append(LABELS.index(span.technique))
        views = jitter_views(doc, span_jitter, jitter_copies, seed + d)
        for window in make_windows(tokenizer, doc.text, max_tokens, min_overlap):
            offsets = window.block.offsets[window.lo : window.hi]  # (N, 2)
            n = len(offsets)
            targets = np.zeros((n + 2, 1 + n_labels), dtype=np.float32)
            targets[0] = targets[-1] = IGNORE
            masks, contexts, feats, span_targets = [], [], [], []
            for (start, end), labels in by_offsets.items():
                inside = (offsets[:, 0] < end) & (offsets[:, 1] > start)  # (N,)
                if not inside.any():
                    continue
                targets[1:-1, 0][inside] = 1.0
                for label in labels:
                    targets[1:-1, 1 + label][inside] = 1.0
                total = ((window.block.offsets[:, 0] < end) & (window.block.offsets[:, 1] > start)).sum()
                if not span_examples or inside.sum() * 2 < total:  # mostly outside: another window has it
                    continue
                dist = np.zeros(n_labels, dtype=np.float32)
                for label in labels:
                    dist[label] += 1.0 / len(labels)
                if teacher is not None and (start, end) in teacher[d]:
                    dist = (1 - teacher_weight) * dist + teacher_weight * teacher[d][(start, end)]
                for vs, ve in views[(start, end)]:
                    covered = (offsets[:, 0] < ve) & (offsets[:, 1] > vs)  # (N,)
                    if not covered.any():
                        continue
                    moved = (vs, ve) != (start, end)
                    if moved and jitter_teacher and teacher is not None and (vs, ve) in teacher[d]:
                        target = teacher[d][(vs, ve)]
                    else:
                        target = dist
                    mask = np.zeros(n + 2, dtype=np.float32)
                    mask[1:-1] = covered
                    masks.append(mask)
                    cs, ce = context_bounds(doc.text, vs, ve)
                    context = np.zeros(n + 2, dtype=np.float32)
                    context[1:-1] = (offsets[:, 0] < ce) & (offsets[:, 1] > cs)
                    contexts.append(context)
                    feats.append(span_features(doc.text, vs, ve, lowered))
                    span_targets.append(target)
            if soft is not None:
                width = np.maximum(offsets[:, 1] - offsets[:, 0], 1)[:, None]  # (N, 1)
                mean = (soft[offsets[:, 1]] - soft[offsets[:, 0]]) / width  # (N, 1+L)
                targets[1:-1] = (1 - token_teacher_weight) * targets[1:-1] + token_teacher_weight * mean
            if not token_targets:
                targets[:] = IGNORE
            ids = np.concatenate([[cls_id], window.block.ids[window.lo : window.hi], [sep_id]])
            examples.append(Example(ids, targets, masks, contexts, feats, span_targets))
    return examples


def jitter_views(
    doc: Document, reach: int, copies: int, seed: int
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Per gold span offsets (in the order of ``doc.spans``): the span itself, then ``copies``
    copies with ends moved by up to ``reach`` characters, drawn from ``seed``. The same arguments
    give the same copies, so a teacher can label them before the windows are built."""
    rng = random.Random(seed)
    keys = dict.fromkeys((s.start, s.end) for s in doc.spans)
    return {k: [k, *_jittered(k, len(doc.text), reach, copies, rng)] for k in keys}


def _jittered(
    span: tuple[int, int], length: int, reach: int, copies: int, rng: random.Random
) -> list[tuple[int, int]]:
    """``copies`` variants of ``span`` whose ends each move by up to ``reach`` characters, kept
    inside the text and at least one character long; none when ``reach`` is 0."""
    if reach <= 0:
        return []
    start, end = span
    out = []
    for _ in range(copies):
        s = min(max(0, start + rng.randint(-reach, reach)), length - 1)
        e = min(max(s + 1, end + rng.randint(-reach, reach)), length)
        out.append((s, e))
    return out


def batches(
    examples: list[Example], batch_size: int, pad_id: int, rng: random.Random, length_buckets: int = 0
):
    """Shuffled, padded batches as tensors; with cached frozen-layer states, those instead of ids.
    With ``length_buckets`` > 0, each run of that many batches' worth of shuffled windows is sorted
    by length before it is cut into batches (then the batches are shuffled): short windows (crops,
    short texts) are then padded to their neighbours' length, not to 256 tokens."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    if length_buckets > 0:
        span = batch_size * length_buckets
        order = [
            j
            for i in range(0, len(order), span)
            for j in sorted(order[i : i + span], key=lambda j: len(examples[j].ids))
        ]
        starts = list(range(0, len(order), batch_size))
        rng.shuffle(starts)
        order = [j for i in starts for j in order[i : i + batch_size]]
    for i in range(0, len(order), batch_size):
        chunk = [examples[j] for j in order[i : i + batch_size]]
        width = max(len(e.ids) for e in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)  # (B, T)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)  # (B, T)
        n_out = chunk[0].token_targets.shape[1]
        tok = torch.full((len(chunk), width, n_out), IGNORE)  # (B, T, 1+L)
        rows, smasks, scontexts, sfeats, stargets = [], [], [], [], []
        cached = chunk[0].hidden is not None
        if cached:
            states = torch.zeros((len(chunk), width, chunk[0].hidden.shape[1]), dtype=chunk[0].hidden.dtype)
        for b, e in enumerate(chunk):
            t = len(e.ids)
            ids[b, :t] = torch.from_numpy(e.ids)
            if cached:
                states[b, :t] = e.hidden  # (T, H)
            mask[b, :t] = 1
            tok[b, :t] = torch.from_numpy(e.token_targets)
            for m, c, f, y in zip(e.span_masks, e.context_masks, e.span_feats, e.span_targets, strict=True):
                padded = np.zeros((2, width), dtype=np.float32)
                padded[0, :t], padded[1, :t] = m, c
                rows.append(b)
                smasks.append(padded[0])
                scontexts.append(padded[1])
                sfeats.append(f)
                stargets.append(y)
        spans = None
        if rows:
            spans = (
                torch.tensor(rows),
                torch.from_numpy(np.stack(smasks)),
                torch.from_numpy(np.stack(scontexts)),
                torch.from_numpy(np.stack(sfeats)),
                torch.from_numpy(np.stack(stargets)),
            )
        yield (states if cached else ids), mask, tok, spans
