"""A stand-in for the NBA's live-data CDN: a real HTTP server on loopback serving a scripted night.

The files it serves are the published samples in ``tests/data/nba/`` (``tests/data/README.md``)
with their values changed as the script says: a game's status, period, clock, score and the teams'
records on the scoreboard; the play-by-play's actions, each with its running score, player and
description; the odds; the season's schedule with its finished games. Nothing about
their shape is made up here. Like the real CDN it answers 403 to a request without a
browser-like ``Referer`` and ``User-Agent``, 403 for the play-by-play of a game that has not
started, and can be told to fail in every way the bridge must survive, including answers built
to hurt: compression bombs, files of millions of tiny entries, a trickle of one byte at a time
(:class:`Hostile`, and the builders below it).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lib.feed.flows import GameFlow
from lib.protocol import LEAGUE_TIMEZONE

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "data" / "nba"
"""The published samples (``tests/data/README.md`` says where each comes from)."""
PREFIX = "/static/json/liveData/"
SCHEDULE_PATH = "/static/json/staticData/scheduleLeagueV2.json"
"""The season's schedule: beside the live data, as on the CDN."""


def sample(name: str) -> Any:
    """One published sample file, parsed."""
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


_BOARD: dict[str, Any] = sample("scoreboard_scheduled.json")
_PLAYS: dict[str, Any] = sample("playbyplay.json")
_BOX: dict[str, Any] = sample("boxscore.json")
_ODDS: dict[str, Any] = sample("odds.json")
_SCHEDULE: dict[str, Any] = sample("schedule.json")
_SCHEDULED_GAME: dict[str, Any] = _SCHEDULE["leagueSchedule"]["gameDates"][0]["games"][0]
_GAME_TEMPLATE: dict[str, Any] = _BOARD["scoreboard"]["games"][0]
_PERIOD_START, _JUMP_BALL, _TWO_POINTER = _PLAYS["game"]["actions"]
_SPREAD_MARKET = _ODDS["games"][0]["markets"][1]


@dataclass(frozen=True)
class Team:
    """A team as the CDN names it."""

    team_id: int
    city: str
    name: str
    tricode: str


CELTICS = Team(1610612738, "Boston", "Celtics", "BOS")
KNICKS = Team(1610612752, "New York", "Knicks", "NYK")
CLIPPERS = Team(1610612746, "LA", "Clippers", "LAC")
KINGS = Team(1610612758, "Sacramento", "Kings", "SAC")
LAKERS = Team(1610612747, "Los Angeles", "Lakers", "LAL")
WARRIORS = Team(1610612744, "Golden State", "Warriors", "GSW")


def duration(period_clock: str) -> str:
    """``"05:32"`` as the CDN's ``"PT05M32.00S"``; ``"00:04.7"`` as ``"PT00M04.70S"``."""
    minutes, _, seconds = period_clock.partition(":")
    return f"PT{int(minutes):02d}M{float(seconds):05.2f}S"


