"""End to end in a real browser: feed server → streamlit run dashboard.py → headless Chromium."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from harness.browser import CHROMIUM, CHROMIUM_FLAGS, CONNECTED, Dashboard, lan_address
from harness.cdn import CELTICS, KNICKS, CdnNight, CdnStandIn
from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.feed.sources.night import NightSimulator
from lib.protocol import Game, GameEnd, GameStart, Prediction, PredictionUpdate, ScoreUpdate
from tests.helpers import HOSTILE, LONG_PLAY, game, play_update, played_game, two_finished_games

REFRESH_SECONDS = 1.0
"""The page's default refresh interval."""
FIRST_SHOWN = """text => {
  window.__shown = null;
  const check = () => {
    if (window.__shown !== null) return;
    for (const element of document.querySelectorAll('.nba-score')) {
      if (element.textContent.trim() === text) { window.__shown = Date.now(); return; }
    }
  };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""
"""Installs an observer that notes when a score with this text first shows (``window.__shown``, epoch ms)."""
FAST_RECONNECT = {"FEED_RECONNECT_BASE_DELAY": "0.5", "FEED_RECONNECT_MAX_DELAY": "1"}
"""So that a restarted feed is back on the page within the tests' deadlines."""

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (requirements-dev.txt)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)", allow_module_level=True)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright."""
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def open_page(browser: Any, url: str) -> Any:
    """A page on the dashboard, loaded and connected to its Streamlit server, with dialogs recorded."""
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    return page


def connection_words(page: Any) -> str:
    return str(page.locator("[data-testid='nba-connection']").first.inner_text(timeout=30_000))


def a_game(game_id: str, **fields: Any) -> Game:
    return Game.model_validate(game(game_id, **fields))


RECORD_LINES = "() => [...document.querySelectorAll('.nba-record')].map(r => r.getClientRects().length)"
"""How many lines each card's team record takes."""


def test_live_page_in_a_real_browser(browser: Any) -> None:
    """Cards and scores show, a pushed score shows within the refresh plus 1 s, a feed restart is survived."""
    server = ScriptedFeed(NightSimulator(games=8, seed=7, speed=60.0), interval=1.0).start()
    dashboard = Dashboard(server.url, **FAST_RECONNECT)
    try:
        page = open_page(browser, dashboard.url)
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        wait_for(lambda: page.locator(".nba-card").count() == 8, 30, "eight cards")
        wait_for(lambda: connection_words(page) == "Live", 30, "Live")
        assert "8 games" in page.locator("[data-testid='nba-game-count']").first.inner_text()
        for width in range(340, 1400, 15):
            # A record such as "25-4" reads whole at every width, never split at its hyphen.
            page.set_viewport_size({"width": width, "height": 2200})
            lines = page.evaluate(RECORD_LINES)
            assert lines == [1] * 16, f"records at {width} px take {lines} lines"
        page.set_viewport_size({"width": 1400, "height": 2200})
        wait_for(lambda: max(int(s) for s in page.locator(".nba-score").all_inner_texts()) >= 25, 60, "scoring")

        live_id = next(g.game_id for g in server.source.games if g.status == "live")  # type: ignore[union-attr]
        current = next(g for g in server.source.games if g.game_id == live_id)  # type: ignore[union-attr]
        pushed = current.model_copy(update={"home_score": 398, "away_score": 399})
        # The page stamps the moment the score enters its DOM, so Playwright's polling adds nothing to the time.
        page.evaluate(FIRST_SHOWN, "399")
        sent_ms = time.time() * 1000.0
        server.publish([ScoreUpdate(data=pushed)])
        page.wait_for_function("() => window.__shown !== null", timeout=30_000)
        shown_after = (page.evaluate("() => window.__shown") - sent_ms) / 1000.0
        assert shown_after <= REFRESH_SECONDS + 1.0, f"the pushed score took {shown_after:.2f} s to show"

        port = server.port
        server.stop()
        wait_for(lambda: connection_words(page).startswith("Reconnecting"), 30, "the reconnecting state")
        server = ScriptedFeed(NightSimulator(games=8, seed=7, speed=60.0), port=port, interval=1.0).start()
        wait_for(lambda: connection_words(page) == "Live", 30, "Live again")
        assert page.dialogs == []
    finally:
        dashboard.stop()
        server.stop()


