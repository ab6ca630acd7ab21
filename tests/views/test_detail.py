"""The game-detail chart's data: game minutes, probabilities, margins, period marks."""

from __future__ import annotations

from lib.store import HistoryPoint, PredictionPoint
from lib.views.detail import period_marks, timeline, timeline_specs


def test_timeline_puts_points_on_game_minutes() -> None:
    """Period and clock become minutes played; the margin is home minus away."""
    history = [
        HistoryPoint("g", 1.0, None, "score_update", 2, 0, 1, "11:00", "live"),
        HistoryPoint("g", 2.0, None, "score_update", 50, 55, 3, "06:00", "live"),
        HistoryPoint("g", 3.0, None, "score_update", 101, 101, 5, "02:30", "live"),
    ]
    predictions = [PredictionPoint("g", 1.0, None, 0.6, 1, "11:00", 2, 0, "live")]
    probability, margin = timeline(history, predictions)
    assert list(margin["minute"]) == [1.0, 30.0, 50.5]
    assert list(margin["margin"]) == [2, -5, 0]
    assert list(probability.itertuples(index=False, name=None)) == [(1.0, 0.6, "60 %", "Q1 11:00", "0–2")]
    assert list(margin["game_time"]) == ["Q1 11:00", "Q3 06:00", "OT 02:30"]


def test_period_marks_cover_regulation_and_overtimes() -> None:
    """Quarters end at 12, 24, 36, 48 minutes; each overtime adds five."""
    assert period_marks(2) == [12.0, 24.0, 36.0, 48.0]
    assert period_marks(6) == [12.0, 24.0, 36.0, 48.0, 53.0, 58.0]


def test_the_two_panels_line_up_and_name_teams_as_text() -> None:
    """Both panels span the same minutes with y axes of one width; team names go in as titles (Vega draws text)."""
    probability, margin = timeline_specs("<b>Home</b>", "Away", [12.0, 24.0, 36.0, 48.0, 53.0])
    assert probability["title"] == "<b>Home</b> win probability"
    assert margin["title"]["text"] == "Margin in points"
    assert margin["title"]["subtitle"] == ["above 0: <b>Home</b> ahead", "below 0: Away ahead"]
    x_scales, y_axes = [], []
    for spec in (probability, margin):
        encoding = spec["layer"][-1]["encoding"]
        x_scales.append(encoding["x"]["scale"])
        y_axes.append({key: encoding["y"]["axis"][key] for key in ("minExtent", "maxExtent")})
    assert x_scales == [{"domain": [0, 53.0], "nice": False}] * 2  # ends with the last period, not rounded up
    assert y_axes[0] == y_axes[1]
