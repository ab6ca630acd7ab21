"""The hostile-frame corpus (tests/data/hostile_frames.json), with builders for its big cases."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from websockets.frames import Frame, Opcode

from lib.protocol import MAX_FRAME_BYTES, GameEnd, GameStart, ScoreUpdate, parse

CORPUS = Path(__file__).resolve().parent / "data" / "hostile_frames.json"
BASE_TS = 1_800_000_000.0
TEN_MB = 10 * 1024 * 1024


def baseline() -> str:
    """The game every case is sent after: base, 50-48 in the third, ts 1,800,000,000."""
    return json.dumps(
        {
            "type": "score_update",
            "ts": BASE_TS,
            "data": {
                "game_id": "base",
                "home_team": "Boston Celtics",
                "away_team": "New York Knicks",
                "home_score": 50,
                "away_score": 48,
                "period": 3,
                "clock": "07:12",
                "status": "live",
            },
        }
    )


def _padded(size: int) -> bytes:
    head = baseline()[:-1] + ', "padding": "'
    return (head + "x" * (size - len(head) - 2) + '"}').encode()


def _many_games() -> Iterator[bytes]:
    for n in range(10_000):
        yield json.dumps(
            {
                "type": "score_update",
                "data": {
                    "game_id": f"flood-{n}",
                    "home_team": "A",
                    "away_team": "B",
                    "home_score": 0,
                    "away_score": 0,
                    "period": 1,
                    "clock": "12:00",
                    "status": "live",
                },
            }
        ).encode()


BUILDERS: dict[str, Callable[[], Iterator[bytes]]] = {
    "nesting_bomb_arrays": lambda: iter([b"[" * 100_000]),
    "nesting_bomb_objects": lambda: iter(
        [b'{"type":"score_update","data":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001]
    ),
    "deep_extra_field": lambda: iter([baseline()[:-1].encode() + b', "extra": ' + b"[" * 1000 + b"]" * 1000 + b"}"]),
    "ten_megabytes_text": lambda: iter([_padded(TEN_MB)]),
    "one_mebibyte_plus_one": lambda: iter([_padded(MAX_FRAME_BYTES + 1)]),
    "ten_megabytes_binary": lambda: iter([b"\x00" * TEN_MB]),
    "ten_thousand_games": _many_games,
}


@dataclass(frozen=True)
class Case:
    """One corpus case: its frames, whether they go as binary frames, and what must become of them."""

    name: str
    expect: str
    binary: bool
    frames: Callable[[], Iterator[bytes]]

    @property
    def reason(self) -> str | None:
        """The rejection reason expected, for ``rejected:<reason>`` cases."""
        return self.expect.split(":", 1)[1] if self.expect.startswith("rejected:") else None

    @property
    def adds_a_game(self) -> bool:
        """Whether the case, accepted, brings a game of its own (rather than a prediction or a report)."""
        if self.expect != "accepted":
            return False
        message = parse(next(self.frames()))
        return isinstance(message, ScoreUpdate | GameStart | GameEnd) and message.data.game_id != "base"


def load_cases() -> list[Case]:
    """Every case of the corpus, in file order."""
    cases = []
    for raw in json.loads(CORPUS.read_text())["cases"]:
        if "build" in raw:
            frames = BUILDERS[raw["build"]]
        else:
            payload = base64.b64decode(raw["base64"]) if "base64" in raw else raw["text"].encode()
            frames = partial(iter, [payload])
        cases.append(Case(raw["name"], raw["expect"], raw.get("opcode") == "binary", frames))
    return cases


def server_frame(payload: bytes, *, binary: bool = False) -> bytes:
    """``payload`` framed as a server sends it (unmasked, one frame) by the websockets library, for raw injection."""
    return Frame(Opcode.BINARY if binary else Opcode.TEXT, payload).serialize(mask=False)
