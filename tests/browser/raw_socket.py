"""A raw Socket.IO client for the app's event websocket, as a stranger's script would use it.

It speaks what the Reflex frontend speaks (reflex_base/.templates/web/utils/state.js): Engine.IO
v4 over one websocket to `/_event/?EIO=4&transport=websocket&token=<tab token>`, the namespace
`/_event` joined with a `40/_event,` packet, every event sent as
`42/_event,["event",{"name": ..., "payload": ..., "router_data": ...}]`, every state update
received as `42/_event,["event",{"delta": ..., "events": ...}]`, and the server's Engine.IO
ping (`2`) answered with a pong (`3`). The handshake carries an `Origin` (the server refuses
foreign ones, `cors_allowed_origins`) and, to act as a logged-in member of staff, the session
cookie; without one it is anybody on the internet.

Reflex answers an event only when it changed something, so `call` follows each event with a
barrier that always answers (the root state's `is_hydrated` set to false, then true: events
of one tab run in order), and returns every frame that arrived in between.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
_BARRIER = f"{ROOT_STATE}.set_is_hydrated"
_HYDRATED = "is_hydrated_rx_state_"
_EVENT_PREFIX = f"42{NAMESPACE},"
T = TypeVar("T")


class SocketRefused(Exception):
    """The server refused the websocket or the namespace."""


@dataclass
class Frame:
    """One text frame from the server, and the update it carries when it is an event."""

    text: str
    update: dict[str, Any] | None = None

    @property
    def is_barrier(self) -> bool:
        """Only the barrier's own change: nothing the call under test produced."""
        if self.update is None or self.update.get("events"):
            return False
        return self.update.get("delta") in (
            {ROOT_STATE: {_HYDRATED: True}},
            {ROOT_STATE: {_HYDRATED: False}},
        )

    @property
    def readable(self) -> str:
        """The frame with JSON escapes resolved, so names with accents can be searched."""
        if self.update is None:
            return self.text
        return json.dumps(self.update, ensure_ascii=False)


@dataclass
class Reply:
    """What came back for one call: every frame up to the barrier, or a timeout or close."""

    frames: list[Frame] = field(default_factory=list)
    timed_out: bool = False
    closed: bool = False

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for f in self.frames if f.update for e in f.update.get("events") or []]

    @property
    def deltas(self) -> list[dict[str, Any]]:
        return [f.update["delta"] for f in self.frames if f.update and f.update.get("delta")]


class RawSocket:
    """One browser tab's websocket, driven by hand. Use `await RawSocket.open(...)`."""

    def __init__(self, base_url: str, *, cookie: str | None, origin: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookie, self.origin = cookie, origin
        self.token = str(uuid.uuid4())
        self.frames: list[Frame] = []  # everything received, for the whole life of the socket
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Condition()
        self._barriers_sent = self._barriers_seen = 0
        self.closed = False

    @classmethod
    async def open(
        cls,
        base_url: str,
        *,
        cookie: str | None = None,
        origin: str | None = None,
        timeout: float = 20,
    ) -> RawSocket:
        """Connect and join the event namespace, as the page does on load. `cookie` is the raw
        Cookie header value (e.g. `pjp_sessie=…`); `origin` defaults to the app's own."""
        sock = cls(base_url, cookie=cookie, origin=origin or base_url)
        await sock._connect(timeout)
        return sock

    async def _connect(self, timeout: float) -> None:
        url = self.base_url.replace("http", "ws", 1)
        headers = {"Origin": self.origin or ""}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        try:
            self._ws = await self._session.ws_connect(
                f"{url}{NAMESPACE}/?EIO=4&transport=websocket&token={self.token}",
                headers=headers,
                autoping=True,
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_close=5),
            )
        except aiohttp.WSServerHandshakeError as exc:
            await self._session.close()
            raise SocketRefused(f"websocket refused: HTTP {exc.status}") from exc
        opened = await self._ws.receive(timeout=timeout)
        if opened.type != aiohttp.WSMsgType.TEXT or not str(opened.data).startswith("0{"):
            await self.close()
            raise SocketRefused(f"no Engine.IO open packet: {opened.data!r}")
        await self._ws.send_str(f"40{NAMESPACE},")
        joined = await self._ws.receive(timeout=timeout)
        if joined.type != aiohttp.WSMsgType.TEXT or not str(joined.data).startswith(
            f"40{NAMESPACE},"
        ):
            await self.close()
            raise SocketRefused(f"namespace refused: {joined.data!r}")
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                text = str(message.data)
                if text == "2":  # Engine.IO ping: answer, or the server drops us
                    await self._ws.send_str("3")
                    continue
                frame = Frame(text)
                if text.startswith(_EVENT_PREFIX):
                    try:
                        name, update = json.loads(text[len(_EVENT_PREFIX) :])[:2]
                    except (ValueError, TypeError):
                        name, update = None, None
                    if name == "event" and isinstance(update, dict):
                        frame.update = update
                async with self._arrived:
                    self.frames.append(frame)
                    if frame.is_barrier and frame.update["delta"][ROOT_STATE][_HYDRATED]:
                        self._barriers_seen += 1
                    self._arrived.notify_all()
        finally:
            self.closed = True
            async with self._arrived:
                self._arrived.notify_all()

    async def send_raw(self, text: str) -> None:
        """A text frame exactly as given (a hand-made Socket.IO packet)."""
        if self._ws is None or self.closed:
            raise ConnectionError("socket closed")
        await self._ws.send_str(text)

    async def emit(self, name: str, payload: Any, path: str = "/") -> None:
        """Send one event to the handler with the full dotted `name`, as the frontend does."""
        event = {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": path, "query": {}, "asPath": path},
        }
        await self.send_raw(_EVENT_PREFIX + json.dumps(["event", event]))

    async def call(self, name: str, payload: Any, *, path: str = "/", timeout: float = 20) -> Reply:
        """Send one event and return what came back before the barrier answered."""
        start = len(self.frames)
        try:
            await self.emit(name, payload, path)
            await self.emit(_BARRIER, {"value": False}, path)
            await self.emit(_BARRIER, {"value": True}, path)
        except (ConnectionError, aiohttp.ClientError):
            return Reply(frames=self.frames[start:], closed=True)
        self._barriers_sent += 1
        wanted = self._barriers_sent

        async with self._arrived:
            try:
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: self.closed or self._barriers_seen >= wanted),
                    timeout,
                )
            except TimeoutError:
                return Reply(frames=self.frames[start:], timed_out=True)
        frames = [f for f in self.frames[start:] if not f.is_barrier]
        return Reply(frames=frames, closed=self._barriers_seen < wanted)

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self.closed = True


def cookie_header(session_token: str) -> str:
    """The Cookie header a logged-in browser sends with the websocket handshake."""
    from pakjeplekje.web.session_cookie import COOKIE_NAME

    return f"{COOKIE_NAME}={session_token}"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs the sockets on a loop of their own: Playwright's sync API already owns the test
    thread's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