DRAWN_TEXT = """() => {
  window.__drawn = new Set();
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__drawn.add(String(text));
    return fill.call(this, text, ...rest);
  };
}"""
"""Notes every text drawn on a canvas (the tables are drawn, not laid out): what a viewer reads in them."""
CUT_OFF = """() => {
  const cut = [];
  for (const scroller of document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')) {
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
      const table = scroller.closest('[data-testid=stDataFrame]');
      const headers = [...table.querySelectorAll('th')].map(th => th.textContent);
      const widths = scroller.scrollWidth + ' px in ' + scroller.clientWidth;
      cut.push('a table wider than its place (' + widths + '): ' + headers.join(' | '));
    }
  }
  for (const element of document.querySelectorAll('[data-testid=stMain] *')) {
    const style = getComputedStyle(element);
    const clips = style.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(style.overflowX);
    if (clips && element.innerText && element.innerText.trim() && element.scrollWidth > element.clientWidth + 1) {
      cut.push('cut off: ' + element.innerText.trim().slice(0, 80));
    }
  }
  return cut;
}"""
"""What does not fit at this width: tables that scroll sideways, labels and values cut short."""
CHART_TEXT = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] text')].flatMap(
  t => t.querySelector('tspan') ? [...t.querySelectorAll('tspan')].map(line => line.textContent) : [t.textContent])"""
"""Every line of text the charts draw (Vega draws them as SVG here, a text of several lines in tspans)."""
RAW_IDS = ("id-7f3a-live", "id-7f3a-soon", "id-7f3a-half")
PORTLAND = "Portland Trail Blazers"


def test_every_tab_reads_whole_at_1400_px_with_no_ids_and_no_empty_values(browser: Any) -> None:
    """At 1,400 px, every table header, label and value is whole (on a phone the margin chart says its sign whole);
    no game id, None, nan or <NA> is drawn."""
    server = ScriptedFeed().start()
    dashboard = Dashboard(server.url, **FAST_RECONNECT)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 2200})
        page.add_init_script(f"({DRAWN_TEXT})()")
        page.goto(dashboard.url)
        page.wait_for_selector(CONNECTED, timeout=60_000)
        wait_for(lambda: connection_words(page) == "Live", 30, "Live")
        live, soon, half = RAW_IDS
        server.publish(
            [
                ScoreUpdate(data=a_game(live, home_team="Minnesota Timberwolves", away_team=PORTLAND)),
                # A feed that leaves out the optional fields: no predicted final, no model.
                PredictionUpdate(data=Prediction(game_id=live, home_win_probability=0.9991)),
                ScoreUpdate(data=a_game(soon, status="scheduled", period=0, clock="12:00", home_score=0, away_score=0)),
                ScoreUpdate(data=a_game(half, status="halftime", period=2, clock="00:00")),
            ]
        )
        for batch in two_finished_games():
            server.publish(batch)
        # Plays for the live game, a description of 512 characters among them: the lists of plays and WPA tables.
        server.publish(played_game(live, teams={"home_team": "Minnesota Timberwolves", "away_team": PORTLAND}))
        page.locator(".nba-card").nth(4).wait_for(timeout=30_000)
        page.locator(".nba-plays").first.wait_for(timeout=30_000)  # tonight's biggest plays
        page.get_by_text("Performance monitor").click()
        page.get_by_text("Apply time (avg of 10)").wait_for(timeout=30_000)
        seen = {"🏀 Live": page.evaluate(CUT_OFF)}
        for tab, shown in (("🎯 Game detail", "Every game"), ("📈 Scorecard", "Per game")):
            page.get_by_role("tab", name=tab).click()
            page.get_by_text(shown).first.wait_for(timeout=30_000)
            if tab == "🎯 Game detail":
                page.locator("[data-testid='stSelectbox']").first.click()
                page.get_by_role("option").filter(has_text="Minnesota Timberwolves").first.click()
                page.get_by_text("WPA by player").wait_for(timeout=30_000)
            page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # the tables draw in the frames after they are laid out
            seen[tab] = page.evaluate(CUT_OFF)
        assert seen == {tab: [] for tab in seen}
        page.get_by_role("tab", name="🎯 Game detail").click()
        page.set_viewport_size({"width": 390, "height": 2200})
        # On a phone the margin panel still says which way its sign runs, its lines drawn whole.
        sign_lines = {"above 0: Minnesota Timberwolves ahead", f"below 0: {PORTLAND} ahead"}
        wait_for(lambda: sign_lines <= set(page.evaluate(CHART_TEXT)), 30, "the margin's sign lines")
        assert not [text for text in page.evaluate(CHART_TEXT) if text.endswith("…")]
        drawn = set(page.evaluate("() => [...window.__drawn]"))
        assert "Minnesota Timberwolves" in drawn  # the hook sees the tables' text
        assert ">99 %" in drawn
        assert {"Away Ace", "+16.0 %", "-12.0 %"} <= drawn  # WPA by player
        assert "–" in drawn  # the predicted final and model the feed left out
        assert not drawn & {"None", "nan", "NaN", "<NA>", "100 %", *RAW_IDS}
        assert not any(game_id in page.content() for game_id in RAW_IDS)
    finally:
        dashboard.stop()
        server.stop()


HOSTILE_HOME = '<img src=x onerror="window.__xss=1;alert(1)">'
HOSTILE_AWAY = "<script>window.__xss=2</script>"


def test_hostile_team_names_never_run(browser: Any) -> None:
    """Markup as team names shows as text in cards, toasts, event log, charts and scorecard; no script runs."""
    server = ScriptedFeed().start()
    dashboard = Dashboard(server.url, **FAST_RECONNECT)
    try:
        page = open_page(browser, dashboard.url)
        wait_for(lambda: connection_words(page) == "Live", 30, "Live")
        names = {"home_team": HOSTILE_HOME, "away_team": HOSTILE_AWAY}
        server.publish(
            [
                ScoreUpdate(
                    data=a_game("x", status="scheduled", period=0, clock="12:00", home_score=0, away_score=0, **names)
                ),
            ]
        )
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        server.publish(
            [
                GameStart(data=a_game("x", period=1, clock="12:00", home_score=0, away_score=0, **names)),
                PredictionUpdate(data=Prediction(game_id="x", home_win_probability=0.5)),
            ]
        )
        page.get_by_text("Tip-off:", exact=False).first.wait_for(timeout=30_000)  # the toast
        card_text = page.locator(".nba-card").first.inner_text()
        assert HOSTILE_HOME in card_text
        assert HOSTILE_AWAY in card_text
        server.publish(
            [GameEnd(data=a_game("x", status="final", period=4, clock="00:00", home_score=2, away_score=0, **names))]
        )
        page.get_by_text("Final:", exact=False).first.wait_for(timeout=30_000)  # toast; the event log has it too
        page.get_by_role("tab", name="🎯 Game detail").click()
        page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)  # titles carry the names
        page.get_by_role("tab", name="📈 Scorecard").click()
        page.get_by_text("Brier score").first.wait_for(timeout=30_000)
        assert page.evaluate("window.__xss") is None
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("script", has_text="__xss").count() == 0
        assert page.dialogs == []
    finally:
        dashboard.stop()
        server.stop()


SECRET = "tok-3f9a-do-not-leak-7c21"


def refused_page_and_logs(browser: Any, url: str, token: str, expected: str) -> tuple[str, str]:
    """Open the dashboard on a feed that refuses it; return the page HTML once ``expected`` shows, and the logs."""
    dashboard = Dashboard(url, FEED_TOKEN=token, **FAST_RECONNECT)
    try:
        page = open_page(browser, dashboard.url)
        header = page.locator("[data-testid='nba-connection']").first.locator("xpath=..")
        wait_for(lambda: expected in header.inner_text(timeout=30_000), 30, expected)
        assert page.dialogs == []
        html = page.content()
    finally:
        logs = dashboard.stop()
    return html, logs


def test_token_never_shows_and_untrusted_tls_is_refused(browser: Any, tmp_path: Path) -> None:
    """A wss:// feed with an untrusted certificate is refused with a clear message; a rejected
    token says 403; in neither case does the token appear in the page or the server's logs."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    certificate.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    tls_server = ScriptedFeed(token=SECRET, tls=(str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))).start()
    guarded = ScriptedFeed(token=SECRET).start()
    try:
        seen = [
            refused_page_and_logs(browser, tls_server.url, SECRET, "TLS certificate not trusted"),
            refused_page_and_logs(browser, guarded.url, SECRET[::-1], "refused the WebSocket handshake with HTTP 403"),
        ]
    finally:
        tls_server.stop()
        guarded.stop()
    for html, logs in seen:
        for secret in (SECRET, SECRET[::-1]):
            assert secret not in html
            assert secret not in logs


