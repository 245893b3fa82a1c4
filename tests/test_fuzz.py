"""Seeded fuzzing of every way text enters propscan: random Unicode (lone surrogates, control and
bidi characters, zero-width and astral characters, huge words) through analyze, the JSONL reader,
the server and a tiny batch run. Every Document must keep the span invariants, and nothing but a
PropscanError may escape."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from propscan import Detector, Document, PropscanError
from propscan.io.readers import read_jsonl
from propscan.techniques import LABELS

SEED = 20240607
WORDS = ("they", "are", "evil", "traitors", "the", "city", "said", "corrupt", "plan", ".", ",")
RANGES = [
    (0x00, 0x1F),  # C0 controls, NUL included
    (0x7F, 0x9F),  # DEL and C1 controls
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2066, 0x2069),  # bidi isolates
    (0x200B, 0x200F),  # zero-width characters, LRM, RLM
    (0x2028, 0x2029),  # line and paragraph separators
    (0xD800, 0xDFFF),  # lone surrogates
    (0xFFF9, 0xFFFF),  # specials, BOM's neighbours, noncharacters
    (0x0300, 0x036F),  # combining marks
    (0x1F300, 0x1F64F),  # astral: emoji
    (0x4E00, 0x4E40),  # CJK
    (0xE000, 0xE010),  # private use
]


def fuzz_text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 40)):
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(WORDS))
        elif roll < 0.85:
            lo, hi = rng.choice(RANGES)
            parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 4))))
        elif roll < 0.95:
            parts.append(rng.choice([" ", "\n", "\r\n", "\t", "\u00a0", "\ufeff", ""]))
        else:
            parts.append(rng.choice("evilx\ud800") * rng.randint(1_000, 6_000))  # a huge word
    glue = rng.choice([" ", "", "\n"])
    return glue.join(parts)


def texts(n: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [fuzz_text(rng) for _ in range(n)]


def check_document(doc: Document, given: str) -> None:
    """The span invariants, and a Document that writes as standard JSON and reads back equal."""
    assert len(doc.text) == len(given)
    changed = [(a, b) for a, b in zip(given, doc.text, strict=True) if a != b]
    assert all(0xD800 <= ord(a) <= 0xDFFF and b == "\ufffd" for a, b in changed)
    doc.text.encode("utf-8")
    assert doc.spans == sorted(doc.spans)
    for span in doc.spans:
        assert 0 <= span.start < span.end <= len(doc.text)
        assert span.text == doc.text[span.start : span.end] and span.technique in LABELS
        assert 0.0 <= span.score <= 1.0
    payload = doc.to_json()
    json.loads(payload, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))
    assert Document.from_json(payload) == doc


def test_fuzzed_texts_through_analyze_keep_the_span_invariants(tiny_detector: Detector) -> None:
    fuzzed = texts(300)
    for text in fuzzed[:40]:
        check_document(tiny_detector.analyze(text), text)
    for text, doc in zip(fuzzed, tiny_detector.analyze_many(fuzzed), strict=True):
        check_document(doc, text)
    rng = random.Random(SEED)
    for text in fuzzed[:60]:
        spans = [(s, s + rng.randint(1, 5)) for s in (rng.randint(-2, len(text)) for _ in range(3))]
        try:
            labelled = tiny_detector.classify_spans(text, spans)
        except PropscanError:
            assert any(not 0 <= s < e <= len(text) for s, e in spans)
        else:
            assert [s.technique in LABELS for s in labelled] == [True] * len(spans)
    for bad in (b"bytes", None, 42, ["list"]):
        with pytest.raises(PropscanError):
            tiny_detector.analyze(bad)  # type: ignore[arg-type]


def test_fuzzed_text_through_the_shipped_model_keeps_the_span_invariants() -> None:
    fuzzed = [text[:400] for text in texts(16, seed=SEED + 4)]
    for text, doc in zip(fuzzed, Detector.load("fast").analyze_many(fuzzed), strict=True):
        check_document(doc, text)


def test_fuzzed_text_is_windowed_with_valid_offsets_by_a_real_tokenizer() -> None:
    from propscan.engine.windows import load_tokenizer, make_windows
    from propscan.hub.registry import resolve
    from propscan.text import clean_text

    tokenizer = load_tokenizer(str(resolve("fast") / "tokenizer.json"))
    for text in texts(150, seed=SEED + 1):
        clean = clean_text(text)
        for window in make_windows(tokenizer, clean, 64, 8, block_chars=2_000):
            offsets = window.block.offsets[window.lo : window.hi]
            assert (
                (offsets[:, 0] >= 0) & (offsets[:, 0] <= offsets[:, 1]) & (offsets[:, 1] <= len(clean))
            ).all()


def fuzz_lines(n: int) -> list[bytes]:
    """JSONL lines: fuzzed records (ids and metadata too), and garbage of every kind."""
    rng = random.Random(SEED + 2)
    lines = []
    for i in range(n):
        text = fuzz_text(rng)
        roll = rng.random()
        if roll < 0.6:
            record = {"id": rng.choice([f"r{i}", fuzz_text(rng)[:20] or f"r{i}", i]), "text": text}
            record["outlet"] = rng.choice(
                [fuzz_text(rng)[:15], float("nan"), float("inf"), 10**50, None, [1]]
            )
            lines.append(json.dumps(record).encode())  # ensure_ascii: surrogates as \\ud800 escapes
        elif roll < 0.7:
            lines.append(bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 60))).replace(b"\n", b""))
        elif roll < 0.8:
            depth = rng.choice([10, 5_000, 100_000])
            lines.append(b'{"text": "x", "m": ' + b"[" * depth + b"]" * depth + b"}")
        elif roll < 0.9:
            lines.append(b'{"text": "x", "n": ' + b"9" * rng.choice([10, 4_300, 4_301, 20_000]) + b"}")
        else:
            lines.append(
                rng.choice([b"[1, 2]", b'"text"', b'{"text": 5}', b'{"id": [1], "text": "a"}', b"{"])
            )
    return lines


def test_fuzzed_jsonl_lines_give_one_record_each_and_never_raise(tmp_path: Path) -> None:
    lines = fuzz_lines(400)
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    records = list(read_jsonl(path))
    assert len(records) == sum(1 for line in lines if line.strip())
    for record in records:
        assert (record.text is None) == (record.error is not None)
        for value in (record.id, record.text or "", *[v for v in record.meta.values() if isinstance(v, str)]):
            value.encode("utf-8")
        json.dumps(record.meta, allow_nan=False)


def test_fuzzed_requests_never_get_a_5xx(tiny_detector: Detector) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from propscan.server import create_app

    rng = random.Random(SEED + 3)
    headers = {"content-type": "application/json"}
    with TestClient(create_app(tiny_detector), raise_server_exceptions=False) as client:
        for text in texts(40, seed=SEED + 3):
            payload = json.dumps({"text": text})  # escaped surrogate pairs decode as one character
            response = client.post("/v1/analyze", content=payload.encode(), headers=headers)
            assert response.status_code in (200, 413), response.text
            if response.status_code == 200:
                check_document(Document.from_dict(response.json()), json.loads(payload)["text"])
            body = {"text": text, "spans": [[rng.randint(-1, 9), rng.randint(0, 12)] for _ in range(3)]}
            response = client.post("/v1/classify", content=json.dumps(body).encode(), headers=headers)
            assert response.status_code in (200, 413, 422), response.text
            doc = {
                "text": text,
                "spans": [{"start": 0, "end": rng.choice([1, 1.5, True, 10**30]), "technique": "Doubt"}],
            }
            response = client.post(
                "/v1/report", content=json.dumps({"documents": [doc]}).encode(), headers=headers
            )
            assert response.status_code in (200, 413, 422), response.text
        for line in fuzz_lines(60):
            response = client.post("/v1/analyze", content=line, headers=headers)
            assert response.status_code < 500, (line[:80], response.text)


def test_a_fuzzed_batch_run_puts_every_line_once_in_articles_or_errors(tmp_path: Path, tiny_detector) -> None:
    pytest.importorskip("pyarrow")
    from batch_helpers import read_output
    from propscan.batch import run_batch

    lines = fuzz_lines(120)
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = run_batch([str(path)], tmp_path / "out", detector=tiny_detector, chunk_size=16)
    out = read_output(tmp_path / "out")
    assert result.articles + result.errors == len(lines) == len(out["articles"]) + len(out["errors"])
    rows = sorted(row[0] for row in [*out["articles"], *out["errors"]])
    assert rows == list(range(len(lines)))
    for row in out["articles"]:
        text = row[-1]
        spans = [s for s in out["spans"] if s[0] == row[1]]
        assert all(0 <= s[1] < s[2] <= len(text) and text[s[1] : s[2]] == s[5] for s in spans)
