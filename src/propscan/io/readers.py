"""Turn command-line inputs into text records, lazily and without raising on bad input.

Inputs are read one at a time, so a huge JSONL file is never held in memory at once:

* ``-``: standard input, one text.
* a ``.jsonl`` file: one ``{"id": ..., "text": ...}`` object per line; ``id`` is optional and
  defaults to ``<file stem>:<line>``; blank lines are skipped. Other fields whose values are
  strings, numbers or booleans (``outlet``, ``url``, ``published``, ...) are kept as metadata.
* an ``.html``/``.htm`` file: the page's main text and title, extracted offline (``html`` extra).
* a ``.csv`` or ``.parquet`` file: one article per row, with ``text``, optional ``id`` and any
  metadata columns (see :mod:`propscan.io.tables`; Parquet needs the ``batch`` extra).
* a directory: its ``*.txt`` and ``*.html``/``*.htm`` files, sorted by name, **not** recursive
  (the PTC corpus layout).
* an ``http://`` or ``https://`` URL: the page's main text, fetched with a time limit and a size cap
  from public addresses only (see :mod:`propscan.io.url`).
* any other file: one plain text, UTF-8.

A bad input (missing path, binary file, invalid UTF-8, a JSONL line that is not a JSON object with a
string ``text``) becomes a :class:`Record` with ``error`` set and ``text`` None; the inputs after
it are still read. Text is decoded from bytes without newline translation, so span offsets index
the exact string of the file. Empty text is not an error.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import FetchError, InputError
from ..text import clean_meta, clean_text
from .html import HTML_SUFFIXES, extract
from .records import STDIN, TABLE_SUFFIXES, Record, is_url, record_id
from .tables import count_rows, read_table
from .url import fetch_url

_OTHER_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # ftp://, file://, s3://: not a path, not fetched


def read_inputs(inputs: Iterable[str | Path], stdin: BinaryIO | None = None) -> Iterator[Record]:
    """Yield a Record for every text in ``inputs`` (paths, directories, JSONL or JSON files, tables,
    URLs or ``-``)."""
    for item in inputs:
        if str(item) == STDIN:
            yield _read_stdin(stdin)
            continue
        if is_url(item):
            yield _read_url(str(item))
            continue
        if isinstance(item, str) and _OTHER_URL.match(item.strip()) and not Path(item).exists():
            scheme = item.strip().split(":", 1)[0]
            reason = (
                f"a {scheme}:// address: propscan fetches only http:// and https:// pages; save it to a file"
            )
            yield Record(item, item, None, reason)
            continue
        path = Path(item)
        if path.is_dir():
            yield from _read_dir(path)
        elif not path.exists():
            yield Record(path.stem, str(path), None, "no such file or directory")
        elif path.suffix.lower() == ".jsonl":
            yield from read_jsonl(path)
        elif path.suffix.lower() == ".json":
            yield from read_json(path)
        elif path.suffix.lower() in TABLE_SUFFIXES:
            yield from read_table(path)
        elif path.suffix.lower() in HTML_SUFFIXES:
            yield read_html_file(path)
        else:
            yield read_text_file(path)


def count_inputs(inputs: Iterable[str | Path]) -> int:
    """How many records ``read_inputs`` will yield, found cheaply (JSONL lines are counted, not
    parsed); used to size a progress bar."""
    total = 0
    for item in inputs:
        path = Path(item)
        if str(item) == STDIN or not path.exists():
            total += 1
        elif path.is_dir():
            total += max(1, len(_dir_files(path)))
        elif path.suffix.lower() == ".jsonl":
            try:
                with path.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            except OSError:
                total += 1
        elif path.suffix.lower() == ".json":
            total += _json_count(path)
        elif path.suffix.lower() in TABLE_SUFFIXES:
            total += count_rows(path)
        else:
            total += 1
    return total


def read_text_file(path: Path) -> Record:
    """One UTF-8 text file as a Record (error Record if unreadable, binary or not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Record(record_id(path), str(path), None, f"cannot read file: {exc.strerror or exc}")
    text, error = _decode(data)
    return Record(record_id(path), str(path), text, error)


def read_html_file(path: Path) -> Record:
    """The main text of an HTML file as a Record with its ``title`` in ``meta`` (error Record if
    unreadable or if the page holds no article text). Raises MissingExtraError without the
    ``html`` extra: that is a problem of the installation, not of this one file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Record(record_id(path), str(path), None, f"cannot read file: {exc.strerror or exc}")
    try:
        page = extract(data)
    except InputError as exc:
        return Record(record_id(path), str(path), None, exc.message)
    meta = {"title": page.title} if page.title else {}
    return Record(record_id(path), str(path), page.text, meta=meta)


def read_jsonl(path: Path) -> Iterator[Record]:
    """One Record per non-blank line of a JSONL file; a bad line gives an error Record."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Record(path.stem, str(path), None, f"cannot read file: {exc.strerror or exc}")
        return
    with fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            yield _parse_line(path, number, raw)


def read_json(path: Path) -> Iterator[Record]:
    """One Record per element of a ``.json`` file holding an array of objects: the objects of JSONL
    lines, or Documents as ``propscan analyze --format json`` writes them (their ``meta`` keeps
    the id and metadata; their spans are analysed anew). The file is read whole, so it may hold at
    most MAX_JSON_BYTES: a bigger corpus belongs in JSONL, which is read a line at a time."""
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_JSON_BYTES else b""
    except OSError as exc:
        yield Record(path.stem, str(path), None, f"cannot read file: {exc.strerror or exc}")
        return
    if size > MAX_JSON_BYTES:
        reason = (
            f"a .json file of {size:,} bytes is over {MAX_JSON_BYTES:,}: write it as JSONL, one object a line"
        )
        yield Record(path.stem, str(path), None, reason)
        return
    items, error = _json_value(raw, "file")
    if error is None and not isinstance(items, list):
        error = 'file must hold a JSON array of objects like [{"id": ..., "text": ...}, ...]'
    if error is not None:
        yield Record(path.stem, str(path), None, error)
        return
    for number, obj in enumerate(items, start=1):
        yield _record_of(obj, f"{path.stem}:{number}", f"{path}:{number}", "element")


def _json_count(path: Path) -> int:
    """The elements a .json file's array holds (1 when it cannot be read: its error Record)."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            return 1
        items, error = _json_value(path.read_bytes(), "file")
    except OSError:
        return 1
    return max(1, len(items)) if error is None and isinstance(items, list) else 1


def _json_value(raw: bytes, what: str) -> tuple[Any, str | None]:
    """(value, None) of JSON bytes, or (None, why not) naming ``what`` they are (a line, a file)."""
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, f"{what} is not valid UTF-8 (byte {exc.start} of the {what})"
    except json.JSONDecodeError as exc:
        return None, f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except RecursionError:
        return None, f"{what} is not usable JSON: it is nested too deeply"
    except ValueError:  # json.loads refuses integers of more than 4,300 digits (Python's int limit)
        return (
            None,
            f"{what} is not usable JSON: it holds a number of more than 4,300 digits; write it as a string",
        )


def _parse_line(path: Path, number: int, raw: bytes) -> Record:
    default_id = f"{path.stem}:{number}"
    source = f"{path}:{number}"
    obj, error = _json_value(raw, "line")
    if error is not None:
        return Record(default_id, source, None, error)
    return _record_of(obj, default_id, source, "line")


def _record_of(obj: Any, default_id: str, source: str, what: str) -> Record:
    """The Record of one JSON object with a string ``text``; a Document's ``meta`` object counts as
    metadata (and gives the id), its ``spans`` and ``quotes`` are dropped."""
    if not isinstance(obj, dict):
        return Record(
            default_id, source, None, f'{what} must be a JSON object like {{"id": ..., "text": ...}}'
        )
    if isinstance(obj.get("meta"), dict):
        obj = {**obj["meta"], **{k: v for k, v in obj.items() if k not in ("meta", "spans", "quotes")}}
    text = obj.get("text")
    if not isinstance(text, str):
        got = "missing" if "text" not in obj else f"a {type(text).__name__}"
        return Record(default_id, source, None, f"'text' must be a string, got {got}")
    meta = clean_meta({k: v for k, v in obj.items() if k not in ("id", "text")})
    raw_id = obj.get("id")
    if raw_id is None:
        return Record(default_id, source, clean_text(text), meta=meta)
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        shown = repr(raw_id) if len(repr(raw_id)) <= 80 else f"a {type(raw_id).__name__}"
        return Record(default_id, source, None, f"'id' must be a string or an integer, got {shown}")
    return Record(clean_text(str(raw_id)), source, clean_text(text), meta=meta)


MAX_JSON_BYTES = 200_000_000


def _dir_files(path: Path) -> list[Path]:
    suffixes = HTML_SUFFIXES | {".txt"}
    return sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes and p.is_file())


def _read_dir(path: Path) -> Iterator[Record]:
    files = _dir_files(path)
    if not files:
        reason = "directory holds no .txt or .html files (it is not searched recursively)"
        yield Record(path.name, str(path), None, reason)
    for file in files:
        yield read_html_file(file) if file.suffix.lower() in HTML_SUFFIXES else read_text_file(file)


def _read_url(url: str) -> Record:
    try:
        return fetch_url(url)
    except FetchError as exc:
        return Record(url, url, None, exc.message)


def _read_stdin(stream: BinaryIO | None) -> Record:
    if stream is None:
        stream = getattr(sys.stdin, "buffer", None)
    data: bytes | str = stream.read() if stream is not None else sys.stdin.read()
    if isinstance(data, str):
        return Record("stdin", "<stdin>", clean_text(data))
    text, error = _decode(data)
    return Record("stdin", "<stdin>", text, error)


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, reason). NUL bytes never occur in text, so they mark a binary file."""
    if b"\x00" in data:
        return None, "binary file (contains NUL bytes), expected UTF-8 text"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, f"not valid UTF-8 text (line {line}, byte offset {exc.start})"


__all__ = [
    "STDIN",
    "Record",
    "count_inputs",
    "is_url",
    "read_html_file",
    "read_inputs",
    "read_json",
    "read_jsonl",
    "read_text_file",
    "record_id",
]