def test_tonights_nba_games_in_a_real_browser(browser: Any) -> None:
    """FEED_SOURCE=nba: the stand-in CDN's game on a card, the NBA's health in the header, an outage in red, twice."""
    night = CdnNight()
    night.add("0022600301", CELTICS, KNICKS)
    night.start("0022600301")
    night.score("0022600301", "home", 3, "11:31")
    with CdnStandIn(night) as cdn:
        dashboard = Dashboard(None, FEED_SOURCE="nba", FEED_NBA_BASE_URL=cdn.base_url, FEED_NBA_POLL="1")
        try:
            page = open_page(browser, dashboard.url)
            page.locator(".nba-card").first.wait_for(timeout=30_000)
            card = page.locator(".nba-card").first.inner_text()
            assert "Boston Celtics" in card
            assert "Q1 11:31" in card
            source = page.locator("[data-testid='nba-source']").first
            wait_for(lambda: "NBA live · updated" in source.inner_text(), 30, "the NBA's health")
            night.score("0022600301", "away", 2, "11:02")
            wait_for(lambda: "Q1 11:02" in page.locator(".nba-card").first.inner_text(), 30, "the next basket")
            cdn.fail("scoreboard", "403", times=10_000)
            wait_for(lambda: "NBA live unreachable for" in connection_words(page), 30, "the outage")
            strip = page.locator("[data-testid='nba-connection']").first.locator("xpath=..")
            assert "HTTP 403" in strip.inner_text()
            assert "NBA live unreachable since" in page.locator("[data-testid='stAlert']").first.inner_text()
            assert "Q1 11:02" in page.locator(".nba-card").first.inner_text()
        finally:
            dashboard.stop()


