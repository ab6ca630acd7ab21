"""Judge the win-probability model of :mod:`lib.model` out of time on the real games' margins.

The seasons are the unit of time. Every choice is fitted on the regular seasons 1996-97 to
2021-22 (``bench/wp_fit.py``); the era discount is chosen on 2022-23 and 2023-24, and every
figure is reported on those two seasons, which no fit saw: every regular-season game at each of
its 42 moments in play (tip-off to 5 s before the end of regulation, margins carried forward).
The start of an overtime (a tie at the end of regulation) is scored on its own. What ships is the
same fit on every season, the discount as chosen.

Beside the model with full form or records only, each with and without each team's last season
and rest days, and with nothing known, the table holds the model shipped until now
(``stern-refit-2015-16``, :class:`bench.legacy_model.CalibratedModel` with its 2015-16 home edge) and
Stern's (13-point spread, the fitted home edge). The goals are the issue's; their figures are
lib's own functions, state by state, with everything the model takes and with this season's
results only. Other inputs of the pregame margin are tried in ``bench/wp_pregame.py``.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from bench import legacy_model
from bench.legacy_model import MAX_PROBABILITY as SHIPPED_MAX
from bench.legacy_model import MIN_PROBABILITY as SHIPPED_MIN
from bench.legacy_model import calibrated_win_probability
from bench.margins import IN_PLAY, MARGINS_CSV, Margins, load_margins
from bench.wp_fit import (
    FULL,
    LEVELS,
    Choices,
    Fitted,
    Floats,
    Ints,
    Level,
    States,
    fit,
    knows,
    nelder_mead,
    normal_cdf,
    paired_difference,
    season_weights,
    state_probability,
    states,
)
from bench.wp_fit import prior as game_priors
from bench.wp_pregame import report_candidates
from lib.analytics.metrics import brier, log_loss
from lib.feed.sources.games_csv import read_games_csv
from lib.model import (
    MIN_PROBABILITY,
    MODEL_NAME,
    PHASES,
    STERN_NAME,
    Parameters,
    Phase,
    TeamForm,
    home_win_probability,
    model_clock,
    phase,
    phase_scores,
    stern,
)
from lib.model import params as shipped_params
from lib.model.stern import REGULATION_SECONDS

REAL_GAMES_CSV: Final = MARGINS_CSV.with_name("nba_real_games.csv.gz")
"""Every scoring change of 632 games of 2015-16: the second-by-second check."""

LAST_TRAINING_SEASON: Final = 2021
"""Fits see the seasons up to 2021-22; 2022-23 and 2023-24 judge them."""

LAST_JUDGED_SEASON: Final = 2023
"""The last of the seasons that choose the era discount and carry the out-of-time figures. A later
season in the file judges the model as it ships instead (:func:`report_later_seasons`)."""

DISCOUNTS: Final = (0.6, 0.7, 0.8, 0.9, 1.0)
"""The era discounts tried: a season weighs this much of the next one in the fit."""

GOAL_BRIER: Final = {"form": 0.131, "record": 0.134}
GOAL_PREGAME_BRIER: Final = 0.220
GOAL_CALIBRATION_ERROR: Final = 0.015
MIRROR_TOLERANCE: Final = 1e-6
"""How far the fit's vectorised copy of the model may stray from lib's."""

TODAY_NAME: Final = "stern-refit-2015-16"


@dataclass(frozen=True)
class Figures:
    """One model's out-of-time figures."""

    brier: float
    pregame: float
    log_loss: float
    calibration: dict[Phase, float]

    @property
    def worst_calibration(self) -> float:
        """The largest calibration error of the four phases."""
        return max(self.calibration.values())


