"""propscan's web app and REST API (the ``server`` extra): ``create_app`` and ``serve``.

FastAPI and uvicorn are imported only here, so the core never needs them.
"""

from __future__ import annotations

from typing import Any

from ..errors import require

for _module in ("fastapi", "fastapi_offline", "starlette"):  # the extra's packages, or the install line
    require("server", _module)

from .app import Limits, create_app  # noqa: E402


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    model: str | None = None,
    allow_private_urls: bool = False,
    **options: Any,
) -> None:
    """Load the model once and serve the app with uvicorn until interrupted."""
    uvicorn: Any = require("server", "uvicorn")
    app = create_app(model=model, allow_private_urls=allow_private_urls, **options)
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["Limits", "create_app", "serve"]
