"""The recorder with its reader: flushed lines, rotation, torn lines, exact payloads, errors that never raise."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from lib.protocol import MAX_FRAME_BYTES
from lib.recorder import (
    MAX_LINE_BYTES,
    RecordedFrame,
    Recorder,
    encode_line,
    read_recording,
    rotated_files,
    size_words,
)
from tests.helpers import score

ODD_PAYLOADS: list[tuple[bytes, bool]] = [
    (score(home_team="Málaga 🏀 Ünïcode", away_team="東京 <b>").encode(), False),
    ('{"line":"one\\ntwo","sep":"\u2028\u2029","nel":"\x85","tab":"\t"}'.encode(), False),
    (b"\x00\x01binary\xff\n", True),
    (b'{"type":"score_update","team":"\xff\xfe not UTF-8"}', False),
    (b"", False),
    (b"", True),
    (b"{not json", False),
]


def frames_in(path: Path, *, rotated: bool = True) -> list[RecordedFrame]:
    return list(read_recording(path, rotated=rotated))


def test_lines_are_on_disk_as_soon_as_recorded(tmp_path: Path) -> None:
    """Each frame is a complete line in the file before the recorder is closed."""
    path = tmp_path / "night.jsonl"
    recorder = Recorder(path)
    try:
        for number in range(3):
            recorder.record(score(home_score=number).encode(), False, 1000.0 + number)
            assert len(path.read_bytes().splitlines()) == number + 1
        assert frames_in(path) == [RecordedFrame(1000.0 + n, False, score(home_score=n).encode()) for n in range(3)]
        stats = recorder.stats
        assert (stats.lines, stats.bytes, stats.errors, stats.path) == (3, path.stat().st_size, 0, path)
    finally:
        recorder.close()


def test_odd_frames_round_trip_byte_for_byte(tmp_path: Path) -> None:
    """Unicode, escapes, binary, invalid UTF-8 and empty frames come back exactly; the times too."""
    path = tmp_path / "odd.jsonl"
    times = [1764186000.123456789 + n / 7 for n in range(len(ODD_PAYLOADS))]
    with Recorder(path) as recorder:
        for (payload, binary), at in zip(ODD_PAYLOADS, times, strict=True):
            recorder.record(payload, binary, at)
    assert frames_in(path) == [RecordedFrame(at, b, p) for (p, b), at in zip(ODD_PAYLOADS, times, strict=True)]
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert lines[0]["frame"] == ODD_PAYLOADS[0][0].decode()  # valid text stays readable
    assert "base64" not in lines[0]
    assert [line.get("base64", False) for line in lines] == [False, False, True, True, False, True, False]


def test_rotation_by_size_keeps_every_file_in_order(tmp_path: Path) -> None:
    """Past max_bytes the file becomes night.1.jsonl, night.2.jsonl, ...; reading gives all frames in order."""
    path = tmp_path / "night.jsonl"
    payloads = [score(home_score=n).encode() for n in range(20)]
    with Recorder(path, max_bytes=600) as recorder:
        for number, payload in enumerate(payloads):
            recorder.record(payload, False, float(number))
    rotated = rotated_files(path)
    assert [file.name for file in rotated] == [f"night.{n}.jsonl" for n in range(1, len(rotated) + 1)]
    assert len(rotated) >= 3
    assert all(file.stat().st_size >= 600 for file in rotated)
    assert recorder.stats.rotations == len(rotated)
    assert [frame.payload for frame in frames_in(path)] == payloads
    current = frames_in(path, rotated=False)
    assert [frame.payload for frame in current] == payloads[len(payloads) - len(current) :]


def test_a_new_recorder_continues_the_numbering_and_the_file(tmp_path: Path) -> None:
    """Recording again into the same path appends, and rotates to the next free number."""
    path = tmp_path / "night.jsonl"
    with Recorder(path, max_bytes=300) as recorder:
        for number in range(4):
            recorder.record(score(home_score=number).encode(), False, float(number))
    before = rotated_files(path)
    with Recorder(path, max_bytes=300) as recorder:
        for number in range(4, 8):
            recorder.record(score(home_score=number).encode(), False, float(number))
    after = rotated_files(path)
    assert after[: len(before)] == before
    assert len(after) > len(before)
    assert [frame.received_at for frame in frames_in(path)] == [float(n) for n in range(8)]


def test_a_torn_last_line_ends_the_reading_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A crash mid-write leaves half a line: the reader stops there and says so."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        for number in range(3):
            recorder.record(b"frame", False, float(number))
    whole = path.read_bytes()
    path.write_bytes(whole + whole.splitlines(keepends=True)[0][:25])
    assert [frame.received_at for frame in frames_in(path)] == [0.0, 1.0, 2.0]
    assert "torn last line" in caplog.text


def test_appending_after_a_crash_cuts_the_torn_line_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A recorder opening a file with a torn tail removes it, so the new lines read back cleanly."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(b"before", False, 1.0)
    path.write_bytes(path.read_bytes() + b'{"received_at":2.0,"bin')
    with Recorder(path) as recorder:
        recorder.record(b"after", False, 3.0)
    assert [frame.payload for frame in frames_in(path)] == [b"before", b"after"]
    assert "torn line" in caplog.text


def test_a_corrupt_line_in_the_middle_is_an_error_naming_it(tmp_path: Path) -> None:
    """Only the last line may be torn: a bad line before it raises, naming the file and line."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(b"one", False, 1.0)
    path.write_bytes(path.read_bytes() + b'{"received_at":"soon","binary":false,"frame":""}\n' + path.read_bytes())
    with pytest.raises(ValueError, match=r"night\.jsonl, line 2: received_at"):
        frames_in(path)


