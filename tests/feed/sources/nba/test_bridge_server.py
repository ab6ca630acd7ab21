"""The NBA bridge behind the real feed server: clients over WebSocket, the stand-in CDN over HTTP, both on loopback."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cdn import (
    CELTICS,
    CLIPPERS,
    KINGS,
    KNICKS,
    CdnNight,
    CdnStandIn,
    FlowPlayer,
    Hostile,
    gzip_layers,
    tiny_entries,
)
from harness.ports import free_port
from harness.waiting import wait_for
from lib.client import FeedClient
from lib.feed.server import FeedServer
from lib.feed.sources.nba.source import NbaSource
from lib.feed.sources.simulated import simulate_game
from lib.feed.teams import TEAMS
from lib.store import Store
from tests.conftest import ClientFactory, options

LIVE, SCHEDULED = "0022600301", "0022600302"
ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def night() -> CdnNight:
    night = CdnNight()
    night.add(LIVE, CELTICS, KNICKS)
    night.add(SCHEDULED, CLIPPERS, KINGS)
    night.start(LIVE)
    night.score(LIVE, "home", 2, "11:30")
    return night


@pytest.fixture
def cdn(night: CdnNight) -> Iterator[CdnStandIn]:
    with CdnStandIn(night, stall=5.0) as stand_in:
        yield stand_in


@pytest.fixture
def bridge_server(cdn: CdnStandIn) -> Iterator[FeedServer]:
    server = FeedServer(NbaSource(cdn.base_url, poll=1.0, timeout=1.0), interval=1.0).start()
    yield server
    server.stop()


def health(url: str) -> dict[str, Any]:
    http = url.replace("ws://", "http://").replace("/ws/live", "/health")
    with urllib.request.urlopen(http, timeout=5) as response:
        report: dict[str, Any] = json.load(response)
    return report


def test_a_client_holds_every_scoring_change_and_the_sources_health(
    night: CdnNight, cdn: CdnStandIn, bridge_server: FeedServer, make_client: ClientFactory
) -> None:
    """Baskets at the stand-in reach a client one by one, with predictions; the store holds an ok source report."""
    store = Store()
    make_client(bridge_server.url, store).start()
    wait_for(lambda: LIVE in store.snapshot().games and SCHEDULED in store.snapshot().games, what="both games")
    night.score(LIVE, "away", 3, "11:00")
    night.score(LIVE, "home", 1, "10:40")
    wait_for(lambda: store.snapshot().games[LIVE].game.home_score == 3, what="the third basket")
    history = [(p.home_score, p.away_score, p.clock) for p in store.history(LIVE)]
    assert history[-3:] == [(2, 0, "11:30"), (2, 3, "11:00"), (3, 3, "10:40")]
    predicted = [(p.home_score, p.away_score, p.clock) for p in store.prediction_history(LIVE)]
    assert predicted[-3:] == history[-3:]  # a prediction came with every change
    source = store.snapshot().source
    assert source is not None
    assert (source.status.source, source.status.state) == ("nba", "ok")
    assert source.status.last_success is not None


def test_a_client_holds_the_records_and_every_play_with_its_player(
    night: CdnNight, cdn: CdnStandIn, make_client: ClientFactory
) -> None:
    """Over WebSocket: the game's records before it, and each action of the CDN a play in the store, in order."""
    night.games[LIVE].home_record, night.games[LIVE].away_record = (10, 5), (7, 8)
    server = FeedServer(NbaSource(cdn.base_url, poll=1.0, timeout=1.0), interval=1.0).start()
    try:
        store = Store()
        make_client(server.url, store).start()
        wait_for(lambda: LIVE in store.snapshot().games, what="the game")
        night.score(LIVE, "away", 3, "11:00", player="J. Brunson")
        wait_for(lambda: len(store.plays(LIVE)) == len(night.games[LIVE].actions), what="every play")
        game = store.snapshot().games[LIVE].game
        assert (game.home_record, game.away_record) == ("10-5", "7-8")
        plays = store.plays(LIVE)
        assert [p.play_id for p in plays] == [a["actionNumber"] for a in night.games[LIVE].actions]
        assert (plays[-1].player, plays[-1].team, plays[-1].home_score, plays[-1].away_score) == (
            "J. Brunson",
            "New York Knicks",
            2,
            3,
        )
    finally:
        server.stop()


def test_an_upstream_outage_reaches_clients_as_health_not_as_broken_state(
    night: CdnNight, cdn: CdnStandIn, bridge_server: FeedServer, make_client: ClientFactory
) -> None:
    """Scoreboard 403s: the client keeps its games and its connection, sees "failing: HTTP 403", then recovery."""
    store = Store()
    make_client(bridge_server.url, store).start()
    wait_for(lambda: LIVE in store.snapshot().games, what="the game")
    connections = store.snapshot().connection.connections
    cdn.fail("scoreboard", "403", times=2)

    def failing() -> bool:
        source = store.snapshot().source
        return source is not None and source.status.state == "failing"

    wait_for(failing, what="the failing report")
    report = store.snapshot().source
    assert report is not None
    assert report.status.error == "HTTP 403"
    assert report.status.faults.get("http_403", 0) >= 1
    assert store.snapshot().games[LIVE].game.home_score == 2
    night.score(LIVE, "away", 2, "10:00")
    wait_for(lambda: store.snapshot().games[LIVE].game.away_score == 2, timeout=30, what="recovery")
    snapshot = store.snapshot()
    assert snapshot.source is not None
    assert snapshot.source.status.state == "ok"
    assert snapshot.connection.connections == connections  # never disconnected
    assert snapshot.counters.rejected_total == 0


