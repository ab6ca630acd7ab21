"""Win-probability quality on the real NBA games: Stern's model against the refitted one.

Every scoring change of every game in ``shared/data/nba_real_games.csv.gz`` (next to the
repository) is one prediction, made from the state just after the change and scored against
whether the home team won the game. The refitted model
(:class:`~bench.legacy_model.CalibratedModel`) is scored out of fold: the games are dealt into
``--folds`` folds (a game is never split), and each fold's predictions come from
``CalibratedModel`` itself with the parameters fitted, by maximum likelihood, on the other
folds' games only. The figures are therefore what to expect on games the model has not seen.

The data has no pregame line, so every game gets the same pregame margin ``mu``, the home
edge, also taken from the training games only: the margin whose pregame chance under Stern's
spread, ``Phi(mu / 13)``, is their home win rate. Stern's model is scored with the same ``mu``,
and for reference with ``mu`` = the training games' mean home margin, the other natural
choice; it has nothing else to fit.

Goal: a Brier score below Stern's (with either ``mu``), and no calibration bucket with at
least 500 predictions off by more than 0.04 (``|observed - mean predicted|``).

``--archive FILE`` does the same on the finished games of an archive (``docs/archive.md``)
instead of the CSV, for example a month of the current season (``--since 2026-11-01``): each
game's score changes (the view ``score_changes``) are its states, its result from
``finished_games``; simulated games (the demo's, ids ``sim-...``) are left out. It also scores
the predictions as they were made live (the view ``predictions``, as the scorecard counts them),
and the shipped model on the archived flows without a refit (``mu`` = the shipped home edge),
telling apart the games the shipped parameters were fitted on (those of the CSV, in sample) from
the others (out of sample).

Run: ``python bench/wp_quality.py [--folds 10] [--seed 2015] [--archive FILE [--since DATE]]``
(about 5 s; exit status 1 when the goal is not met). ``--fit`` instead prints the parameters
fitted on all the games, to paste into ``bench/legacy_model.py``. The figures go into
``docs/model.md``.

``--margins`` judges the new model, :mod:`lib.model`, instead: fitted on the seasons of
``shared/data/nba_margins.csv.gz`` up to 2021-22 and judged on 2022-23 and 2023-24
(``bench/wp_margins.py``; 4 to 6 minutes, exit status 1 when one of its goals is not met);
``--margins --fit`` prints the numbers of ``lib/model/params.py`` to paste. ``--margins-file FILE``
judges another file of the same columns instead; a regular season in it after the last one the
shipped model was fitted on (``SHIPPED_LAST_SEASON``, 2023-24) gets the same table and goals for
the model as it ships, out of time.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import legacy_model
from bench.legacy_model import (
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    SIGMA,
    CalibratedModel,
    SternModel,
    WinProbabilityModel,
    remaining_share,
)
from bench.margins import MARGINS_CSV
from bench.wp_fit import nelder_mead, normal_cdf, paired_difference
from bench.wp_margins import run as run_margins
from lib.analytics.metrics import Bucket, Scores, score
from lib.archive import ArchiveError, query
from lib.feed.sources.games_csv import read_games_csv
from lib.protocol import OVERTIME_SECONDS, PERIOD_SECONDS, REGULATION_PERIODS, Game

DATA: Final = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nba_real_games.csv.gz"
BUCKETS: Final = 10
GOAL_MIN_PREDICTIONS: Final = 500
GOAL_MAX_OFF: Final = 0.04
MIRROR_TOLERANCE: Final = 1e-6
"""How far the vectorised copy of the model that the fit uses may stray from ``lib``'s model."""
_OVERTIME_SHARE: Final = OVERTIME_SECONDS / (REGULATION_PERIODS * PERIOD_SECONDS)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class States:
    """Every prediction point (the game just after a scoring change) and every game's result."""

    states: list[Game]
    game: Ints
    """The game (index into the per-game arrays) of each state."""
    lead: Floats
    remaining: Floats
    outcome: Ints
    """1 when the state's home team won its game."""
    final_margin: Floats
    """Per game: the home final score minus the away."""


