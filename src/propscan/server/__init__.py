"""propscan's web app and REST API (the ``server`` extra): ``create_app`` and ``serve``.

FastAPI and uvicorn are imported only here, so the core never needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import require

for _module in ("fastapi", "fastapi_offline", "starlette"):  # the extra's packages, or the install line
    require("server", _module)

from . import guards  # noqa: E402
from .app import Limits, create_app  # noqa: E402


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    model: str | None = None,
    allow_private_urls: bool = False,
    allowed_hosts: Sequence[str] = (),
    **options: Any,
) -> None:
    """Load the model once and serve the app with uvicorn until interrupted. On a loopback
    ``host`` the app answers only the loopback names and ``allowed_hosts`` (DNS rebinding)."""
    uvicorn: Any = require("server", "uvicorn")
    hosts = guards.allowed_hosts(host, allowed_hosts)
    app = create_app(model=model, allow_private_urls=allow_private_urls, allowed_hosts=hosts, **options)
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Limits", "create_app", "serve"]