def test_health_gives_the_source_its_last_good_poll_and_faults_by_kind(
    cdn: CdnStandIn, bridge_server: FeedServer
) -> None:
    """GET /health: the source, the last successful poll, faults counted by kind."""
    cdn.fail(f"playbyplay_{LIVE}", "503")
    wait_for(lambda: health(bridge_server.url).get("source", {}).get("faults"), what="a counted fault")
    report = health(bridge_server.url)
    assert report["source"]["source"] == "nba"
    assert report["source"]["faults"] == {"http_503": 1}
    assert isinstance(report["source"]["last_success"], float)
    assert report["games"] == 2


def test_upstream_requests_do_not_grow_with_clients(
    cdn: CdnStandIn, bridge_server: FeedServer, make_client: ClientFactory
) -> None:
    """With ten clients connected each poll is still one scoreboard and one play-by-play per game in progress."""
    stores = [Store() for _ in range(10)]
    for store in stores:
        make_client(bridge_server.url, store).start()
    wait_for(lambda: all(LIVE in s.snapshot().games for s in stores), what="ten clients with the game")
    start = cdn.requests["scoreboard"]
    wait_for(lambda: cdn.requests["scoreboard"] >= start + 3, what="three more polls")

    def settled() -> dict[str, int] | None:
        counts = dict(cdn.requests)
        return counts if counts["scoreboard"] == counts[f"playbyplay_{LIVE}"] else None

    counts = wait_for(settled, what="a poll to finish")
    assert counts["odds"] == 1
    assert counts["schedule"] == 1
    assert set(counts) == {"scoreboard", "schedule", "odds", f"playbyplay_{LIVE}"}


def test_the_command_line_serves_tonights_games(cdn: CdnStandIn) -> None:
    """python -m lib.feed --source nba --nba-base-url ... --poll 1: a real process serving the stand-in's night."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lib.feed",
            "--source",
            "nba",
            "--nba-base-url",
            cdn.base_url,
            "--poll",
            "1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    store = Store()
    # The server takes seconds to start on a busy machine: the client keeps trying until it is up.
    # The server takes seconds to start on a busy machine: the client keeps trying until it is up.
    client = FeedClient(
        f"ws://127.0.0.1:{port}/ws/live", store, options(reconnect_base_delay=0.1, max_reconnect_attempts=None)
    )
    try:
        client.start()
        wait_for(lambda: {LIVE, SCHEDULED} <= set(store.snapshot().games), timeout=30, what="the night's games")
        game = store.snapshot().games[LIVE].game
        assert (game.home_team, game.away_team, game.home_score) == ("Boston Celtics", "New York Knicks", 2)
    finally:
        client.stop()
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert "tonight's NBA games" in output


def test_a_whole_game_reaches_the_client_score_by_score(make_client: ClientFactory) -> None:
    """A whole game played at the stand-in, halftime and all: the client's history is every score change, in order."""
    flow = simulate_game(random.Random(8), TEAMS[1], TEAMS[19]).flow
    night = CdnNight()
    night.add(LIVE, CELTICS, KNICKS)
    done = threading.Event()
    with CdnStandIn(night) as cdn:
        server = FeedServer(NbaSource(cdn.base_url, poll=1.0), interval=1.0).start()
        store = Store()
        make_client(server.url, store).start()
        wait_for(lambda: LIVE in store.snapshot().games, what="the scheduled game")
        player = FlowPlayer(night, [(LIVE, flow)], speed=600.0, start=time.time())

        def play() -> None:
            while not done.is_set() and not player.finished:
                player.tick(time.time())
                done.wait(0.05)

        driver = threading.Thread(target=play, name="flow-player")
        driver.start()
        try:
            wait_for(lambda: store.snapshot().games[LIVE].game.status == "final", timeout=60, what="the final")
        finally:
            done.set()
            driver.join(5)
            server.stop()
    assert [(p.home_score, p.away_score) for p in store.history(LIVE)] == list(flow.scores)
    statuses = [p.status for p in store.prediction_history(LIVE)]  # a prediction comes with every state sent
    assert "halftime" in statuses
    assert statuses[-1] == "final"
    final = store.snapshot().games[LIVE].game
    assert (final.home_score, final.away_score, final.period) == (*flow.final_score, flow.periods)
    assert store.snapshot().counters.rejected_total == 0