@dataclass(frozen=True)
class Fit:
    """What is fitted on a set of training games."""

    home_edge: float
    mean_margin: float
    late_share: float
    lead_shrink: float


def load(path: Path) -> States:
    """Read the real games; every scoring change becomes a state to predict from.

    Exits with a message when the file is absent.
    """
    if not path.is_file():
        sys.exit(f"The real NBA data is absent: {path}\n(see shared/data/nba_real_games.README.md)")
    flows = read_games_csv(path)
    return _states(
        [state for flow in flows for state in flow.live_states()],
        np.repeat(np.arange(len(flows), dtype=np.int64), [len(flow.events) for flow in flows]),
        np.array([flow.final_score[0] - flow.final_score[1] for flow in flows], dtype=np.float64),
    )


_ARCHIVED_STATES: Final = """
    SELECT s.game_id, s.home_team, s.away_team, s.home_score, s.away_score, s.period, s.clock,
           f.home_score - f.away_score AS final_margin
    FROM score_changes s JOIN finished_games f USING (game_id)
    WHERE f.home_won IS NOT NULL AND s.game_id NOT LIKE 'sim-%' AND (? IS NULL OR f.start_time >= ?)
    ORDER BY min(s.arrival) OVER (PARTITION BY s.game_id), s.arrival"""
"""Every score change of every finished real game, a game's changes together, games in the order they began."""


def load_archive(path: Path, since: str | None) -> States:
    """Read the finished real games of an archive (starting on ``since`` or later, if given), as :func:`load` reads
    the CSV: the state just after each score change, live.

    Exits with a message when the archive cannot be read or holds no such game.
    """
    rows = _archived(path, _ARCHIVED_STATES, [since, since])
    if rows.empty:
        sys.exit(f"{path} holds no finished real game{'' if since is None else f' since {since}'}")
    codes, _ = pd.factorize(rows.game_id)
    game = codes.astype(np.int64)
    states = [
        Game.model_validate({**state, "status": "live"})
        for state in rows.drop(columns="final_margin").to_dict("records")
    ]
    final_margin = np.zeros(int(game.max()) + 1, dtype=np.float64)
    final_margin[game] = rows.final_margin.to_numpy(dtype=np.float64)
    return _states(states, game, final_margin)


def _archived(path: Path, sql: str, parameters: list[str | None]) -> pd.DataFrame:
    try:
        return query(path, sql, parameters)
    except ArchiveError as error:
        sys.exit(str(error))


def _states(states: list[Game], game: Ints, final_margin: Floats) -> States:
    return States(
        states=states,
        game=game,
        lead=np.array([state.score_differential for state in states], dtype=np.float64),
        remaining=np.array([remaining_share(state) for state in states], dtype=np.float64),
        outcome=(final_margin[game] > 0).astype(np.int64),
        final_margin=final_margin,
    )


# --- The model, vectorised for the fit --------------------------------------------------------
# lib's model works one state at a time with math.erf, far too slow for the hundreds of
# likelihood evaluations of a fit over 60,000 states. This copy is checked against lib's model
# on every scored fold (MIRROR_TOLERANCE), and the scores always come from lib's model.


def _outcome(lead: Floats, remaining: Floats, mu: float, late_share: float, lead_shrink: float) -> tuple[Floats, ...]:
    root = np.sqrt(remaining)
    mean = lead / (1.0 + lead_shrink * root) + mu * remaining
    # A zero spread (the buzzer) becomes a tiny one: the same certain win, tie or loss.
    spread = np.maximum(SIGMA * np.sqrt((1.0 - late_share) * remaining + late_share * root), 1e-12)
    below_win = normal_cdf((0.5 - mean) / spread)
    below_tie = normal_cdf((-0.5 - mean) / spread)
    return 1.0 - below_win, below_win - below_tie, below_tie


