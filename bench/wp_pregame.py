"""Try other inputs of the pregame margin, beyond the model's, out of time: each with its gain and standard error.

The model's pregame margin is the home edge, both teams' shrunk point differentials, their last
season's records and their back-to-backs (``bench/wp_fit.py``). Each candidate here is what a
careful modeller would try next and a live source could know before tip-off; each is fitted on the
same seasons with the same weights, by least squares on the final margins, either **beside** the
model's margin (its own columns added to it) or **instead** of one of its pieces (the point
differential, or last season's record), and judged on the same seasons as the model: the change
in the pregame Brier score (one state a game) and in the Brier score at every state (the model's
game, its ``sigma``, late share and lead shrink, unchanged), each with its standard error (games
as clusters), and the change in the fitted seasons' mean squared error of the final margin, which
shows what a candidate fits of the past.

Every candidate is computed from the games before it in the file, as a live source would from
the season's schedule (and, for last season's, the one before).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import numpy as np

from bench.margins import FRANCHISES, MOMENTS, Margins
from bench.wp_fit import (
    FULL,
    Fitted,
    Floats,
    Ints,
    States,
    back_to_back,
    carried_column,
    last_balance,
    least_squares,
    nelder_mead,
    paired_difference,
    per_game,
    prior,
    probability,
    rest_column,
    season_weights,
)

HALF_LIVES: Final = (5, 10, 20)
"""Half-lives, in a team's games, of the decayed point differentials tried."""

CAPS: Final = (15, 20)
"""Margins capped at this many points, tried in place of the whole margins."""

RIDGE_GAMES: Final = 15.0
"""Games at the prior's rating added to each team in the opponent-adjusted ratings."""

LATE_FROM: Final = 55
"""A team's games after which the late season's candidates count: the share of the 27 left gone."""

ELO_K: Final = (15.0, 20.0)
"""The Elo update sizes tried: FiveThirtyEight's NBA Elo used 20."""

ELO_CARRY: Final = 0.75
"""The share of a team's Elo rating above or below average it keeps into the next season (FiveThirtyEight's)."""

ELO_HOME: Final = 100.0
"""The home team's Elo edge in the update's expectation (FiveThirtyEight's)."""

ELO_POINTS: Final = 28.0
"""Elo points per point of margin, about: only a scale, as each candidate's weight is fitted."""

VENUE_PRIOR_GAMES: Final = 100.0
"""Games of the league's average home edge added to a venue's own history."""

BEFORE_THE_END: Final = (720, 300)
"""Seconds left in regulation at which a game's margin stands in for its final one, before the
benches empty in a blowout: the end of the third quarter, five minutes left."""

CROWDLESS_SEASON: Final = 2020
"""2020-21, played mostly without crowds."""

BUBBLE_FROM: Final = date(2020, 7, 1).toordinal()
"""The restart of 2019-20 in the Orlando bubble, on neutral floors without crowds."""


@dataclass(frozen=True)
class Features:
    """Per game and side (games by 2, home then away), what the games before it tell beyond the model's inputs."""

    decayed: dict[int, tuple[Floats, Floats]]
    capped: dict[int, Floats]
    ridge: Floats
    rest: Floats
    three_in_four: Floats
    travelled: Floats
    road_trip: Floats
    last_differential: Floats
    two_seasons_back: Floats
    venue_edge: Floats
    elo: dict[float, Floats]
    before_the_end: dict[int, Floats]


