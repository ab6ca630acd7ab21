"""A viewer of a Streamlit app over Streamlit's own WebSocket protocol, without a browser.

The browser's frontend and the server speak protobuf over ``/_stcore/stream``: the frontend
sends a ``rerun_script`` BackMsg (the page, the widgets' values) and the server answers with
ForwardMsgs (the new session, the elements as deltas, ``script_finished``). A fragment's
``run_every`` timer lives in the frontend: the server sends ``auto_rerun`` (interval, fragment
id) and the frontend asks for a fragment rerun every interval, whether or not the last one has
finished. :class:`Viewer` does what the frontend does, and also what a crafted client could
(any widget value, any rerun rate, deferred downloads by the hundred), at a small fraction of a
browser's cost: one event loop drives dozens of viewers, so a benchmark measures the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import BackendOperationResponse, ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.typing import Subprotocol

FINISHED_PAGE = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Run:
    """One script or fragment run the server finished for this viewer."""

    at: float
    """``time.monotonic()`` when its ``script_finished`` arrived."""
    status: int
    fragment: bool


@dataclass
class Download:
    """A download button as the server described it."""

    label: str
    """The button's label ("CSV", "Parquet")."""
    row: str
    """The text of the markdown element just before it (the table's name and description)."""
    deferred_file_id: str


