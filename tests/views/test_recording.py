"""The recording's state in words: paths only for operators, the reason a recording stopped for everyone."""

from __future__ import annotations

from pathlib import Path

from lib.recorder import RecorderStats
from lib.views.recording import recording_words

PATH = Path("recordings/night-20261201-201500.jsonl")


def stats(**changes: object) -> RecorderStats:
    fields: dict[str, object] = {
        "path": PATH,
        "lines": 1234,
        "bytes": 2 << 20,
        "errors": 0,
        "rotations": 0,
        "last_error": None,
        "closed": False,
        "stopped": None,
        "total_bytes": 2 << 20,
    }
    fields.update(changes)
    return RecorderStats(**fields)  # type: ignore[arg-type]


def test_an_operator_sees_where_the_recording_goes() -> None:
    """The operator's caption names the file."""
    assert recording_words(stats(), operator=True) == f"Recording to {PATH}: 1,234 frames, 2 MiB"


def test_a_viewer_sees_that_the_feed_is_recorded_but_not_where() -> None:
    """The anonymous caption has no server path, nor an error's details."""
    words = recording_words(stats(errors=2, last_error="OSError: /srv/app/recordings is full"), operator=False)
    assert words == "⏺ The feed is being recorded: 1,234 frames, 2 MiB · 2 write errors"


def test_everyone_sees_why_a_recording_stopped() -> None:
    """A recording that stopped by itself says why; the path only to an operator."""
    stopped = stats(closed=True, stopped="the size limit of 256 MiB was reached")
    assert recording_words(stopped, operator=False) == (
        "Recording stopped: the size limit of 256 MiB was reached (1,234 frames, 2 MiB kept)."
    )
    assert str(PATH) in (recording_words(stopped, operator=True) or "")


def test_nothing_is_said_when_nothing_is_recorded() -> None:
    """Not recording, or a recording switched off: no caption."""
    assert recording_words(None, operator=True) is None
    assert recording_words(stats(closed=True), operator=True) is None
