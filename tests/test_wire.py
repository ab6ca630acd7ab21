"""The sans-I/O frame reader: frames split anywhere, fragments, control frames, limits, errors.

Every frame is made by the ``websockets`` library, an implementation of RFC 6455 written apart
from ours, so that a misreading of the RFC cannot hide in an encoder and a reader that agree.
Frames no encoder will make (reserved bits, unknown opcodes, oversized control frames) are a
valid frame from it with its first byte changed.
"""

from __future__ import annotations

import random

import pytest
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from lib.wire import Close, DataMessage, FrameReader, Oversized, PingFrame, PongFrame, ProtocolError


def encode(payload: bytes, opcode: Opcode = Opcode.TEXT, *, fin: bool = True, mask: bool = False) -> bytes:
    """One frame as the websockets library writes it (masked as a client would, to test the refusal)."""
    return Frame(opcode, payload, fin=fin).serialize(mask=mask)


def first_byte(frame: bytes, first: int) -> bytes:
    """``frame`` with its first byte (FIN, reserved bits, opcode) replaced by ``first``."""
    return bytes([first]) + frame[1:]


def test_text_and_binary_messages_come_out_whole() -> None:
    """Complete frames become DataMessage events with their kind."""
    reader = FrameReader(max_message=1000)
    assert reader.feed(encode(b'{"a":1}') + encode(b"\x01\x02", Opcode.BINARY)) == [
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
    stream = encode(b"first") + encode(b"x" * 300) + encode(b"ping!", Opcode.PING) + encode(b"last")
    expected = [
        DataMessage(b"first", False),
        DataMessage(b"x" * 300, False),
        PingFrame(b"ping!"),
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
        encode(b"he", Opcode.TEXT, fin=False)
        + encode(b"", Opcode.PING)
        + encode(b"ll", Opcode.CONT, fin=False)
        + encode(b"o", Opcode.CONT)
    )
    assert FrameReader(max_message=100).feed(stream) == [PingFrame(b""), DataMessage(b"hello", False)]


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
    stream = encode(b"a" * 60, fin=False) + encode(b"b" * 60, Opcode.CONT, fin=False) + encode(b"c", Opcode.CONT)
    assert FrameReader(max_message=100).feed(stream + encode(b"ok")) == [
        Oversized(121, False),
        DataMessage(b"ok", False),
    ]


def test_close_frame_carries_code_and_reason() -> None:
    """The server's close frame gives its code and reason; nothing after it is read."""
    reader = FrameReader(max_message=100)
    events = reader.feed(encode(b"\x03\xf3oops", Opcode.CLOSE) + encode(b"ignored"))
    assert events == [Close(1011, "oops")]
    assert reader.feed(encode(b"more")) == []


def test_empty_close_means_no_status() -> None:
    """A close frame without a payload reports 1005."""
    assert FrameReader(max_message=100).feed(encode(b"", Opcode.CLOSE)) == [Close(1005, "")]


def test_pong_is_reported() -> None:
    """Pongs come out as events (they prove the peer is alive)."""
    assert FrameReader(max_message=100).feed(encode(b"abc", Opcode.PONG)) == [PongFrame(b"abc")]


@pytest.mark.parametrize(
    ("stream", "problem"),
    [
        (encode(b"x", mask=True), "mask"),
        (first_byte(encode(b"x"), 0xC1), "reserved"),  # RSV1 on a text frame
        (first_byte(encode(b"x"), 0x83), "opcode"),
        (first_byte(encode(b"x"), 0x8B), "opcode"),
        (encode(b"x", Opcode.CONT), "continuation"),
        (encode(b"x", fin=False) + encode(b"y"), "previous"),
        (first_byte(encode(b"x" * 126), 0x89), "control"),  # a 126-byte ping
        (first_byte(encode(b"", Opcode.PING), 0x09), "control"),  # a ping without FIN
        (encode(b"\x03", Opcode.CLOSE), "one byte"),
        (b"\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", "top bit"),
    ],
)
def test_protocol_violations_raise(stream: bytes, problem: str) -> None:
    """Framing a server must never send raises ProtocolError naming the problem."""
    with pytest.raises(ProtocolError, match=problem):
        FrameReader(max_message=1000).feed(stream)


def test_a_servers_output_cut_at_random_gives_its_messages() -> None:
    """What websockets' own server protocol writes, cut anywhere, comes out message by message."""
    server = ServerProtocol(state=State.OPEN)
    server.send_text(b'{"type":"score_update"}')
    server.send_binary(bytes(range(256)) * 300)  # a 64-bit length
    server.send_text(b"x" * 1000, fin=False)  # a 16-bit length, fragmented around a ping
    server.send_ping(b"42")
    server.send_continuation(b"y" * 70_000, fin=False)
    server.send_continuation(b"", fin=True)
    server.send_pong(b"7")
    server.send_close(1001, "going away")
    stream = b"".join(server.data_to_send())
    expected = [
        DataMessage(b'{"type":"score_update"}', False),
        DataMessage(bytes(range(256)) * 300, True),
        PingFrame(b"42"),
        DataMessage(b"x" * 1000 + b"y" * 70_000, False),
        PongFrame(b"7"),
        Close(1001, "going away"),
    ]
    chance = random.Random(11)
    for _ in range(50):
        cuts = sorted(chance.sample(range(1, len(stream)), 20))
        reader = FrameReader(max_message=1 << 20)
        pieces = [stream[start:end] for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert [event for piece in pieces for event in reader.feed(piece)] == expected