@pytest.mark.parametrize("nesting", [b"[" * 100_000, b'{"a":' * 100_000])
def test_a_line_nested_too_deeply_is_an_error_naming_it(tmp_path: Path, nesting: bytes) -> None:
    """JSON nested past the parser's depth is a ValueError naming the line, not a RecursionError."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(b"one", False, 1.0)
    path.write_bytes(path.read_bytes() + nesting + b"\n" + path.read_bytes())
    with pytest.raises(ValueError, match=r"night\.jsonl, line 2: not a JSON line \(nested too deeply\)"):
        frames_in(path)


def test_the_longest_line_a_frame_makes_is_read_and_a_longer_one_refused_naming_it(tmp_path: Path) -> None:
    """A 1 MiB frame of control characters (six JSON bytes each) reads back; a line longer than any frame's does not."""
    path = tmp_path / "night.jsonl"
    widest = b"\x01" * MAX_FRAME_BYTES
    with Recorder(path) as recorder:
        recorder.record(widest, False, 1.0)
    assert len(path.read_bytes()) <= MAX_LINE_BYTES
    assert [frame.payload for frame in frames_in(path)] == [widest]
    path.write_bytes(path.read_bytes() + b" " * (MAX_LINE_BYTES + 1) + b"\n" + path.read_bytes())
    with pytest.raises(ValueError, match=rf"night\.jsonl, line 2: longer than {MAX_LINE_BYTES:,} bytes"):
        frames_in(path)


@pytest.mark.parametrize("received_at", [-1.0, 1e13])
def test_a_receive_time_outside_the_protocols_range_is_an_error_naming_its_line(
    tmp_path: Path, received_at: float
) -> None:
    """Epoch seconds from 0 to the end of 2100, as the protocol's times: another is a bad line, not a frame."""
    path = tmp_path / "night.jsonl"
    path.write_bytes(encode_line(b"early", False, received_at) + encode_line(b"good", False, 1.0))
    with pytest.raises(ValueError, match=r"night\.jsonl, line 1: received_at must be epoch seconds from 0"):
        frames_in(path)