def features(data: Margins, fitted: Fitted) -> Features:
    """Work out every candidate's inputs, in date order, from regular-season results only."""
    n = len(data.game_id)
    margin = (data.home_final - data.away_final).astype(np.float64)
    decayed = {life: (np.zeros((n, 2)), np.zeros((n, 2))) for life in HALF_LIVES}
    capped = {cap: np.zeros((n, 2)) for cap in CAPS}
    before_the_end = {seconds: np.zeros((n, 2)) for seconds in BEFORE_THE_END}
    at_moment = {seconds: data.lead[:, MOMENTS.tolist().index(seconds)] for seconds in BEFORE_THE_END}
    rest, three, travelled, trip = (np.zeros((n, 2)) for _ in range(4))
    last_differential, two_back, venue = (np.zeros((n, 2)) for _ in range(3))
    # Per team this season: decayed sums and weights, capped sums, days played, venues (True at home).
    sums: dict[str, dict[str, float]] = {}
    days: dict[str, list[int]] = {}
    venues: dict[str, list[bool]] = {}
    finals: dict[int, dict[str, tuple[float, float]]] = {}  # season -> franchise -> (differential per game, balance)
    # Per team code (an arena, more or less), every past season: home margins' sum and count, away's.
    venue_history: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    season: int | None = None
    for game in range(n):
        year = int(data.season[game])
        if year != season:
            if season is not None:
                finals[season] = _close_season(sums, venue_history)
            season, sums, days, venues = year, {}, {}, {}
        for side in (0, 1):
            team = str(data.teams[game, side])
            franchise = FRANCHISES.get(team, team)
            total = sums.get(team, {})
            for life in HALF_LIVES:
                decayed[life][0][game, side] = total.get(f"decayed{life}", 0.0)
                decayed[life][1][game, side] = total.get(f"weight{life}", 0.0)
            for cap in CAPS:
                capped[cap][game, side] = total.get(f"capped{cap}", 0.0)
            for seconds in BEFORE_THE_END:
                before_the_end[seconds][game, side] = total.get(f"before{seconds}", 0.0)
            played, where = days.get(team, []), venues.get(team, [])
            rest[game, side] = min(data.day[game] - played[-1], 4) if played else 4
            three[game, side] = float(len(played) >= 2 and data.day[game] - played[-2] <= 3)
            travelled[game, side] = float(bool(where) and not where[-1])
            trip[game, side] = _run(where) if side == 1 else 0.0
            last_differential[game, side] = finals.get(year - 1, {}).get(franchise, (0.0, 0.0))[0]
            two_back[game, side] = finals.get(year - 2, {}).get(franchise, (0.0, 0.0))[1]
            home_sum, home_n, away_sum, away_n = venue_history[team]
            if side == 0 and home_n and away_n:
                venue[game, side] = (home_sum / home_n - away_sum / away_n) / 2 * home_n / (home_n + VENUE_PRIOR_GAMES)
        if data.regular[game]:
            for side, sign in ((0, 1.0), (1, -1.0)):
                team = str(data.teams[game, side])
                before = {seconds: sign * float(at_moment[seconds][game]) for seconds in BEFORE_THE_END}
                _add(sums.setdefault(team, {}), sign * margin[game], at_home=side == 0, before=before)
                days.setdefault(team, []).append(int(data.day[game]))
                venues.setdefault(team, []).append(side == 0)
    venue[:, 0] -= np.mean(venue[data.regular, 0])
    return Features(
        decayed=decayed,
        capped=capped,
        ridge=_ridge(data, fitted),
        rest=rest,
        three_in_four=three,
        travelled=travelled * np.column_stack([back_to_back(data, 0), back_to_back(data, 1)]),
        road_trip=trip,
        last_differential=last_differential,
        two_seasons_back=two_back,
        venue_edge=venue,
        elo={k: _elo(data, k) for k in ELO_K},
        before_the_end=before_the_end,
    )


def _add(total: dict[str, float], difference: float, *, at_home: bool, before: dict[int, float]) -> None:
    for life in HALF_LIVES:
        keep = 0.5 ** (1.0 / life)
        total[f"decayed{life}"] = total.get(f"decayed{life}", 0.0) * keep + difference
        total[f"weight{life}"] = total.get(f"weight{life}", 0.0) * keep + 1.0
    for cap in CAPS:
        total[f"capped{cap}"] = total.get(f"capped{cap}", 0.0) + max(-cap, min(cap, difference))
    for seconds, margin in before.items():
        total[f"before{seconds}"] = total.get(f"before{seconds}", 0.0) + margin
    total["games"] = total.get("games", 0.0) + 1.0
    total["differential"] = total.get("differential", 0.0) + difference
    total["balance"] = total.get("balance", 0.0) + (1.0 if difference > 0 else -1.0)
    where = "home" if at_home else "away"
    total[f"{where} sum"] = total.get(f"{where} sum", 0.0) + difference
    total[f"{where} games"] = total.get(f"{where} games", 0.0) + 1.0


def _run(venues: list[bool]) -> float:
    """Road games in a row ending with this one, at most 6."""
    run = 1
    for at_home in reversed(venues):
        if at_home or run == 6:
            break
        run += 1
    return float(run)


