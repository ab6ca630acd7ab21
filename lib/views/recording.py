"""The recording controls: the operator's switch, the recording's state for every viewer.

Recording writes to the disk of the process every viewer shares, so only an operator (see
:mod:`lib.access`) gets the switch, the file's path and the downloads; everyone sees whether
the feed is being recorded, and why a recording stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

import streamlit as st

from lib.access import KeyTry
from lib.recorder import RecorderStats, RecordingFile, size_words
from lib.views.format import escape_markdown

_SWITCH = "record"


def recording_words(recording: RecorderStats | None, *, operator: bool) -> str | None:
    """The recording's state in words; the file's path only for an operator. ``None`` when not recording."""
    if recording is None:
        return None
    held = f"{recording.lines:,} frames, {size_words(recording.total_bytes)}"
    if recording.stopped is not None:
        where = f" in {recording.path}" if operator else ""
        return f"Recording stopped: {recording.stopped} ({held} kept{where})."
    if recording.closed:
        return None
    problem = f" · {recording.errors} write errors" if recording.errors else ""
    if not operator:
        return f"⏺ The feed is being recorded: {held}{problem}"
    if problem:
        problem += f" ({recording.last_error or ''})"
    return f"Recording to {recording.path}: {held}{problem}"


def render_recording_controls(
    recording: RecorderStats | None, *, operator: bool, start: Callable[[], None], stop: Callable[[], None]
) -> None:
    """The operator's switch, then the state (for every viewer).

    The switch always shows the shared state, whoever changed it, and acts only when this
    viewer flips it: a page opened before someone else started a recording must not stop it
    on its next run.
    """
    if operator:
        st.session_state[_SWITCH] = recording is not None and not recording.closed
        st.toggle(
            "⏺ Record the feed",
            key=_SWITCH,
            on_change=_flipped,
            args=(start, stop),
            help="Append every received frame to a JSON Lines file on the server, for every viewer of this app. "
            "Replay it with: python -m lib.feed --replay FILE. Download it from the Data tab.",
        )
    words = recording_words(recording, operator=operator)
    if words is not None:
        st.caption(escape_markdown(words))


def _flipped(start: Callable[[], None], stop: Callable[[], None]) -> None:
    (start if st.session_state[_SWITCH] else stop)()


def render_operator_login(check: Callable[[str], KeyTry]) -> None:
    """The operator key's field, for a viewer from another machine when the deployment has a key.

    ``check`` decides each try (:class:`~lib.access.KeyGuard`): tries come a few at once, then
    one every few seconds for the whole process.
    """
    st.text_input(
        "Operator key",
        type="password",
        key="operator_key",
        on_change=_log_in,
        args=(check,),
        help="Operators may record the feed. The key is in the app's secrets (operator_key).",
    )
    refused = st.session_state.get("operator_refused")
    if refused == KeyTry.REFUSED.value:
        st.caption("That is not the operator key.")
    elif refused == KeyTry.TOO_MANY.value:
        st.caption("Too many tries of the operator key on this app: that one was not checked. Try again in 10 s.")


def _log_in(check: Callable[[str], KeyTry]) -> None:
    given = st.session_state.get("operator_key", "")
    outcome = check(given) if given else None
    st.session_state.operator = outcome is KeyTry.ACCEPTED
    st.session_state.operator_refused = None if outcome is None or outcome is KeyTry.ACCEPTED else outcome.value
    st.session_state.operator_key = ""  # the key is not kept in the session once checked


def render_recording_downloads(files: Sequence[RecordingFile]) -> None:
    """One download button per recording file, the newest first; each file is read when clicked."""
    st.subheader("Recordings")
    if not files:
        st.caption("No recordings yet: switch ⏺ Record the feed on in the sidebar.")
        return
    for file in files:
        label, button = st.columns([5, 1], vertical_alignment="center")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(file.modified))
        label.markdown(f"**{escape_markdown(file.path.name)}**: {size_words(file.size)}, last written {when}")
        button.download_button(
            "JSONL",
            partial(file.path.read_bytes),
            file_name=file.path.name,
            mime="application/jsonl",
            key=f"recording-{file.path.name}",
            on_click="ignore",
            icon=":material/download:",
        )
