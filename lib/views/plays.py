"""The page's plays: key moments, WPA by player, tonight's biggest plays, the chart's moments to hover.

A play's WPA (win probability added) is shown from the side of the play's team, in percentage
points with a sign: ``+12.4 %`` helped them, ``-3.1 %`` hurt them; the same form everywhere.

Everything from the feed (teams, players, descriptions) is text. The lists of plays are escaped
HTML, as the cards are, so that a description of 512 characters is cut to a line or two with the
whole of it on hover (the cell's ``title``); the WPA by player is a table, drawn as text.

What every viewer sees alike is built here once, from plain data (:class:`~lib.analytics.plays.GameWpa`
and the store's :class:`~lib.store.PlayRecord`), and shared: see :mod:`lib.board`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final, NamedTuple

import pandas as pd
import pyarrow as pa
import streamlit as st

from lib.analytics.plays import GameWpa, PlayWpa
from lib.protocol import clock_seconds, elapsed_seconds
from lib.store import PlayRecord
from lib.views.format import escape_markdown, known_from, period_name, win_chance

KEY_MOMENTS: Final = 8
"""The plays a game's key moments list."""
TONIGHTS_PLAYS: Final = 5
"""The plays tonight's biggest plays list."""
SHOWN_CHARACTERS: Final = 100
"""A play's text in a list, at most: a line or two; the whole text is on hover."""
TOOLTIP_PLAYS: Final = 4
"""The plays of one moment the chart's tooltip lists at most (a foul and its free throws, a timeout)."""
TOOLTIP_CHARACTERS: Final = 90
"""A play's text in the chart's tooltip, at most."""
WPA_HELP: Final = (
    "Win probability added: how much the play moved its team's chance of winning, in percentage points; "
    "positive helped the play's team"
)
PLAYER_WPA_HELP: Final = (
    "Each player's plays' WPA added up. The model knows the score and the clock, not who has the ball: a "
    "basket counts all its points, so both teams' sums are mostly positive; what the two sums tell together "
    "is their difference, the home team's chance now (or result) minus its chance before tip-off."
)
NO_PLAYERS: Final = (
    "This game's plays name no players (the demo's never do: it plays possessions, not players), so each team's "
    "one row is all of its plays."
)
NO_PLAYS: Final = "No plays received for this game: its key moments and WPA by player show once the feed sends plays."
NOT_STARTED: Final = "No plays yet: the game has not tipped off."

PLAYS_CSS: Final = """
<style>
.nba-plays{width:100%;border-collapse:collapse;font-size:.875rem;color:#e5e7eb}
.nba-plays th{color:#9ca3af;font-weight:400;text-align:left;padding:6px 8px;border-bottom:1px solid #374151;
white-space:nowrap}
.nba-plays td{padding:6px 8px;border-bottom:1px solid #1f2937;vertical-align:top}
.nba-plays-wrap{overflow-x:auto}
.nba-plays .text{overflow-wrap:break-word}
.nba-plays .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.nba-plays th.num{text-align:right}
.nba-plays .up{color:#22c55e}.nba-plays .down{color:#f87171}
</style>
"""


def wpa_points(wpa: float) -> float:
    """WPA in percentage points as shown: one decimal, never ``-0.0``."""
    return round(100.0 * wpa, 1) + 0.0


def wpa_text(wpa: float) -> str:
    """WPA as the page writes it: ``+12.4 %``, ``-3.1 %``, ``+0.0 %``."""
    return f"{wpa_points(wpa):+.1f} %"


def play_time(period: int, clock: str) -> str:
    """When a play happened: ``Q4 02:13``, ``End of Q2``, ``OT 00:41``."""
    if clock_seconds(clock) == 0:
        return f"End of {period_name(period)}"
    return f"{period_name(period)} {clock}"


def play_text(play: PlayWpa) -> str:
    """What happened, in words: the feed's description, else its kind (``Start of Q1`` for a period's start)."""
    if play.description is not None:
        return play.description
    if play.kind == "period":
        return (
            play_time(play.period, play.clock)
            if clock_seconds(play.clock) == 0
            else f"Start of {period_name(play.period)}"
        )
    return "–" if play.kind is None else play.kind.replace("_", " ").capitalize()


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _score(play: PlayWpa) -> str:
    return f"{play.away_score}–{play.home_score}"


def _wpa_cell(wpa: float) -> str:
    shown = wpa_points(wpa)
    tone = "up" if shown > 0 else "down" if shown < 0 else ""
    return f'<td class="num {tone}">{escape(wpa_text(wpa))}</td>'


def _text_cell(text: str) -> str:
    shown = clipped(text, SHOWN_CHARACTERS)
    title = f' title="{escape(text)}"' if shown != text else ""
    return f'<td class="text"{title}>{escape(shown)}</td>'


def _header(label: str, kind: str, tip: str | None) -> str:
    title = "" if tip is None else f' title="{escape(tip)}"'
    return f'<th class="{kind}"{title}>{escape(label)}</th>'


