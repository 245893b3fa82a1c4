"""Everything a training run needs before its first step: the base encoder and tokenizer, the
articles, the teacher's labels (distillation) and each article's training windows."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..document import Document
from ..engine.windows import load_tokenizer
from ..errors import DataError
from ..hub.layout import TOKENIZER
from ..io.ptc import Article, load_split, read_article
from ..techniques import LABELS
from .base import BASES, BaseModel, base_dir
from .cache import attach_frozen_states
from .config import TrainConfig
from .data import Example, build_examples, jitter_views
from .extra import crops, logic_fallacies, semeval2021
from .model import Net, NetConfig, load_encoder
from .noise import NOISE_SEED, noisy_copies
from .teacher import teacher_outputs


@dataclass
class Prepared:
    base: BaseModel
    src: Path
    special: dict[str, int]  # cls, sep, pad token ids
    articles: list[Article]
    per_doc: list[list[Example]]  # each article's training windows
    make_net: Callable[[], Net]  # a fresh net of the recipe (frozen states already attached)
    extra: list[Example] = field(default_factory=list)  # teacher-labelled windows, in every fold

    @property
    def examples(self) -> list[Example]:
        return [e for group in self.per_doc for e in group] + self.extra


def prepare(
    cfg: TrainConfig, data_dir: str | Path, split: str, log: Any, teacher_cache: str | Path | None = None
) -> Prepared:
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    base = BASES[cfg.base]
    src = base_dir(cfg.base, log=log)
    tokenizer = load_tokenizer(str(src / TOKENIZER))
    special = {k: tokenizer.token_to_id(getattr(base, f"{k}_token")) for k in ("cls", "sep", "pad")}
    articles = load_split(data_dir, split)
    pseudo = unlabelled_docs(cfg.unlabelled) if cfg.unlabelled else []
    pseudo += noisy_copies([a.text for a in articles], cfg.noisy_copies, NOISE_SEED)

    def views(doc: Document, n: int) -> dict[tuple[int, int], list[tuple[int, int]]]:
        return jitter_views(doc, cfg.span_jitter, cfg.span_jitter_copies, cfg.seed * 100_003 + n)

    # the moved copies of each gold span, for the teacher to label (jitter_teacher)
    moved = (
        [
            sorted({v for vs in views(a.to_document(), n).values() for v in vs[1:]})
            for n, a in enumerate(articles)
        ]
        if cfg.jitter_teacher
        else None
    )
    teacher = (
        teacher_outputs(cfg.teacher, articles, pseudo, log, teacher_cache, extra=moved)
        if cfg.teacher
        else None
    )
    t0 = time.time()

    def build(doc: Document, **options: Any) -> list[Example]:
        return build_examples(
            [doc], tokenizer, cfg.max_tokens, cfg.train_overlap, special["cls"], special["sep"], **options
        )

    def gold_windows(doc: Document, span_examples: bool = True) -> list[Example]:
        """Windows of a text trained on its gold spans alone (no teacher has labelled it)."""
        return build(doc, token_targets=not doc.meta.get("spans_only", False), span_examples=span_examples)

    def windows(doc: Document, n: int, span_weight: float, token_weight: float) -> list[Example]:
        return build(
            doc,
            teacher=[teacher.spans[n]] if teacher else None,
            teacher_weight=span_weight,
            char_teacher=[teacher.chars[n]] if teacher else None,
            token_teacher_weight=token_weight,
            span_jitter=cfg.span_jitter,
            jitter_copies=cfg.span_jitter_copies,
            seed=cfg.seed * 100_003 + n,
            jitter_teacher=cfg.jitter_teacher,
        )

    def crop_windows(doc: Document, n: int) -> list[Example]:
        cut = crops(doc, cfg.crops, cfg.seed * 100_003 + n)
        made = [e for crop in cut for e in gold_windows(crop, cfg.crops_span_head)]
        for e in made:
            e.crop = True
        return made

    per_doc = [
        windows(a.to_document(), n, cfg.teacher_weight, cfg.token_teacher_weight)
        + crop_windows(a.to_document(), n)
        for n, a in enumerate(articles)
    ]
    extra = [
        e
        for n, doc in enumerate(teacher.pseudo if teacher else [], len(articles))
        for e in windows(doc, n, 1.0, 1.0)
    ]
    memes = semeval2021(cfg.semeval2021) if cfg.semeval2021 else []
    extra += [e for doc in memes for e in gold_windows(doc)]
    fallacies = logic_fallacies(cfg.logic_fallacies, cfg.logic_fallacies_cap) if cfg.logic_fallacies else []
    extra += [e for doc in fallacies for e in gold_windows(doc)]

    def make_net() -> Net:
        return Net(
            load_encoder(str(src), cfg.dropout, cfg.attention_dropout, cfg.layers),
            NetConfig(
                n_labels=len(LABELS),
                hidden=base.hidden,
                frozen_layers=cfg.frozen_layers,
                lora_rank=cfg.lora_rank,
                lora_alpha=cfg.lora_alpha,
            ),
        )

    data = Prepared(base, src, special, articles, per_doc, make_net, extra)
    examples = data.examples
    n_noisy = len(articles) * cfg.noisy_copies
    crop_heads = "" if cfg.crops_span_head else ", token heads"
    labelled = (
        (f" + {len(pseudo) - n_noisy} unlabelled" if len(pseudo) > n_noisy else "")
        + (f" + {n_noisy} noisy copies" if n_noisy else "")
        + (f" + crops ({cfg.crops:.0%} of lines{crop_heads})" if cfg.crops else "")
        + (f" + {len(memes)} SemEval-2021 texts" if memes else "")
        + (f" + {len(fallacies)} fallacy sentences (span head only)" if fallacies else "")
    )
    log(
        f"{len(articles)} articles{labelled} -> {len(examples)} windows, "
        f"{sum(len(e.ids) for e in examples)} tokens ({time.time() - t0:.1f}s)"
    )
    if cfg.frozen_layers:
        attach_frozen_states(make_net(), examples, base.safetensors_sha256, special["pad"], log)
    return data


def unlabelled_docs(directory: str) -> list[str]:
    """The texts of the .txt files in ``directory`` (sorted by name)."""
    files = sorted(Path(directory).glob("*.txt"))
    if not files:
        raise DataError(
            f"--unlabelled {directory}: no .txt articles there; give a folder of plain-text articles"
        )
    return [read_article(f) for f in files]


__all__ = ["Prepared", "prepare", "unlabelled_docs"]
