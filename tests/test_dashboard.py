"""The page under Streamlit's AppTest, fed by a real feed server on loopback."""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib import pacing
from lib.access import KEY_TRY_BURST, KEY_TRY_INTERVAL
from lib.feed.flows import GameFlow
from lib.protocol import (
    Game,
    GameEnd,
    GameStart,
    Prediction,
    PredictionUpdate,
    ScoreUpdate,
    SourceStatus,
    SourceStatusUpdate,
)
from lib.views.plays import NO_PLAYERS, TEAM_PLAYS
from tests.helpers import (
    HOSTILE,
    LONG_PLAY,
    PLAYED,
    SWINGS,
    game,
    play_update,
    played_game,
    two_finished_games,
)
from tests.views.drawn import browser_spec, draw
from tests.views.tables import html_rows

DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
OPERATOR_KEY = "correct horse battery staple"


AppFactory = Callable[..., AppTest]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[AppFactory]:
    """The page, configured through the environment; each test gets its own shared feed."""
    for name in list(os.environ):
        if name.startswith("FEED_"):
            monkeypatch.delenv(name)
    st.cache_resource.clear()

    def make(url: str | None, **env: str) -> AppTest:
        for name, value in (({} if url is None else {"FEED_URL": url}) | env).items():
            monkeypatch.setenv(name, value)
        return AppTest.from_file(DASHBOARD, default_timeout=30)

    yield make
    st.cache_resource.clear()  # on_release stops the feed


def page_text(at: AppTest) -> str:
    parts = [e.value for e in at.html] + [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def header(at: AppTest) -> str:
    return next(e.value for e in at.html if 'data-testid="nba-connection"' in e.value)


def card_teams(at: AppTest) -> list[str]:
    cards = next((e.value for e in at.html if "nba-grid" in e.value), "")
    return re.findall(r'class="nba-team" title="([^"]*)"', cards)


def a_game(game_id: str, **fields: Any) -> Game:
    return Game.model_validate(game(game_id, **fields))


def rerun_until(at: AppTest, predicate: Any, what: str) -> None:
    """Rerun the page until ``predicate(at)`` holds (the feed fills in the background)."""

    def ready() -> bool:
        at.run()
        assert not at.exception, at.exception
        return bool(predicate(at))

    wait_for(ready, 20, what)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_page_file_has_no_stray_strings_for_streamlit_to_show() -> None:
    """Streamlit's magic writes any bare module-level string onto the page: only the module docstring may be one."""
    body = ast.parse(Path(DASHBOARD).read_text(encoding="utf-8")).body
    stray = [n.lineno for n in body[1:] if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)]
    assert stray == []


def plain(text: str) -> str:
    """Markdown as a viewer reads it: the escapes gone."""
    return text.replace("\\", "")


def board(at: AppTest) -> str:
    """The board's notices as a viewer reads them."""
    return "\n".join(plain(str(e.value)) for e in [*at.info, *at.warning, *at.error])


def test_a_refused_connection_says_so_in_the_header_and_the_body_with_no_empty_charts(app: AppFactory) -> None:
    """Nothing listening: the header reconnects with the reason, the board says the same and since when; no charts."""
    at = app(f"ws://127.0.0.1:{closed_port()}/ws/live", FEED_RECONNECT_BASE_DELAY="30", FEED_RECONNECT_MAX_DELAY="30")
    rerun_until(at, lambda at: "Reconnecting" in header(at), "the reconnecting state")
    assert "refused" in header(at).lower()
    body = board(at)
    assert "No connection to the feed since " in body
    assert "refused" in body.lower()
    assert "Reconnecting in" in body
    assert "Connecting to live data" not in body
    assert "No live games" not in body
    assert "0 games" in header(at)
    assert at.get("vega_lite_chart") == []
    assert "the charts start with the next update" in page_text(at)


def test_an_unreachable_nba_is_what_the_header_and_the_body_say(app: AppFactory) -> None:
    """FEED_SOURCE=nba with nothing at the NBA's address: no green Live, no "No live games"; the outage, twice."""
    at = app(None, FEED_SOURCE="nba", FEED_NBA_BASE_URL=f"http://127.0.0.1:{closed_port()}", FEED_NBA_POLL="1")
    rerun_until(at, lambda at: "NBA live unreachable for" in header(at), "the outage in the header")
    assert ">Live<" not in header(at)
    assert "#22c55e" not in header(at)  # no green dot
    body = board(at)
    assert "NBA live unreachable since " in body
    assert "No live games" not in body
    assert "2019-20" not in page_text(at) + body


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("nba-replay", "NBA replay"),
        ("replay", "Recording replay"),
        ("games-csv", "Real games replay"),
        ("nba", "NBA live · updated"),
    ],
)
def test_a_replay_is_called_a_replay(app: AppFactory, feed_server: ScriptedFeed, source: str, label: str) -> None:
    """The status each source really sends (a replay's once, with no poll): a replay is a replay, never NBA live."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    replay = source != "nba"
    report = SourceStatus(source=source, state="ok", last_success=None if replay else time.time())
    feed_server.publish([SourceStatusUpdate(data=report), ScoreUpdate(data=a_game("r"))])
    rerun_until(at, lambda at: label in header(at), "the source's words")
    assert ("NBA live" in header(at)) is not replay
    assert (">Replay<" in header(at)) is replay
    assert "waiting" not in header(at) + board(at)


def test_connected_without_games_says_no_live_games(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Connected to a feed with no games: "No live games at the moment"."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "the Live state")
    text = page_text(at)
    assert "No live games at the moment" in text
    assert "Games will appear here when they start" in text


def test_cards_are_sorted_by_biggest_lead_and_counted(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Games appear as cards, biggest absolute differential first, with a plural count."""
    feed_server.publish(
        [
            ScoreUpdate(
                data=a_game("close", home_team="Close Home", away_team="Close Away", home_score=50, away_score=49)
            ),
            ScoreUpdate(
                data=a_game("blowout", home_team="Big Home", away_team="Big Away", home_score=40, away_score=70)
            ),
            ScoreUpdate(data=a_game("mid", home_team="Mid Home", away_team="Mid Away", home_score=60, away_score=50)),
            PredictionUpdate(
                data=Prediction(
                    game_id="mid", home_win_probability=0.83, predicted_home_score=110, predicted_away_score=101
                )
            ),
        ]
    )
    at = app(feed_server.url)
    rerun_until(at, lambda at: "3 games" in header(at), "three games")
    assert card_teams(at) == ["Big Away", "Big Home", "Mid Away", "Mid Home", "Close Away", "Close Home"]
    assert "Mid Home win 83 %" in page_text(at)
    assert "predicted final Mid Away 101, Mid Home 110" in page_text(at)
    assert "Last update applied in " in header(at)
    table = at.dataframe[0].value
    assert list(table["Home"]) == ["Big Home", "Mid Home", "Close Home"]

    at.selectbox(key="sort_by").set_value("Closest game").run()
    assert card_teams(at)[:2] == ["Close Away", "Close Home"]
    at.multiselect(key="teams").set_value(["Mid Home"]).run()
    assert card_teams(at) == ["Mid Away", "Mid Home"]