@dataclass
class ScriptedGame:
    """One game of the scripted night."""

    game_id: str
    home: Team
    away: Team
    tip_off: datetime
    status: int = 1
    period: int = 0
    clock: str = ""
    home_score: int = 0
    away_score: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)
    on_board: bool = True
    home_record: tuple[int, int] | None = None
    """The home team's wins and losses before the game; the board adds the result once final.
    ``None``: the board leaves ``wins`` and ``losses`` out."""
    away_record: tuple[int, int] | None = None

    wall: datetime | None = None
    """The real time stamped on the next actions (``timeActual``); now when ``None``."""

    def action(self, template: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """Append an action built from a published one; returns it."""
        number = (self.actions[-1]["actionNumber"] + 1) if self.actions else 1
        action = copy.deepcopy(template)
        action.update(
            actionNumber=number,
            orderNumber=number * 10000,
            period=self.period,
            periodType="REGULAR" if self.period <= 4 else "OVERTIME",
            clock=self.clock or "PT12M00.00S",
            timeActual=(self.wall or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-5] + "Z",
            scoreHome=str(self.home_score),
            scoreAway=str(self.away_score),
        )
        action.update(fields)
        self.actions.append(action)
        return action


class CdnNight:
    """A night of games, served as the CDN's files. Thread-safe: the server reads while a test writes."""

    def __init__(self, game_date: str = "2026-12-01") -> None:
        self.game_date = game_date
        self.games: dict[str, ScriptedGame] = {}
        self.spreads: dict[str, float] = {}
        self.season: list[tuple[str, str, Team, Team, int, int]] = []
        """Finished games of the season before tonight: id, day (``"2026-11-30"``), home, away, scores."""
        self.lock = threading.Lock()

    def add(
        self,
        game_id: str,
        home: Team,
        away: Team,
        tip_off: datetime | None = None,
        records: tuple[tuple[int, int], tuple[int, int]] | None = None,
    ) -> ScriptedGame:
        """A scheduled game; ``records``: the home and away teams' wins and losses before it."""
        with self.lock:
            game = ScriptedGame(game_id, home, away, tip_off or datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
            if records is not None:
                game.home_record, game.away_record = records
            self.games[game_id] = game
            return game

    def played(self, game_id: str, day: str, home: Team, away: Team, home_score: int, away_score: int) -> None:
        """A finished game of the season before tonight, in the schedule."""
        with self.lock:
            self.season.append((game_id, day, home, away, home_score, away_score))

    def start(self, game_id: str) -> None:
        """Tip-off: in progress, first period, the clock at 12:00, the period's first actions."""
        with self.lock:
            game = self.games[game_id]
            game.status, game.period, game.clock = 2, 1, "PT12M00.00S"
            game.action(_PERIOD_START)
            game.action(_JUMP_BALL, teamTricode=game.home.tricode, teamId=game.home.team_id, clock="PT11M58.00S")

    def clock(self, game_id: str, period: int, clock: str) -> None:
        """The scoreboard's period and clock (``"05:32"``, or ``""`` when the clock is not running)."""
        with self.lock:
            game = self.games[game_id]
            game.period = period
            game.clock = duration(clock) if clock else ""

    def score(
        self, game_id: str, side: str, points: int, clock: str, period: int | None = None, player: str | None = None
    ) -> None:
        """A made shot (2 or 3 points) or free throw (1) at ``clock``: the scoreboard and the play-by-play move."""
        with self.lock:
            game = self.games[game_id]
            if period is not None:
                game.period = period
            game.clock = duration(clock)
            team = game.home if side == "home" else game.away
            if side == "home":
                game.home_score += points
            else:
                game.away_score += points
            kind = {1: "freethrow", 2: "2pt", 3: "3pt"}[points]
            game.action(
                _TWO_POINTER,
                actionType=kind,
                subType="Free Throw 1 of 1" if points == 1 else "Jump Shot",
                teamTricode=team.tricode,
                teamId=team.team_id,
                pointsTotal=points,
                description=f"{team.name} {kind} made",
                **_player(player),
            )

    def miss(self, game_id: str, side: str, clock: str, player: str | None = None) -> None:
        """A missed jump shot at ``clock``: an action that leaves the score as it is."""
        with self.lock:
            game = self.games[game_id]
            game.clock = duration(clock)
            team = game.home if side == "home" else game.away
            game.action(
                _TWO_POINTER,
                subType="Jump Shot",
                shotResult="Missed",
                teamTricode=team.tricode,
                teamId=team.team_id,
                pointsTotal=0,
                description=f"{team.name} 2pt missed",
                **_player(player),
            )

    def act(self, game_id: str, side: str, action_type: str, clock: str, description: str, **fields: Any) -> None:
        """Another action of ``side``'s (a ``rebound``, a ``turnover``, a ``foul``, ...), the score unchanged."""
        with self.lock:
            game = self.games[game_id]
            game.clock = duration(clock)
            team = game.home if side == "home" else game.away
            action = game.action(
                _TWO_POINTER,
                actionType=action_type,
                teamTricode=team.tricode,
                teamId=team.team_id,
                description=description,
            )
            for key in ("shotResult", "pointsTotal", "assistPlayerNameInitial", "assistPersonId", "assistTotal"):
                action.pop(key, None)
            action.update(fields)

    def play_long(self, game_id: str, tip: datetime, actions: int, every: int = 2) -> None:
        """A whole game of ``actions`` plays ending final, one in ``every`` a basket, stamped in tenths of seconds.

        The plays are 1.3 s apart from ``tip`` (so ``timeActual`` falls on tenths, as the CDN's
        do), the four periods evenly shared, the baskets alternating between the teams.
        """
        game = self.games[game_id]
        game.wall = tip
        self.start(game_id)
        per_period = max(1, actions // 4)
        for index in range(actions):
            while game.period < min(index // per_period, 3) + 1:
                self.end_period(game_id)
                self.next_period(game_id)
            left = 719 - (index % per_period) * 700 // per_period
            clock = f"{left // 60:02d}:{left % 60:02d}"
            game.wall = tip + timedelta(seconds=index * 1.3)
            if index % every == 1:
                self.score(game_id, "home" if index % (2 * every) == 1 else "away", 2, clock)
            else:
                self.miss(game_id, "away", clock)
        self.end_period(game_id)
        self.final(game_id)

    def rescore(self, game_id: str, side: str, points: int) -> None:
        """A scorer's correction: the last basket of ``side`` is worth ``points`` less; later totals follow."""
        with self.lock:
            game = self.games[game_id]
            key = "scoreHome" if side == "home" else "scoreAway"
            for action in reversed(game.actions):
                action[key] = str(int(action[key]) - points)
                if action.get("teamTricode") == (game.home if side == "home" else game.away).tricode and action[
                    "actionType"
                ] in ("2pt", "3pt"):
                    break
            if side == "home":
                game.home_score -= points
            else:
                game.away_score -= points

    def end_period(self, game_id: str) -> None:
        """The period's clock runs out (at the end of the second period: halftime)."""
        with self.lock:
            game = self.games[game_id]
            game.clock = "PT00M00.00S"
            game.action(_PERIOD_START, subType="end", description=f"Period End: {game.period}")

    def next_period(self, game_id: str) -> None:
        """The next period starts: 12 minutes, or 5 in overtime."""
        with self.lock:
            game = self.games[game_id]
            game.period += 1
            game.clock = "PT12M00.00S" if game.period <= 4 else "PT05M00.00S"
            game.action(_PERIOD_START, description=f"Period Start: {game.period}")

    def final(self, game_id: str) -> None:
        """The game is over."""
        with self.lock:
            game = self.games[game_id]
            game.status, game.clock = 3, ""
            game.action(_PERIOD_START, actionType="game", subType="end", description="Game End")

    def set_spread(self, game_id: str, home_spread: float) -> None:
        """The books' point spread for the home team (``-6.5``: favoured by 6.5)."""
        with self.lock:
            self.spreads[game_id] = home_spread

    def schedule(self) -> dict[str, Any]:
        """``scheduleLeagueV2.json``: the season's finished games, then tonight's, by day."""
        with self.lock:
            rows = [
                (day, game_id, home, away, 3, home_score, away_score)
                for game_id, day, home, away, home_score, away_score in self.season
            ]
            rows += [
                (
                    g.tip_off.astimezone(LEAGUE_TIMEZONE).date().isoformat(),
                    g.game_id,
                    g.home,
                    g.away,
                    g.status,
                    g.home_score,
                    g.away_score,
                )
                for g in self.games.values()
            ]
            schedule = copy.deepcopy(_SCHEDULE)
            days: dict[str, list[dict[str, Any]]] = {}
            for day, game_id, home, away, status, home_score, away_score in sorted(rows, key=lambda row: row[0]):
                entry = copy.deepcopy(_SCHEDULED_GAME)
                entry.update(
                    gameId=game_id,
                    gameCode=f"{day.replace('-', '')}/{away.tricode}{home.tricode}",
                    gameStatus=status,
                    gameDateEst=f"{day}T00:00:00Z",
                    seriesText="",
                )
                for key, team, points in (("homeTeam", home, home_score), ("awayTeam", away, away_score)):
                    entry[key].update(
                        teamId=team.team_id,
                        teamName=team.name,
                        teamCity=team.city,
                        teamTricode=team.tricode,
                        score=points,
                    )
                days.setdefault(day, []).append(entry)
            month_first = {day: f"{day[5:7]}/{day[8:10]}/{day[:4]} 00:00:00" for day in days}
            schedule["leagueSchedule"]["gameDates"] = [
                {"gameDate": month_first[day], "games": games} for day, games in days.items()
            ]
            return schedule

    def scoreboard(self) -> dict[str, Any]:
        """``todaysScoreboard_00.json``."""
        with self.lock:
            board = copy.deepcopy(_BOARD)
            board["scoreboard"]["gameDate"] = self.game_date
            board["scoreboard"]["games"] = [self._entry(g) for g in self.games.values() if g.on_board]
            return board

    def boxscore(self, game_id: str) -> dict[str, Any] | None:
        """``boxscore_{gameId}.json``; ``None`` for a game not started."""
        with self.lock:
            game = self.games.get(game_id)
            if game is None or game.status == 1:
                return None
            box = copy.deepcopy(_BOX)
            entry = self._entry(game)
            box["game"].update({k: entry[k] for k in ("gameId", "gameStatus", "gameStatusText", "period", "gameClock")})
            box["game"]["gameTimeUTC"] = entry["gameTimeUTC"]
            for side in ("homeTeam", "awayTeam"):
                box["game"][side].update({k: entry[side][k] for k in ("teamId", "teamName", "teamCity", "teamTricode")})
                box["game"][side]["score"] = entry[side]["score"]
            return box

    def playbyplay(self, game_id: str) -> dict[str, Any] | None:
        """``playbyplay_{gameId}.json``; ``None`` for a game not started (the CDN answers 403)."""
        with self.lock:
            game = self.games.get(game_id)
            if game is None or game.status == 1:
                return None
            plays = copy.deepcopy(_PLAYS)
            plays["game"]["gameId"] = game_id
            plays["game"]["actions"] = copy.deepcopy(game.actions)
            return plays

    def odds(self) -> dict[str, Any]:
        """``odds_todaysGames.json``: a spread market per game with a spread."""
        with self.lock:
            games = []
            for game_id, spread in self.spreads.items():
                game = copy.deepcopy(_ODDS["games"][0])
                game["gameId"] = game_id
                market = copy.deepcopy(_SPREAD_MARKET)
                for book in market["books"]:
                    for outcome in book["outcomes"]:
                        outcome["spread"] = f"{spread if outcome['type'] == 'home' else -spread:g}"
                game["markets"] = [market]
                games.append(game)
            return {"games": games}

    def _entry(self, game: ScriptedGame) -> dict[str, Any]:
        entry = copy.deepcopy(_GAME_TEMPLATE)
        entry.update(
            gameId=game.game_id,
            gameCode=f"{self.game_date.replace('-', '')}/{game.away.tricode}{game.home.tricode}",
            gameStatus=game.status,
            gameStatusText=_status_text(game),
            period=game.period,
            gameClock=game.clock if game.status == 2 else "",
            gameTimeUTC=game.tip_off.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        sides = (
            ("homeTeam", game.home, game.home_score, game.home_record, game.home_score > game.away_score),
            ("awayTeam", game.away, game.away_score, game.away_record, game.away_score > game.home_score),
        )
        for key, team, points, record, won in sides:
            entry[key].update(
                teamId=team.team_id, teamName=team.name, teamCity=team.city, teamTricode=team.tricode, score=points
            )
            if record is None:
                entry[key].pop("wins", None)
                entry[key].pop("losses", None)
            else:  # the board counts a final game's result in the record, as the real one does
                final = game.status == 3
                entry[key].update(wins=record[0] + (final and won), losses=record[1] + (final and not won))
        return entry


def _player(name: str | None) -> dict[str, Any]:
    """An action's player fields for ``name`` (``"J. Brown"``); none for ``None`` (the template's stay)."""
    return {} if name is None else {"playerNameI": name, "playerName": name.rpartition(" ")[2]}


def _status_text(game: ScriptedGame) -> str:
    """The scoreboard's free text, in its real forms (the bridge must not read it)."""
    if game.status == 1:
        return "7:30 pm ET"
    if game.status == 3:
        return "Final" if game.period <= 4 else "Final/OT"
    if game.period == 2 and game.clock in ("", "PT00M00.00S"):
        return "Half"
    return f"Q{game.period} {game.clock[2:4]}:{game.clock[5:7]}" if game.clock else f"End Q{game.period}"


FAULTS = ("timeout", "truncated", "cut_json", "garbage", "reset", "wrong_shape")
"""Faults besides plain HTTP status codes ("403", "429", "503", ...)."""


@dataclass(frozen=True)
class Hostile:
    """An answer sent exactly as given in place of a file: a status, headers, a body, at a pace.

    Attributes:
        body: The body's bytes, sent as they are (already compressed, if the headers say so).
        headers: Headers besides ``Content-Type`` and ``Content-Length``.
        trickle: Seconds between bytes: the head (status line and headers) too when
            ``slow_head``, else the body only; 0 sends everything at once.
        slow_head: Whether the trickle starts with the head.
    """

    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    trickle: float = 0.0
    slow_head: bool = False


def gzip_layers(data_size: int, layers: int) -> bytes:
    """``data_size`` zero bytes gzipped ``layers`` times over: what ``Content-Encoding: gzip, gzip`` carries."""
    body = _gzipped_zeros(data_size)
    for _ in range(layers - 1):
        body = gzip_bytes(body)
    return body


def gzip_bytes(data: bytes) -> bytes:
    """One layer of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@functools.lru_cache(maxsize=4)
def _gzipped_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(min(size, 1 << 20))
    parts = [packer.compress(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


def tiny_entries(file: str, size: int, entry: bytes = b"{}", game_date: str = "2026-12-01") -> bytes:
    """A file of about ``size`` bytes shaped as ``file`` whose one list holds nothing but ``entry``, repeated.

    ``scoreboard``: ``{"scoreboard": {"gameDate": ..., "games": [entry, ...]}}``;
    ``playbyplay_<id>``: ``{"game": {"gameId": id, "actions": [entry, ...]}}``.
    """
    if file == "scoreboard":
        head = b'{"scoreboard": {"gameDate": "' + game_date.encode() + b'", "games": ['
        tail = b"]}}"
    elif file == "schedule":
        head = b'{"leagueSchedule": {"gameDates": ['
        tail = b"]}}"
    else:
        kind, _, game_id = file.partition("_")
        if kind != "playbyplay":
            raise ValueError(f"no tiny-entry form for {file}")
        head = b'{"game": {"gameId": "' + game_id.encode() + b'", "actions": ['
        tail = b"]}}"
    count = max(1, (size - len(head) - len(tail)) // (len(entry) + 1))
    return head + b",".join([entry] * count) + tail


class CdnStandIn:
    """The night's files over HTTP at ``base_url``, with faults on demand.

    Args:
        night: What to serve.
        stall: Seconds a ``timeout`` fault holds a request before dropping it (released at stop).
    """

    def __init__(self, night: CdnNight, *, stall: float = 30.0) -> None:
        self.night = night
        self.stall = stall
        self.requests: Counter[str] = Counter()
        """Requests answered, by file (``scoreboard``, ``odds``, ``schedule``, ``playbyplay_<id>``, ...)."""
        self.bytes_sent = 0
        self.refused_headers = 0
        self.log: list[tuple[float, str, int]] = []
        """Every answered request: when (epoch seconds), which file, body bytes."""
        self.clients: set[tuple[str, int]] = set()
        """The client ends of the connections requests came over (one per kept-alive connection)."""
        self._faults: dict[str, deque[str | Hostile]] = {}
        self.seen: deque[tuple[str, str]] = deque(maxlen=100)
        """The last requests' targets (path and query, as sent) and ``Authorization`` headers."""
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="cdn-stand-in", daemon=True
        )

    @property
    def base_url(self) -> str:
        """What ``--nba-base-url`` takes: the root under which the CDN's paths are served."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX.rstrip('/')}"

    def start(self) -> CdnStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> CdnStandIn:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def fail(self, file: str, fault: str | Hostile, times: int = 1) -> None:
        """Answer the next ``times`` requests for ``file`` (``scoreboard``, ``playbyplay_<id>``, ...) with ``fault``."""
        with self._lock:
            self._faults.setdefault(file, deque()).extend([fault] * times)

    def pending(self, file: str) -> int:
        """Faults not yet served for ``file``."""
        with self._lock:
            return len(self._faults.get(file, ()))

    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def _next_fault(self, file: str) -> str | Hostile | None:
        with self._lock:
            queue = self._faults.get(file)
            return queue.popleft() if queue else None

    def _body(self, file: str) -> dict[str, Any] | None:
        if file == "scoreboard":
            return self.night.scoreboard()
        if file == "odds":
            return self.night.odds()
        if file == "schedule":
            return self.night.schedule()
        kind, _, game_id = file.partition("_")
        if kind == "playbyplay":
            return self.night.playbyplay(game_id)
        if kind == "boxscore":
            return self.night.boxscore(game_id)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:  # quiet: the test output is the place for failures
                pass

            def do_GET(self) -> None:
                stand_in.serve(self)

        return Handler

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0]
        file = _file_of(path)
        with self._lock:
            self.requests[file or path] += 1
            self.clients.add(request.client_address[:2])
            self.seen.append((request.path, request.headers.get("Authorization", "")))
        referer = request.headers.get("Referer", "")
        agent = request.headers.get("User-Agent", "")
        if not referer.startswith("https://www.nba.com") or "Mozilla" not in agent:
            with self._lock:
                self.refused_headers += 1
            self._send(request, 403, b'{"Message":"Forbidden"}')
            return
        fault = None if file is None else self._next_fault(file)
        body = None if file is None else self._body(file)
        if fault is None:
            if body is None:
                self._send(request, 403 if file and file.startswith("playbyplay") else 404, b"<Error/>")
            else:
                self._send(request, 200, json.dumps(body).encode())
            return
        if isinstance(fault, Hostile):
            self._hostile(request, fault)
        else:
            self._fault(request, fault, json.dumps(body or {}).encode())

    def _hostile(self, request: BaseHTTPRequestHandler, answer: Hostile) -> None:
        head = [
            "HTTP/1.1 200 OK",
            "Content-Type: application/json",
            f"Content-Length: {len(answer.body)}",
            "Connection: close",
            *(f"{name}: {value}" for name, value in answer.headers),
        ]
        raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        request.close_connection = True
        try:
            if answer.slow_head:
                self._trickle(request, raw_head, answer.trickle)
            else:
                request.wfile.write(raw_head)
            self._trickle(request, answer.body, answer.trickle)
        except OSError:  # the client gave up: what a deadline is for
            return
        with self._lock:
            self.bytes_sent += len(answer.body)
            self.log.append((time.time(), _file_of(request.path.split("?")[0]) or request.path, len(answer.body)))

    def _trickle(self, request: BaseHTTPRequestHandler, data: bytes, pause: float) -> None:
        if not pause:
            request.wfile.write(data)
            return
        for index in range(len(data)):
            if self._stopping.wait(pause):
                return
            request.wfile.write(data[index : index + 1])
            request.wfile.flush()

    def _fault(self, request: BaseHTTPRequestHandler, fault: str, body: bytes) -> None:
        if fault.isdigit():
            self._send(request, int(fault), b"<html>error</html>")
        elif fault == "timeout":
            self._stopping.wait(self.stall)
            request.close_connection = True
        elif fault == "reset":
            request.close_connection = True
            request.connection.close()
        elif fault == "truncated":  # the connection drops halfway through the declared body
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body[: len(body) // 2])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(2)
        elif fault == "cut_json":  # a complete answer whose JSON stops halfway
            self._send(request, 200, body[: len(body) // 2])
        elif fault == "garbage":
            self._send(request, 200, b"<html><body>Access Denied</body></html>")
        elif fault == "wrong_shape":
            self._send(request, 200, b'{"meta": {"code": 200}, "unexpected": []}')
        else:
            raise ValueError(f"unknown fault {fault!r}")

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
        with self._lock:
            self.bytes_sent += len(body)
            self.log.append((time.time(), _file_of(request.path.split("?")[0]) or request.path, len(body)))


def _file_of(path: str) -> str | None:
    """``scoreboard``, ``odds``, ``schedule``, ``playbyplay_<id>`` or ``boxscore_<id>`` for a path, else ``None``."""
    if path == SCHEDULE_PATH:
        return "schedule"
    if not path.startswith(PREFIX):
        return None
    rest = path[len(PREFIX) :]
    if rest == "scoreboard/todaysScoreboard_00.json":
        return "scoreboard"
    if rest == "odds/odds_todaysGames.json":
        return "odds"
    for kind in ("playbyplay", "boxscore"):
        head = f"{kind}/{kind}_"
        if rest.startswith(head) and rest.endswith(".json"):
            return f"{kind}_{rest[len(head) : -len('.json')]}"
    return None


def night_files(night: CdnNight) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every file of the night with its CDN path (for tests of the parsers)."""
    yield "scoreboard/todaysScoreboard_00.json", night.scoreboard()
    yield "odds/odds_todaysGames.json", night.odds()
    for game_id in night.games:
        plays = night.playbyplay(game_id)
        if plays is not None:
            yield f"playbyplay/playbyplay_{game_id}.json", plays


QUARTER_BREAK = 130.0
HALFTIME_BREAK = 900.0
"""Game seconds between periods, as on a broadcast (the demo's schedule)."""


@dataclass(frozen=True)
class Change:
    """A score change made at the stand-in, and when (epoch seconds), to time its way to a client."""

    game_id: str
    home_score: int
    away_score: int
    at: float


class FlowPlayer:
    """Plays scoring flows onto a night in real time, as the NBA's files change during real games.

    Args:
        night: Where the games are.
        games: ``(game_id, flow)`` for games already added to the night, played in this order.
        speed: Game seconds per real second.
        start: When (epoch seconds) the first game tips off.
        stagger: Real seconds between the tip-offs of successive games.
    """

    def __init__(
        self, night: CdnNight, games: list[tuple[str, GameFlow]], *, speed: float, start: float, stagger: float = 0.0
    ) -> None:
        self.night = night
        self.speed = speed
        self._games = [(game_id, flow, start + index * stagger) for index, (game_id, flow) in enumerate(games)]
        self._shown: dict[str, int] = {game_id: 0 for game_id, _ in games}
        self._period: dict[str, int] = {game_id: 0 for game_id, _ in games}
        self.changes: list[Change] = []

    def tick(self, now: float) -> None:
        """Apply everything due by ``now``."""
        for game_id, flow, tip_off in self._games:
            if now < tip_off or self.night.games[game_id].status == 3:
                continue
            self._play(game_id, flow, (now - tip_off) * self.speed, now)

    @property
    def finished(self) -> bool:
        return all(self.night.games[game_id].status == 3 for game_id, _, _ in self._games)

    def _play(self, game_id: str, flow: GameFlow, elapsed: float, now: float) -> None:
        if self._period[game_id] == 0:
            self.night.start(game_id)
            self._period[game_id] = 1
        starts = _period_starts(flow.periods)
        period, left = _position(starts, elapsed)
        while self._shown[game_id] < len(flow.events):
            event = flow.events[self._shown[game_id]]
            if (event.period, -event.seconds_left_in_period) > (period, -left):
                break
            self._catch_up_period(game_id, event.period)
            side, points = ("home", event.home_score - self.night.games[game_id].home_score)
            if points == 0:
                side, points = "away", event.away_score - self.night.games[game_id].away_score
            if points > 0:
                self.night.score(game_id, side, min(points, 3), _clock(event.seconds_left_in_period), event.period)
                self.changes.append(Change(game_id, event.home_score, event.away_score, now))
            self._shown[game_id] += 1
        if period > flow.periods:  # past the last period's end
            self._catch_up_period(game_id, flow.periods)
            self.night.end_period(game_id)
            self.night.final(game_id)
            return
        self._catch_up_period(game_id, period)
        if left > 0:
            self.night.clock(game_id, period, _clock(int(left)))
        elif self.night.games[game_id].clock != "PT00M00.00S":
            self.night.end_period(game_id)

    def _catch_up_period(self, game_id: str, period: int) -> None:
        while self._period[game_id] < period:
            self.night.end_period(game_id)
            self.night.next_period(game_id)
            self._period[game_id] += 1


def _period_length(period: int) -> float:
    return 720.0 if period <= 4 else 300.0


def _period_starts(periods: int) -> list[float]:
    starts = [0.0]
    for period in range(1, periods + 1):
        pause = HALFTIME_BREAK if period == 2 else QUARTER_BREAK
        starts.append(starts[-1] + _period_length(period) + pause)
    return starts


def _position(starts: list[float], elapsed: float) -> tuple[int, float]:
    """The period and the seconds left on its clock at ``elapsed`` game seconds (0 left during a break)."""
    for period in range(1, len(starts)):
        if elapsed < starts[period]:
            return period, max(0.0, _period_length(period) - (elapsed - starts[period - 1]))
    return len(starts), 0.0


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"
