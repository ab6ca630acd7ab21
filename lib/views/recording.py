"""The sidebar's recording switch: record every received frame to a file, to replay later."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib.recorder import RecorderStats
from lib.views.format import escape_markdown


def render_recording_switch(
    recording: RecorderStats | None, *, start: Callable[[], None], stop: Callable[[], None]
) -> None:
    """A toggle that starts or stops recording, and what the current recording holds.

    The feed is shared by every viewer, so the switch acts for all of them; the caption under
    it always shows the true state, whoever flipped it.
    """
    wanted = st.toggle(
        "⏺ Record the feed",
        value=recording is not None,
        key="record",
        help="Append every received frame to a JSON Lines file on the server. "
        "Replay it with: python -m lib.feed --replay FILE",
    )
    if wanted and recording is None:
        start()
    elif not wanted and recording is not None:
        stop()
        recording = None
    if recording is not None:
        problem = (
            f" · {recording.errors} write errors ({escape_markdown(recording.last_error or '')})"
            if recording.errors
            else ""
        )
        st.caption(f"Recording to {escape_markdown(str(recording.path))}: {recording.lines:,} frames{problem}")
