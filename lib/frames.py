"""pandas DataFrames from store snapshots: what analysts get from ``LiveFeed``, what tables show.

Pure: plain data in, DataFrames out. Every frame has its columns and their types even when
empty, so code written against a live feed does not break on a quiet night (``nlargest`` refuses
a column of objects). Times are UTC timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Final

import pandas as pd

from lib.analytics.game import GameSummary
from lib.analytics.metrics import Bucket
from lib.analytics.phases import PhaseFigures
from lib.analytics.plays import PLAY_COLUMNS, PLAYER_COLUMNS, GameWpa
from lib.analytics.report import Scorecard
from lib.store import GameRecord, HistoryPoint, LatencySample, PredictionPoint, PredictionRecord

GAME_COLUMNS: Final = (
    "game_id",
    "home_team",
    "away_team",
    "home_score",
    "away_score",
    "period",
    "clock",
    "status",
    "differential",
    "start_time",
    "home_record",
    "away_record",
    "updated_at",
    "received_at",
)
PREDICTION_COLUMNS: Final = (
    "game_id",
    "home_win_probability",
    "predicted_home_score",
    "predicted_away_score",
    "model",
    "received_at",
)


_INTEGERS: Final = frozenset(
    {
        "home_score",
        "away_score",
        "period",
        "differential",
        "play_id",
        "plays",
        "games",
        "predictions",
        "lead_changes",
        "times_tied",
        "biggest_home_lead",
        "biggest_away_lead",
        "biggest_run",
    }
)
_FLOATS: Final = frozenset(
    {
        "home_win_probability",
        "predicted_home_score",
        "predicted_away_score",
        "home_wp_change",
        "wpa",
        "e2e_ms",
        "apply_ms",
        "excitement",
        "comeback",
        "brier",
        "log_loss",
        "accuracy",
        "lower",
        "upper",
        "mean_predicted",
        "observed",
        "brier_nothing_known",
        "brier_stern",
        "calibration_error",
        "calibration_error_nothing_known",
        "calibration_error_stern",
    }
)
_BOOLEANS: Final = frozenset({"final", "partial", "home_won"})
"""The columns of every frame that hold numbers or truths, by their one name across frames; the rest hold text."""
_WHOLE_OR_UNKNOWN: Final = {"known_from_period": "Int64"}
"""Whole numbers with gaps (for the games known from tip-off), rather than floats with NaN."""


def _frame(
    rows: Sequence[dict[str, Any]] | Sequence[tuple[Any, ...]], columns: Iterable[str], times: Iterable[str] = ()
) -> pd.DataFrame:
    ordered = list(columns)
    extra = sorted({key for row in rows if isinstance(row, dict) for key in row} - set(ordered))
    frame = pd.DataFrame(rows, columns=[*ordered, *extra])
    for column in times:
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True).astype("datetime64[ns, UTC]")
    # A figure not known is NaN in a float column, not None in a column of objects.
    types = {column: "float64" for column in ordered if column in _FLOATS}
    types |= {column: kind for column, kind in _WHOLE_OR_UNKNOWN.items() if column in ordered}
    if frame.empty:
        types |= {column: "int64" for column in ordered if column in _INTEGERS}
        types |= {column: "bool" for column in ordered if column in _BOOLEANS}
    return frame.astype(types)


def games_frame(games: Mapping[str, GameRecord]) -> pd.DataFrame:
    """One row per game; ``differential`` is home minus away, derived from the scores.

    Fields a server adds beyond the protocol appear as extra columns after the standard ones.
    """
    rows = []
    for record in games.values():
        game = record.game
        row = game.model_dump(exclude={"correction"})  # a mark on one update, not part of the game's state
        row["differential"] = game.score_differential
        row["updated_at"] = record.updated_at
        row["received_at"] = record.received_at
        rows.append(row)
    frame = _frame(rows, GAME_COLUMNS, ("updated_at", "received_at"))
    frame["start_time"] = pd.to_datetime(frame["start_time"], utc=True)
    return frame


def predictions_frame(predictions: Mapping[str, PredictionRecord]) -> pd.DataFrame:
    """The latest prediction per game."""
    rows = [{**record.prediction.model_dump(), "received_at": record.received_at} for record in predictions.values()]
    return _frame(rows, PREDICTION_COLUMNS, ("received_at",))


def history_frame(points: Iterable[HistoryPoint]) -> pd.DataFrame:
    """Every accepted score change, in the order received."""
    frame = _frame(list(points), HistoryPoint._fields, ("received_at", "ts"))
    frame.insert(6, "differential", frame["home_score"] - frame["away_score"])
    return frame


def prediction_history_frame(points: Iterable[PredictionPoint]) -> pd.DataFrame:
    """Every accepted prediction, with the game's period, clock and score when it came."""
    return _frame(list(points), PredictionPoint._fields, ("received_at", "ts"))


