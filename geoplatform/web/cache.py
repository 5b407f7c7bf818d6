"""geoplatform.web.cache: whole answers of the H3 routes, kept until the store changes.

Zone queries, zone data, hexbin collections and ``/hex`` are pure functions of
the request and the stored rows. Their successful answers are kept in memory
under the request (method, path, query, the headers that select the
representation) and the store's write counter, which every committed write
moves: a repeated question costs one read of the counter, and no answer
outlives a write, in any worker. Only anonymous, public answers exist today;
once requests carry credentials, the caller's scope must join the key.

Vector tiles are not kept here: their own cache (geoplatform/tiles/cache.py)
keeps them on disk across writes that do not touch them, and answers
``If-None-Match`` with 304, which a copy kept here would not.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_ENTRY_BYTES = 4 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
CACHED_PATHS = re.compile(
    r"^(/dggs(/.*)?|/collections/[^/]+/dggs(/.*)?|/collections/[a-z0-9_]+_hex[0-9]+/items(/[^/]*)?"
    r"|/hex/[^/]+)$"
)
_VARY = (b"accept", b"accept-language")


class ResponseCacheMiddleware:
    """Serve repeated GETs of the H3 routes from memory while the store is unchanged."""

    def __init__(self, app: ASGIApp, store_version: Callable[[], int]) -> None:
        self.app = app
        self.store_version = store_version
        self._entries: OrderedDict[tuple[object, ...], tuple[Message, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not CACHED_PATHS.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        version = await run_in_threadpool(self.store_version)
        headers = dict(scope.get("headers", []))
        key = (
            scope["path"],
            scope.get("query_string", b""),
            tuple(headers.get(name, b"") for name in _VARY),
            version,
        )
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
        if found is not None:
            start, body = found
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        await self._fill(key, scope, receive, send)

    async def _fill(
        self, key: tuple[object, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message if message["status"] == 200 else None
                await send(message)
                return
            await send(message)
            if start is None or message["type"] != "http.response.body":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_ENTRY_BYTES:
                start = None
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                self._keep(key, start, b"".join(chunks))

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple[object, ...], start: Message, body: bytes) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        headers["content-length"] = str(len(body))
        entry = ({**start, "headers": headers.raw}, body)
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += len(body)
            while self._bytes > MAX_TOTAL_BYTES and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)
