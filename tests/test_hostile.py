"""The hostile corpus: every case rejected with its reason (or shown as text), nothing else disturbed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.store import DEFAULT_MAX_GAMES, ConnectionState, Store
from tests.conftest import ClientFactory
from tests.faultproxy import FaultProxy
from tests.hostile import BASE_TS, Case, baseline, load_cases, server_frame

CASES = load_cases()
FINAL_UPDATE = json.loads(baseline())
FINAL_UPDATE["ts"] = BASE_TS + 200_000_000
FINAL_UPDATE["data"].update(home_score=52, clock="06:40")


def test_the_corpus_is_large_and_varied() -> None:
    """At least 50 cases, covering every kind of attack the issue lists."""
    assert len(CASES) >= 50
    reasons = {case.reason for case in CASES}
    assert {
        "invalid_utf8",
        "invalid_json",
        "out_of_range",
        "score_decreased",
        "too_large",
        "binary_frame",
        "unknown_type",
    } <= reasons
    assert sum(case.expect == "accepted" for case in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_in_the_store(case: Case) -> None:
    """Applied after the baseline, each case is rejected with its reason or accepted as plain data."""
    store = Store()
    store.ingest(baseline(), received_at=BASE_TS)
    before = store.snapshot().games["base"]
    results = [store.ingest(frame, received_at=BASE_TS + 1, binary=case.binary).status for frame in case.frames()]
    snapshot = store.snapshot()
    if case.expect == "capped":
        assert len(snapshot.games) == DEFAULT_MAX_GAMES
        assert snapshot.counters.rejected == {"too_many_games": 10_000 - (DEFAULT_MAX_GAMES - 1)}
    elif case.expect == "accepted":
        assert results == ["applied"]
    else:
        assert results == ["rejected"] * len(results)
        assert snapshot.counters.rejected == {case.reason: len(results)}
    assert snapshot.games["base"].game == before.game


def test_whole_corpus_over_the_wire_keeps_the_connection(feed_server: ScriptedFeed, make_client: ClientFactory) -> None:
    """Injected raw into one live connection, the corpus is counted by reason and the state survives."""
    with FaultProxy(("127.0.0.1", feed_server.port)) as proxy:
        store = Store()
        make_client(proxy.url(), store, ping_interval=60.0, ping_timeout=60.0).start()
        wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED)
        feed_server.publish_raw([baseline()])
        wait_for(lambda: "base" in store.snapshot().games, what="the baseline")
        expected: Counter[str] = Counter()
        frames = 1
        for case in CASES:
            for payload in case.frames():
                proxy.inject_to_client(server_frame(payload, binary=case.binary))
                frames += 1
            if case.reason is not None:
                expected[case.reason] += 1
        expected["too_many_games"] += 10_000 - (DEFAULT_MAX_GAMES - 1 - sum(c.adds_a_game for c in CASES))
        feed_server.publish_raw([json.dumps(FINAL_UPDATE)])
        frames += 1
        wait_for(lambda: store.snapshot().counters.received == frames, 60, f"all {frames} frames")
        snapshot = store.snapshot()
        assert snapshot.connection.state is ConnectionState.CONNECTED
        assert snapshot.connection.connections == 1
        assert dict(snapshot.counters.rejected) == dict(expected)
        base = snapshot.games["base"].game
        assert (base.home_score, base.clock) == (52, "06:40")
        assert [(p.home_score, p.away_score) for p in store.history("base")] == [(50, 48), (52, 48)]
