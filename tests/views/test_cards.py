"""Game cards as HTML: every feed value escaped, scores, prediction bar, badge, freshness."""

from __future__ import annotations

import json
from typing import Any

from lib.protocol import Game, Prediction
from lib.store import PredictionRecord
from lib.views.cards import card_html
from lib.views.format import CardData
from tests.helpers import game

NOW = 1_800_000_000.0


def card(prediction: Prediction | None = None, **fields: Any) -> str:
    record = None if prediction is None else PredictionRecord(prediction, NOW, None, None, 1)
    data = CardData(Game.model_validate_json(json.dumps(game("g1", **fields))), record, NOW - 12)
    return card_html(data, NOW)


def test_hostile_fields_are_escaped() -> None:
    """Markup in team names, ids and extra fields never reaches the page as markup."""
    html = card(home_team="<img src=x onerror=alert(1)>", away_team='"><script>alert(2)</script>')
    assert "<img src=x" not in html
    assert "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_scores_clock_and_freshness_are_shown() -> None:
    """Both teams with their scores, the leader highlighted, the clock and the age."""
    html = card(home_score=88, away_score=90, period=4, clock="08:00")
    assert 'nba-score">88<' in html
    assert 'nba-score lead">90<' in html
    assert "Q4 08:00" in html
    assert "updated 12 s ago" in html


def test_prediction_bar_and_predicted_final() -> None:
    """The home win probability is a bar and a number; the predicted final names its teams, away first."""
    html = card(
        Prediction(game_id="g1", home_win_probability=0.64, predicted_home_score=104.4, predicted_away_score=99.6)
    )
    assert 'style="width:64.0%"' in html
    assert "Boston Celtics win 64 %" in html
    assert "predicted final New York Knicks 100, Boston Celtics 104" in html


def test_a_live_game_is_never_certain_and_a_final_names_its_winner() -> None:
    """Live, 0.999 reads ">99 %" and 0.001 "<1 %"; once final, the card says who won, by how much."""
    assert "Boston Celtics win &gt;99 %" in card(Prediction(game_id="g1", home_win_probability=0.999))
    assert "Boston Celtics win &lt;1 %" in card(Prediction(game_id="g1", home_win_probability=0.001))
    final = card(Prediction(game_id="g1", home_win_probability=0.0), status="final", period=4, clock="00:00")
    assert "New York Knicks won by 2" not in final
    assert "Boston Celtics won by 2" in final
    assert "%" not in final.split("nba-pred")[-1]


def test_without_prediction_says_so() -> None:
    """A game with no prediction yet says so instead of showing an empty bar."""
    assert "No prediction yet" in card()


def test_close_game_badge_appears_late_and_close() -> None:
    """The close-game badge and outline appear in the last five minutes of a close game."""
    assert "CLOSE GAME" in card(period=4, clock="02:00", home_score=99, away_score=97)
    assert "CLOSE GAME" not in card(period=2, clock="02:00", home_score=99, away_score=97)


def test_each_team_shows_its_record_before_the_game() -> None:
    """A card puts each team's record beside its name, away first; a feed without records shows none."""
    html = card(home_record="10-5", away_record="7-8")
    away, home = html.index("New York Knicks"), html.index("Boston Celtics")
    assert away < html.index(">7-8<") < home < html.index(">10-5<")
    assert "nba-record" not in card()
