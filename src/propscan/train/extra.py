"""Training data beyond the PTC articles: crops of the articles (short texts), the SemEval-2021
Task 6 meme texts (technique spans under the PTC guidelines, mapped to its 14 labels), and the
Logic/LogicClimate sentences labelled with a logical fallacy (no spans: a whole-text span of the
mapped technique, trained on by the span head alone).

All are torch-free and deterministic: the same articles and seed give the same crops.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from ..document import Document, Span
from ..errors import DataError
from ..text import trim

# SemEval-2021 Task 6 technique -> PTC label (shared/extra/semeval2021-task6/README.md); None: the
# technique has no PTC label, so PTC annotators left such text unlabelled
SEMEVAL2021 = {
    "Loaded Language": "Loaded_Language",
    "Name calling/Labeling": "Name_Calling,Labeling",
    "Repetition": "Repetition",
    "Doubt": "Doubt",
    "Exaggeration/Minimisation": "Exaggeration,Minimisation",
    "Appeal to fear/prejudice": "Appeal_to_fear-prejudice",
    "Flag-waving": "Flag-Waving",
    "Causal Oversimplification": "Causal_Oversimplification",
    "Appeal to authority": "Appeal_to_Authority",
    "Slogans": "Slogans",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Misrepresentation of Someone's Position (Straw Man)": "Whataboutism,Straw_Men,Red_Herring",
    "Presenting Irrelevant Data (Red Herring)": "Whataboutism,Straw_Men,Red_Herring",
    "Black-and-white Fallacy/Dictatorship": "Black-and-White_Fallacy",
    "Thought-terminating cliché": "Thought-terminating_Cliches",
    "Bandwagon": "Bandwagon,Reductio_ad_hitlerum",
    "Reductio ad hitlerum": "Bandwagon,Reductio_ad_hitlerum",
    "Smears": None,
    "Glittering generalities (Virtue)": None,
    "Obfuscation, Intentional vagueness, Confusion": None,
}
SEMEVAL2021_FILES = ("training_set_task2.json", "dev_set_task2.json", "test_set_task2.json")
LICENCE_SEMEVAL2021 = (
    "SemEval-2021 Task 6 meme texts (D. Dimitrov, B. Bin Ali, S. Shaar, F. Alam, F. Silvestri, "
    "H. Firooz, P. Nakov, G. Da San Martino. SemEval-2021 Task 6: Detection of Persuasion Techniques "
    "in Texts and Images. SemEval 2021), free for general research use"
)


def crops(doc: Document, share: float, seed: int) -> list[Document]:
    """Short texts cut from ``doc``: at about ``share`` of its non-blank lines (sentences, in the
    PTC) a crop of 1 to 3 consecutive lines starts. A gold span keeps its part inside the crop
    when that is at least half of it; spans mostly outside are left out."""
    if share <= 0:
        return []
    rng = random.Random(seed)
    lines = []  # (start, end) of each non-blank line
    pos = 0
    for line in doc.text.split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    out = []
    for i in range(len(lines)):
        if rng.random() >= share:
            continue
        j = min(len(lines), i + rng.randint(1, 3))
        start, end = lines[i][0], lines[j - 1][1]
        out.append(_cut(doc, start, end))
    return out


def _cut(doc: Document, start: int, end: int) -> Document:
    spans = []
    for span in doc.spans:
        s, e = trim(doc.text, max(span.start, start), min(span.end, end))
        if s < e and 2 * (e - s) >= span.end - span.start:
            spans.append(Span(s - start, e - start, span.technique))
    return Document(doc.text[start:end], spans)


def semeval2021(directory: str | Path) -> list[Document]:
    """The meme texts of SemEval-2021 Task 6 subtask 2 with their spans mapped to PTC labels.
    A text with a span of a technique PTC does not have is left out (PTC would have left that
    span unlabelled, which the model must not learn as "no technique here")."""
    root = Path(directory)
    docs = []
    for name in SEMEVAL2021_FILES:
        path = root / name
        try:
            items = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a SemEval-2021 Task 6 span file ({exc}); give its folder") from exc
        for item in items:
            labels = [
                (lab["start"], lab["end"], SEMEVAL2021.get(lab["technique"], "?")) for lab in item["labels"]
            ]
            unknown = {t for _, _, t in labels if t == "?"}
            if unknown:
                raise DataError(f"{path}: item {item.get('id')} has a technique this mapping does not know")
            if any(t is None for _, _, t in labels):
                continue
            text = item["text"]
            spans = []
            for start, end, technique in labels:
                s, e = trim(text, int(start), int(end))
                if s < e:
                    spans.append(Span(s, e, str(technique)))
            docs.append(Document(text, spans, {"id": f"semeval2021:{item.get('id')}"}))
    return docs


# Logic / LogicClimate fallacy -> PTC label (shared/extra/logic-fallacies/README.md): only the
# fallacies with a close PTC technique; ad hominem (PTC labels the name, not the argument), appeal
# to emotion (loose) and the fallacies without a PTC technique are left out
LOGIC_FALLACIES = {
    "false dilemma": "Black-and-White_Fallacy",
    "false causality": "Causal_Oversimplification",
    "fallacy of extension": "Whataboutism,Straw_Men,Red_Herring",
    "fallacy of relevance": "Whataboutism,Straw_Men,Red_Herring",
    "ad populum": "Bandwagon,Reductio_ad_hitlerum",
    "fallacy of credibility": "Appeal_to_Authority",
}
# news sentences (LogicClimate) first, then the invented quiz texts (Logic) fill a technique's cap
LOGIC_FILES = (
    ("climate_train.csv", "logical_fallacies"),
    ("climate_dev.csv", "logical_fallacies"),
    ("climate_test.csv", "logical_fallacies"),
    ("edu_train.csv", "updated_label"),
    ("edu_dev.csv", "updated_label"),
    ("edu_test.csv", "updated_label"),
)
LICENCE_LOGIC = (
    "Logic and LogicClimate fallacy sentences (Z. Jin, A. Lalwani, T. Vaidhya, X. Shen, Y. Ding, "
    "Z. Lyu, M. Sachan, R. Mihalcea, B. Schoelkopf. Logical Fallacy Detection. Findings of EMNLP "
    "2022), from the authors' public repository, which has no licence file and says \"Feel free to "
    'access our data"; used for training only'
)


def logic_fallacies(directory: str | Path, cap: int) -> list[Document]:
    """Up to ``cap`` texts per PTC technique from the Logic and LogicClimate files, each one span
    over the whole (trimmed) text. Such a text may hold other techniques nobody labelled, so its
    documents carry ``meta["spans_only"]``: the span head learns the label, the token heads learn
    nothing from it. The news sentences come first, then the quiz texts, in file order."""
    root = Path(directory)
    hint = "give shared/extra/logic-fallacies"
    taken: dict[str, int] = {}
    docs = []
    for name, column in LOGIC_FILES:
        path = root / name
        try:
            with path.open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise DataError(f"{path}: not a Logic fallacy file ({exc}); {hint}") from exc
        if rows and not {column, "source_article"} <= rows[0].keys():
            raise DataError(f"{path}: no {column!r} and 'source_article' columns; {hint}")
        for n, row in enumerate(rows):
            technique = LOGIC_FALLACIES.get((row[column] or "").strip().lower())  # None: a short row
            text = row["source_article"] or ""
            start, end = trim(text, 0, len(text))
            if technique is None or start >= end or taken.get(technique, 0) >= cap:
                continue
            taken[technique] = taken.get(technique, 0) + 1
            docs.append(
                Document(text, [Span(start, end, technique)], {"id": f"logic:{name}:{n}", "spans_only": True})
            )
    return docs


__all__ = [
    "LICENCE_LOGIC",
    "LICENCE_SEMEVAL2021",
    "LOGIC_FALLACIES",
    "SEMEVAL2021",
    "crops",
    "logic_fallacies",
    "semeval2021",
]