def model_probability(lead: Floats, remaining: Floats, mu: float, late_share: float, lead_shrink: float) -> Floats:
    """``CalibratedModel``'s clipped home-win probability of many states at once."""
    win, tie, _ = _outcome(lead, remaining, mu, late_share, lead_shrink)
    ot_win, _, ot_loss = _outcome(np.zeros(1), np.full(1, _OVERTIME_SHARE), mu, late_share, lead_shrink)
    return np.clip(win + tie * ot_win / (ot_win + ot_loss), MIN_PROBABILITY, MAX_PROBABILITY)


def _squared_error(probability: Floats, outcome: Ints) -> Floats:
    return np.asarray((probability - outcome) ** 2, dtype=np.float64)


def _log_loss_each(probability: Floats, outcome: Ints) -> Floats:
    return np.asarray(-np.where(outcome == 1, np.log(probability), np.log1p(-probability)), dtype=np.float64)


def _mean_log_loss(probability: Floats, outcome: Ints) -> float:
    return float(np.mean(_log_loss_each(probability, outcome)))


# --- Fitting ------------------------------------------------------------------------------------


def home_edge(final_margins: Floats) -> float:
    """The pregame margin ``mu`` with ``Phi(mu / SIGMA)`` equal to the games' home win rate."""
    return SIGMA * NormalDist().inv_cdf(float(np.mean(final_margins > 0)))


def fit(data: States, games: Ints) -> Fit:
    """Fit the home edge and ``CalibratedModel``'s parameters on the states of ``games`` only.

    The parameters are searched as ``logit(late_share)`` and ``log(lead_shrink)``, which keeps
    them in range, starting from a neutral guess (not from the shipped values).
    """
    margins = data.final_margin[games]
    mu = home_edge(margins)
    rows = np.isin(data.game, games)
    lead, remaining, outcome = data.lead[rows], data.remaining[rows], data.outcome[rows]

    def loss(point: Floats) -> float:
        late_share, lead_shrink = _parameters(point)
        return _mean_log_loss(model_probability(lead, remaining, mu, late_share, lead_shrink), outcome)

    late_share, lead_shrink = _parameters(nelder_mead(loss, [0.0, 0.0]))
    return Fit(mu, float(np.mean(margins)), late_share, lead_shrink)


def _parameters(point: Floats) -> tuple[float, float]:
    return 1.0 / (1.0 + math.exp(-float(point[0]))), math.exp(float(point[1]))


# --- Cross-validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """Out-of-fold predictions of every state by each model, and each fold's fit."""

    predictions: dict[str, Floats]
    fits: list[Fit]
    """Each fold's fit, on the other folds."""
    everything: Fit
    """The fit on every game: what ``bench/legacy_model.py`` should ship."""
    mirror_error: float


STERN = "stern-1994"
STERN_MEAN = "stern-1994, mu = mean margin"


def cross_validate(data: States, folds: int, seed: int) -> Evaluation:
    """Deal the games into ``folds`` folds; predict each fold with what the others fit."""
    order = list(range(len(data.final_margin)))
    random.Random(seed).shuffle(order)
    fold_of = np.empty(len(order), dtype=np.int64)
    fold_of[order] = np.arange(len(order)) % folds
    new = CalibratedModel().name
    predictions = {name: np.empty(len(data.states)) for name in (STERN, STERN_MEAN, new)}
    fits: list[Fit] = []
    mirror_error = 0.0
    for fold in range(folds):
        trained = fit(data, np.flatnonzero(fold_of != fold))
        fits.append(trained)
        held_out = np.flatnonzero(fold_of[data.game] == fold)
        model = CalibratedModel(late_share=trained.late_share, lead_shrink=trained.lead_shrink)
        for name, chosen, mu in (
            (STERN, SternModel(), trained.home_edge),
            (STERN_MEAN, SternModel(), trained.mean_margin),
            (new, model, trained.home_edge),
        ):
            predictions[name][held_out] = _predict(chosen, data, held_out, mu)
        mirror = model_probability(
            data.lead[held_out], data.remaining[held_out], trained.home_edge, trained.late_share, trained.lead_shrink
        )
        mirror_error = max(mirror_error, float(np.max(np.abs(mirror - predictions[new][held_out]))))
    return Evaluation(predictions, fits, fit_all(data), mirror_error)


