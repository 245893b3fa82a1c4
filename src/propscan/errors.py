"""The propscan exception tree, documented in one place.

Every error carries a short ``code`` and a message that names the bad value and says how to fix
it. The CLI maps a :class:`PropscanError` to its message and a non-zero exit code; nothing in the
library uses ``assert`` on user input.

    PropscanError
    ├── InvalidSpanError      a span's offsets or technique do not fit its document
    ├── InputError            an input file, line or record cannot be read
    ├── DataError             a corpus directory is not laid out like ../shared/ptc
    ├── ModelError            a model directory is missing, incomplete or malformed
    │   └── ChecksumError     a model file does not match its recorded sha256
    └── MissingExtraError     an optional extra (train, ...) is not installed
"""

from __future__ import annotations


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
            f"install it with: pip install 'propscan[{extra}]'"
        )
        self.extra = extra


__all__ = [
    "ChecksumError",
    "DataError",
    "InputError",
    "InvalidSpanError",
    "MissingExtraError",
    "ModelError",
    "PropscanError",
]
