"""Every error the server sends is JSON ``{"error": {"code", "message"}}`` with a 4xx status for
bad input (never a 500), and request bodies are capped before they are read into memory."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError, InvalidSpanError, MissingExtraError, PropscanError
from .guards import SECURITY_HEADERS, send_json


class ApiError(Exception):
    """An error answered with ``status`` and a JSON body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def status_of(exc: PropscanError) -> int:
    status = getattr(exc, "http_status", None)  # FetchError says which 4xx fits
    if isinstance(status, int) and 400 <= status < 600:
        return status
    if isinstance(exc, MissingExtraError):
        return 501  # the server lacks an extra: not the client's fault
    if isinstance(exc, InputError | InvalidSpanError):
        return 422
    return 500


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return f"the request body is not valid JSON: {err.get('ctx', {}).get('error', err.get('msg'))}"
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(PropscanError)
    async def _propscan(_: Request, exc: PropscanError) -> JSONResponse:
        return error_response(status_of(exc), exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "E-REQUEST", _validation_message(exc))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # a bug, not bad input (bad input is answered above); still answer JSON, and it is logged.
        # This handler runs outside the middleware, so it sets the security headers itself.
        response = error_response(500, "E-INTERNAL", "internal error; please report it with the request")
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        unreadable = _unreadable_body(exc)
        if unreadable is not None:
            return error_response(422, "E-REQUEST", unreadable)
        code = "E-TOO-LARGE" if isinstance(exc, _TooLarge) else f"E-HTTP-{exc.status_code}"
        return error_response(exc.status_code, code, str(exc.detail))


def _unreadable_body(exc: HTTPException) -> str | None:
    """The 422 message for a body FastAPI could not decode (it answers those with a bare 400)."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return f"the request body is not valid UTF-8 (byte {cause.start}); send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "the request body is JSON nested too deeply"
    if isinstance(cause, ValueError):
        return "the request body holds a number of more than 4,300 digits; send it as a string"
    return f"the request body cannot be read as JSON ({type(cause).__name__})"


class _TooLarge(HTTPException):
    # an HTTPException, because FastAPI turns other errors raised while it reads a body into a 400
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large_message(max_bytes))


def too_large_message(max_bytes: int) -> str:
    return (
        f"the request body is over the limit of {max_bytes:,} bytes; send less text per "
        "request (split a batch) or start the server with a larger limit"
    )


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` gets 413 before it is buffered whole, whether its
    Content-Length says so up front or it streams past the cap (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await send_json(send, 400, "E-REQUEST", "the Content-Length header is not a number")
                return
            if too_big:
                await send_json(send, 413, "E-TOO-LARGE", too_large_message(self.max_bytes))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not started:
                await send_json(send, 413, "E-TOO-LARGE", too_large_message(self.max_bytes))