OPERATOR_KEY = "correct horse battery staple"


def test_an_anonymous_viewer_cannot_record_but_an_operator_can_and_downloads_it(browser: Any, tmp_path: Path) -> None:
    """From the network: no switch, no path; with the operator key: the switch, the bound, the download."""
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no network address besides loopback")
    server = ScriptedFeed(NightSimulator(games=4, seed=5, speed=60.0), interval=0.5).start()
    dashboard = Dashboard(
        server.url,
        address="0.0.0.0",
        OPERATOR_KEY=OPERATOR_KEY,
        RECORDINGS_DIR=str(tmp_path),
        RECORDING_MAX_MB="0.03",
    )
    try:
        local = open_page(browser, dashboard.url)
        local.locator(".nba-card").first.wait_for(timeout=30_000)
        local.get_by_text("Record the feed").wait_for(timeout=30_000)  # on this machine: an operator
        page = open_page(browser, f"http://{lan}:{dashboard.port}/")
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert "Record the feed" not in sidebar.inner_text()
        assert str(tmp_path) not in page.content()
        key_field = page.locator("input[aria-label='Operator key']")
        key_field.fill("a guess")
        key_field.press("Enter")
        wait_for(lambda: "That is not the operator key." in sidebar.inner_text(), 30, "the refusal")
        assert "Record the feed" not in sidebar.inner_text()
        key_field.fill(OPERATOR_KEY)
        key_field.press("Enter")
        page.get_by_text("Record the feed").click(timeout=30_000)
        wait_for(lambda: "Recording to" in sidebar.inner_text(), 30, "the recording")
        wait_for(
            lambda: "the size limit of 30.7 KiB was reached" in _rerun_sidebar(page),
            60,
            "the recording to stop at its bound",
        )
        page.get_by_role("tab", name="⬇️ Data").click()
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="JSONL").first.click()
        lines = Path(download.value.path()).read_bytes().splitlines()
        assert lines
        assert all(json.loads(line)["frame"] for line in lines)
        assert sum(len(line) + 1 for line in lines) <= 0.03 * 1024 * 1024
    finally:
        dashboard.stop()
        server.stop()


