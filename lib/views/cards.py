"""Game cards: each game's teams, score, clock, prediction, as escaped HTML in one ``st.html`` block.

Everything from the feed is text: every field goes through :func:`html.escape` before it
touches markup, so a team called ``<img src=x onerror=alert(1)>`` shows as those characters.
(``st.html`` also runs DOMPurify and ignores scripts; escaping means we never rely on it.)
One HTML block for all cards keeps a refresh of 100 games to one element.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from html import escape
from typing import Final

import streamlit as st

from lib.views.format import CardData, ago, game_clock, is_close_game, predicted_final, win_chance

CARD_CSS: Final = """
<style>
.nba-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
.nba-card{background:#111827;border:1px solid #1f2937;border-radius:12px;padding:14px 16px}
.nba-card.close{border-color:#f97316;box-shadow:0 0 0 1px #f97316 inset}
.nba-top{display:flex;justify-content:space-between;align-items:center;font-size:.8rem;color:#9ca3af}
.nba-status{font-weight:700;letter-spacing:.05em}
.nba-status.live{color:#22c55e}.nba-status.final{color:#9ca3af}.nba-status.scheduled{color:#60a5fa}
.nba-status.halftime{color:#eab308}
.nba-badge{background:#f97316;color:#111827;border-radius:6px;padding:1px 6px;font-weight:700;font-size:.7rem}
.nba-row{display:flex;justify-content:space-between;align-items:baseline;margin-top:6px}
.nba-team{font-size:1rem;color:#e5e7eb;flex:1;min-width:0;overflow-wrap:anywhere;margin-right:8px}
.nba-team small{color:#6b7280;margin-left:6px;white-space:nowrap}
.nba-record{color:#9ca3af;font-size:.8rem;margin-left:6px;font-variant-numeric:tabular-nums;white-space:nowrap}
.nba-score{font-size:1.6rem;font-weight:700;color:#9ca3af;font-variant-numeric:tabular-nums}
.nba-score.lead{color:#f9fafb}
.nba-pred{margin-top:10px;font-size:.8rem;color:#9ca3af}
.nba-final{margin-top:2px}
.nba-bar{height:6px;background:#374151;border-radius:3px;overflow:hidden;margin-bottom:4px}
.nba-bar div{height:100%;background:#f97316}
.nba-foot{margin-top:8px;font-size:.72rem;color:#6b7280}
</style>
"""


def card_html(card: CardData, now: float, tz: tzinfo = UTC) -> str:
    """One game card as HTML, every feed value escaped; times of day in ``tz``."""
    game = card.game
    diff = game.score_differential
    status = escape(game.status)
    close = is_close_game(game)
    badge = '<span class="nba-badge">CLOSE GAME</span>' if close else ""
    rows = "".join(
        f'<div class="nba-row"><span class="nba-team" title="{escape(team)}">{escape(team)}{_record_html(record)}'
        f'<small>{side}</small></span><span class="nba-score{" lead" if leads else ""}">{points}</span></div>'
        for team, record, side, points, leads in (
            (game.away_team, game.away_record, "away", game.away_score, diff < 0),
            (game.home_team, game.home_record, "home", game.home_score, diff > 0),
        )
    )
    return (
        f'<div class="nba-card{" close" if close else ""}">'
        f'<div class="nba-top"><span>{escape(game_clock(game, now, tz))}</span>{badge}'
        f'<span class="nba-status {status}">{status.upper()}</span></div>'
        f"{rows}{_prediction_html(card)}"
        f'<div class="nba-foot">updated {ago(now - card.updated_at)}</div></div>'
    )


def _record_html(record: str | None) -> str:
    # The record before this game, so a final's card shows what the teams brought to it.
    if record is None:
        return ""
    return f'<span class="nba-record" title="Record this season before this game">{escape(record)}</span>'


def _prediction_html(card: CardData) -> str:
    game = card.game
    if game.status == "final" and game.score_differential:
        winner = game.home_team if game.score_differential > 0 else game.away_team
        return f'<div class="nba-pred">{escape(winner)} won by {abs(game.score_differential)}</div>'
    if card.prediction is None:
        return '<div class="nba-pred">No prediction yet</div>'
    prediction = card.prediction.prediction
    percent = 100.0 * prediction.home_win_probability
    chance = win_chance(prediction.home_win_probability, final=game.status == "final")
    text = f"{escape(game.home_team)} win {escape(chance)}"
    if prediction.predicted_home_score is not None and prediction.predicted_away_score is not None:
        away, home = predicted_final(prediction.predicted_away_score, prediction.predicted_home_score)
        text += (
            f'<div class="nba-final">predicted final {escape(game.away_team)} {away}, '
            f"{escape(game.home_team)} {home}</div>"
        )
    return f'<div class="nba-pred"><div class="nba-bar"><div style="width:{percent:.1f}%"></div></div>{text}</div>'


def cards_html(cards: Sequence[CardData], now: float, tz: tzinfo = UTC) -> str:
    """The card grid as one HTML block, in the order given; times of day in the viewer's time zone ``tz``."""
    body = "".join(card_html(card, now, tz) for card in cards)
    return f'{CARD_CSS}<div class="nba-grid">{body}</div>'


def render_cards(grid: str) -> None:
    """The card grid, as :func:`cards_html` made it (once, for every viewer who sees the same cards)."""
    st.html(grid)