def test_games_in_progress_come_first_then_scheduled_then_finals_whatever_the_sort(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """A finished blowout never tops the board: live games first, then those to come, finals last, by any sort key."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    pregame = {"status": "scheduled", "period": 0, "clock": "12:00", "home_score": 0, "away_score": 0}
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 130, "away_score": 80}
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("f", home_team="Final Home", away_team="Final Away", **final)),
            ScoreUpdate(data=a_game("s", home_team="Soon Home", away_team="Soon Away", **pregame)),
            ScoreUpdate(data=a_game("l", home_team="Live Home", away_team="Live Away", home_score=51, away_score=50)),
            ScoreUpdate(data=a_game("h", home_team="Half Home", away_team="Half Away", status="halftime", period=2)),
            *(
                PredictionUpdate(data=Prediction(game_id=g, home_win_probability=p))
                for g, p in zip("fslh", (1, 0.9, 0.2, 0.5), strict=True)
            ),
        ]
    )
    rerun_until(at, lambda at: len(card_teams(at)) == 8, "four cards")
    for key in ("Biggest lead", "Closest game", "Tip-off time", "Home win probability"):
        at.selectbox(key="sort_by").set_value(key).run()
        homes = card_teams(at)[1::2]
        assert homes[2:] == ["Soon Home", "Final Home"], key
        assert set(homes[:2]) == {"Live Home", "Half Home"}, key
        assert list(at.dataframe[0].value["Home"]) == homes, key


def test_a_team_shows_once_in_its_latest_game(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Dallas's finished game leaves the board as soon as Dallas's next game is on it: a team shows once."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 110, "away_score": 130}
    feed_server.publish(
        [ScoreUpdate(data=a_game("first", home_team="Washington Wizards", away_team="Dallas Mavericks", **final))]
    )
    rerun_until(at, lambda at: card_teams(at) == ["Dallas Mavericks", "Washington Wizards"], "the first final")
    feed_server.publish(
        [ScoreUpdate(data=a_game("next", home_team="Milwaukee Bucks", away_team="Dallas Mavericks", period=1))]
    )
    rerun_until(at, lambda at: card_teams(at) == ["Dallas Mavericks", "Milwaukee Bucks"], "the next game")
    assert "1 game<" in header(at)  # the store holds two games; the board shows one


def header_count(at: AppTest) -> str:
    return re.findall(r'data-testid="nba-game-count">([^<]*)<', header(at))[0]


def test_the_header_counts_the_cards_on_the_board(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Four games held, one an older final of a team now playing again: three cards, "3 games"; finals hidden, both
    counts said."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 110, "away_score": 130}
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("old", home_team="Washington Wizards", away_team="Dallas Mavericks", **final)),
            ScoreUpdate(data=a_game("done", home_team="Utah Jazz", away_team="Miami Heat", **final)),
            ScoreUpdate(data=a_game("next", home_team="Milwaukee Bucks", away_team="Dallas Mavericks")),
            ScoreUpdate(data=a_game("on", home_team="Denver Nuggets", away_team="Phoenix Suns")),
        ]
    )
    rerun_until(at, lambda at: len(card_teams(at)) == 6, "three cards")
    assert header_count(at) == "3 games"
    at.toggle(key="show_final").set_value(False).run()
    assert len(card_teams(at)) == 4
    assert header_count(at) == "2 of 3 games shown"


def test_one_game_is_singular(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """One game reads "1 game", not "1 games"."""
    feed_server.publish([ScoreUpdate(data=a_game("solo"))])
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game<" in header(at), "one game")


def test_card_shows_period_clock_overtime_and_close_game_badge(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """A tied game late in overtime reads "2OT 01:05" and carries the close-game badge."""
    feed_server.publish([ScoreUpdate(data=a_game("ot", period=6, clock="01:05", home_score=120, away_score=119))])
    at = app(feed_server.url)
    rerun_until(at, lambda at: "2OT 01:05" in page_text(at), "the overtime clock")
    assert "CLOSE GAME" in page_text(at)


def test_given_up_state_offers_reconnect(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """After the last failed attempt the header says so and Reconnect connects again."""
    port = closed_port()
    at = app(f"ws://127.0.0.1:{port}/ws/live", FEED_MAX_RECONNECT_ATTEMPTS="1")
    rerun_until(at, lambda at: "Gave up after 1 attempt" in header(at), "the given-up state")
    with ScriptedFeed(port=port):
        at.button(key="reconnect").click().run()
        rerun_until(at, lambda at: "Live" in header(at), "Live after Reconnect")


def test_hostile_team_names_are_escaped_everywhere(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """A team named like an HTML payload is text in cards, tables, toasts and the event log."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    names = {"home_team": HOSTILE, "away_team": "**bold** [link](javascript:alert(1))"}
    pregame = {"period": 0, "clock": "12:00", "home_score": 0, "away_score": 0}
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("x", status="scheduled", **names, **pregame)),
            GameStart(data=a_game("x", **names, **{**pregame, "period": 1})),
        ]
    )
    rerun_until(at, lambda at: len(at.toast) > 0, "the tip-off toast")
    cards = next((e.value for e in at.html if "nba-grid" in e.value), "")
    assert HOSTILE not in cards
    assert "&lt;img src=x onerror=alert(1)&gt;" in cards
    toast = at.toast[0].value
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in toast
    assert "[link](javascript" not in toast
    assert HOSTILE in list(at.dataframe[0].value["Home"])  # the table shows the characters as text
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 2, "away_score": 0}
    feed_server.publish([GameEnd(data=a_game("x", **names, **final))])
    rerun_until(at, lambda at: any("Final" in list(d.value.get("Event", [])) for d in at.dataframe), "event log")


def test_ping_button_shows_the_round_trip(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Send test ping sends a ping; the page shows the round trip when the pong is back."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    at.button(key="ping").click().run()
    assert "Ping sent" in page_text(at) or "Pong" in page_text(at)
    rerun_until(at, lambda at: "Pong: round trip" in page_text(at), "the pong")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://example.com/feed", "must start with ws:// or wss://"),
        ("ws://127.0.0.1:-5/ws/live", "port must be a number from 1 to 65535"),
        ("ws://127.0.0.1:99999/ws/live?apikey=key-321-secret", "port must be a number from 1 to 65535"),
        ("ws:///ws/live", "has no host"),
        ("ws://example.com/ws/live\n", "contains whitespace"),
    ],
)
def test_misconfigured_url_is_a_clear_error(app: AppFactory, url: str, problem: str) -> None:
    """A feed URL the client cannot use is reported on the page in words, not as a traceback."""
    at = app(url)
    at.run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"The feed is misconfigured: FEED_URL is not a usable feed URL (feed URL {problem});")
    assert "key-321-secret" not in page_text(at)