def _rerun_sidebar(page: Any) -> str:
    """The sidebar's text after a full run of the page (the sidebar is outside the live fragment)."""
    page.get_by_text("Performance monitor").click()  # any widget outside the fragment runs the whole page
    return str(page.locator("[data-testid='stSidebar']").inner_text())


def test_a_viewer_downloads_a_table_twice_and_gets_the_same_shared_file(browser: Any) -> None:
    """The Data tab's games CSV, clicked twice in a real browser: both downloads hold the games, byte for byte."""
    server = ScriptedFeed(NightSimulator(games=4, seed=5, speed=60.0), interval=0.5).start()
    dashboard = Dashboard(server.url)
    try:
        page = open_page(browser, dashboard.url)
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        page.get_by_role("tab", name="⬇️ Data").click()
        files = []
        for _ in range(2):
            with page.expect_download(timeout=30_000) as download:
                page.get_by_role("button", name="CSV").first.click()
            files.append(Path(download.value.path()).read_bytes())
        assert files[0].startswith(b"game_id,")
        assert files[0].count(b"\n") == 5  # a header and four games
        assert files[1] == files[0]  # within the reuse time: the same file, not a second build
    finally:
        dashboard.stop()
        server.stop()


COUNT_MESSAGES = """
window.__received = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => window.__received.push(Date.now()));
  }
};
"""
"""Notes when each message from the Streamlit server arrives (``window.__received``, epoch ms)."""


def test_the_data_tab_stops_the_refresh_and_the_live_tab_starts_it_again(browser: Any) -> None:
    """On the Data tab the server sends the page nothing while the feed plays on; back on Live it refreshes."""
    server = ScriptedFeed(NightSimulator(games=4, seed=5, speed=60.0), interval=0.5).start()
    dashboard = Dashboard(server.url)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 2200})
        page.add_init_script(COUNT_MESSAGES)
        page.goto(dashboard.url)
        page.locator(".nba-card").first.wait_for(timeout=60_000)

        def received_after(moment: float) -> bool:
            return any(at > moment for at in page.evaluate("window.__received"))

        shown = page.evaluate("Date.now()")
        wait_for(lambda: received_after(shown + 2500), 15, "the live tab's refreshes")
        page.get_by_role("tab", name="⬇️ Data").click()
        page.get_by_text("The page stops refreshing on this tab").wait_for(timeout=30_000)
        # Refreshing every second, the page would never go 3 s without a message.
        wait_for(
            lambda: page.evaluate("Date.now() - Math.max(...window.__received)") > 3000,
            20,
            "3 s without a message on the Data tab",
        )
        assert server.client_count == 1  # the feed plays on to the dashboard meanwhile
        clicked = page.evaluate("Date.now()")
        page.get_by_role("tab", name="🏀 Live").click()
        wait_for(lambda: received_after(clicked + 2500), 15, "the live tab's refreshes again")
    finally:
        dashboard.stop()
        server.stop()


