"""Fixtures for the real servers in servers.py: one Dovecot per session, the rest per test."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from servers import Account, CertFiles, CutProxy, Dovecot, SmtpServer, find_tool, make_cert

INSTALL_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "install-test-deps.sh"


def _ensure_dovecot() -> None:
    if find_tool("dovecot"):
        return
    result = subprocess.run(["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True)
    if result.returncode != 0 or not find_tool("dovecot"):
        pytest.fail(
            f"Dovecot is not installed, and {INSTALL_SCRIPT} could not install it "
            f"(exit {result.returncode}). Install dovecot-imapd, or run the script as root.\n"
            f"{result.stdout}{result.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def server_root() -> Iterator[Path]:
    """A private folder for the session's servers.

    Not under pytest's basetemp: pytest deletes all but the newest three of
    those when another run starts, which would pull the maildirs and passwd
    files from under a Dovecot still serving this run.
    """
    root = Path(tempfile.mkdtemp(prefix="mailflow-test-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def tls_cert(server_root: Path) -> CertFiles:
    """One self-signed certificate (127.0.0.1, localhost) for every server of the session."""
    (server_root / "tls").mkdir()
    return make_cert(server_root / "tls")


@pytest.fixture(scope="session")
def dovecot(request: pytest.FixtureRequest, server_root: Path, tls_cert: CertFiles) -> Dovecot:
    _ensure_dovecot()
    server = Dovecot(server_root / "dovecot", cert=tls_cert)
    # Registered before start(): a start that fails half-way still cleans up.
    request.addfinalizer(server.stop)
    server.start()
    return server


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Account:
    """A fresh, empty mailbox of its own for each test."""
    return dovecot.new_account()


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest, tls_cert: CertFiles) -> SmtpServer:
    """Offers STARTTLS (not required); call require_auth() to make AUTH mandatory."""
    server = SmtpServer(cert=tls_cert)
    request.addfinalizer(server.stop)
    server.start()
    return server


@pytest.fixture
def cut_proxy(request: pytest.FixtureRequest) -> Callable[[str, int], CutProxy]:
    """cut_proxy(host, port) starts a CutProxy in front of that server."""

    def start(host: str, port: int) -> CutProxy:
        proxy = CutProxy(host, port)
        request.addfinalizer(proxy.stop)
        proxy.start()
        return proxy

    return start