@pytest.fixture
def project_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's options as the project's .streamlit/config.toml sets them (Streamlit reads it from the cwd)."""
    monkeypatch.chdir(Path(DASHBOARD).parent)
    st_config.get_config_options(force_reparse=True)
    yield
    monkeypatch.undo()
    st_config.get_config_options(force_reparse=True)


@pytest.mark.usefixtures("project_config")
def test_an_uncaught_error_shows_no_details_in_the_page() -> None:
    """With the project's config, an exception shows a generic message: no type, message, path or traceback."""
    at = AppTest.from_string("raise RuntimeError('/srv/app/secret_path.py went wrong')", default_timeout=30).run()
    (shown,) = at.exception
    assert "secret_path" not in shown.message
    assert shown.stack_trace == []
    assert "RuntimeError" not in str(shown.proto)


def test_performance_monitor_panel(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """The 📊 toggle shows render time, update latency, connection, last update and counts."""
    feed_server.publish([ScoreUpdate(data=a_game("m"))])
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game<" in header(at), "a game")
    at.sidebar.toggle[1].set_value(True).run()
    labels = {m.label: m.value for m in at.metric}
    assert {
        "Render",
        "Apply time (avg of 10)",
        "Connection",
        "Last update",
        "Received",
        "Rejected",
        "Reconnects",
    } <= set(labels)
    assert labels["Connection"] == "Connected"
    assert labels["Received"] == "1"


def finished_night(server: ScriptedFeed) -> None:
    """Two games played out with predictions, one home win and one away win."""
    for batch in two_finished_games():
        server.publish(batch)


def test_game_detail_tab_shows_the_chart_and_figures(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """The game-detail tab draws the probability and margin charts and the game's figures."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    finished_night(feed_server)
    rerun_until(at, lambda at: "2 games" in header(at), "two games")
    at.session_state["tab"] = "🎯 Game detail"
    at.run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2  # probability above, margin beneath
    labels = {m.label: m.value for m in at.metric}
    assert labels["Lead changes"] == "2"  # the most exciting game first: home, then away, then home led
    assert "Excitement index" in labels
    assert "Final figures" in page_text(at)
    assert len(at.dataframe) == 1  # every game's figures


def open_tab(at: AppTest, tab: str) -> None:
    """Open one of the page's tabs, as a click on it does."""
    at.session_state["tab"] = tab
    at.run()
    assert not at.exception, at.exception


def margin_chart_of(at: AppTest, rows: int) -> Any:
    """The game-detail margin chart, once it has all ``rows`` score changes (they arrive in the background)."""
    open_tab(at, "🎯 Game detail")

    def complete(at: AppTest) -> bool:
        charts = at.get("vega_lite_chart")
        return len(charts) == 2 and len(browser_spec(charts[1])["datasets"]["margin"]) == rows

    rerun_until(at, complete, f"the margin chart's {rows} rows")
    return at.get("vega_lite_chart")[1]


def free_throw_game() -> list[Game]:
    """A live game with an and-one and free throws that share their clocks, the home team pulling away."""
    states, home = [], 0
    for away, minute in enumerate(range(11, -1, -1)):
        clock = f"{minute:02d}:30"
        for points in (2, 1, 1):  # an and-one, then two free throws on a foul at the same clock
            home += points
            states.append(a_game("ft", home_score=home, away_score=away, period=2, clock=clock))
        states.append(a_game("ft", home_score=home, away_score=away + 1, period=2, clock=clock))
    return states


def test_the_margin_chart_draws_the_true_margin_where_score_changes_share_a_clock(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """Free throws at one clock are drawn as the score they made, never summed: the drawn peak is the real lead."""
    states = free_throw_game()
    margins = [state.home_score - state.away_score for state in states]
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")  # watching from the start: every change is kept
    feed_server.publish([ScoreUpdate(data=state) for state in states])
    margin = draw(margin_chart_of(at, len(states)))
    assert max(margin.values("area")) == pytest.approx(max(margins), abs=0.01)
    assert sorted(round(v) for v in margin.values("area")) == sorted(margins)
    assert max(margins) <= margin.y_range[1] < max(margins) + 10


def test_a_real_blowout_draws_its_real_biggest_lead(
    app: AppFactory, feed_server: ScriptedFeed, real_games: list[GameFlow]
) -> None:
    """The real game with the season's biggest lead (free throws and all) draws an axis that ends just past it."""
    flow = max(real_games, key=lambda game: max(abs(h - a) for h, a in game.scores))
    biggest = max(abs(h - a) for h, a in flow.scores)
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    feed_server.publish([ScoreUpdate(data=state) for state in flow.live_states()])
    margin = draw(margin_chart_of(at, len(flow.events)))
    drawn = margin.values("area")
    assert max(abs(v) for v in drawn) == pytest.approx(biggest, abs=0.01)
    assert max(abs(v) for v in margin.y_range) < biggest + 10


def assert_drawn_from(drawn: list[float], data: list[float], what: str) -> None:
    """Every drawn value is one of the data's own values: nothing stacked, summed or averaged."""
    assert drawn, f"nothing drawn in {what}"
    spread = (max(data) - min(data)) or 1.0
    for value in drawn:
        assert min(abs(value - d) for d in data) <= spread / 500, f"{what} drew {value}, not in its data"


def test_every_chart_draws_its_own_values(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Each chart on the page, drawn by Vega-Lite, puts each mark at a value of its data: none stacked or summed."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    finished_night(feed_server)
    rerun_until(at, lambda at: "2 games" in header(at) and len(at.get("vega_lite_chart")) == 2, "the latency charts")
    latency, rate = (browser_spec(chart) for chart in at.get("vega_lite_chart"))
    series = [v for row in latency["data"]["values"] for k, v in row.items() if k != "time" and v is not None]
    latency_drawn, rate_drawn = (draw(chart) for chart in at.get("vega_lite_chart"))
    assert_drawn_from(latency_drawn.values("symbol"), series, "the latency chart")
    assert_drawn_from(rate_drawn.values("rect"), [row["messages"] for row in rate["data"]["values"]], "the rate chart")

    open_tab(at, "🎯 Game detail")
    probability, margin = at.get("vega_lite_chart")
    data = browser_spec(probability)["datasets"]
    assert_drawn_from(
        draw(probability).values("line"),
        [row["home_win_probability"] for row in data["probability"]],
        "the probability chart",
    )
    margins = [row["margin"] for row in browser_spec(margin)["datasets"]["margin"]]
    assert_drawn_from(draw(margin).values("area"), margins, "the margin chart")

    open_tab(at, "📈 Scorecard")
    (reliability,) = at.get("vega_lite_chart")
    observed = [row["observed"] for row in browser_spec(reliability)["data"]["values"] if row["observed"] is not None]
    drawn = draw(reliability)
    assert_drawn_from(drawn.values("symbol"), observed, "the reliability chart")
    assert drawn.y_range == (0.0, 1.0)


def test_a_game_is_never_certain_before_its_final(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Live, 0.999 reads >99 % and 0.001 <1 %: cards, table, the chart's tooltips; the final, 100 % and who won."""
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("sure", home_team="Sure Home", home_score=90, away_score=40)),
            ScoreUpdate(
                data=a_game("doomed", home_team="Doomed Home", away_team="Doomed Away", home_score=40, away_score=90)
            ),
            PredictionUpdate(data=Prediction(game_id="sure", home_win_probability=0.999)),
            PredictionUpdate(data=Prediction(game_id="doomed", home_win_probability=0.001)),
        ]
    )
    at = app(feed_server.url)
    rerun_until(at, lambda at: "No prediction yet" not in page_text(at) and len(card_teams(at)) == 4, "predictions")
    text = page_text(at)
    assert "Sure Home win &gt;99 %" in text
    assert "Doomed Home win &lt;1 %" in text
    assert "100 %" not in text
    assert " 0 %" not in text
    assert sorted(at.dataframe[0].value["Home win"]) == ["<1 %", ">99 %"]
    open_tab(at, "🎯 Game detail")
    tooltips = {row["home_win"] for row in browser_spec(at.get("vega_lite_chart")[0])["datasets"]["probability"]}
    assert tooltips <= {"<1 %", ">99 %"}
    comeback = {m.label: m.value for m in at.metric}["Comeback factor"]
    assert comeback not in ("0 %", "100 %")

    final = a_game(
        "sure", home_team="Sure Home", home_score=100, away_score=40, status="final", period=4, clock="00:00"
    )
    feed_server.publish(
        [GameEnd(data=final), PredictionUpdate(data=Prediction(game_id="sure", home_win_probability=1))]
    )
    open_tab(at, "🏀 Live")
    rerun_until(at, lambda at: "Sure Home won by 60" in page_text(at), "the final's winner")
    assert "100 %" in list(at.dataframe[0].value["Home win"])


def test_scorecard_tab_scores_finished_games_and_says_when_too_few(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """With two finished games the scorecard shows its figures and warns that two is too few."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")  # watching from the start: every prediction counts
    finished_night(feed_server)
    rerun_until(at, lambda at: "2 games" in header(at), "two games")
    at.session_state["tab"] = "📈 Scorecard"
    rerun_until(at, lambda at: {m.label for m in at.metric} >= {"Brier score", "Log loss"}, "the scorecard")
    assert "Only 2 scored games so far:" in " ".join(w.value for w in at.warning)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Scored games"] == "2"
    assert labels["Predictions"] == "6"


def test_data_tab_offers_every_table_in_two_formats(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data tab has a CSV and a Parquet download for each table."""
    monkeypatch.chdir(tmp_path)  # no recordings to offer
    at = app(feed_server.url)
    at.session_state["tab"] = "⬇️ Data"
    at.run()
    assert not at.exception
    buttons = list(at.get("download_button"))
    assert len(buttons) == 18


def test_recording_switch_records_and_stops(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the operator key entered, the sidebar switch starts a recording under recordings/ and stops it again."""
    monkeypatch.chdir(tmp_path)
    at = app(feed_server.url, OPERATOR_KEY=OPERATOR_KEY)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    at.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    at.toggle(key="record").set_value(True).run()
    feed_server.publish([ScoreUpdate(data=a_game("rec"))])
    rerun_until(
        at,
        lambda at: "Recording to recordings/night" in " ".join(c.value for c in at.sidebar.caption),
        "the recording caption",
    )
    at.toggle(key="record").set_value(False).run()
    at.run()
    assert "Recording to" not in " ".join(c.value for c in at.sidebar.caption)
    (recording,) = (tmp_path / "recordings").glob("night-*.jsonl")
    assert recording.stat().st_size > 0


def test_feed_source_nba_shows_tonights_games_and_the_cdns_health(app: AppFactory) -> None:
    """FEED_SOURCE=nba: the bridge runs in the page's process, the sidebar names the source, the header its health."""
    night = CdnNight()
    night.add("0022600301", CELTICS, KNICKS)
    night.start("0022600301")
    night.score("0022600301", "away", 3, "11:20")
    with CdnStandIn(night) as cdn:
        at = app(None, FEED_SOURCE="nba", FEED_NBA_BASE_URL=cdn.base_url, FEED_NBA_POLL="1")
        at.run()
        rerun_until(at, lambda at: "Boston Celtics" in card_teams(at), "the NBA game's card")
        rerun_until(at, lambda at: "NBA live · updated" in header(at), "the source's health")
        sidebar = "\n".join(str(c.value) for c in at.sidebar.caption)
        assert "NBA live" in sidebar
        assert "polled every 1 s" in sidebar
        cdn.fail("scoreboard", "403", times=1000)
        rerun_until(at, lambda at: "NBA live unreachable for" in header(at), "the outage in the header")
        assert "HTTP 403" in header(at)
        assert "Boston Celtics" in card_teams(at)  # the last good state stays on the board


def test_the_board_says_when_the_next_game_tips_off(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """With no game in progress the board names the next tip-off and how long until it."""
    at = app(feed_server.url)
    at.run()
    tip_off = datetime.now(UTC) + timedelta(hours=2, minutes=10)
    feed_server.publish(
        [
            ScoreUpdate(
                data=a_game(
                    "g1",
                    status="scheduled",
                    period=0,
                    clock="12:00",
                    home_score=0,
                    away_score=0,
                    start_time=tip_off,
                )
            )
        ]
    )
    rerun_until(at, lambda at: "Next tip-off" in page_text(at), "the next tip-off")
    note = next(str(e.value) for e in at.info if "Next tip-off" in str(e.value))
    assert "New York Knicks at Boston Celtics" in note
    assert "(in 2 h 9 min)" in note or "(in 2 h 10 min)" in note


def sidebar_text(at: AppTest) -> str:
    """The sidebar's captions as a viewer reads them (markdown escapes removed)."""
    return " ".join(str(c.value) for c in at.sidebar.caption).replace("\\", "")


def test_an_anonymous_viewer_sees_the_recording_state_but_no_switch_and_no_path(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A viewer from another machine without the key: no switch, no server path, no downloads; the state, yes."""
    monkeypatch.chdir(tmp_path)
    operator = app(feed_server.url, OPERATOR_KEY=OPERATOR_KEY)
    operator.run()
    operator.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    operator.toggle(key="record").set_value(True).run()
    viewer = AppTest.from_file(DASHBOARD, default_timeout=30)
    viewer.run()
    assert not viewer.exception
    assert [t.key for t in viewer.toggle if t.key == "record"] == []
    rerun_until(viewer, lambda at: "The feed is being recorded" in sidebar_text(at), "the recording state")
    assert "recordings" not in sidebar_text(viewer)
    viewer.text_input(key="operator_key").set_value("a guess").run()
    assert "That is not the operator key." in sidebar_text(viewer)
    assert [t.key for t in viewer.toggle if t.key == "record"] == []
    viewer.session_state["tab"] = "⬇️ Data"
    viewer.run()
    assert "Recordings" not in [s.value for s in viewer.subheader]
    operator.session_state["tab"] = "⬇️ Data"
    operator.run()
    assert "Recordings" in [s.value for s in operator.subheader]
    assert any(str(b.label) == "JSONL" for b in operator.get("download_button"))


def test_a_key_guesser_gets_a_few_tries_then_one_every_ten_seconds_each_refusal_logged(
    app: AppFactory, feed_server: ScriptedFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty guesses in a row, then the key: five are checked and refused, the rest (the key too) are not checked."""
    at = app(feed_server.url, OPERATOR_KEY=OPERATOR_KEY)
    at.run()
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="lib.access"):
        for n in range(20):
            at.text_input(key="operator_key").set_value(f"guess {n}").run()
        at.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    elapsed = time.monotonic() - started
    logged = [record.getMessage() for record in caplog.records]
    refused = sum(message.startswith("operator key refused") for message in logged)
    assert KEY_TRY_BURST <= refused <= KEY_TRY_BURST + elapsed / KEY_TRY_INTERVAL
    assert not any("guess" in message or OPERATOR_KEY in message for message in logged)
    if elapsed < KEY_TRY_INTERVAL:  # no try has been earned back: the key itself was not checked
        assert "Too many tries of the operator key" in sidebar_text(at)
        assert [t.key for t in at.toggle if t.key == "record"] == []


def test_a_busy_server_refreshes_everyone_less_often_and_the_page_says_so(
    app: AppFactory, feed_server: ScriptedFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A governor that finds the process past its target: the floor goes up and the page says by how much."""
    monkeypatch.setattr(pacing, "WINDOW", 0.001)  # every run is a window
    monkeypatch.setattr(pacing, "HIGH_LOAD", -1.0)  # whatever it used is too much
    monkeypatch.setattr(pacing, "TARGET_LOAD", 1e-9)  # and the floor goes all the way up
    at = app(feed_server.url)
    at.run()
    assert "Many viewers right now" not in page_text(at)
    rerun_until(at, lambda at: "Many viewers right now" in page_text(at), "the page to say it refreshes less often")
    assert f"the page refreshes every {pacing.MAX_FLOOR:g} s (you chose 1 s)" in page_text(at)
    at.slider[0].set_value(pacing.MAX_REFRESH).run()  # a viewer who chose slower is not slowed
    assert "Many viewers right now" not in page_text(at)


def test_the_switch_follows_the_shared_state_and_acts_only_when_flipped(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page opened before another operator started recording shows it on, and its next run does not stop it."""
    monkeypatch.chdir(tmp_path)
    early = app(feed_server.url, OPERATOR_KEY=OPERATOR_KEY)
    early.run()
    early.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    assert early.toggle(key="record").value is False
    later = AppTest.from_file(DASHBOARD, default_timeout=30)
    later.run()
    later.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    later.toggle(key="record").set_value(True).run()
    early.slider[0].set_value(2.0).run()  # any full run of the early page
    assert early.toggle(key="record").value is True
    assert "Recording to recordings" in sidebar_text(early)


def test_a_recording_stops_at_its_limit_with_the_reason_shown(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RECORDING_MAX_MB reached: the recording stops by itself and the sidebar says why."""
    monkeypatch.chdir(tmp_path)
    at = app(feed_server.url, OPERATOR_KEY=OPERATOR_KEY, RECORDING_MAX_MB="0.002")
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    at.text_input(key="operator_key").set_value(OPERATOR_KEY).run()
    at.toggle(key="record").set_value(True).run()
    feed_server.publish([ScoreUpdate(data=a_game(f"limit-{n}")) for n in range(20)])
    rerun_until(at, lambda at: "Recording stopped: the size limit of 2 KiB was reached" in sidebar_text(at), "the stop")
    assert at.toggle(key="record").value is False


def test_every_run_of_every_page_shares_one_feed_connection(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """Full reruns and a second page reuse the one LiveFeed: the feed server sees a single client."""
    at = app(feed_server.url, FEED_TOKEN="t0k3n", FEED_MAX_RECONNECT_ATTEMPTS="none")
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    for refresh in (2.0, 3.0, 1.5):
        at.slider[0].set_value(refresh).run()
    other = AppTest.from_file(DASHBOARD, default_timeout=30)
    other.run()
    rerun_until(other, lambda at: "Live" in header(at), "Live on the second page")
    assert feed_server.client_count == 1


def archive_scope_options(at: AppTest) -> list[str]:
    return [str(option.content) for group in at.get("button_group") for option in group.proto.options]


def open_archive_scope(at: AppTest, option: str) -> None:
    """Switch the tab to the archive once it offers ``option``, as a click on it does."""

    def offered(at: AppTest) -> bool:
        st.cache_data.clear()  # the page shares archive reads for 30 s
        return option in archive_scope_options(at)

    rerun_until(at, offered, option)
    at.get("button_group")[0].set_value("archive").run()
    assert not at.exception


def test_scorecard_and_game_detail_reach_every_archived_game(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """With FEED_ARCHIVE the scorecard and game detail switch to the archive's games."""
    at = app(feed_server.url, FEED_ARCHIVE=str(tmp_path / "nba.duckdb"))
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    finished_night(feed_server)
    at.session_state["tab"] = "📈 Scorecard"
    open_archive_scope(at, "the archive (2 scored games)")
    assert {m.label: m.value for m in at.metric}["Scored games"] == "2"

    at.session_state["tab"] = "🎯 Game detail"
    at.run()
    assert "the archive (2 games)" in archive_scope_options(at)
    at.get("button_group")[0].set_value("archive").run()
    assert not at.exception
    chosen = at.selectbox(key="archived_game")
    labels = sorted(re.sub(r"\d{4}-\d\d-\d\d", "DAY", label) for label in chosen.options)
    assert labels == ["Away l 3 @ Home l 0, DAY (final)", "Away w 5 @ Home w 9, DAY (final)"]
    chosen.set_value("w").run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 2
    assert "Final figures" in page_text(at)


def test_data_tab_offers_the_archives_views(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an archive the data tab adds a CSV and a Parquet download for each of its six views."""
    monkeypatch.chdir(tmp_path)
    at = app(feed_server.url, FEED_ARCHIVE=str(tmp_path / "nba.duckdb"))
    at.session_state["tab"] = "⬇️ Data"
    at.run()
    assert not at.exception
    names = [button.proto.label for button in at.get("download_button")]
    assert len(names) == 18 + 12
    assert "**archive-finished-games**: finished games with their figures" in [m.value for m in at.markdown]
    assert "**archive-player-wpa**: each player's win probability added in each archived game" in [
        m.value for m in at.markdown
    ]


def test_an_archive_that_cannot_be_written_is_a_warning_and_the_page_goes_on(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """An archive in a folder that does not exist: a sidebar warning naming the file, no server folder; live goes on."""
    at = app(feed_server.url, FEED_ARCHIVE=str(tmp_path / "missing" / "nba.duckdb"))
    feed_server.publish([ScoreUpdate(data=a_game("g1"))])
    rerun_until(at, lambda at: "1 game" in header(at), "the live game")
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert "not written by this dashboard" in warnings
    assert "nba\\.duckdb" in warnings
    assert str(tmp_path) not in warnings + page_text(at)
    assert "the archive" not in " ".join(archive_scope_options(at))


def test_the_event_log_shows_tip_offs_without_a_score_and_none_for_a_game_joined_late(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """A game seen going live at 0-0 is a tip-off with no score; one first met at 50-48 through game_start is none."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    late = {"home_team": "Late Home", "away_team": "Late Away"}
    seen = {"home_team": "Seen Home", "away_team": "Seen Away"}
    pregame = {"period": 0, "clock": "12:00", "home_score": 0, "away_score": 0}
    feed_server.publish(
        [
            GameStart(data=a_game("late", **late, home_score=50, away_score=48)),
            ScoreUpdate(data=a_game("seen", **seen, status="scheduled", **pregame)),
            GameStart(data=a_game("seen", **seen, **{**pregame, "period": 1})),
            ScoreUpdate(data=a_game("seen", **seen, period=1, clock="11:40", home_score=2, away_score=0)),
            GameEnd(data=a_game("late", **late, status="final", period=4, clock="00:00", home_score=99, away_score=90)),
        ]
    )
    rerun_until(at, lambda at: any("Final" in list(d.value.get("Event", [])) for d in at.dataframe), "the final")
    log = next(d.value for d in at.dataframe if "Event" in d.value)
    assert list(zip(log.Event, log.Game, log.Score, strict=True)) == [
        ("Final", "Late Away @ Late Home", "90–99"),
        ("Tip-off", "Seen Away @ Seen Home", ""),
    ]


def test_a_game_joined_late_is_marked_partial_and_left_out_of_the_scorecard(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """First met at 60-58 in Q3: partial, known from Q3 07:12, in Every game and the per-game scorecard; the
    scorecard's figures count the two games seen from their tip-off, say one partial game is left out, and
    count it too when the viewer asks."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    finished_night(feed_server)
    teams = {"home_team": "Late Home", "away_team": "Late Away"}
    final = {"status": "final", "period": 4, "clock": "00:00", "home_score": 101, "away_score": 99}
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("late", **teams, home_score=60, away_score=58)),
            PredictionUpdate(data=Prediction(game_id="late", home_win_probability=0.9)),
            GameEnd(data=a_game("late", **teams, **final)),
        ]
    )
    rerun_until(at, lambda at: "3 games" in header(at), "three games")
    at.session_state["tab"] = "🎯 Game detail"
    rerun_until(at, lambda at: len(at.dataframe) == 1 and len(at.dataframe[0].value) == 3, "every game's figures")
    every_game = at.dataframe[0].value.set_index("home_team")
    assert every_game.known_from.to_dict() == {"Home w": "tip-off", "Home l": "tip-off", "Late Home": "Q3 07:12"}
    at.session_state["tab"] = "📈 Scorecard"
    rerun_until(at, lambda at: {m.label for m in at.metric} >= {"Brier score"}, "the scorecard")
    assert {m.label: m.value for m in at.metric}["Scored games"] == "2"
    assert "Left out: 1 partial game, first seen after tip-off" in page_text(at)
    assert "Only 2 scored games so far (and 1 partial game, first seen after tip-off, left out)" in " ".join(
        w.value for w in at.warning
    )
    per_game = next(d.value for d in at.dataframe if "known_from" in d.value).set_index("game_id")
    assert per_game.partial.to_dict() == {"w": False, "l": False, "late": True}
    assert per_game.loc["late", "known_from"] == "Q3 07:12"
    at.toggle(key="include_partial").set_value(True).run()
    assert {m.label: m.value for m in at.metric}["Scored games"] == "3"
    assert "Left out" not in page_text(at)


def test_tip_off_times_no_one_can_hold_are_rejected_and_every_page_goes_on(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """Scheduled games in the year 10000 or 0 (UTC) or without an offset: counted as rejected, and no page errs."""
    at = app(feed_server.url)
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    scheduled = {"home_score": 0, "away_score": 0, "period": 0, "clock": "12:00", "status": "scheduled"}
    times = {
        "far": "9999-12-31T23:59:59-05:00",
        "early": "0001-01-01T00:00:00+05:00",
        "naive": "2026-11-26T19:30:00",
        "aware": "2026-11-26T19:30:00-05:00",
    }
    feed_server.publish_raw(
        [json.dumps({"type": "score_update", "data": game(g, **scheduled, start_time=t)}) for g, t in times.items()]
    )
    rerun_until(at, lambda at: "1 game" in header(at), "the one game with a time the page can hold")
    next(toggle for toggle in at.toggle if "Performance monitor" in toggle.label).set_value(True).run()
    assert {m.label: m.value for m in at.metric}["Rejected"] == "3"
    for tab in ("🎯 Game detail", "📈 Scorecard", "⬇️ Data", "🏀 Live"):
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, tab


EVERY_PHASE = [
    ({"status": "scheduled", "period": 0, "clock": "12:00", "home_score": 0, "away_score": 0}, 0.61),
    ({"period": 1, "clock": "12:00", "home_score": 0, "away_score": 0}, 0.62),
    ({"period": 2, "clock": "03:00", "home_score": 50, "away_score": 48}, 0.64),
    ({"period": 3, "clock": "06:00", "home_score": 70, "away_score": 75}, 0.41),
    ({"period": 4, "clock": "08:00", "home_score": 88, "away_score": 90}, 0.45),
    ({"period": 4, "clock": "02:00", "home_score": 99, "away_score": 99}, 0.55),
    ({"period": 5, "clock": "03:00", "home_score": 101, "away_score": 103}, 0.30),
]
"""A game predicted before its tip-off and in every phase of play, overtime included; the home team wins it."""


def every_phase_night(server: ScriptedFeed) -> None:
    """The two finished games (all their predictions in the third quarter), and a home win predicted in every phase."""
    finished_night(server)
    teams = {"home_team": "Phase Home", "away_team": "Phase Away"}
    for state, probability in EVERY_PHASE:
        server.publish(
            [
                ScoreUpdate(data=a_game("every", **teams, **{"status": "live", **state})),
                PredictionUpdate(data=Prediction(game_id="every", home_win_probability=probability)),
            ]
        )
    final = {"status": "final", "period": 5, "clock": "00:00", "home_score": 110, "away_score": 105}
    server.publish([GameEnd(data=a_game("every", **teams, **final))])


def phase_table_shown(at: AppTest) -> Any:
    """The scorecard's table by phase, as the page holds it (``None`` while it is not shown)."""
    return next((d.value for d in at.dataframe if ("", "Phase") in d.value.columns), None)


def test_the_scorecard_judges_each_phase_beside_both_baselines_for_the_session_and_the_archive(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """A table by phase, pregame to all, with our Brier score (worked out here from the predictions sent) beside
    the model with nothing known's and Stern's, and each calibration error; the archive's scope shows the same."""
    at = app(feed_server.url, FEED_ARCHIVE=str(tmp_path / "nba.duckdb"))
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    every_phase_night(feed_server)
    at.session_state["tab"] = "📈 Scorecard"
    rerun_until(at, lambda at: {m.label: m.value for m in at.metric}.get("Scored games") == "3", "three scored games")
    session = phase_table_shown(at)
    names = ["Pregame", "First half", "Third quarter", "Fourth quarter before the last five minutes"]
    assert list(session[("", "Phase")]) == [*names, "Last five minutes", "All"]
    assert list(session[("", "Predictions")]) == [1, 2, 7, 1, 2, 13]
    # Ours, by hand: "every" was won at home, "w" (0.55, 0.6, 0.35, 0.8) too, "l" (0.5, 0.3) away.
    every = [p for _, p in EVERY_PHASE]
    third = [(1 - every[3]) ** 2, *((1 - p) ** 2 for p in (0.55, 0.6, 0.35, 0.8)), 0.5**2, 0.3**2]
    ours = [
        (1 - every[0]) ** 2,
        ((1 - every[1]) ** 2 + (1 - every[2]) ** 2) / 2,
        sum(third) / 7,
        (1 - every[4]) ** 2,
        ((1 - every[5]) ** 2 + (1 - every[6]) ** 2) / 2,
    ]
    ours.append((ours[0] + 2 * ours[1] + sum(third) + ours[3] + 2 * ours[4]) / 13)
    assert list(session[("Brier score", "Ours")]) == pytest.approx(ours)
    for figure in ("Brier score", "Calibration error"):
        for baseline in ("Nothing known", "Stern"):
            theirs = session[(figure, baseline)]
            assert theirs.notna().all(), (figure, baseline)
            assert (theirs != session[(figure, "Ours")]).any(), (figure, baseline)
    # One prediction is its own bucket: its calibration error is how far it was from the result, in points.
    assert session[("Calibration error", "Ours")].iloc[0] == pytest.approx(100 * (1 - every[0]))
    assert "Over every phase our Brier score" in page_text(at)
    assert "**Nothing known**: the win-probability model" in page_text(at)
    open_archive_scope(at, "the archive (3 scored games)")
    archived = phase_table_shown(at)
    pd.testing.assert_frame_equal(archived, session)


def plays_tables(at: AppTest) -> list[str]:
    """The page's lists of plays (key moments, tonight's biggest), as HTML."""
    return [str(e.value) for e in at.html if "nba-plays" in str(e.value)]


def test_game_detail_shows_the_plays_key_moments_and_wpa_by_player(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """A game with plays: eight key moments (clock, team, text, score, signed WPA), WPA by player away then home,
    feed text as text, a long description cut with its whole on hover, no ids."""
    feed_server.publish(played_game())
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    open_tab(at, "🎯 Game detail")
    rerun_until(at, lambda at: len(plays_tables(at)) == 1, "the key moments")
    (moments,) = plays_tables(at)
    rows = html_rows(moments)
    assert len(rows) == 8
    assert rows[0] == ["Q1 09:30", "Plays Away", "Away Ace 26' 3PT Jump Shot", "4–6", "+12.0 %", "42 %"]
    assert rows[1][1:] == ["Plays Home", "Home Guard Offensive Foul", "6–10", "-10.0 %", "35 %"]  # against its team
    assert [row[2] for row in rows].count(HOSTILE) == 1  # shown as those characters
    assert "<img" not in moments
    cut = next(row[2] for row in rows if row[2].startswith("Home Star driving"))
    assert cut.endswith("…")
    assert f'title="{LONG_PLAY}"' in moments
    assert "played-7f3a" not in moments
    subheaders = [s.value for s in at.subheader]
    assert (
        subheaders.index("Key moments")
        < subheaders.index("WPA by player")
        < subheaders.index("Every game, most exciting first")
    )
    away, home, _every_game = (d.value for d in at.dataframe)
    assert list(away.Player) == ["Away Ace", "Away Big", HOSTILE]
    assert list(away.WPA) == [16.0, 6.0, 5.0]
    assert list(home.Player) == ["Home Star", "Home Guard", "Team plays (no player)"]
    assert list(home.WPA) == [12.0, -12.0, 7.0]
    assert not any("played-7f3a" in str(value) for d in at.dataframe for value in d.value.to_numpy().ravel())
    assert NO_PLAYERS not in [c.value for c in at.caption]


def test_a_game_whose_plays_name_no_player_says_so_under_wpa_by_player(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """Plays without players (the demo's): each team's one row is all its plays, and a caption says why."""
    swings = [(side, swing, None, description) for side, swing, _, description in SWINGS]
    feed_server.publish(played_game(swings=swings))
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    open_tab(at, "🎯 Game detail")
    rerun_until(at, lambda at: len(plays_tables(at)) == 1, "the key moments")
    assert NO_PLAYERS in [c.value for c in at.caption]
    away, home, _every_game = (d.value for d in at.dataframe)
    assert (list(away.Player), list(home.Player)) == ([TEAM_PLAYS], [TEAM_PLAYS])


def test_a_game_met_after_its_tip_off_has_whole_figures_when_its_plays_reach_back_to_it(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """The page connects mid-game: the feed sends the game as it is now and its plays from the start; the figures
    come from the plays, whole like the charts, not partial from the state met."""
    feed_server.publish(played_game())
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    open_tab(at, "🎯 Game detail")
    rerun_until(at, lambda at: len(plays_tables(at)) == 1, "the key moments")
    figures = {m.label: m.value for m in at.metric}
    assert (figures["Lead changes"], figures["Times tied"], figures["Biggest leads"]) == ("0", "1", "0 / 4")
    assert "partial" not in page_text(at)
    assert list(at.dataframe[-1].value["known_from"]) == ["tip-off"]


def test_hovering_the_chart_reads_the_plays_of_the_moment(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """The probability chart is drawn from the plays; each drawn moment's hover point carries its plays in words."""
    feed_server.publish(played_game())
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    open_tab(at, "🎯 Game detail")
    rerun_until(at, lambda at: len(at.get("vega_lite_chart")) == 2, "the charts")
    probability, margin = at.get("vega_lite_chart")
    spec = browser_spec(probability)
    tooltip = spec["layer"][-1]["encoding"]["tooltip"]
    assert {"field": "plays", "title": "Plays"} in tooltip
    drawn = draw(probability)
    assert_drawn_from(drawn.values("line"), [0.5 + sum(s for _, s, _, _ in SWINGS[:n]) for n in range(11)], "plays")
    hovers = [item["description"] for item in drawn.items["symbol"]]
    assert len(hovers) == 11  # every play at its own clock: one moment each
    assert any("Plays: Plays Away · Away Ace 26' 3PT Jump Shot · +12.0 %" in text for text in hovers)
    assert any(f"Plays Away · {HOSTILE} · +5.0 %" in text for text in hovers)  # Vega draws it as text
    assert any("Game time: Q1 09:30" in text and "Home win: 42 %" in text for text in hovers)
    margins = [item["description"] for item in draw(margin).items["symbol"]]
    assert any("Plays: Plays Away · Away Big Dunk" in text for text in margins)


def test_a_game_without_plays_says_so_in_one_line(app: AppFactory, feed_server: ScriptedFeed) -> None:
    """An old feed's game: no key moments table, no WPA tables, one line; the live tab says no plays yet tonight."""
    feed_server.publish([ScoreUpdate(data=a_game("old", **PLAYED))])
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    assert "No plays received yet tonight" in page_text(at)
    open_tab(at, "🎯 Game detail")
    assert plays_tables(at) == []
    assert len(at.dataframe) == 1  # every game's figures only
    assert "No plays received for this game: its key moments and WPA by player show" in page_text(at)
    assert "WPA by player" not in [s.value for s in at.subheader]


def test_a_game_joined_late_says_its_wpa_starts_where_it_was_first_seen(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """Plays known from Q3 08:23: the page says the key moments and WPA count from there."""
    late = [
        play_update("late", 40, 0.6, period=3, clock="08:23", team="Plays Home", home_score=60, away_score=55),
        play_update("late", 41, 0.7, period=3, clock="08:00", team="Plays Home", home_score=62, away_score=55),
    ]
    feed_server.publish([ScoreUpdate(data=a_game("late", **PLAYED, home_score=62, away_score=55)), *late])
    at = app(feed_server.url)
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    open_tab(at, "🎯 Game detail")
    rerun_until(at, lambda at: len(plays_tables(at)) == 1, "the key moments")
    assert "its plays are known from Q3 08:23; the key moments and WPA count from there" in plain(page_text(at))
    assert len(html_rows(plays_tables(at)[0])) == 1  # the first play known moved nothing known
    assert "No play of theirs yet." in page_text(at)  # the away side: no empty table
    assert len(at.dataframe) == 2  # the home side's WPA, every game's figures


def test_tonights_biggest_plays_refresh_like_the_cards_newest_first_among_equals(
    app: AppFactory, feed_server: ScriptedFeed
) -> None:
    """The live tab lists the five biggest swings of tonight's games; a bigger play arrives and leads the list; of two
    equal swings the newer comes first."""
    feed_server.publish(played_game())
    at = app(feed_server.url)
    rerun_until(at, lambda at: len(plays_tables(at)) == 1, "tonight's biggest plays")
    rows = html_rows(plays_tables(at)[0])
    assert [(row[0], row[3], row[5]) for row in rows] == [
        ("Plays Away @ Plays Home", "Away Ace 26' 3PT Jump Shot", "+12.0 %"),
        ("Plays Away @ Plays Home", "Home Guard Offensive Foul", "-10.0 %"),
        ("Plays Away @ Plays Home", LONG_PLAY[:99].rstrip() + "…", "+8.0 %"),
        ("Plays Away @ Plays Home", "Plays Home Team Rebound", "+7.0 %"),
        ("Plays Away @ Plays Home", "Away Big Dunk", "+6.0 %"),
    ]
    other = {"home_team": "Other Home", "away_team": "Other Away"}
    feed_server.publish(
        [
            ScoreUpdate(data=a_game("other", **other)),
            play_update("other", 0, 0.5, period=1, clock="12:00", team=None, home_score=0, away_score=0),
            play_update("other", 1, 0.62, period=1, clock="11:00", team="Other Home", description="Other Home Dunk"),
        ]
    )
    rerun_until(at, lambda at: "Other Home Dunk" in plays_tables(at)[0], "the new play")
    rows = html_rows(plays_tables(at)[0])
    assert [row[3] for row in rows[:2]] == ["Other Home Dunk", "Away Ace 26' 3PT Jump Shot"]  # +12.0 %, the newer first
    assert rows[0][0] == "Other Away @ Other Home"
    assert len(rows) == 5


def test_an_archived_games_detail_has_its_key_moments_and_wpa_by_player(
    app: AppFactory, feed_server: ScriptedFeed, tmp_path: Path
) -> None:
    """With FEED_ARCHIVE, an archived game with plays shows the same sections from the archive."""
    at = app(feed_server.url, FEED_ARCHIVE=str(tmp_path / "nba.duckdb"))
    rerun_until(at, lambda at: "Live" in header(at), "Live")
    feed_server.publish(played_game("arch"))
    rerun_until(at, lambda at: "1 game" in header(at), "the game")
    at.session_state["tab"] = "🎯 Game detail"
    open_archive_scope(at, "the archive (1 game)")

    def archived(at: AppTest) -> bool:
        st.cache_data.clear()  # the page shares archive reads for 30 s
        return len(plays_tables(at)) == 1

    rerun_until(at, lambda at: archived(at) and len(html_rows(plays_tables(at)[0])) == 8, "every archived play")
    assert html_rows(plays_tables(at)[0])[0][2] == "Away Ace 26' 3PT Jump Shot"
    assert [s.value for s in at.subheader].count("WPA by player") == 1