FOUL_AND_FREE_THROWS = [
    play_update(
        "played-7f3a",
        11,
        0.33,
        period=1,
        clock="06:30",
        team="Plays Away",
        player="Away Big",
        description="Away Big shooting foul",
        kind="foul",
        home_score=12,
        away_score=8,
    ),
    play_update(
        "played-7f3a",
        12,
        0.36,
        period=1,
        clock="06:30",
        team="Plays Home",
        player="Home Star",
        description="Home Star Free Throw 1 of 2",
        kind="free_throw",
        home_score=13,
        away_score=8,
    ),
    play_update(
        "played-7f3a",
        13,
        0.39,
        period=1,
        clock="06:30",
        team="Plays Home",
        player="Home Star",
        description="Home Star Free Throw 2 of 2",
        kind="free_throw",
        home_score=14,
        away_score=8,
    ),
]
"""The played game's last moment: a foul and its two free throws at one clock."""
TOOLTIP = "#vg-tooltip-element.visible"


def tooltips_across(page: Any, chart: Any, fraction: float) -> list[str]:
    """The tooltips as the pointer crosses the left ``fraction`` of a chart at mid height, then at its far right."""
    box = chart.bounding_box()
    texts = []
    steps = [box["x"] + box["width"] * fraction * i / 60 for i in range(61)] + [box["x"] + box["width"] - 4]
    for x in steps:
        page.mouse.move(x, box["y"] + box["height"] / 2)
        tooltip = page.locator(TOOLTIP)
        if tooltip.count():
            texts.append(str(tooltip.first.inner_text()))
    return texts


def test_hovering_the_win_probability_chart_shows_the_play_at_that_moment(browser: Any) -> None:
    """Game detail in Chromium: the pointer over the chart reads the nearest moment's plays, markup as text, a foul
    and its free throws one a line; a key moment cut short keeps its whole text on hover."""
    server = ScriptedFeed().start()
    dashboard = Dashboard(server.url, **FAST_RECONNECT)
    try:
        server.publish([*played_game(), *FOUL_AND_FREE_THROWS])
        page = open_page(browser, dashboard.url)
        page.locator(".nba-card").first.wait_for(timeout=30_000)
        page.get_by_role("tab", name="🎯 Game detail").click()
        page.get_by_text("WPA by player").wait_for(timeout=30_000)
        chart = page.locator("[data-testid='stVegaLiteChart']").first
        chart.locator("canvas, svg").first.wait_for(timeout=30_000)
        texts = tooltips_across(page, chart, 0.2)
        assert any("Away Ace 26' 3PT Jump Shot · +12.0 %" in text and "Q1 09:30" in text for text in texts)
        assert any(f"Plays Away · {HOSTILE} · +5.0 %" in text for text in texts)  # markup as its characters
        last = texts[-1]
        assert "Game time\tQ1 06:30" in last or "Q1 06:30" in last
        lines = [line for line in last.splitlines() if " · " in line]
        assert [line.split(" · ")[1] for line in lines] == [
            "Away Big shooting foul",
            "Home Star Free Throw 1 of 2",
            "Home Star Free Throw 2 of 2",
        ]
        cut = page.locator(".nba-plays td[title]").first
        assert cut.get_attribute("title") == LONG_PLAY
        assert cut.inner_text().endswith("…")
        assert page.locator("img[src='x']").count() == 0
        assert page.dialogs == []
    finally:
        dashboard.stop()
        server.stop()