def _table(headers: Sequence[tuple[str, str, str | None]], rows: Iterable[str]) -> str:
    """An HTML table: headers as (label, class, hover text), then rows of ready cells."""
    head = "".join(_header(*header) for header in headers)
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    # Wider than a phone, the table scrolls sideways rather than break "Washington" into "Washing" / "ton".
    table = f'<table class="nba-plays"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'{PLAYS_CSS}<div class="nba-plays-wrap">{table}</div>'


_PLAY_HEADERS: Final = (
    ("Time", "", None),
    ("Team", "", None),
    ("Play", "", "The feed's description; hover a cut one for the whole text"),
    ("Score", "num", "Away–home, after the play"),
    ("WPA", "num", WPA_HELP),
)


def _play_cells(play: PlayWpa) -> str:
    return (
        f"<td>{escape(play_time(play.period, play.clock))}</td>{_text_cell(play.team or '–')}"
        f'{_text_cell(play_text(play))}<td class="num">{escape(_score(play))}</td>{_wpa_cell(play.wpa or 0.0)}'
    )


def key_moments_html(game: GameWpa, final: bool) -> str | None:
    """The game's :data:`KEY_MOMENTS` biggest swings, biggest first, as an HTML table; ``None`` when no play moved it.

    Each: when, the play's team, what happened, the score after it, its WPA and the home win
    probability after it (never 100 % or 0 % before the final).
    """
    moments = game.biggest(KEY_MOMENTS)
    if not moments:
        return None
    last = game.plays[-1]
    headers = (*_PLAY_HEADERS, ("Home win", "num", "The home team's win probability after the play"))
    rows = (
        _play_cells(play)
        + f'<td class="num">{escape(win_chance(play.home_win_probability, final=final and play is last))}</td>'
        for play in moments
    )
    return _table(headers, rows)


class Candidate(NamedTuple):
    """A play in the running for tonight's biggest, with what ranks it: its swing as shown, then how new it is."""

    swing: float
    received_at: float
    game: str
    play: PlayWpa


def candidates(game: GameWpa, records: Sequence[PlayRecord], count: int = TONIGHTS_PLAYS) -> list[Candidate]:
    """A game's ``count`` biggest swings (for or against the play's team) in tonight's order: one game's share.

    Args:
        game: The game's plays with their WPA.
        records: The same plays as the store holds them, in the same order (their receive times).
        count: How many to keep.
    """
    label = f"{game.away_team} @ {game.home_team}"
    moved = [
        Candidate(abs(wpa_points(play.wpa)), record.received_at, label, play)
        for play, record in zip(game.plays, records, strict=True)
        if play.wpa and wpa_points(play.wpa)
    ]
    return sorted(moved, key=_rank)[:count]


def _rank(candidate: Candidate) -> tuple[float, float]:
    return (-candidate.swing, -candidate.received_at)


def tonights_biggest(shares: Iterable[Sequence[Candidate]], count: int = TONIGHTS_PLAYS) -> list[Candidate]:
    """The ``count`` biggest swings of all the games' :func:`candidates`: biggest first, the newest first among
    equals (equal as shown, to a tenth of a point)."""
    return sorted((candidate for share in shares for candidate in share), key=_rank)[:count]


def tonights_biggest_html(plays: Sequence[Candidate]) -> str | None:
    """Tonight's biggest plays as an HTML table, each with its game (away @ home); ``None`` without any."""
    if not plays:
        return None
    headers = (("Game", "", None), *_PLAY_HEADERS)
    return _table(headers, (_text_cell(candidate.game) + _play_cells(candidate.play) for candidate in plays))


CHART_COLUMNS: Final = ("minute", "home_win_probability", "home_win", "margin", "game_time", "score", "plays")
"""The chart's rows, one per moment of the game: the state after its last play, and its plays in words."""


def chart_moments(game: GameWpa, final: bool) -> pd.DataFrame:
    """One row per moment (a game clock with plays): its minute, the home win probability and margin after it,
    in words for the tooltip, and its plays (``Team · what happened · WPA``, one a line).

    Plays that share a clock (a foul and its free throws) are one moment, so that a hover anywhere
    over the chart finds every play of the moment nearest it.
    """
    rows: list[tuple[Any, ...]] = []
    lines: list[str] = []
    plays = game.plays
    for index, play in enumerate(plays):
        line = clipped(play_text(play), TOOLTIP_CHARACTERS)
        if play.team is not None:
            line = f"{play.team} · {line}"
        if play.wpa is not None:
            line += f" · {wpa_text(play.wpa)}"
        lines.append(line)
        following = plays[index + 1] if index + 1 < len(plays) else None
        if following is not None and (following.period, following.clock) == (play.period, play.clock):
            continue
        if len(lines) > TOOLTIP_PLAYS:
            lines[TOOLTIP_PLAYS - 1 :] = [f"… and {len(lines) - TOOLTIP_PLAYS + 1} more plays"]
        rows.append(
            (
                elapsed_seconds(play.period, clock_seconds(play.clock)) / 60,
                play.home_win_probability,
                win_chance(play.home_win_probability, final=final and following is None),
                play.home_score - play.away_score,
                play_time(play.period, play.clock),
                _score(play),
                "\n".join(lines),
            )
        )
        lines = []
    return pd.DataFrame(rows, columns=list(CHART_COLUMNS))


