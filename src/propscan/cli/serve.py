"""``propscan serve``: the web page and REST API (the ``server`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import ModelOption


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    model: ModelOption = None,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            "--allow-private-urls",
            help="Let the page and API fetch URLs on loopback and private networks (intranet use).",
        ),
    ] = False,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web origin (https://app.example) whose pages may call the API; repeatable."),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="A 'propscan batch' output directory to browse at /corpus (needs the batch extra)."
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="A host name the server answers to besides localhost and 127.0.0.1 (a name that "
            "points at this machine); repeatable. Other Host headers get 400."
        ),
    ] = None,
) -> None:
    """Serve the web page and REST API (needs the optional 'server' extra)."""
    from ..server import serve as run_server

    options: dict[str, Any] = {"model": model, "allow_private_urls": allow_private_urls}
    if cors_origin:
        options["cors_origins"] = cors_origin
    if corpus is not None:
        options["corpus"] = corpus
    if allowed_host:
        options["allowed_hosts"] = allowed_host
    run_server(host, port, **options)


__all__ = ["serve"]