@dataclass
class Viewer:
    """One session of a Streamlit app at ``url`` (``http://host:port/``), as a browser would hold it.

    Args:
        url: The app's address.
        follow_timers: Ask for fragment reruns at the intervals the server sets, as the frontend does.
        widgets: Widget values sent with every rerun request, by widget id.
    """

    url: str
    follow_timers: bool = True
    widgets: dict[str, WidgetState] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    opened_at: float | None = None
    page_loaded_at: float | None = None
    """When the first full run finished (the page is complete)."""
    texts: list[str] = field(default_factory=list)
    """Markdown and caption bodies of the last full or fragment run, in order (a rough page text)."""
    downloads: dict[tuple[str, str], Download] = field(default_factory=dict)
    """Download buttons by (row's first word in bold, label): e.g. ``("games", "CSV")``."""
    timers: dict[str, float] = field(default_factory=dict)
    """Fragment timers the server set: fragment id to interval, seconds."""
    widget_ids: dict[str, str] = field(default_factory=dict)
    """Widget ids by label (the last widget with that label wins)."""
    widget_fragments: dict[str, str] = field(default_factory=dict)
    """The fragment each widget is in, by label (absent: outside any fragment)."""
    closed: bool = False
    _ws: Any = None
    _page_hash: str = ""
    session_id: str = ""
    """The server's id for this session (from its ``new_session`` message)."""
    _reader: asyncio.Task[None] | None = None
    _timer_tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _answers: dict[str, asyncio.Future[BackendOperationResponse]] = field(default_factory=dict)
    _last_markdown: str = ""

    async def open(self) -> None:
        """Connect and ask for the page, as a browser opening the app does."""
        address = self.url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.opened_at = time.monotonic()
        self._ws = await websockets.connect(
            address, subprotocols=[Subprotocol("streamlit")], max_size=None, compression=None
        )
        self._reader = asyncio.create_task(self._read())
        await self.rerun()

    async def close(self) -> None:
        """Disconnect at once, as a closed tab does."""
        for task in self._timer_tasks.values():
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def rerun(self, fragment_id: str = "", *, auto: bool = False) -> None:
        """Ask for a run: the whole page, or one fragment (``auto``: as its timer does)."""
        state = ClientState(
            page_script_hash=self._page_hash,
            fragment_id=fragment_id,
            is_auto_rerun=auto,
            widget_states=WidgetStates(widgets=list(self.widgets.values())),
            context_info=ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url=self.url),
        )
        await self._send(BackMsg(rerun_script=state))

    def set_widget(self, label: str, **value: Any) -> None:
        """Set the widget with ``label`` (seen on the page) to a value, e.g. ``double_value=0.05``."""
        widget_id = self.widget_ids[label]
        self.widgets[widget_id] = WidgetState(id=widget_id, **value)

    async def press(self, label: str) -> None:
        """Press the button with ``label``: one rerun (of its fragment, if it is in one) that sees it pressed."""
        widget_id = self.widget_ids[label]
        self.widgets[widget_id] = WidgetState(id=widget_id, trigger_value=True)
        try:
            await self.rerun(self.widget_fragments.get(label, ""))
        finally:
            del self.widgets[widget_id]  # a trigger is sent once, as the frontend does

    async def request_downloads(self, file_ids: Iterable[str]) -> list[asyncio.Future[BackendOperationResponse]]:
        """Send a deferred-download request for each id at once; the futures get the server's answers."""
        futures = []
        messages = []
        for file_id in file_ids:
            request_id = uuid.uuid4().hex
            future: asyncio.Future[BackendOperationResponse] = asyncio.get_running_loop().create_future()
            self._answers[request_id] = future
            futures.append(future)
            message = BackMsg()
            message.backend_operation_request.request_id = request_id
            message.backend_operation_request.session_id = self.session_id
            message.backend_operation_request.deferred_file.file_id = file_id
            messages.append(message.SerializeToString())
        for payload in messages:
            await self._ws.send(payload)
        return futures

    def fragment_runs(self, since: float) -> list[float]:
        """When each fragment run finished after ``since`` (monotonic seconds)."""
        return [run.at for run in self.runs if run.fragment and run.status == FINISHED_FRAGMENT and run.at >= since]

    async def _send(self, message: BackMsg) -> None:
        await self._ws.send(message.SerializeToString())

    async def _read(self) -> None:
        try:
            async for payload in self._ws:
                self._on(ForwardMsg.FromString(payload))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = True

    def _on(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._page_hash = message.new_session.page_script_hash
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self.texts = []
        elif kind == "delta":
            self._on_delta(message.delta)
        elif kind == "script_finished":
            now = time.monotonic()
            fragment = message.script_finished == FINISHED_FRAGMENT
            self.runs.append(Run(now, message.script_finished, fragment))
            if message.script_finished == FINISHED_PAGE and self.page_loaded_at is None:
                self.page_loaded_at = now
        elif kind == "auto_rerun":
            rerun = message.auto_rerun
            self.timers[rerun.fragment_id] = rerun.interval
            if self.follow_timers:
                old = self._timer_tasks.pop(rerun.fragment_id, None)
                if old is not None:
                    old.cancel()
                self._timer_tasks[rerun.fragment_id] = asyncio.create_task(
                    self._timer(rerun.fragment_id, rerun.interval)
                )
        elif kind == "backend_operation_response":
            answer = message.backend_operation_response
            future = self._answers.pop(answer.request_id, None)
            if future is not None and not future.done():
                future.set_result(answer)

    def _on_delta(self, delta: Any) -> None:
        if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "tab_container":
            self.widget_ids["tabs"] = delta.add_block.tab_container.id
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "markdown":
            self._last_markdown = element.markdown.body
            self.texts.append(element.markdown.body)
        elif kind == "alert":
            self.texts.append(element.alert.body)
        elif kind == "download_button":
            button = element.download_button
            name = self._last_markdown.split("**")[1] if self._last_markdown.count("**") >= 2 else ""
            self.downloads[(name, button.label)] = Download(button.label, self._last_markdown, button.deferred_file_id)
        elif kind is not None:
            widget = getattr(element, kind)
            label, widget_id = getattr(widget, "label", None), getattr(widget, "id", None)
            if isinstance(label, str) and isinstance(widget_id, str) and widget_id:
                self.widget_ids[label] = widget_id
                if delta.fragment_id:
                    self.widget_fragments[label] = delta.fragment_id

    async def _timer(self, fragment_id: str, interval: float) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while not self.closed:
                await asyncio.sleep(interval)
                await self.rerun(fragment_id, auto=True)
