"""Tip-offs with finals: their toasts, the event log."""

from __future__ import annotations

import json
from typing import Any, Literal

from lib.protocol import Game
from lib.store import FeedEvent
from lib.views.events import event_log_table, toast_text, unseen
from tests.helpers import game


def event(event_id: int, kind: Literal["game_start", "game_end"] = "game_start", **fields: Any) -> FeedEvent:
    return FeedEvent(event_id, 1_800_000_000.0 + event_id, kind, Game.model_validate_json(json.dumps(game(**fields))))


def test_first_look_toasts_nothing_later_looks_toast_the_new() -> None:
    """A viewer is not toasted old news; afterwards only events newer than the last seen."""
    events = [event(1), event(2), event(3)]
    assert unseen(events, None) == []
    assert [e.id for e in unseen(events, 1)] == [2, 3]
    assert unseen(events, 3) == []


def test_toast_text_escapes_team_names() -> None:
    """Toasts are markdown: team names are escaped so links and markup show as typed."""
    text = toast_text(
        event(1, "game_end", home_team="[x](javascript:y)", away_team="*A*", home_score=99, away_score=98)
    )
    assert text == "🏁 Final: \\*A\\* @ \\[x\\]\\(javascript\\:y\\) 98–99"


def test_event_log_is_newest_first_and_bounded() -> None:
    """The event log lists the newest ten events first, as plain text columns."""
    table = event_log_table([event(i, "game_start" if i % 2 else "game_end") for i in range(1, 16)])
    assert len(table) == 10
    assert list(table["Event"])[:2] == ["Tip-off", "Final"]
    assert list(table["Score"])[:2] == ["", "48–50"]  # a tip-off is about the start: no score
    assert table["Time"].iloc[0] > table["Time"].iloc[1]