def _predict(model: WinProbabilityModel, data: States, rows: Ints, mu: float) -> Floats:
    return np.array([model.predict(data.states[row], mu).home_win_probability for row in rows])


# --- Report -------------------------------------------------------------------------------------


def worst_off(scores: Scores) -> float:
    """The largest ``|observed - mean predicted|`` of the buckets with enough predictions for the goal."""
    return max(
        (
            abs(bucket.observed - bucket.mean_predicted)
            for bucket in scores.calibration
            if bucket.predictions >= GOAL_MIN_PREDICTIONS
            and bucket.observed is not None
            and bucket.mean_predicted is not None
        ),
        default=0.0,
    )


def _figure(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def report(data: States, evaluation: Evaluation, folds: int, seed: int, seconds: float, origin: str) -> bool:
    """Print the Markdown tables for the games of ``origin``; True when the goal is met."""
    outcomes = data.outcome.tolist()
    game_ids = [state.game_id for state in data.states]
    scored = {
        name: score(probabilities.tolist(), outcomes, game_ids, BUCKETS)
        for name, probabilities in evaluation.predictions.items()
    }
    new = CalibratedModel().name
    ours = scored[new]
    print(f"# Win probability on {origin}: {folds}-fold cross-validation by game (seed {seed})\n")
    print(
        f"{ours.predictions:,} predictions (one per scoring change) of {ours.games} games, every one made "
        f"by a model fitted without its game. Python {platform.python_version()}, {seconds:.1f} s.\n"
    )
    print("| model | mu | Brier | log loss | accuracy | worst bucket with ≥ 500 |")
    print("|---|---|---|---|---|---|")
    for name, mu in ((STERN, "home edge"), (STERN_MEAN, "mean margin"), (new, "home edge")):
        figures = scored[name]
        print(
            f"| {name.split(',')[0]} | {mu} | {_figure(figures.brier)} | {_figure(figures.log_loss)} | "
            f"{_figure(figures.accuracy)} | {worst_off(figures):.3f} |"
        )
    print()
    for figure, loss in (("Brier", _squared_error), ("log loss", _log_loss_each)):
        difference, error = paired_difference(
            loss(evaluation.predictions[new], data.outcome),
            loss(evaluation.predictions[STERN], data.outcome),
            data.game,
        )
        print(
            f"{figure}, {new} minus {STERN} (same mu): {difference:+.4f}, "
            f"standard error {error:.4f} (games as clusters)."
        )
    print("\n## Calibration (out of fold; mu = home edge)\n")
    print("| bucket | Stern n | predicted | observed | off | new n | predicted | observed | off |")
    print("|---|---|---|---|---|---|---|---|---|")
    for stern_bucket, new_bucket in zip(scored[STERN].calibration, ours.calibration, strict=True):
        bounds = f"[{stern_bucket.lower:.1f}, {stern_bucket.upper:.1f}{']' if stern_bucket.upper == 1.0 else ')'}"
        print(f"| {bounds} | {_bucket(stern_bucket)} | {_bucket(new_bucket)} |")
    print("\n## Fitted on the training folds\n")
    print("| fold | home edge mu | late_share | lead_shrink |")
    print("|---|---|---|---|")
    for number, trained in enumerate(evaluation.fits):
        print(f"| {number} | {trained.home_edge:.3f} | {trained.late_share:.4f} | {trained.lead_shrink:.4f} |")
    everything = evaluation.everything
    print(
        f"| all {len(data.final_margin)} games | {everything.home_edge:.4f} | {everything.late_share:.4f} | "
        f"{everything.lead_shrink:.4f} |\n\n{_shipped_note(everything)}"
    )
    print(f"\nThe fit's vectorised model strays at most {evaluation.mirror_error:.1e} from CalibratedModel.")
    best_stern = min(scored[STERN].brier or math.inf, scored[STERN_MEAN].brier or math.inf)
    met = ours.brier is not None and ours.brier < best_stern and worst_off(ours) <= GOAL_MAX_OFF
    print(
        f"\n**Goal** (Brier below Stern's {best_stern:.4f}; every bucket with ≥ {GOAL_MIN_PREDICTIONS} predictions "
        f"within {GOAL_MAX_OFF}): {'met' if met else 'NOT met'} (Brier {_figure(ours.brier)}, "
        f"worst bucket {worst_off(ours):.3f})."
    )
    return met


def _bucket(bucket: Bucket) -> str:
    if bucket.mean_predicted is None or bucket.observed is None:
        return f"{bucket.predictions} | – | – | –"
    return (
        f"{bucket.predictions:,} | {bucket.mean_predicted:.3f} | {bucket.observed:.3f} | "
        f"{bucket.observed - bucket.mean_predicted:+.3f}"
    )


_ARCHIVED_PREDICTIONS: Final = """
    SELECT game_id, model, home_win_probability, home_won::INT AS outcome FROM predictions
    WHERE scored AND game_id NOT LIKE 'sim-%' AND (? IS NULL OR start_time >= ?)"""
"""The predictions the scorecard counts, of the games :data:`_ARCHIVED_STATES` reads."""


def report_archived(path: Path, since: str | None, data: States) -> None:
    """Print the scores of the archive's predictions as they were made, and of the shipped model on its flows,
    per model, in and out of the sample the shipped parameters were fitted on (the CSV's games, matched by id)."""
    made = _archived(path, _ARCHIVED_PREDICTIONS, [since, since])
    made["made"] = "as made live"
    shipped = CalibratedModel()
    now = pd.DataFrame(
        {
            "game_id": [state.game_id for state in data.states],
            "model": shipped.name,
            "home_win_probability": _predict(
                shipped, data, np.arange(len(data.states)), legacy_model.HOME_EDGE_2015_16
            ),
            "outcome": data.outcome,
            "made": "the shipped model now, mu = home edge",
        }
    )
    rows = pd.concat([made, now], ignore_index=True)
    fitted_on = {flow.game_id for flow in read_games_csv(DATA)} if DATA.is_file() else None
    if fitted_on is None:
        rows["sample"] = f"unknown ({DATA.name} is absent)"
    else:
        # A CSV game served live by the demo's night is "real-<run>-<id>".
        seen = rows.game_id.str.rsplit("-", n=1).str[-1].isin(fitted_on)
        rows["sample"] = np.where(seen, f"in sample (fitted on {DATA.name})", "out of sample")
    print("\n## The archive's games as predicted: live (as the scorecard counts them), and by the shipped model now\n")
    print("| predictions | model | games | predictions | Brier | log loss | accuracy | worst bucket with ≥ 500 |")
    print("|---|---|---|---|---|---|---|---|")
    for (made_by, model, sample), group in rows.groupby(["made", "model", "sample"], sort=True):
        figures = score(group.home_win_probability.tolist(), group.outcome.tolist(), group.game_id.tolist(), BUCKETS)
        print(
            f"| {made_by} | {model or '(unnamed)'} | {figures.games:,}, {sample} | {figures.predictions:,} | "
            f"{_figure(figures.brier)} | {_figure(figures.log_loss)} | {_figure(figures.accuracy)} | "
            f"{worst_off(figures):.3f} |"
        )
    outside = rows.game_id[rows["sample"] == "out of sample"].nunique()
    print(f"\n{outside:,} of the {len(data.final_margin):,} games are out of the shipped parameters' sample.")


def fit_all(data: States) -> Fit:
    """The fit on every game."""
    return fit(data, np.arange(len(data.final_margin), dtype=np.int64))


def _shipped_note(everything: Fit) -> str:
    shipped = (legacy_model.HOME_EDGE_2015_16, legacy_model.LATE_SPREAD_SHARE, legacy_model.LEAD_SHRINK)
    fitted = (round(everything.home_edge, 4), round(everything.late_share, 4), round(everything.lead_shrink, 4))
    if shipped == fitted:
        return "bench/legacy_model.py ships the fit on all games."
    return f"bench/legacy_model.py ships {shipped}, not the fit on all games: refit with --fit."


def print_fit(data: States) -> None:
    """Fit on every game and print the lines of ``bench/legacy_model.py`` to paste."""
    everything = fit_all(data)
    print(f"# Fitted on all {len(data.final_margin)} games by `python bench/wp_quality.py --fit`:")
    print(f"HOME_EDGE_2015_16: Final = {everything.home_edge:.4f}")
    print(f"LATE_SPREAD_SHARE: Final = {everything.late_share:.4f}")
    print(f"LEAD_SHRINK: Final = {everything.lead_shrink:.4f}")
    print(f"# {_shipped_note(everything)}")


def main() -> None:
    """Parse the options, then cross-validate and report, or fit on everything."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--folds", type=int, default=10, help="folds of games (default 10)")
    parser.add_argument("--seed", type=int, default=2015, help="seed of the deal into folds (default 2015)")
    parser.add_argument("--fit", action="store_true", help="print the parameters fitted on all games and stop")
    parser.add_argument(
        "--margins",
        action="store_true",
        help="judge lib.model out of time on the margins file instead (with --fit: print its parameters)",
    )
    parser.add_argument(
        "--margins-file",
        type=Path,
        metavar="FILE",
        help="with --margins: this margins file instead of shared/data's (the same columns; a later season "
        "in it judges the shipped model)",
    )
    parser.add_argument(
        "--archive", type=Path, metavar="FILE", help="the finished real games of this archive instead of the CSV"
    )
    parser.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="with --archive: only games that started on this day or later"
    )
    arguments = parser.parse_args()
    if arguments.folds < 2:
        parser.error("--folds must be at least 2")
    if arguments.since is not None and arguments.archive is None:
        parser.error("--since picks games of an archive: it needs --archive")
    if arguments.margins_file is not None and not arguments.margins:
        parser.error("--margins-file is the file --margins judges: it needs --margins")
    if arguments.margins:
        if arguments.archive is not None:
            parser.error("--margins judges the margins file: it takes no --archive")
        try:
            sys.exit(0 if run_margins(arguments.fit, arguments.margins_file or MARGINS_CSV) else 1)
        except FileNotFoundError as error:
            sys.exit(str(error))
    started = time.perf_counter()
    data = load(DATA) if arguments.archive is None else load_archive(arguments.archive, arguments.since)
    if arguments.folds > len(data.final_margin):
        parser.error(f"--folds must be at most the {len(data.final_margin)} games")
    if arguments.fit:
        print_fit(data)
        return
    evaluation = cross_validate(data, arguments.folds, arguments.seed)
    if evaluation.mirror_error > MIRROR_TOLERANCE:
        sys.exit(f"The fit's vectorised model strays {evaluation.mirror_error:.1e} from lib's: update it to match.")
    if arguments.archive is None:
        origin = "real NBA games"
    else:
        origin = f"the archive {arguments.archive}{'' if arguments.since is None else f' since {arguments.since}'}"
    met = report(data, evaluation, arguments.folds, arguments.seed, time.perf_counter() - started, origin)
    if arguments.archive is not None:
        report_archived(arguments.archive, arguments.since, data)
    sys.exit(0 if met else 1)


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date such as 2026-11-01, got {text}") from None


if __name__ == "__main__":
    main()