def test_an_unwritable_path_is_logged_once_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Errors never reach the caller: each is counted, the outage logged once, and recording resumes."""
    caplog.set_level(logging.INFO, logger="lib.recorder")
    path = tmp_path / "missing" / "night.jsonl"
    recorder = Recorder(path)
    for number in range(3):
        recorder.record(b"lost", False, float(number))
    stats = recorder.stats
    assert (stats.lines, stats.errors) == (0, 4)  # the opening, then each frame
    assert stats.last_error is not None
    assert "FileNotFoundError" in stats.last_error
    assert caplog.text.count("failed") == 1
    path.parent.mkdir()
    recorder.record(b"kept", False, 9.0)
    recorder.close()
    assert recorder.stats.lines == 1
    assert "works again" in caplog.text
    assert [frame.payload for frame in frames_in(path)] == [b"kept"]


def test_a_time_json_cannot_hold_is_counted_not_raised(tmp_path: Path) -> None:
    """A non-finite receive time is an error to count, and the frames after it are recorded."""
    path = tmp_path / "night.jsonl"
    with Recorder(path) as recorder:
        recorder.record(b"bad", False, float("nan"))
        recorder.record(b"good", False, 1.0)
    assert (recorder.stats.errors, recorder.stats.lines) == (1, 1)
    assert [frame.payload for frame in frames_in(path)] == [b"good"]


def test_frames_after_close_are_ignored(tmp_path: Path) -> None:
    """close() ends the recording (twice is harmless); later frames are dropped without error."""
    path = tmp_path / "night.jsonl"
    recorder = Recorder(path)
    recorder.record(b"one", False, 1.0)
    recorder.close()
    recorder.close()
    recorder.record(b"two", False, 2.0)
    assert recorder.stats.closed
    assert [frame.payload for frame in frames_in(path)] == [b"one"]


def test_recording_from_many_threads_while_another_closes(tmp_path: Path) -> None:
    """Concurrent record() calls and a close() from another thread leave only whole, readable lines."""
    path = tmp_path / "night.jsonl"
    recorder = Recorder(path, max_bytes=4000)
    start = threading.Barrier(5)

    def write(worker: int) -> None:
        start.wait()
        for number in range(300):
            recorder.record(score(f"w{worker}", home_score=number).encode(), False, float(number))

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    start.wait()
    recorder.close()
    for thread in threads:
        thread.join()
    frames = frames_in(path)
    assert len(frames) == recorder.stats.lines
    assert recorder.stats.errors == 0
    games = [json.loads(frame.payload)["data"] for frame in frames]
    for worker in range(4):  # each thread's frames stay in its own order
        mine = [game["home_score"] for game in games if game["game_id"] == f"w{worker}"]
        assert mine == sorted(mine)


def test_max_bytes_must_be_positive(tmp_path: Path) -> None:
    """A rotation size below one byte is refused when the recorder is made."""
    with pytest.raises(ValueError, match="max_bytes"):
        Recorder(tmp_path / "night.jsonl", max_bytes=0)


def test_a_recording_stops_at_its_size_limit_across_rotated_files(tmp_path: Path) -> None:
    """Rotated files count toward the limit; the frame that would pass it is not written, and the reason is kept."""
    path = tmp_path / "night.jsonl"
    line = len(encode_line(b"x" * 100, False, 1.0))
    recorder = Recorder(path, max_bytes=2 * line, max_total_bytes=5 * line, min_free_bytes=0)
    for _ in range(8):
        recorder.record(b"x" * 100, False, 1.0)
    stats = recorder.stats
    assert (stats.lines, stats.total_bytes, stats.closed) == (5, 5 * line, True)
    assert stats.stopped == f"the size limit of {size_words(5 * line)} was reached"
    assert sum(f.stat().st_size for f in [*rotated_files(path), path]) == 5 * line
    assert len(list(read_recording(path))) == 5


def test_a_recording_continued_into_the_same_file_counts_what_is_there(tmp_path: Path) -> None:
    """A new recorder on an old recording starts from the size its files already have."""
    path = tmp_path / "night.jsonl"
    line = len(encode_line(b"y", False, 1.0))
    with Recorder(path, min_free_bytes=0) as first:
        first.record(b"y", False, 1.0)
        first.record(b"y", False, 1.0)
    second = Recorder(path, max_total_bytes=3 * line, min_free_bytes=0)
    second.record(b"y", False, 1.0)
    second.record(b"y", False, 1.0)
    assert (second.stats.lines, second.stats.total_bytes) == (1, 3 * line)
    assert second.stats.stopped is not None


def test_a_recording_will_not_start_on_a_nearly_full_disk(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Less free space than the recorder keeps free: it stops at once, saying why, and writes nothing."""
    recorder = Recorder(tmp_path / "night.jsonl", min_free_bytes=1 << 62)
    recorder.record(b"z", False, 1.0)
    stats = recorder.stats
    assert (stats.lines, stats.closed) == (0, True)
    assert stats.stopped is not None
    assert stats.stopped.startswith("the disk is nearly full (")
    assert "kept free" in caplog.text


@pytest.mark.parametrize(
    ("size", "words"), [(512, "512 bytes"), (48 * 1024, "48 KiB"), (256 << 20, "256 MiB"), (3 << 29, "1.5 GiB")]
)
def test_size_words(size: int, words: str) -> None:
    """Sizes read in the largest binary unit, without a needless decimal."""
    assert size_words(size) == words


def test_the_state_a_recording_joins_comes_first_once(tmp_path: Path) -> None:
    """first= is written before the first frame, received with it, and only once; with no frame, on closing."""
    calls: list[int] = []

    def joined() -> list[bytes]:
        calls.append(1)
        return [b'{"state":1}', b'{"state":2}']

    with Recorder(tmp_path / "a.jsonl", first=joined) as recorder:
        assert calls == []
        recorder.record(b"frame 1", False, 50.0)
        recorder.record(b"frame 2", True, 51.0)
    assert calls == [1]
    frames = list(read_recording(tmp_path / "a.jsonl"))
    assert [(f.received_at, f.binary, f.payload) for f in frames] == [
        (50.0, False, b'{"state":1}'),
        (50.0, False, b'{"state":2}'),
        (50.0, False, b"frame 1"),
        (51.0, True, b"frame 2"),
    ]
    Recorder(tmp_path / "b.jsonl", first=joined).close()
    assert [f.payload for f in read_recording(tmp_path / "b.jsonl")] == [b'{"state":1}', b'{"state":2}']


def test_a_failing_state_is_counted_never_raised(tmp_path: Path) -> None:
    """A state that cannot be taken is an error counted by the recorder; the frames are recorded all the same."""

    def broken() -> list[bytes]:
        raise RuntimeError("no state")

    with Recorder(tmp_path / "night.jsonl", first=broken) as recorder:
        recorder.record(b"frame", False, 1.0)
        assert (recorder.stats.errors, recorder.stats.lines) == (1, 1)
        assert recorder.stats.last_error == "RuntimeError: no state"
