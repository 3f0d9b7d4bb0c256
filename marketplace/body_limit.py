"""A limit on request bodies, checked before an endpoint reads them: a JSON request is a few
hundred bytes, so a body of megabytes is refused (413 too-large) before it is read whole or
parsed. Records and screenshots, which are larger, have their endpoints' own limits."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .problems import Problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Bodies of every other endpoint: an account, a sign-in, an offer, a dispute.
SMALL_BODY = 64 * 1024
#: Endpoints that read and limit their own bodies.
OWN_LIMITS = ("/v1/records", "/v1/screenshots/", "/v1/devices")


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: App, limit: int = SMALL_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(OWN_LIMITS):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, limited, sending)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = Problem(
            "too-large",
            f"The body is larger than {self.limit:,} bytes, the most this endpoint takes.",
        )
        body = json.dumps(problem.to_json(str(scope["path"]))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": problem.status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