def _close_season(
    sums: dict[str, dict[str, float]], venue_history: dict[str, list[float]]
) -> dict[str, tuple[float, float]]:
    """Each franchise's final point differential per game and balance per game; the arenas' history grows."""
    finals = {}
    for team, total in sums.items():
        finals[FRANCHISES.get(team, team)] = (total["differential"] / total["games"], total["balance"] / total["games"])
        history = venue_history[team]
        for at, where in ((0, "home"), (2, "away")):
            history[at] += total.get(f"{where} sum", 0.0)
            history[at + 1] += total.get(f"{where} games", 0.0)
    return finals


def _ridge(data: Margins, fitted: Fitted) -> Floats:
    """Opponent-adjusted ratings before each game: least squares of this season's margins on the teams.

    Each team's rating is shrunk towards its prior, last season's record as the model carries it,
    by :data:`RIDGE_GAMES` games; with no opponents' strengths it would be the model's rating.
    """
    p = fitted.parameters
    margin = (data.home_final - data.away_final).astype(np.float64)
    ratings = np.zeros((len(data.game_id), 2))
    prior_rating = np.column_stack([p.carry_weight * last_balance(data, side)[0] for side in (0, 1)])
    for season in np.unique(data.season):
        games = np.flatnonzero(data.season == season)
        codes = sorted(set(data.teams[games].ravel().tolist()))
        index = {code: number for number, code in enumerate(codes)}
        sides = np.array([[index[str(code)] for code in pair] for pair in data.teams[games]])
        start = np.zeros(len(codes))
        start[sides[:, 0]], start[sides[:, 1]] = prior_rating[games, 0], prior_rating[games, 1]
        normal = np.eye(len(codes)) * RIDGE_GAMES
        right = start * RIDGE_GAMES
        for day in np.unique(data.day[games]):
            today = games[data.day[games] == day]
            solved = np.linalg.solve(normal, right)
            ratings[today] = solved[sides[data.day[games] == day]]
            for game, (home, away) in zip(today, sides[data.day[games] == day], strict=True):
                if data.regular[game]:
                    row = np.zeros(len(codes))
                    row[home], row[away] = 1.0, -1.0
                    normal += np.outer(row, row)
                    right += row * (margin[game] - p.home_edge)
    return ratings


def _elo(data: Margins, k: float) -> Floats:
    """FiveThirtyEight's NBA Elo before each game, home minus away, in points (:data:`ELO_POINTS` Elo points each).

    Every game updates both teams, playoffs too, by ``k`` times the margin-of-victory multiplier
    ``(|margin| + 3) ** 0.8 / (7.5 + 0.006 * the winner's Elo edge)`` times the result's surprise;
    each season starts from :data:`ELO_CARRY` of the last one's rating, the rest of it average.
    """
    difference = np.zeros(len(data.game_id))
    rating: dict[str, float] = {}
    season = None
    for game in range(len(data.game_id)):
        if data.season[game] != season:
            season = data.season[game]
            rating = {team: ELO_CARRY * value for team, value in rating.items()}
        home, away = (FRANCHISES.get(str(team), str(team)) for team in data.teams[game])
        edge = rating.get(home, 0.0) - rating.get(away, 0.0)
        difference[game] = edge / ELO_POINTS
        margin = int(data.home_final[game] - data.away_final[game])
        edge += ELO_HOME
        expected = 1.0 / (1.0 + 10.0 ** (-edge / 400.0))
        multiplier = (abs(margin) + 3) ** 0.8 / (7.5 + 0.006 * (edge if margin > 0 else -edge))
        shift = k * multiplier * (float(margin > 0) - expected)
        rating[home], rating[away] = rating.get(home, 0.0) + shift, rating.get(away, 0.0) - shift
    return difference


def _difference(values: Floats) -> Floats:
    return np.asarray(values[:, 0] - values[:, 1], dtype=np.float64)


Kind = Literal["beside", "instead of the point differential", "instead of last season's record"]


@dataclass(frozen=True)
class Candidate:
    """One input tried: its name, how it enters the margin, and its columns given a shrinkage in games."""

    name: str
    kind: Kind
    columns: Callable[[float], list[Floats]]
    shrinks: bool = False
    crowds_only: bool = False