def plays_frame(games: Iterable[GameWpa]) -> pd.DataFrame:
    """Every play with its win probability added, game after game, each in game order."""
    return _frame([play for game in games for play in game.plays], PLAY_COLUMNS)


def player_wpa_frame(games: Iterable[GameWpa]) -> pd.DataFrame:
    """Each player's win probability added in each game, game after game, the most first."""
    return _frame([player for game in games for player in game.players], PLAYER_COLUMNS)


def latency_frame(samples: Iterable[LatencySample]) -> pd.DataFrame:
    """Latency samples: end-to-end (receive time minus the server's ``ts``) and apply time, in ms."""
    return _frame(list(samples), LatencySample._fields, ("received_at",))


def game_stats_frame(summaries: Sequence[GameSummary]) -> pd.DataFrame:
    """One row per game: whether it is partial and from when, lead changes, ties, biggest leads and run,
    excitement, comeback."""
    return _frame([asdict(s) for s in summaries], [f.name for f in fields(GameSummary)])


SCORECARD_COLUMNS: Final = (
    "game_id",
    "home_team",
    "away_team",
    "home_score",
    "away_score",
    "home_won",
    "partial",
    "known_from_period",
    "known_from_clock",
    "predictions",
    "brier",
    "log_loss",
    "accuracy",
)


PHASE_COLUMNS: Final = tuple(f.name for f in fields(PhaseFigures))
"""The scorecard's table by phase: phase, predictions, games, then Brier score and calibration error,
each ours, the model's with nothing known and Stern's."""


@dataclass(frozen=True)
class ScorecardFrames:
    """Prediction quality as DataFrames: what ``LiveFeed.scorecard()`` returns and the page shows.

    Attributes:
        games: One row per finished game with predictions; ``partial`` marks a game first seen
            after its tip-off, ``known_from_period`` and ``known_from_clock`` say from when.
        overall: One row: every scored prediction of the counted games together (the games
            seen from their tip-off, and the partial ones too when asked).
        calibration: The overall calibration buckets.
        enough: Whether enough games are counted for the figures to mean much.
        partial_left_out: The partial games in ``games`` that ``overall`` leaves out.
        phases: The predictions ``overall`` counts, judged by game phase beside two baselines on
            the same states (the columns of :data:`PHASE_COLUMNS`). One row per phase, in the order
            a game plays them: ``pregame`` (predictions made before tip-off), ``first half``,
            ``third quarter``, ``fourth quarter before the last five minutes``, ``last five
            minutes`` (overtimes included), then ``all`` (every one of them: its predictions and
            ``brier`` are ``overall``'s). ``predictions`` and ``games`` count what each row
            holds; ``brier`` and ``calibration_error`` are our predictions' Brier score and
            expected calibration error (10 probability buckets weighted by predictions, in
            [0, 1]: 0.015 is 1.5 points), and the columns ending ``_nothing_known`` and
            ``_stern`` the same figures of the model with nothing known (``lib.model.nothing_known``:
            neither team's form nor a betting line) and of Stern's model (``lib.model.stern``) on
            the very states our predictions came with. Empty rows have 0 predictions and no figures.
    """

    games: pd.DataFrame
    overall: pd.DataFrame
    calibration: pd.DataFrame
    enough: bool
    partial_left_out: int
    phases: pd.DataFrame

    def copy(self) -> ScorecardFrames:
        """The same tables, each a copy its caller may change."""
        return replace(
            self,
            games=self.games.copy(),
            overall=self.overall.copy(),
            calibration=self.calibration.copy(),
            phases=self.phases.copy(),
        )


def scorecard_frames(card: Scorecard) -> ScorecardFrames:
    """The scorecard's tables."""
    figures = ("predictions", "brier", "log_loss", "accuracy")
    rows = [
        (
            g.game_id,
            g.home_team,
            g.away_team,
            g.home_score,
            g.away_score,
            g.home_won,
            g.partial,
            g.known_from_period,
            g.known_from_clock,
            *(getattr(g.scores, name) for name in figures),
        )
        for g in card.games
    ]
    overall = card.overall
    return ScorecardFrames(
        games=_frame(rows, SCORECARD_COLUMNS),
        overall=_frame(
            [{"games": overall.games, **{name: getattr(overall, name) for name in figures}}], ("games", *figures)
        ),
        calibration=_frame([asdict(b) for b in overall.calibration], [f.name for f in fields(Bucket)]),
        enough=card.enough,
        partial_left_out=card.partial_left_out,
        phases=_frame([asdict(row) for row in card.phases], PHASE_COLUMNS),
    )
