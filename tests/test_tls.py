"""wss:// with certificate verification: an untrusted certificate is refused, clearly; a trusted one works."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from harness.feed import ScriptedFeed
from harness.waiting import wait_for
from lib.store import ConnectionState, Store
from tests.conftest import ClientFactory
from tests.helpers import score


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A certificate authority that no system trusts."""
    return trustme.CA()


@pytest.fixture
def tls_server(authority: trustme.CA, tmp_path: Path) -> Iterator[ScriptedFeed]:
    """A real feed server on wss://, its certificate issued for 127.0.0.1 by the private authority."""
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    certificate.cert_chain_pems[0].write_to_path(str(cert_file))
    certificate.private_key_pem.write_to_path(str(key_file))
    server = ScriptedFeed(tls=(str(cert_file), str(key_file))).start()
    yield server
    server.stop()


def test_untrusted_certificate_is_refused_with_a_clear_message(
    tls_server: ScriptedFeed, make_client: ClientFactory
) -> None:
    """With the system's trust store the connection fails and says the certificate is not trusted."""
    assert tls_server.url.startswith("wss://")
    store = Store()
    make_client(tls_server.url, store, max_reconnect_attempts=1).start()
    wait_for(lambda: store.snapshot().connection.state is ConnectionState.GIVEN_UP, what="giving up")
    error = store.snapshot().connection.last_error or ""
    assert error.startswith("TLS certificate not trusted")
    assert store.snapshot().connection.connections == 0


def test_trusted_certificate_connects_and_streams(
    tls_server: ScriptedFeed, make_client: ClientFactory, authority: trustme.CA
) -> None:
    """Given a context that trusts the authority, the same server is used over TLS, verified."""
    context = ssl.create_default_context()
    authority.configure_trust(context)
    store = Store()
    make_client(tls_server.url, store, ssl_context=context).start()
    wait_for(lambda: store.snapshot().connection.state is ConnectionState.CONNECTED, what="a TLS connection")
    tls_server.publish_raw([score(home_score=77)])
    wait_for(lambda: "g1" in store.snapshot().games, what="a frame over TLS")