def candidates(data: Margins, found: Features) -> list[Candidate]:
    """The inputs tried, each as the columns it adds to (or puts in place of a piece of) the model's margin."""
    games = (data.wins + data.losses).astype(np.float64)
    balance = np.divide(data.wins - data.losses, games, out=np.zeros_like(games), where=games > 0)
    late = np.clip(games - LATE_FROM, 0.0, None) / (82 - LATE_FROM)

    def shrunk(values: Floats, played: Floats, prior_games: float) -> Floats:
        return _difference(values / (played + prior_games))

    def decayed(life: int) -> Callable[[float], list[Floats]]:
        return lambda k: [shrunk(*found.decayed[life], k)]

    def capped(cap: int) -> Callable[[float], list[Floats]]:
        return lambda k: [shrunk(found.capped[cap], games, k)]

    def before_the_end(seconds: int) -> Callable[[float], list[Floats]]:
        return lambda k: [shrunk(found.before_the_end[seconds], games, k)]

    def rated(k: float) -> Callable[[float], list[Floats]]:
        return lambda _: [found.elo[k]]

    def fading(values: Floats) -> Callable[[float], list[Floats]]:
        """A past season's figure, worn down by this season's games as the model wears last season's record."""
        return lambda k: [_difference(values * k / (games + k))]

    tried = [
        Candidate(
            f"recency: the point differential decayed with a half-life of {life} games",
            "beside",
            decayed(life),
            shrinks=True,
        )
        for life in HALF_LIVES
    ]
    tried += [
        Candidate(
            f"recency: the point differential decayed with a half-life of {HALF_LIVES[-1]} games",
            "instead of the point differential",
            decayed(HALF_LIVES[-1]),
            shrinks=True,
        )
    ]
    tried += [
        Candidate(
            f"blowouts damped: each margin capped at {cap} points",
            "instead of the point differential",
            capped(cap),
            shrinks=True,
        )
        for cap in CAPS
    ]
    tried += [
        Candidate(
            f"opponents: ratings adjusted for the opponents met (least squares, {RIDGE_GAMES:g} games of prior)",
            "instead of the point differential",
            lambda k: [_difference(found.ridge)],
        ),
        *(
            Candidate(
                f"garbage time left out: each margin {seconds // 60} minutes before the end instead of the final one",
                "instead of the point differential",
                before_the_end(seconds),
                shrinks=True,
            )
            for seconds in BEFORE_THE_END
        ),
        Candidate("rest: days since the last game, up to 4", "beside", lambda k: [_difference(found.rest)]),
        Candidate(
            "rest: the third game in four nights",
            "beside",
            lambda k: [found.three_in_four[:, 0], found.three_in_four[:, 1]],
        ),
        Candidate(
            "travel: a back-to-back whose first night was on the road",
            "beside",
            lambda k: [found.travelled[:, 0], found.travelled[:, 1]],
        ),
        Candidate(
            "travel: the away team's road trip, games in a row (up to 6)", "beside", lambda k: [found.road_trip[:, 1]]
        ),
        *(
            Candidate("last season's point differential", kind, fading(found.last_differential), shrinks=True)
            for kind in ("instead of last season's record", "beside")
        ),
        Candidate("two seasons back: the record", "beside", fading(found.two_seasons_back), shrinks=True),
        *(
            Candidate(
                f"FiveThirtyEight's Elo (margin of victory, {ELO_CARRY:g} carried into the next season, K = {k:g})",
                "beside",
                rated(k),
            )
            for k in ELO_K
        ),
        Candidate(
            f"late season: losing and winning teams' balance times the share of the season gone past game {LATE_FROM} "
            "(tanking, resting once clinched)",
            "beside",
            lambda k: [_difference(np.minimum(balance, 0) * late), _difference(np.maximum(balance, 0) * late)],
        ),
        Candidate(f"late season: a home edge of its own past game {LATE_FROM}", "beside", lambda k: [late[:, 0]]),
        Candidate(
            f"the venue's own home edge from past seasons ({VENUE_PRIOR_GAMES:g} games of the league's)",
            "beside",
            lambda k: [found.venue_edge[:, 0]],
        ),
        Candidate(
            "the home edge of games with crowds (2020-21 and the 2020 bubble left out)",
            "beside",
            lambda k: [],
            crowds_only=True,
        ),
    ]
    return tried


def _margin_columns(data: Margins, fitted: Fitted, rows: Ints) -> dict[str, Floats]:
    """The model's own pieces of the margin on ``rows``: the differential, the carry-over and the rest."""
    p = fitted.parameters
    differential = data.points_for - data.points_against
    return {
        "differential": per_game(data, rows, p.carried_diff_prior_games, differential),
        "carry": carried_column(data, rows, p.carry_games),
        "rest": rest_column(data, p.home_back_to_back_share, p.away_back_to_back_share)[rows],
    }


