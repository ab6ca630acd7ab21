"""The header strip: where the data stands with its reason, the source's health, the apply time, the game count."""

from __future__ import annotations

from lib.store import ConnectionState
from lib.views.format import connection_indicator
from lib.views.header import header_html
from tests.helpers import NOW, feed_status, source_report


def test_header_shows_the_last_error_escaped_when_not_live() -> None:
    """While reconnecting the header says why, escaped; when live it shows no stale error."""
    reconnecting = feed_status(state=ConnectionState.RECONNECTING, last_error="refused <b>", next_retry_at=NOW + 2)
    html = header_html(connection_indicator(reconnecting, NOW), 0.02, 3)
    assert "refused &lt;b&gt;" in html
    assert "Last update applied in 20 µs" in html
    assert "3 games" in html
    assert "refused" not in header_html(
        connection_indicator(feed_status(state=ConnectionState.CONNECTED, last_error="refused <b>"), NOW), None, 1
    )


def test_header_shows_the_source_health_escaped() -> None:
    """The header strip carries the source's words and fault, escaped like everything else."""
    failing = source_report(state="failing", failing_since=NOW, error="<b>HTTP 403</b>")
    html = header_html(connection_indicator(feed_status(), NOW, failing), None, 1)
    assert "NBA live unreachable for 0 s" in html
    assert "&lt;b&gt;HTTP 403&lt;/b&gt;" in html
    well = source_report(last_success=NOW - 3)
    assert 'data-testid="nba-source">NBA live · updated 3 s ago<' in header_html(
        connection_indicator(feed_status(), NOW, well), None, 1
    )


def test_the_apply_time_reads_in_microseconds_below_a_millisecond_and_the_count_in_words() -> None:
    """Under 1 ms the apply time is in µs, above in ms; none yet is a dash; one game is singular."""
    indicator = connection_indicator(feed_status(), NOW)
    assert "Last update applied in 3.5 ms" in header_html(indicator, 3.5, 1)
    assert "1 game<" in header_html(indicator, 3.5, 1)
    assert "Last update applied in –" in header_html(indicator, None, 0)


def test_the_count_says_both_when_a_viewers_filters_leave_fewer_cards() -> None:
    """All cards shown: the board's count alone; fewer: how many of them."""
    indicator = connection_indicator(feed_status(), NOW)
    assert ">10 games<" in header_html(indicator, None, 10, 10)
    assert ">7 of 10 games shown<" in header_html(indicator, None, 10, 7)
    assert ">0 of 1 game shown<" in header_html(indicator, None, 1, 0)
