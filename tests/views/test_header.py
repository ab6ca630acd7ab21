"""The header strip: connection words with their reason, the source's health, update latency, game count."""

from __future__ import annotations

from lib.store import ConnectionState
from lib.views.format import connection_indicator, source_health
from lib.views.header import header_html
from tests.helpers import NOW, feed_status, source_report


def test_header_shows_the_last_error_escaped_when_not_live() -> None:
    """While reconnecting the header says why, escaped; when live it shows no stale error."""
    reconnecting = feed_status(state=ConnectionState.RECONNECTING, last_error="refused <b>", next_retry_at=NOW + 2)
    html = header_html(connection_indicator(reconnecting, NOW), 0.02, 3)
    assert "refused &lt;b&gt;" in html
    assert "Update: 20 µs" in html
    assert "3 games" in html
    assert "refused" not in header_html(
        connection_indicator(feed_status(state=ConnectionState.CONNECTED, last_error="refused <b>"), NOW), None, 1
    )


def test_header_shows_the_source_health_escaped() -> None:
    """The header strip carries the source's words, escaped like everything else."""
    record = source_report(state="failing", failing_since=NOW, error="<b>HTTP 403</b>")
    html = header_html(connection_indicator(feed_status(), NOW), None, 1, source_health(record, NOW))
    assert 'data-testid="nba-source"' in html
    assert "&lt;b&gt;HTTP 403&lt;/b&gt;" in html


def test_latency_reads_in_microseconds_below_a_millisecond_and_the_count_in_words() -> None:
    """Under 1 ms the update time is in µs, above in ms; none yet is a dash; one game is singular."""
    indicator = connection_indicator(feed_status(), NOW)
    assert "Update: 3.5 ms" in header_html(indicator, 3.5, 1)
    assert "1 game<" in header_html(indicator, 3.5, 1)
    assert "Update: –" in header_html(indicator, None, 0)