@dataclass(frozen=True)
class Tried:
    """A candidate's out-of-time figures against the model's."""

    candidate: Candidate
    pregame: tuple[float, float]
    brier: tuple[float, float]
    fitted_error: float


def try_candidates(data: Margins, train: Ints, judged: States, fitted: Fitted, discount: float) -> list[Tried]:
    """Fit each candidate on ``train`` and score it on ``judged``'s states against the model's margin."""
    weight = season_weights(data, train, discount)
    margin = (data.home_final - data.away_final).astype(np.float64)
    mu = prior(data, fitted, FULL)[0]
    found = features(data, fitted)
    judged_games = np.unique(judged.game)
    known = np.all(data.last_wins >= 0, axis=1)
    pieces = _margin_columns(data, fitted, np.arange(len(mu)))
    ours = _scores(judged, mu, fitted)
    results = []
    for candidate in candidates(data, found):
        kept = known[train]
        if candidate.crowds_only:
            season, day = data.season[train], data.day[train]
            kept &= (season != CROWDLESS_SEASON) & ~((season == CROWDLESS_SEASON - 1) & (day >= BUBBLE_FROM))
        rows, row_weight = train[kept], weight[kept]
        own = [mu] if candidate.kind == "beside" else [pieces["differential"], pieces["carry"], pieces["rest"]]
        base = least_squares([column[rows] for column in own], margin[rows], row_weight)[1]

        def design(k: float, candidate: Candidate = candidate) -> list[Floats]:
            extra = candidate.columns(k)
            if candidate.kind == "beside":
                return [mu, *extra]
            replaced = "differential" if candidate.kind.endswith("differential") else "carry"
            return [*(column for name, column in pieces.items() if name != replaced), *extra]

        def loss(
            point: Floats,
            design: Callable[[float], list[Floats]] = design,
            rows: Ints = rows,
            weight: Floats = row_weight,
        ) -> float:
            return least_squares([column[rows] for column in design(math.exp(point[0]))], margin[rows], weight)[1]

        k = math.exp(float(nelder_mead(loss, [math.log(10.0)], step=0.5)[0])) if candidate.shrinks else 10.0
        columns = design(k)
        coefficients, error = least_squares([column[rows] for column in columns], margin[rows], row_weight)
        theirs = coefficients[0] + sum(c * column for c, column in zip(coefficients[1:], columns, strict=True))
        scores = _scores(judged, np.asarray(theirs, dtype=np.float64), fitted)
        pregame = scores[0] - ours[0]
        results.append(
            Tried(
                candidate,
                (float(np.mean(pregame)), float(np.std(pregame, ddof=1) / math.sqrt(len(judged_games)))),
                paired_difference(scores[1], ours[1], judged.game),
                error - base,
            )
        )
    return results


def _scores(judged: States, mu: Floats, fitted: Fitted) -> tuple[Floats, Floats]:
    """The squared errors of the pregame states (one a game) and of every state, with the pregame margins ``mu``."""
    chance = probability(judged.lead, judged.left, judged.game, mu, np.zeros_like(mu), fitted)
    error = (chance - judged.outcome) ** 2
    return error[judged.seconds == judged.seconds.max()], error


def report_candidates(data: Margins, train: Ints, judged: States, fitted: Fitted, discount: float) -> None:
    """Print each candidate's out-of-time gain with its standard error."""
    print("## Other inputs of the pregame margin, tried and left out\n")
    print(
        "Each fitted on the same seasons beside the model's margin, or instead of one of its pieces; a negative "
        "change is a gain.\n"
    )
    print(
        "| input | how | pregame Brier change ± standard error | Brier change ± standard error | "
        "change in the fitted seasons' mean squared error (points²) |\n|---|---|---|---|---|"
    )
    for tried in try_candidates(data, train, judged, fitted, discount):
        print(
            f"| {tried.candidate.name} | {tried.candidate.kind} | {tried.pregame[0]:+.5f} ± {tried.pregame[1]:.5f} | "
            f"{tried.brier[0]:+.5f} ± {tried.brier[1]:.5f} | {tried.fitted_error:+.3f} |"
        )
    print()
