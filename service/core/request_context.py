"""Per-request context (the request id) that logs and error bodies can read anywhere."""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("onderdak.access")
error_log = logging.getLogger("onderdak.errors")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestContextMiddleware:
    """Request id in and out, one access-log line per request, and the last-resort 500.

    Takes the caller's `X-Request-ID` when sane, or mints one. An exception nothing else handled
    is logged with its trace and answered as a problem document without internals.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Imported here: errors.py reads the request id from this module.
        from service.core.errors import UNHANDLED_DETAIL, send_error_page, send_problem

        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status_code = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error", extra={"path": scope["path"]})
            if not response_started and scope["path"].startswith("/app"):
                # A person looking at a page gets a page, not a JSON document.
                await send_error_page(send_with_id, request_id=request_id)
            elif not response_started:
                await send_problem(
                    send_with_id,
                    status=500,
                    detail=UNHANDLED_DETAIL,
                    path=scope["path"],
                    slug="internal",
                )
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            _request_id.reset(token)