def test_the_date_rollover_reaches_new_clients_as_the_new_days_board(
    night: CdnNight, cdn: CdnStandIn, bridge_server: FeedServer, make_client: ClientFactory
) -> None:
    """At the NBA's date rollover the server forgets yesterday's final: a client connecting after gets today's games."""
    early = Store()
    make_client(bridge_server.url, early).start()
    wait_for(lambda: LIVE in early.snapshot().games, what="yesterday's game")
    night.final(LIVE)
    wait_for(lambda: early.snapshot().games[LIVE].game.status == "final", what="its final")
    with night.lock:
        night.game_date = "2026-12-02"
        del night.games[LIVE]
        del night.games[SCHEDULED]
    night.add("0022600399", CLIPPERS, KINGS)
    wait_for(lambda: "0022600399" in early.snapshot().games, what="today's game")
    wait_for(lambda: health(bridge_server.url)["games"] == 1, what="the server to forget yesterday")
    late = Store()
    make_client(bridge_server.url, late).start()
    wait_for(lambda: "0022600399" in late.snapshot().games, what="today's game for a new client")
    assert set(late.snapshot().games) == {"0022600399"}
    source = health(bridge_server.url)["source"]
    assert source["state"] == "ok"


def peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_the_feed_servers_memory_stays_flat_under_hostile_answers() -> None:
    """Compression bombs (stacked and single), scoreboards and play-by-play of tiny entries: counted, no memory kept.

    Each of these took the process to gigabytes (the stacked 2 kB bomb to 2.2 GB, eight play-by-play files
    of ``[]`` to 1.8 GB); here the process's peak grows by tens of MiB, and it goes on serving.
    """
    night = CdnNight()
    teams = [CELTICS, KNICKS, CLIPPERS, KINGS]
    games = [f"00226{index:05d}" for index in range(8)]
    for index, game_id in enumerate(games):
        night.add(game_id, teams[index % 4], teams[(index + 1) % 4])
        night.start(game_id)
    bomb = gzip_layers(512 * 1024 * 1024, 1)
    attacks = [
        Hostile(gzip_layers(512 * 1024 * 1024, 2), (("Content-Encoding", "gzip, gzip"),)),
        Hostile(bomb, (("Content-Encoding", "gzip"),)),
        Hostile(tiny_entries("scoreboard", 16 * 1024 * 1024)),
        Hostile(tiny_entries("scoreboard", 1024 * 1024 - 1024)),
    ]
    port = free_port()
    with CdnStandIn(night, stall=5.0) as cdn:
        command = [sys.executable, "-m", "lib.feed", "--source", "nba", "--nba-base-url", cdn.base_url, "--poll", "1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"ws://127.0.0.1:{port}/ws/live"
        try:
            wait_for(lambda: cdn.requests[f"playbyplay_{games[-1]}"] >= 3, timeout=60, what="three good polls")
            before = peak_rss(process.pid)
            for attack in attacks:
                cdn.fail("scoreboard", attack, times=2)
            for game_id in games:
                cdn.fail(
                    f"playbyplay_{game_id}", Hostile(tiny_entries(f"playbyplay_{game_id}", 16 * 1024 * 1024, b"[]"))
                )
                cdn.fail(
                    f"playbyplay_{game_id}", Hostile(tiny_entries(f"playbyplay_{game_id}", 4 * 1024 * 1024, b"[]"))
                )
            counted = wait_for(
                lambda: sum((faults := health(url)["source"]["faults"]).values()) >= 2 * 4 + 2 * 8 and faults,
                timeout=180,
                what="every attack counted",
            )
            wait_for(lambda: health(url)["source"]["state"] == "ok", timeout=60, what="a good poll after them")
            grown = peak_rss(process.pid) - before
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert counted == {"unsupported_encoding": 2, "too_large": 2 + 2 + 8, "too_many_entries": 2 + 8}
    # Each answer is refused within its first megabyte or two. Each attack above took gigabytes.
    assert grown < 32 * 1024 * 1024, f"the peak grew by {grown / 2**20:.0f} MiB"


def test_games_the_scoreboard_loses_leave_the_server_and_are_polled_no_more(
    night: CdnNight, cdn: CdnStandIn, bridge_server: FeedServer, make_client: ClientFactory
) -> None:
    """25 games shown live for one poll and then gone: dropped, a client connecting later never sees them."""
    lost = [f"00227{index:05d}" for index in range(25)]
    for game_id in lost:
        night.add(game_id, CLIPPERS, KINGS)
        night.start(game_id)
    wait_for(lambda: health(bridge_server.url)["games"] == 27, what="the 25 games served")
    for game_id in lost:
        del night.games[game_id]
    wait_for(lambda: health(bridge_server.url)["games"] == 2, timeout=30, what="the lost games dropped")
    asked = sum(count for file, count in cdn.requests.items() if file.startswith("boxscore_"))
    late = Store()
    make_client(bridge_server.url, late).start()
    wait_for(lambda: LIVE in late.snapshot().games, what="the games for a new client")
    start = cdn.requests["scoreboard"]
    wait_for(lambda: cdn.requests["scoreboard"] >= start + 3, what="three more polls")
    assert set(late.snapshot().games) == {LIVE, SCHEDULED}
    assert sum(count for file, count in cdn.requests.items() if file.startswith("boxscore_")) == asked
    assert health(bridge_server.url)["source"]["faults"]["dropped_game"] == 25
