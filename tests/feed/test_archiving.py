"""The feed server's own archive: what it sends, filed through the archive's writer as a client would keep it."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib import ConnectionState, LiveFeed
from lib.archive import ServedArchive, query
from lib.archive.sources import messages_of_plays
from lib.feed.flows import GameFlow
from lib.model import TeamForm
from lib.protocol import Play
from tests.archive.child import REPOSITORY
from tests.conftest import options
from tests.helpers import frame, game, prediction, score

_CONTENT = {
    "games": "game_id, home_team, away_team, home_record, away_record, home_score, away_score, period, clock, status, "
    "start_time",
    "score_changes": "game_id, home_score, away_score, period, clock, status",
    "predictions": "game_id, home_win_probability, model, period, clock, home_score, away_score, status",
    "plays": "*",
    "player_wpa": "*",
}
"""Each view's columns that say what was kept (not when it arrived nor whence)."""


def _kept(archive: Path) -> dict[str, pd.DataFrame]:
    return {view: query(archive, f"SELECT {columns} FROM {view} ORDER BY ALL") for view, columns in _CONTENT.items()}


def test_the_servers_archive_holds_what_a_clients_holds(
    tmp_path: Path,
    real_games: list[GameFlow],
    real_plays: dict[str, list[Play]],
    real_forms: dict[str, tuple[TeamForm, TeamForm]],
) -> None:
    """A whole real game with its plays, and frames a client rejects or finds stale: both archives agree, row by row."""
    flow = real_games[0]
    served = ServedArchive(tmp_path / "server.duckdb", source="demo", batch_seconds=0.05)
    with ScriptedFeed() as server:
        server.hub.archive = served.offer
        client = LiveFeed(server.url, options=options(), archive=tmp_path / "client.duckdb").start()
        try:
            wait_for(lambda: client.status().state is ConnectionState.CONNECTED, what="the client")
            server.publish(list(messages_of_plays(flow, real_plays[flow.game_id], real_forms[flow.game_id])))
            server.publish(
                [
                    "not json",
                    b"\x00binary",
                    score("other", home_score=10, away_score=8, ts=2e9),
                    score("other", home_score=9, away_score=8, ts=2e9 + 1),  # lower, no correction: rejected
                    score("other", home_score=12, away_score=8, ts=2e9 - 1),  # older than the state held: stale
                    prediction("nobody", p=0.5),  # a game never sent: unknown_game
                    frame("play", {"game_id": "other", "play_id": 1}),  # missing fields
                    frame("play", {**game("other"), "play_id": 2, "home_win_probability": 0.6}),  # a play: valid
                ]
            )
            last = real_plays[flow.game_id][-1].play_id
            wait_for(lambda: last in set(client.plays(flow.game_id).play_id), what="the game's last play")
            wait_for(lambda: 2 in set(client.plays("other").play_id), what="the last frame")
        finally:
            client.stop()
    served.close()
    assert served.stats.written > 0
    servers, clients = _kept(tmp_path / "server.duckdb"), _kept(tmp_path / "client.duckdb")
    for view in _CONTENT:
        pd.testing.assert_frame_equal(servers[view], clients[view], obj=view)
    assert len(servers["plays"]) == len(real_plays[flow.game_id]) + 1
    assert servers["games"].set_index("game_id").loc["other", "home_score"] == 10


def test_the_feed_server_imports_no_client() -> None:
    """No module of lib.feed imports LiveFeed or the client: the server and the client share only the protocol."""
    imported = {}
    for path in (REPOSITORY / "lib" / "feed").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            for name in names:
                if name in ("lib.live", "lib.client") or name.startswith(("lib.live.", "lib.client.")):
                    imported[str(path.relative_to(REPOSITORY))] = name
    assert imported == {}
