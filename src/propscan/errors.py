"""The propscan exception tree, documented in one place.

Every error carries a short ``code`` and a message that names the bad value and says how to fix
it. The CLI maps a :class:`PropscanError` to its message and a non-zero exit code; nothing in the
library uses ``assert`` on user input.

    PropscanError
    ├── InvalidSpanError      a span's offsets or technique do not fit its document
    ├── InputError            an input file, line or record cannot be read
    │   └── FetchError        a URL is refused or its page cannot be fetched (carries http_status)
    ├── DataError             a corpus directory is not laid out like ../shared/ptc
    ├── ModelError            a model directory is missing, incomplete or malformed
    │   └── ChecksumError     a model file does not match its recorded sha256
    └── MissingExtraError     an optional extra (train, ...) is not installed

``require(extra, module)`` is the one way propscan imports an optional dependency.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import shlex
from types import ModuleType
from urllib.parse import unquote, urlparse


class PropscanError(Exception):
    """Base class of every error propscan raises on purpose."""

    code = "propscan"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InvalidSpanError(PropscanError, ValueError):
    code = "E-SPAN"


class InputError(PropscanError):
    code = "E-INPUT"


class FetchError(InputError):
    """A URL that propscan refuses or cannot fetch. ``http_status`` is the 4xx a server should
    answer: 422 malformed or not http(s), 403 a loopback/private address, 408 timed out, 413 page
    too large, 415 not an HTML page, 424 the site failed or could not be reached, 429 every fetch
    thread of the server stayed busy."""

    code = "E-FETCH"

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class DataError(PropscanError):
    code = "E-DATA"


class ModelError(PropscanError):
    code = "E-MODEL"


class ChecksumError(ModelError):
    code = "E-CHECKSUM"


class MissingExtraError(PropscanError, ImportError):
    code = "E-EXTRA"

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this feature needs the optional '{extra}' extra ({module} is not installed); "
            f"install it with: {install_line(extra)}"
        )
        self.extra = extra


def require(extra: str, module: str) -> ModuleType:
    """``module`` imported; if it (or a third-party module it imports) is missing, the
    MissingExtraError that names ``extra`` and the line that installs it. A missing propscan
    module is a bug, not a missing extra: its ImportError propagates."""
    try:
        __import__(module)  # the import statement's hook: what tests (and tools) replace
        return importlib.import_module(module)
    except ImportError as exc:
        missing = (exc.name or module).split(".")[0]
        if missing == "propscan":
            raise
        raise MissingExtraError(extra, missing) from exc


def install_line(extra: str) -> str:
    """The pip command that adds ``extra`` to propscan as it was installed: propscan is not on a
    package index, so from a clone (editable or not) the line names that directory, from a wheel
    file that file (PEP 610's ``direct_url.json`` records which); else the package name."""
    try:
        recorded = importlib.metadata.distribution("propscan").read_text("direct_url.json")
        origin = json.loads(recorded) if recorded else {}
    except (importlib.metadata.PackageNotFoundError, ValueError, OSError):
        origin = {}
    url = urlparse(str(origin.get("url", ""))) if isinstance(origin, dict) else urlparse("")
    if url.scheme == "file" and url.path:
        editable = bool((origin.get("dir_info") or {}).get("editable")) if "dir_info" in origin else False
        target = shlex.quote(f"{unquote(url.path)}[{extra}]")
        return f"pip install {'-e ' if editable else ''}{target}"
    return f"pip install 'propscan[{extra}]'"


__all__ = [
    "ChecksumError",
    "DataError",
    "FetchError",
    "InputError",
    "InvalidSpanError",
    "MissingExtraError",
    "ModelError",
    "PropscanError",
    "install_line",
    "require",
]