def figures(chances: Sequence[float], at: States) -> Figures:
    """Brier, pregame Brier, log loss and calibration error by phase of predictions at ``at``'s states."""
    won = at.outcome.tolist()
    by_phase = phase_scores(list(chances), won, [phase(seconds) for seconds in at.seconds.tolist()])
    errors = np.asarray(chances, dtype=np.float64) - at.outcome
    pregame = at.seconds == REGULATION_SECONDS
    return Figures(
        brier=float(np.mean(errors**2)),
        pregame=float(np.mean(errors[pregame] ** 2)),
        log_loss=log_loss(list(chances), won),
        calibration={name: score.calibration_error or 0.0 for name, score in by_phase.items()},
    )


def _forms(data: Margins, game: int, level: Level) -> tuple[TeamForm | None, TeamForm | None]:
    if level == "home-edge":
        return None, None
    return data.forms(game, points=knows(level, "form"), last_season=knows(level, "last"), rest=knows(level, "rest"))


def full_forms(data: Margins, game: int) -> tuple[TeamForm, TeamForm]:
    """The home and away form before ``game`` with everything the model takes: points, last season, rest."""
    return data.forms(game, points=True, last_season=True, rest=True)


def label(level: Level) -> str:
    """A level's name in the tables: the prior's name, then what else is known (``+form, last season, rest``)."""
    base, *rest = level.split("+")
    more = {"last": "last season", "rest": "rest"}
    return ", ".join([f"{MODEL_NAME}+{base}", *(more[item] for item in rest)])


def lib_chances(data: Margins, at: States, p: Parameters, level: Level) -> list[float]:
    """lib's :func:`~lib.model.home_win_probability` at every state, one call each."""
    chances: list[float] = []
    for start in range(0, len(at.game), IN_PLAY):
        home, away = _forms(data, int(at.game[start]), level)
        for lead, seconds in zip(
            at.lead[start : start + IN_PLAY].tolist(), at.seconds[start : start + IN_PLAY].tolist(), strict=True
        ):
            chances.append(home_win_probability(lead, seconds, None, home, away, parameters=p))
    return chances


def shipped_until_now(lead: float, seconds: float) -> float:
    """The model shipped until now (``stern-refit-2015-16`` with its home edge), clipped as it was."""
    chance = calibrated_win_probability(lead, seconds / REGULATION_SECONDS, legacy_model.HOME_EDGE_2015_16)
    return min(max(chance, SHIPPED_MIN), SHIPPED_MAX)


def baseline_chances(at: States, model: Callable[[float, float], float]) -> list[float]:
    """A model of the lead and the clock alone at every state."""
    return [model(lead, seconds) for lead, seconds in zip(at.lead.tolist(), at.seconds.tolist(), strict=True)]


# --- Report -------------------------------------------------------------------------------------


def _row(name: str, value: Figures) -> str:
    errors = " | ".join(f"{100 * value.calibration[name_]:.2f}" for name_ in PHASES)
    return f"| {name} | {value.brier:.4f} | {value.pregame:.4f} | {value.log_loss:.4f} | {errors} |"


_TABLE_HEAD: Final = (
    "| model | Brier | pregame Brier | log loss | calibration error, points: first half | third quarter | "
    "fourth quarter before the last five minutes | last five minutes |\n|---|---|---|---|---|---|---|---|"
)


def _vector_figures(data: Margins, at: States, fitted: Fitted, level: Level) -> Figures:
    return figures(state_probability(data, at, fitted, level).tolist(), at)


