"""The sans-I/O frame reader: frames split anywhere, fragments, control frames, limits and errors."""

from __future__ import annotations

import struct

import pytest

from lib.wire import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    DataMessage,
    FrameReader,
    Oversized,
    Ping,
    Pong,
    ProtocolError,
)


def encode(payload: bytes, opcode: int = OP_TEXT, *, fin: bool = True, mask: bool = False, rsv: int = 0) -> bytes:
    """One frame as a server would send it (masked only to test the refusal)."""
    first = (0x80 if fin else 0) | rsv | opcode
    size = len(payload)
    mask_bit = 0x80 if mask else 0
    if size < 126:
        header = struct.pack("!BB", first, mask_bit | size)
    elif size < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, size)
    return header + (b"\x00\x00\x00\x00" if mask else b"") + payload


def test_text_and_binary_messages_come_out_whole() -> None:
    """Complete frames become DataMessage events with their kind."""
    reader = FrameReader(max_message=1000)
    assert reader.feed(encode(b'{"a":1}') + encode(b"\x01\x02", OP_BINARY)) == [
        DataMessage(b'{"a":1}', False),
        DataMessage(b"\x01\x02", True),
    ]


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_every_length_encoding_round_trips(size: int) -> None:
    """7-bit, 16-bit and 64-bit lengths all decode."""
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert FrameReader(max_message=1 << 20).feed(encode(payload)) == [DataMessage(payload, False)]


def test_bytes_split_at_every_offset_give_the_same_events() -> None:
    """However the network cuts the stream, the same events come out, once each."""
    stream = encode(b"first") + encode(b"x" * 300) + encode(b"ping!", OP_PING) + encode(b"last")
    expected = [
        DataMessage(b"first", False),
        DataMessage(b"x" * 300, False),
        Ping(b"ping!"),
        DataMessage(b"last", False),
    ]
    for cut in range(len(stream) + 1):
        reader = FrameReader(max_message=1000)
        assert reader.feed(stream[:cut]) + reader.feed(stream[cut:]) == expected, cut
    reader = FrameReader(max_message=1000)
    assert [event for byte in stream for event in reader.feed(bytes([byte]))] == expected


def test_fragments_are_joined_and_control_frames_may_interleave() -> None:
    """A fragmented message is delivered once, whole; a ping in the middle comes out first."""
    stream = (
        encode(b"he", OP_TEXT, fin=False)
        + encode(b"", OP_PING)
        + encode(b"ll", OP_CONTINUATION, fin=False)
        + encode(b"o", OP_CONTINUATION)
    )
    assert FrameReader(max_message=100).feed(stream) == [Ping(b""), DataMessage(b"hello", False)]


def test_oversized_message_is_skipped_not_kept() -> None:
    """A message over the limit becomes Oversized and the stream continues after it."""
    reader = FrameReader(max_message=100)
    big = encode(b"y" * 10_000)
    events = []
    for start in range(0, len(big), 1000):  # arrives in pieces, never held whole
        events += reader.feed(big[start : start + 1000])
        assert len(reader._buffer) <= 1000
    events += reader.feed(encode(b"after"))
    assert events == [Oversized(10_000, False), DataMessage(b"after", False)]


def test_oversized_fragmented_message_is_skipped_as_a_whole() -> None:
    """Fragments that add up past the limit make one Oversized event for the message."""
    stream = (
        encode(b"a" * 60, fin=False) + encode(b"b" * 60, OP_CONTINUATION, fin=False) + encode(b"c", OP_CONTINUATION)
    )
    assert FrameReader(max_message=100).feed(stream + encode(b"ok")) == [
        Oversized(121, False),
        DataMessage(b"ok", False),
    ]


def test_close_frame_carries_code_and_reason() -> None:
    """The server's close frame gives its code and reason; nothing after it is read."""
    reader = FrameReader(max_message=100)
    events = reader.feed(encode(struct.pack("!H", 1011) + b"oops", OP_CLOSE) + encode(b"ignored"))
    assert events == [Close(1011, "oops")]
    assert reader.feed(encode(b"more")) == []


def test_empty_close_means_no_status() -> None:
    """A close frame without a payload reports 1005."""
    assert FrameReader(max_message=100).feed(encode(b"", OP_CLOSE)) == [Close(1005, "")]


def test_pong_is_reported() -> None:
    """Pongs come out as events (they prove the peer is alive)."""
    assert FrameReader(max_message=100).feed(encode(b"abc", OP_PONG)) == [Pong(b"abc")]


@pytest.mark.parametrize(
    ("stream", "problem"),
    [
        (encode(b"x", mask=True), "mask"),
        (encode(b"x", rsv=0x40), "reserved"),
        (encode(b"x", 0x3), "opcode"),
        (encode(b"x", 0xB), "opcode"),
        (encode(b"x", OP_CONTINUATION), "continuation"),
        (encode(b"x", fin=False) + encode(b"y"), "previous"),
        (encode(b"x" * 126, OP_PING), "control"),
        (encode(b"", OP_PING, fin=False), "control"),
        (encode(b"\x03", OP_CLOSE), "one byte"),
        (b"\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", "top bit"),
    ],
)
def test_protocol_violations_raise(stream: bytes, problem: str) -> None:
    """Framing a server must never send raises ProtocolError naming the problem."""
    with pytest.raises(ProtocolError, match=problem):
        FrameReader(max_message=1000).feed(stream)