@dataclass(frozen=True)
class TeamPlayers:
    """One team's WPA by player in a game.

    Attributes:
        team: The team.
        table: Player, Plays, WPA (percentage points), the most first, then its plays of no player, as an
            Arrow table.
    """

    team: str
    table: Any


PLAYER_COLUMNS: Final = ("Player", "Plays", "WPA")
TEAM_PLAYS: Final = "Team plays (no player)"
"""The row of a team's plays that name no player (a team rebound, a shot-clock turnover)."""


def team_players(game: GameWpa) -> tuple[TeamPlayers, TeamPlayers]:
    """Each team's WPA by player, away then home; a row for its plays of no player, so the rows add up to the team's."""
    shown = []
    for team in (game.away_team, game.home_team):
        total = next((row for row in game.teams if row.team == team), None)
        rows = [(p.player, p.plays, wpa_points(p.wpa)) for p in game.players if p.team == team]
        if total is not None:
            left = total.plays - sum(count for _, count, _ in rows)
            if left > 0:
                rest = total.wpa - sum(p.wpa for p in game.players if p.team == team)
                rows.append((TEAM_PLAYS, left, wpa_points(rest)))
        frame = pd.DataFrame(rows, columns=list(PLAYER_COLUMNS)).astype({"Player": str, "Plays": int, "WPA": float})
        shown.append(TeamPlayers(team, pa.Table.from_pandas(frame, preserve_index=False)))
    return shown[0], shown[1]


@dataclass(frozen=True)
class PlaysView:
    """One game's plays as Game detail shows them, built once per change of its plays and shared by every viewer.

    Attributes:
        chart: The chart's moments (:func:`chart_moments`) as an Arrow table.
        last_period: The last period with a play.
        key_moments: The key moments as HTML (``None`` when no play of a team moved the probability).
        players: WPA by player, away then home.
        names_players: Whether any of its plays names a player.
        known_from: For a partial game, where its plays start (``Q3 08:23``); ``None`` otherwise.
    """

    chart: Any
    last_period: int
    key_moments: str | None
    players: tuple[TeamPlayers, TeamPlayers]
    names_players: bool
    known_from: str | None


def plays_view(game: GameWpa, final: bool) -> PlaysView | None:
    """What Game detail shows of a game's plays; ``None`` for a game without any.

    Args:
        game: The game's plays with their WPA.
        final: Whether the game is over (only its last play may then read 100 % or 0 %).
    """
    if not game.plays:
        return None
    return PlaysView(
        chart=pa.Table.from_pandas(chart_moments(game, final), preserve_index=False),
        last_period=game.plays[-1].period,
        key_moments=key_moments_html(game, final),
        players=team_players(game),
        names_players=bool(game.players),
        known_from=known_from(game.known_from_period, game.known_from_clock) if game.partial else None,
    )


def render_plays(view: PlaysView | None, *, started: bool) -> None:
    """Key moments and WPA by player for one game, or one line saying why there are none.

    Args:
        view: The game's plays as :func:`plays_view` made them.
        started: Whether the game has tipped off (before it, no plays is no surprise).
    """
    st.subheader("Key moments")
    if view is None:
        st.caption(NO_PLAYS if started else NOT_STARTED)
        return
    if view.known_from is not None:
        st.caption(
            f"Partial: first seen after its tip-off, its plays are known from {escape_markdown(view.known_from)}; "
            "the key moments and WPA count from there."
        )
    if view.key_moments is None:
        st.caption("No play has moved the win probability yet.")
    else:
        st.html(view.key_moments)
    st.subheader("WPA by player", help=PLAYER_WPA_HELP)
    if not view.names_players:
        st.caption(NO_PLAYERS)
    for column, side in zip(st.columns(2), view.players, strict=True):
        with column:
            st.markdown(f"**{escape_markdown(side.team)}**")
            if len(side.table):
                render_player_table(side.table)
            else:
                st.caption("No play of theirs yet.")


def render_player_table(table: Any) -> None:
    """One team's WPA by player, every row shown; WPA signed, in percentage points."""
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=35 * (len(table) + 1) + 3,
        placeholder="–",
        column_config={
            "Plays": st.column_config.NumberColumn("Plays", help="The player's plays in the game", width=64),
            "WPA": st.column_config.NumberColumn("WPA", help=WPA_HELP, format="%+.1f %%", width=84),
        },
    )


def render_tonights_biggest(html: str | None, *, any_plays: bool) -> None:
    """Tonight's biggest plays, or one line saying there are none yet."""
    if html is not None:
        st.html(html)
    elif any_plays:
        st.caption("No play has moved a game's win probability yet tonight.")
    else:
        st.caption("No plays received yet tonight: the biggest plays show once the feed sends plays.")
