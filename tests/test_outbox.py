"""The outbox: FIFO queue, acknowledgement by ping number, requeue in order, bounded."""

from __future__ import annotations

import pytest

from lib.outbox import Outbox


def drain(outbox: Outbox, ack: int) -> list[str]:
    sent = []
    while (text := outbox.next_queued()) is not None:
        outbox.sent_queued(ack)
        sent.append(text)
    return sent


def test_queued_messages_go_out_in_order() -> None:
    """Messages queued while disconnected come out first in, first out."""
    outbox = Outbox(10)
    for text in "abc":
        outbox.queue(text)
    assert drain(outbox, ack=1) == ["a", "b", "c"]
    assert (outbox.queued, outbox.in_flight) == (0, 3)


def test_pong_acknowledges_only_what_was_sent_before_its_ping() -> None:
    """The pong of ping 2 acknowledges messages tagged 1 and 2, not 3."""
    outbox = Outbox(10)
    outbox.sent("a", 1)
    outbox.sent("b", 2)
    outbox.sent("c", 3)
    outbox.acknowledge(2)
    assert outbox.in_flight == 1


def test_dead_connection_requeues_unacknowledged_in_front_in_order() -> None:
    """What was in flight goes back ahead of what was queued, keeping the original order."""
    outbox = Outbox(10)
    outbox.sent("a", 1)
    outbox.sent("b", 2)
    outbox.acknowledge(1)
    outbox.queue("c")
    assert outbox.requeue() == 0
    assert drain(outbox, ack=9) == ["b", "c"]


def test_overflow_drops_the_oldest_and_reports_it() -> None:
    """Past the limit the oldest message is dropped, and the count says how many."""
    outbox = Outbox(2)
    assert [outbox.queue(t) for t in "abc"] == [0, 0, 1]
    outbox.sent_queued(1)
    outbox.sent_queued(1)
    outbox.queue("d")
    outbox.queue("e")
    assert outbox.requeue() == 2
    assert drain(outbox, ack=2) == ["d", "e"]


def test_limit_must_be_positive() -> None:
    """A zero limit is refused with a clear message."""
    with pytest.raises(ValueError, match="at least 1"):
        Outbox(0)
