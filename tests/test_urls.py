"""Feed URLs: every unusable one refused up front with its problem named; secrets never shown."""

from __future__ import annotations

import pytest

from lib.urls import check_feed_url, redact_url

SECRET = "s3cr3t-Value"

BAD_URLS = [
    ("ws://127.0.0.1:-5/ws/live", "port"),
    ("ws://127.0.0.1:99999/ws/live", "port"),
    ("ws://127.0.0.1:0/ws/live", "port"),
    ("ws://feed.example.com:http/ws/live", "port"),
    ("ws://feed.example.com:8080:9090/ws/live", "port"),
    ("ws://feed.example.com:/ws/live", "no port"),
    ("ws:///ws/live", "no host"),
    ("ws://:8080/ws/live", "no host"),
    (f"ws://user:{SECRET}@/ws/live", "no host"),
    ("ws://feed..example.com/ws/live", "host name"),
    ("ws://feed;example.com/ws/live", "host name"),
    (f"ws://{'a' * 64}.example.com/ws/live", "host name"),
    ("ws://[::1/ws/live", "IPv6"),
    ("ws://[not:an:address]/ws/live", "IPv6"),
    ("ws://feed.example.com/ws live", "whitespace"),
    (" ws://feed.example.com/ws/live", "ws://"),
    ("ws://feed.example.com/ws/live\n", "whitespace"),
    (f"ws://feed.example.com/ws/live?token={SECRET}\t", "whitespace"),
    ("ws://feed.example.com/ws/<live>", "character not allowed"),
    ("ws://fééd.example.com/ws/live", "character not allowed"),
    ("ws://feed.example.com/ws/live\x00", "character not allowed"),
    ("ws://feed.example.com/ws/live%zz", "hexadecimal"),
    ("ws://feed.example.com/ws/live#top", "fragment"),
    (f"http://feed.example.com/ws/live?token={SECRET}", "ws://"),
    ("WS://feed.example.com/ws/live", "ws://"),
    (SECRET, "ws://"),
    ("", "ws://"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_unusable_urls_are_refused_naming_the_problem(url: str, problem: str) -> None:
    """Each kind of bad URL is a ValueError that names what is wrong and never repeats a secret."""
    with pytest.raises(ValueError, match=problem) as raised:
        check_feed_url(url)
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "ws://localhost:8080/ws/live",
        "wss://feed.example.com/ws/live?token=abc&league=nba",
        "ws://127.0.0.1:1/",
        "ws://[::1]:65535/ws/live",
        "wss://user:pa55@feed.example.com/ws/live",
        "ws://feed_1.example.com./ws/%C3%A9",
        "ws://feed.example.com",
    ],
)
def test_usable_urls_pass(url: str) -> None:
    """Ordinary ws:// and wss:// URLs, IPv6, ports at both ends and percent-escapes are accepted."""
    check_feed_url(url)


def test_a_url_that_is_not_a_string_is_a_type_error() -> None:
    """None or bytes where a URL is due is a TypeError, not a crash later."""
    with pytest.raises(TypeError, match="string"):
        check_feed_url(b"ws://localhost/ws/live")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("wss://user:pa55@feed.example.com:8443/ws/live", "wss://feed.example.com:8443/ws/live"),
        ("ws://localhost:8080/ws/live?token=abc&league=nba", "ws://localhost:8080/ws/live?token=***&league=***"),
        (
            "ws://h/ws/live?apikey=1&auth_token=2&sig=3&X-Amz-Signature=4&flag",
            "ws://h/ws/live?apikey=***&auth_token=***&sig=***&X-Amz-Signature=***&***",
        ),
        (f"http://h/static/json/liveData?{SECRET}", "http://h/static/json/liveData?***"),
        (
            f"https://reader:{SECRET}@cdn.example.com/live?apikey={SECRET}&{SECRET}",
            "https://cdn.example.com/live?apikey=***&***",
        ),
        ("ws://[::1]:8080/ws/live#frag", "ws://[::1]:8080/ws/live"),
    ],
)
def test_redact_url_removes_credentials(url: str, shown: str) -> None:
    """URLs shown or logged lose their user, password, every query value, and any query part with no ``=`` whole."""
    assert redact_url(url) == shown


@pytest.mark.parametrize("url", [url for url, _ in BAD_URLS if url != SECRET])
def test_redact_url_never_raises_or_shows_a_secret(url: str) -> None:
    """Whatever the URL, redact_url returns text without its credentials (status() and repr() rely on it)."""
    shown = redact_url(url)
    assert isinstance(shown, str)
    assert SECRET not in shown
