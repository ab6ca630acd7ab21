"""The outbox: encoding with limits, FIFO queue, acknowledgement by ping number, requeue in order, bounded."""

from __future__ import annotations

from typing import Any

import pytest

from lib.outbox import Outbox, encode_message
from lib.protocol import MAX_CLIENT_MESSAGE_BYTES

ROOMY = 1 << 20


def drain(outbox: Outbox, ack: int) -> list[bytes]:
    sent = []
    while (payload := outbox.next_queued()) is not None:
        outbox.sent_queued(ack)
        sent.append(payload)
    return sent


def test_queued_messages_go_out_in_order() -> None:
    """Messages queued while disconnected come out first in, first out."""
    outbox = Outbox(10, ROOMY)
    for payload in (b"a", b"b", b"c"):
        outbox.queue(payload)
    assert drain(outbox, ack=1) == [b"a", b"b", b"c"]
    assert (outbox.queued, outbox.in_flight) == (0, 3)


def test_pong_acknowledges_only_what_was_sent_before_its_ping() -> None:
    """The pong of ping 2 acknowledges messages tagged 1 and 2, not 3."""
    outbox = Outbox(10, ROOMY)
    outbox.sent(b"a", 1)
    outbox.sent(b"b", 2)
    outbox.sent(b"c", 3)
    outbox.acknowledge(2)
    assert outbox.in_flight == 1


def test_dead_connection_requeues_unacknowledged_in_front_in_order() -> None:
    """What was in flight goes back ahead of what was queued, keeping the original order."""
    outbox = Outbox(10, ROOMY)
    outbox.sent(b"a", 1)
    outbox.sent(b"b", 2)
    outbox.acknowledge(1)
    outbox.queue(b"c")
    assert outbox.requeue() == 0
    assert drain(outbox, ack=9) == [b"b", b"c"]


def test_overflow_drops_the_oldest_and_reports_it() -> None:
    """Past the limit the oldest message is dropped, and the count says how many."""
    outbox = Outbox(2, ROOMY)
    assert [outbox.queue(p) for p in (b"a", b"b", b"c")] == [0, 0, 1]
    outbox.sent_queued(1)
    outbox.sent_queued(1)
    outbox.queue(b"d")
    outbox.queue(b"e")
    assert outbox.requeue() == 2
    assert drain(outbox, ack=2) == [b"d", b"e"]


def test_limits_must_hold_a_message() -> None:
    """A zero limit, or a byte bound smaller than the largest message, is refused with a clear message."""
    with pytest.raises(ValueError, match="at least 1"):
        Outbox(0, ROOMY)
    with pytest.raises(ValueError, match=f"at least {MAX_CLIENT_MESSAGE_BYTES:,}"):
        Outbox(10, MAX_CLIENT_MESSAGE_BYTES - 1)


def test_byte_bound_drops_the_oldest_queued_and_reports_it() -> None:
    """Past max_bytes the oldest queued messages go, counted, whatever their number."""
    outbox = Outbox(1000, MAX_CLIENT_MESSAGE_BYTES)
    sizes = [1000, 1000, 2000, 1500]
    assert [outbox.queue(bytes([65 + i]) * size) for i, size in enumerate(sizes)] == [0, 0, 0, 2]
    assert [len(p) for p in drain(outbox, ack=1)] == [2000, 1500]
    assert outbox.held_bytes == 3500


def test_byte_bound_holds_in_flight_and_after_a_requeue() -> None:
    """Messages in flight are bounded in bytes too (the oldest forgotten); a requeue reports what it drops."""
    outbox = Outbox(1000, MAX_CLIENT_MESSAGE_BYTES)
    for ack, size in enumerate([3000, 3000, 1000], start=1):
        outbox.sent(b"x" * size, ack)
    assert (outbox.in_flight, outbox.held_bytes) == (2, 4000)
    outbox.queue(b"q" * 4000)
    assert outbox.requeue() == 2
    assert [len(p) for p in drain(outbox, ack=9)] == [4000]
    outbox.acknowledge(9)
    assert outbox.held_bytes == 0


def test_message_refused_as_too_big_is_the_largest_in_flight() -> None:
    """drop_largest_in_flight forgets the biggest unacknowledged message and keeps the rest in order."""
    outbox = Outbox(10, ROOMY)
    assert outbox.drop_largest_in_flight() is None
    for ack, payload in enumerate([b"aa", b"bbbbbb", b"c", b"dddd"], start=1):
        outbox.sent(payload, ack)
    assert outbox.drop_largest_in_flight() == 6
    outbox.requeue()
    assert drain(outbox, ack=9) == [b"aa", b"c", b"dddd"]
    assert outbox.held_bytes == 7


def nested(depth: int) -> dict[str, Any]:
    message: dict[str, Any] = {}
    for _ in range(depth):
        message = {"a": message}
    return message


def test_encode_message_gives_utf8_json_and_takes_text_as_it_is() -> None:
    """A mapping becomes its JSON, a string is sent as given; both as UTF-8."""
    assert encode_message({"type": "ping", "timestamp": 1}) == b'{"type": "ping", "timestamp": 1}'
    assert encode_message('{"type":"ping","note":"é"}') == '{"type":"ping","note":"é"}'.encode()
    assert len(encode_message("x" * MAX_CLIENT_MESSAGE_BYTES)) == MAX_CLIENT_MESSAGE_BYTES


@pytest.mark.parametrize(
    ("message", "error", "match"),
    [
        ("x" * (MAX_CLIENT_MESSAGE_BYTES + 1), ValueError, "too big"),
        ("é" * (MAX_CLIENT_MESSAGE_BYTES // 2 + 1), ValueError, "too big"),
        ("x" * 20_000_000, ValueError, "too big"),
        ({"padding": "x" * MAX_CLIENT_MESSAGE_BYTES}, ValueError, "too big"),
        (nested(5000), ValueError, "nests too deeply"),
        ({"timestamp": float("inf")}, ValueError, "Out of range"),
        ({"timestamp": {1, 2}}, TypeError, "not JSON serializable"),
        ("\udc80", ValueError, "lone surrogate"),
    ],
    ids=["text over", "UTF-8 over", "20 MB", "JSON over", "5,000 deep", "infinity", "a set", "surrogate"],
)
def test_encode_message_refuses_with_the_documented_errors(message: Any, error: type[Exception], match: str) -> None:
    """Every unsendable message is a TypeError or ValueError saying why, never a RecursionError."""
    with pytest.raises(error, match=match):
        encode_message(message)