def choose_discount(data: Margins, train: Ints, judged: States) -> tuple[float, dict[float, Fitted]]:
    """Fit with each discount on the training seasons; keep the one with the lowest Brier score with full form."""
    fits = {discount: fit(data, train, Choices(discount)) for discount in DISCOUNTS}
    print("## The era discount, chosen on 2022-23 and 2023-24\n")
    print(
        "| discount | home edge | sigma | Brier, full form | this season's form only | records, last season, rest | "
        "nothing known | pregame, full form | log loss, full form |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    briers: dict[float, float] = {}
    for discount, fitted in fits.items():
        scored = {level: _vector_figures(data, judged, fitted, level) for level in SCORED}
        briers[discount] = scored[FULL].brier
        p = fitted.parameters
        print(
            f"| {discount:g} | {p.home_edge:.2f} | {p.sigma:.2f} | {scored[FULL].brier:.4f} | "
            f"{scored['form'].brier:.4f} | {scored['record+last+rest'].brier:.4f} | "
            f"{scored['home-edge'].brier:.4f} | {scored[FULL].pregame:.4f} | {scored[FULL].log_loss:.4f} |"
        )
    chosen = min(briers, key=lambda discount: briers[discount])
    print(f"\nChosen: {chosen:g}.\n")
    return chosen, fits


SCORED: Final[tuple[Level, ...]] = (FULL, "form", "record+last+rest", "home-edge")
"""The levels the discount and the ablations are shown with: everything, this season's form only,
records with the rest, nothing."""

ABLATIONS: Final = (
    ("without: every season weighs the same (discount 1)", {"discount": 1.0}),
    ("without: last season (every team starts from average)", {"carry_over": False}),
    ("without: back-to-backs (rest left out)", {"back_to_back": False}),
    ("without: a team's first games taken as they are (no shrinkage)", {"shrink_first_games": False}),
    ("without: the lead does not shrink", {"lead_shrink": "none"}),
    ("without: the end game swings like any minute (late share 0)", {"late_spread": False}),
    ("tried: the record beside the point differential", {"record_with_differential": True}),
    ("tried: the strength the ratings leave unknown", {"strength_uncertainty": True}),
    ("tried: the lead shrinks towards the expected lead, not 0", {"lead_shrink": "to expected"}),
    ("tried: an end-game home edge of its own", {"late_home_edge": True}),
)
"""The model refitted without each of its choices, then with each piece tried and left out."""


def report_ablations(data: Margins, train: Ints, judged: States, fits: dict[float, Fitted], discount: float) -> None:
    """Refit without each choice, and with each piece tried, and print the out-of-time figures of each."""
    print("## What each choice gains: refitted without it, or with a piece tried (the fit's vectorised copy)\n")
    print(
        "| model | Brier, full form | change from the model ± standard error (games as clusters) | "
        "this season's form only | records, last season, rest | nothing known | pregame, full form | "
        "pregame change ± standard error | log loss, full form | worst phase calibration error, full form (points) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    chosen = fits[discount]
    model_error = (state_probability(data, judged, chosen, FULL) - judged.outcome) ** 2
    rows: list[tuple[str, Fitted]] = [("the model", chosen)]
    for name, change in ABLATIONS:
        other = change.get("discount")
        if isinstance(other, float) and other in fits:
            rows.append((name, fits[other]))
        else:
            rows.append((name, fit(data, train, replace(Choices(discount), **change))))
    for name, fitted in rows:
        scored = {level: _vector_figures(data, judged, fitted, level) for level in SCORED}
        error = (state_probability(data, judged, fitted, FULL) - judged.outcome) ** 2
        change_, standard_error = paired_difference(error, model_error, judged.game)
        pregame = judged.seconds == REGULATION_SECONDS
        pregame_change, pregame_error = paired_difference(error[pregame], model_error[pregame], judged.game[pregame])
        full = scored[FULL]
        print(
            f"| {name} | {full.brier:.4f} | {change_:+.5f} ± {standard_error:.5f} | {scored['form'].brier:.4f} | "
            f"{scored['record+last+rest'].brier:.4f} | {scored['home-edge'].brier:.4f} | {full.pregame:.4f} | "
            f"{pregame_change:+.5f} ± {pregame_error:.5f} | {full.log_loss:.4f} | {100 * full.worst_calibration:.2f} |"
        )
    print()


def report_ceiling(data: Margins, games: Ints, fitted: Fitted) -> None:
    """The best any per-moment probit of the lead and the pregame margin does, fitted on the judged games themselves."""
    print("## What the inputs allow\n")
    print(
        "A probit of the lead, its square (signed) and the pregame margin, fitted for each of the 42 moments "
        "on the judged seasons themselves (168 coefficients, in sample: no model of these inputs does much better "
        "out of time):\n"
    )
    print("| knowing | Brier | pregame Brier |\n|---|---|---|")
    outcome = data.outcome[games].astype(np.float64)
    knowing: tuple[tuple[Level, str], ...] = (
        (FULL, "full form: this season, last season, rest"),
        ("form", "this season's form only"),
        ("home-edge", "nothing"),
    )
    for level, label in knowing:
        mu = game_priors(data, fitted, level)[0][games]
        losses = []
        for moment in range(IN_PLAY):
            lead = data.lead[games, moment]
            design = np.column_stack([np.ones_like(lead), lead, lead * np.abs(lead) / 10.0, mu / 10.0])

            def loss(point: Floats, design: Floats = design) -> float:
                chance = np.clip(normal_cdf(design @ point), 1e-6, 1 - 1e-6)
                return float(np.mean((chance - outcome) ** 2))

            losses.append(loss(nelder_mead(loss, [0.0, 0.1, 0.0, 0.1], step=0.1, tolerance=1e-12)))
        print(f"| {label} | {np.mean(losses):.4f} | {losses[0]:.4f} |")
    print()


def _close(at: States) -> npt.NDArray[np.bool_]:
    """The states of the last five minutes with a home lead of -3 to +3."""
    return np.asarray((at.seconds <= 300) & (np.abs(at.lead) <= 3), dtype=np.bool_)


def report_close_games(
    data: Margins, train: Ints, fitted: Fitted, at: States, ours: Sequence[float], today: Sequence[float]
) -> None:
    """Observed and predicted home win rates in close games of the last five minutes, lead by lead."""
    print("## Close games in the last five minutes\n")
    print("| seconds left | home lead | states | home won | ours, full form | shipped until now |")
    print("|---|---|---|---|---|---|")
    ours_, today_ = np.asarray(ours), np.asarray(today)
    for low, high, label in ((61, 300, "300 to 61"), (5, 60, "60 to 5")):
        for lead in range(-3, 4):
            rows = (at.seconds >= low) & (at.seconds <= high) & (at.lead == lead)
            print(
                f"| {label} | {lead:+d} | {int(rows.sum()):,} | {at.outcome[rows].mean():.3f} | "
                f"{ours_[rows].mean():.3f} | {today_[rows].mean():.3f} |"
            )
    print("\nHome wins minus the model's chance, all these states (points):\n")
    print("| seasons | states | home won | ours, full form | difference |\n|---|---|---|---|---|")
    for first, last in ((1996, 2011), (2012, LAST_TRAINING_SEASON)):
        games = train[(data.season[train] >= first) & (data.season[train] <= last)]
        fitted_states = states(data, games)
        close = _close(fitted_states)
        chance = state_probability(data, fitted_states, fitted, FULL)[close]
        won = fitted_states.outcome[close]
        print(
            f"| {_seasons(data.season[games])} (fitted) | {int(close.sum()):,} | {won.mean():.3f} | "
            f"{chance.mean():.3f} | {100 * (won.mean() - chance.mean()):+.1f} |"
        )
    close = _close(at)
    won = at.outcome[close]
    print(
        f"| {_seasons(data.season[at.game])} (judged) | {int(close.sum()):,} | {won.mean():.3f} | "
        f"{ours_[close].mean():.3f} | {100 * (won.mean() - ours_[close].mean()):+.1f} |"
    )
    print()


def report_extremes(at: States, ours: Sequence[float]) -> None:
    """How often the side the model all but wrote off came back, where it did."""
    chance = np.asarray(ours)
    underdog = np.minimum(chance, 1.0 - chance)
    upset = np.where(chance < 0.5, at.outcome == 1, at.outcome == 0)
    print("## The longest odds: the underdog's chance and how often it won\n")
    print("| underdog's chance | states | underdog won | expected |\n|---|---|---|---|")
    for low, high, label in (
        (0.0, MIN_PROBABILITY * 1.0000001, f"{MIN_PROBABILITY:g} (the floor)"),
        (MIN_PROBABILITY * 1.0000001, 0.001, f"above {MIN_PROBABILITY:g}, below 0.001"),
        (0.001, 0.01, "0.001 to 0.01"),
    ):
        rows = (underdog >= low) & (underdog < high)
        print(f"| {label} | {int(rows.sum()):,} | {int(upset[rows].sum())} | {underdog[rows].sum():.1f} |")
    print()


def report_overtime(data: Margins, train: Ints, judged: Ints, p: Parameters) -> None:
    """The start of an overtime (the games tied at the end of regulation), in the fitted seasons and the judged ones."""
    print("## The start of overtime (tied at the end of regulation)\n")
    print("| seasons | games | home won | model | mean predicted | Brier | log loss |\n|---|---|---|---|---|---|---|")
    for seasons, games in ((_seasons(data.season[train]), train), (_seasons(data.season[judged]), judged)):
        tied = games[data.overtime[games]]
        won = data.outcome[tied]
        ours = [home_win_probability(0, 0, None, *full_forms(data, int(game)), parameters=p) for game in tied]
        for name, chances in (
            (label(FULL), ours),
            (f"{MODEL_NAME}+home-edge", [home_win_probability(0, 0, parameters=p)] * len(tied)),
            (TODAY_NAME, [shipped_until_now(0.0, 0.0)] * len(tied)),
        ):
            chance = np.asarray(chances)
            print(
                f"| {seasons} | {len(tied):,} | {won.mean():.3f} | {name} | {chance.mean():.3f} | "
                f"{np.mean((chance - won) ** 2):.4f} | {log_loss(chance.tolist(), won.tolist()):.4f} |"
            )
    print()


def report_second_by_second(data: Margins, p: Parameters) -> None:
    """Every scoring change of the 632 real games of 2015-16, overtimes included, each team with its form."""
    if not REAL_GAMES_CSV.is_file():
        print(f"## Second by second: {REAL_GAMES_CSV} is absent\n")
        return
    flows = read_games_csv(REAL_GAMES_CSV)
    row = {game_id: index for index, game_id in enumerate(data.game_id.tolist())}
    chances: dict[str, list[float]] = {label(FULL): [], f"{MODEL_NAME}+home-edge": [], TODAY_NAME: []}
    won: list[int] = []
    phases: list[Phase] = []
    for flow in flows:
        home, away = full_forms(data, row[flow.game_id])
        home_points, away_points = flow.final_score
        for event in flow.events:
            seconds, overtime = model_clock(event.period, event.seconds_left_in_period)
            lead = event.home_score - event.away_score
            chances[label(FULL)].append(home_win_probability(lead, seconds, overtime, home, away, parameters=p))
            chances[f"{MODEL_NAME}+home-edge"].append(home_win_probability(lead, seconds, overtime, parameters=p))
            left = (seconds if overtime is None else overtime) / REGULATION_SECONDS
            today = calibrated_win_probability(lead, left, legacy_model.HOME_EDGE_2015_16)
            chances[TODAY_NAME].append(min(max(today, SHIPPED_MIN), SHIPPED_MAX))
            won.append(int(home_points > away_points))
            phases.append(phase(seconds, overtime))
    print("## Second by second: the 632 games of 2015-16, every scoring change (seasons the fits saw)\n")
    print(f"{len(won):,} states, overtimes included; {TODAY_NAME} was fitted on these very games.\n")
    print(
        _TABLE_HEAD.replace("| pregame Brier ", "").replace(
            "|---|---|---|---|---|---|---|---|", "|---|---|---|---|---|---|---|"
        )
    )
    for name, chance in chances.items():
        errors = " | ".join(
            f"{100 * (score.calibration_error or 0.0):.2f}" for score in phase_scores(chance, won, phases).values()
        )
        print(f"| {name} | {brier(chance, won):.4f} | {log_loss(chance, won):.4f} | {errors} |")
    print()


def report_playoffs(data: Margins, games: Ints, p: Parameters) -> None:
    """The play-in and playoff games of the judged seasons, each team with its final regular-season form."""
    at = states(data, games)
    print("## Play-in and playoffs, with each team's final regular-season form\n")
    print(f"{len(games)} games, {len(at.game):,} states.\n")
    print("| model | Brier | pregame Brier | log loss |\n|---|---|---|---|")
    for name, chances in (
        (label(FULL), lib_chances(data, at, p, FULL)),
        (f"{MODEL_NAME}+home-edge", lib_chances(data, at, p, "home-edge")),
        (TODAY_NAME, baseline_chances(at, shipped_until_now)),
    ):
        value = figures(chances, at)
        print(f"| {name} | {value.brier:.4f} | {value.pregame:.4f} | {value.log_loss:.4f} |")
    print()


def report_totals(data: Margins, train: Ints, games: Ints, p: Parameters) -> None:
    """How far the expected final total is from the real one, before tip-off."""
    total = (data.home_final + data.away_final)[games].astype(np.float64)
    played = (data.wins + data.losses)[games].sum(axis=1)
    points = (data.points_for + data.points_against)[games].sum(axis=1)
    with_form = (p.expected_total * p.total_prior_games + points) / (p.total_prior_games + played)
    weight = season_weights(data, train, shipped_params.ERA_DISCOUNT)
    weighted = float(np.sum(weight * (data.home_final + data.away_final)[train]) / np.sum(weight))
    print("## The expected final score, before tip-off\n")
    print("| expected total | points | mean absolute error | mean error |\n|---|---|---|---|")
    for name, expected in (
        ("the league's, seasons weighted by the era discount", np.full_like(total, weighted)),
        ("the last season's (what the model keeps)", np.full_like(total, p.expected_total)),
        ("the last season's, moved by both teams' points (the model)", with_form),
    ):
        print(
            f"| {name} | {np.mean(expected):.1f} | {np.mean(np.abs(total - expected)):.1f} | "
            f"{np.mean(expected - total):+.1f} |"
        )
    print()


def _parameters_block(name: str, p: Parameters, docstring: str) -> str:
    body = "\n".join(f"    {field.name}={getattr(p, field.name):.4g}," for field in fields(p))
    return f'{name}: Final = Parameters(\n{body}\n)\n"""{docstring}"""'


def parameters_text(discount: float, shipped: Parameters, out_of_time: Parameters, seasons: Ints) -> str:
    """The lines of ``lib/model/params.py`` a fit produces, to paste; ``seasons``: those ``shipped`` saw."""
    last = int(seasons.max())
    return "\n\n".join(
        [
            f"ERA_DISCOUNT: Final = {discount:g}\n"
            '"""The weight of a season relative to the next one in every fit, chosen on 2022-23 and 2023-24."""',
            _parameters_block(
                "SHIPPED",
                shipped,
                f"Fitted on every regular season of the file, {_seasons(seasons)}: what the model uses.",
            )
            + f"\n\nSHIPPED_LAST_SEASON: Final = {last}\n"
            f'"""The last season ``SHIPPED`` was fitted on, by the year it started ({_season(last)}): '
            "any later season of\na margins file judges the model as it ships, out of time "
            '(``python bench/wp_quality.py --margins``)."""',
            _parameters_block(
                "OUT_OF_TIME",
                out_of_time,
                "Fitted on the regular seasons up to 2021-22 only: the figures of ``docs/model.md``, scored on "
                "2022-23 and 2023-24.",
            ),
        ]
    )


def _rounded(p: Parameters) -> Parameters:
    return Parameters(**{field.name: float(f"{getattr(p, field.name):.4g}") for field in fields(p)})


def _shipped_note(discount: float, shipped: Parameters, out_of_time: Parameters, last_season: int) -> str:
    current = (
        shipped_params.ERA_DISCOUNT,
        shipped_params.SHIPPED,
        shipped_params.OUT_OF_TIME,
        shipped_params.SHIPPED_LAST_SEASON,
    )
    if current == (discount, _rounded(shipped), _rounded(out_of_time), last_season):
        return "lib/model/params.py ships these fits."
    return "lib/model/params.py does not ship these fits: refit with --margins --fit and paste."


def run(fit_only: bool, path: Path = MARGINS_CSV) -> bool:
    """Fit, choose and report (or, with ``fit_only``, print the parameters to paste); True when every goal is met.

    Args:
        fit_only: Print the parameters of ``lib/model/params.py`` fitted on ``path`` and stop.
        path: A margins file of ``shared/data/nba_margins.csv.gz``'s shape, for example one with a later season.

    Raises:
        FileNotFoundError: If ``path`` is absent.
    """
    started = time.perf_counter()
    data = load_margins(path)
    regular = np.flatnonzero(data.regular)
    train = regular[data.season[regular] <= LAST_TRAINING_SEASON]
    judged_games = regular[(data.season[regular] > LAST_TRAINING_SEASON) & (data.season[regular] <= LAST_JUDGED_SEASON)]
    judged = states(data, judged_games)
    print(
        f"# Win probability out of time: fitted on {_seasons(data.season[train])}, "
        f"judged on {_seasons(data.season[judged_games])}\n"
    )
    print(
        f"{len(train):,} regular-season games fitted on; {len(judged_games):,} judged, at {IN_PLAY} moments each: "
        f"{len(judged.game):,} states. Python {platform.python_version()}.\n"
    )
    discount, fits = choose_discount(data, train, judged)
    out_of_time = fits[discount].parameters
    shipped = fit(data, regular, Choices(discount)).parameters
    last_season = int(data.season[regular].max())
    if fit_only:
        print("# Fitted by `python bench/wp_quality.py --margins --fit`:\n")
        print(parameters_text(discount, shipped, out_of_time, data.season[regular]))
        print(f"\n# {_shipped_note(discount, shipped, out_of_time, last_season)}")
        return True
    print("## The figures, out of time (lib's functions, state by state)\n")
    scored, today, met = report_figures(data, judged, out_of_time)
    mirror = max(
        float(np.max(np.abs(np.asarray(scored[level]) - state_probability(data, judged, fits[discount], level))))
        for level in LEVELS
    )
    print(f"\nThe fit's vectorised model strays at most {mirror:.1e} from lib's.\n")
    report_ablations(data, train, judged, fits, discount)
    report_candidates(data, train, judged, fits[discount], discount)
    report_ceiling(data, judged_games, fits[discount])
    report_close_games(data, train, fits[discount], judged, scored[FULL], today)
    report_extremes(judged, scored[FULL])
    report_overtime(data, train, judged_games, out_of_time)
    report_second_by_second(data, shipped)
    playoffs = np.flatnonzero(
        ~data.regular & (data.season > LAST_TRAINING_SEASON) & (data.season <= LAST_JUDGED_SEASON)
    )
    report_playoffs(data, playoffs, out_of_time)
    report_totals(data, train, judged_games, out_of_time)
    later = report_later_seasons(data, regular[data.season[regular] > shipped_params.SHIPPED_LAST_SEASON])
    print(f"What ships: the same fit on all {len(regular):,} regular-season games, discount {discount:g}.")
    print(_shipped_note(discount, shipped, out_of_time, last_season))
    print(f"\n{time.perf_counter() - started:.0f} s.")
    if mirror > MIRROR_TOLERANCE:
        print(f"The fit's vectorised model strays {mirror:.1e} from lib's: update it to match.")
        return False
    return met and later


def report_figures(data: Margins, at: States, p: Parameters) -> tuple[dict[Level, list[float]], list[float], bool]:
    """The issue's table on ``at``'s states, then its goals.

    lib's model with ``p`` at every level of what is known, the model shipped until now and
    Stern's (with ``p``'s home edge) beside it.

    Returns:
        lib's chances at each level, the model shipped until now's, and whether every goal is met
        with everything the model takes.
    """
    scored = {level: lib_chances(data, at, p, level) for level in LEVELS}
    today = baseline_chances(at, shipped_until_now)
    stern_ = baseline_chances(at, lambda lead, seconds: stern(lead, seconds, parameters=p))
    results = {level: figures(scored[level], at) for level in LEVELS}
    until_now = figures(today, at)
    print(_TABLE_HEAD)
    for level in LEVELS:
        print(_row(label(level), results[level]))
    print(_row(f"{TODAY_NAME} (shipped until now; home edge {legacy_model.HOME_EDGE_2015_16:.2f})", until_now))
    print(_row(f"{STERN_NAME} (spread 13, home edge {p.home_edge:.2f})", figures(stern_, at)))
    return scored, today, _goals(results, until_now)


def report_later_seasons(data: Margins, games: Ints) -> bool:
    """The model as it ships on the regular seasons after those it was fitted on: the same table and goals.

    ``SHIPPED`` as pasted in ``lib/model/params.py``, not refitted on the file: those seasons are
    out of time for it, as 2022-23 and 2023-24 are for ``OUT_OF_TIME``.

    Returns:
        Whether every goal is met there with everything the model takes; True when there are no such games.
    """
    last = shipped_params.SHIPPED_LAST_SEASON
    print(f"## Later seasons: the model as it ships (fitted up to {_season(last)}), out of time\n")
    if len(games) == 0:
        print(
            f"The file holds no regular season after {_season(last)}. Given a margins file with one "
            "(the same columns; `--margins-file`), this section scores the shipped model on it, state by state.\n"
        )
        return True
    at = states(data, games)
    print(
        f"{len(games):,} regular-season games of {_seasons(data.season[games])}, at {IN_PLAY} moments each: "
        f"{len(at.game):,} states.\n"
    )
    _, _, met = report_figures(data, at, shipped_params.SHIPPED)
    print()
    return met


def _season(year: int) -> str:
    """``2023-24`` for the season starting in 2023."""
    return f"{year}-{(year + 1) % 100:02d}"


def _seasons(years: Ints) -> str:
    """``1996-97 to 2021-22`` for the seasons starting in those years; ``2024-25`` for one."""
    first, last = int(years.min()), int(years.max())
    return _season(first) if first == last else f"{_season(first)} to {_season(last)}"


def _goals(results: dict[Level, Figures], until_now: Figures) -> bool:
    """Print the goals met and not, with everything the model takes and with this season's results only.

    Returns:
        Whether every goal is met with everything the model takes.
    """
    met_with_all = True
    knowing: tuple[tuple[str, Level, Level], ...] = (
        (
            "with everything the model takes (this season's results, last season's record, rest days)",
            FULL,
            "record+last+rest",
        ),
        ("with this season's results only (what the model took until now)", "form", "record"),
    )
    for title, form_level, record_level in knowing:
        form = results[form_level]
        record = results[record_level]
        checks = [
            (f"full form: Brier at most {GOAL_BRIER['form']}", form.brier <= GOAL_BRIER["form"], f"{form.brier:.4f}"),
            (
                f"full form: pregame Brier at most {GOAL_PREGAME_BRIER}",
                form.pregame <= GOAL_PREGAME_BRIER,
                f"{form.pregame:.4f}",
            ),
            (
                f"full form: calibration error at most {100 * GOAL_CALIBRATION_ERROR:g} points in every phase",
                form.worst_calibration <= GOAL_CALIBRATION_ERROR,
                f"worst {100 * form.worst_calibration:.2f}",
            ),
            (
                f"records only: Brier at most {GOAL_BRIER['record']}",
                record.brier <= GOAL_BRIER["record"],
                f"{record.brier:.4f}",
            ),
            (
                f"nothing known: Brier below the model shipped until now's {until_now.brier:.4f}",
                results["home-edge"].brier < until_now.brier,
                f"{results['home-edge'].brier:.4f}",
            ),
        ]
        print(f"\n**Goals, {title}:**\n")
        for name, met, value in checks:
            print(f"- {name}: {'met' if met else 'NOT met'} ({value})")
        met_with_all = met_with_all and (form_level != FULL or all(met for _, met, _ in checks))
    return met_with_all
