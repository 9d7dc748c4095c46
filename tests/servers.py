"""Real mail servers for the test suite and the benchmarks.

`Dovecot` runs a private IMAP server, `SmtpServer` a recording SMTP server,
`CutProxy` a TCP proxy that breaks connections on demand, and `make_message`
builds realistic RFC 5322 messages. Nothing here imports pytest: benchmarks
put tests/ on sys.path and use the same classes.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import grp
import itertools
import os
import pwd
import quopri
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from pathlib import Path

import imapclient
import psutil
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient.imap_utf7 import encode as encode_mutf7

LOOPBACK = "127.0.0.1"
# Owner of the maildirs when the harness runs as root: Dovecot refuses uid 0.
MAIL_USER = "mailflowtest"
STARTUP_TIMEOUT = 10.0
SPECIAL_USE = {
    "Sent": r"\Sent",
    "Drafts": r"\Drafts",
    "Trash": r"\Trash",
    "Junk": r"\Junk",
    "Archive": r"\Archive",
}


def free_port() -> int:
    """A loopback port that was free a moment ago (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def find_tool(name: str) -> str | None:
    """Like shutil.which, but also looks in the sbin folders a normal user's PATH lacks."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
    return shutil.which(name, path=path)


# --- TLS ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertFiles:
    """A self-signed certificate for 127.0.0.1 and localhost; it is its own CA."""

    cert: Path
    key: Path

    @property
    def ca_file(self) -> str:
        return str(self.cert)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_cert(directory: Path) -> CertFiles:
    """Write cert.pem and key.pem (EC P-256, fast to generate) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    files = CertFiles(directory / "cert.pem", directory / "key.pem")
    try:
        _write_cert_with_cryptography(files)
    except ImportError:
        _write_cert_with_openssl(files)
    files.key.chmod(0o600)
    return files


def _write_cert_with_cryptography(files: CertFiles) -> None:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    now = dt.datetime.now(dt.timezone.utc)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        # The extensions OpenSSL's strict verification wants on a self-signed trust anchor.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(LOOPBACK)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_cert_with_openssl(files: CertFiles) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(files.key), "-out", str(files.cert), "-days", "30",
            "-subj", f"/CN={LOOPBACK}",
            "-addext", f"subjectAltName=IP:{LOOPBACK},DNS:localhost",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
        ],
        check=True,
        capture_output=True,
    )


# --- Dovecot -----------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """What a client needs to log in to one mailbox of a `Dovecot`."""

    username: str
    password: str
    host: str
    port: int
    tls_port: int
    ca_file: str


@dataclass(frozen=True)
class _Identity:
    mail_uid: int
    mail_gid: int
    # Only set when not root: Dovecot's own users (dovecot, dovenull) need root to switch to.
    process_user: str | None = None
    process_group: str | None = None


class DovecotError(RuntimeError):
    pass


class Dovecot:
    """A private Dovecot 2.3 on free loopback ports; everything lives under `root`.

    Each user has a one-line passwd-file of its own: Dovecot re-reads a changed
    passwd-file at most once a second, but opens a new one at once, so
    `add_user` works while the server runs. Mail is Maildir++ with "/" as the
    hierarchy separator.
    """

    host = LOOPBACK

    def __init__(self, root: Path, cert: CertFiles | None = None) -> None:
        self.root = Path(root).resolve()
        self.port = 0
        self.tls_port = 0
        self.ca_file = ""
        self._cert = cert
        self._conf = self.root / "dovecot.conf"
        self._log = self.root / "dovecot.log"
        self._stderr = self.root / "dovecot.stderr"
        self._users = self.root / "users"
        self._mail = self.root / "mail"
        self._binary = ""
        self._identity: _Identity | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._passwords: dict[str, str] = {}
        self._users_lock = threading.Lock()
        self._user_numbers = itertools.count(1)
        # Maildir file names sort by this counter, so Dovecot gives UIDs in write order.
        self._file_numbers = itertools.count()

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle --

    def start(self) -> None:
        self._binary = _require_tool("dovecot")
        self._identity = _identity()
        self._prepare_dirs()
        cert = self._cert or make_cert(self.root / "tls")
        self.ca_file = cert.ca_file
        probe_password = secrets.token_urlsafe(16)
        self.add_user("harness-probe@example.test", probe_password)
        # A benchmark that forgets stop() still leaves no server behind.
        atexit.register(self.stop)
        for attempt in range(3):
            self.port, self.tls_port = _two_free_ports()
            self._conf.write_text(self._config(cert))
            with self._stderr.open("wb") as stderr:
                # -F keeps the master as our child, so stop() can always reap it.
                self._proc = subprocess.Popen(
                    [self._binary, "-F", "-c", str(self._conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            try:
                self._wait_ready("harness-probe@example.test", probe_password)
                return
            except DovecotError as error:
                self.stop()
                # Another process can grab a port between free_port() and Dovecot's bind.
                if "Address already in use" not in str(error) or attempt == 2:
                    raise

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        # SIGTERM is what `dovecot stop` sends to the master. Alone, the 2.3
        # master takes a second to exit and leaves the imap processes of
        # connected clients running; signalled together, all exit at once.
        for process in (proc, *children):
            with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
                process.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for child in _wait_gone(children, timeout=3):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()

    def _prepare_dirs(self) -> None:
        assert self._identity is not None
        for path in (self.root, self.root / "run", self.root / "state", self._mail, self._users):
            path.mkdir(parents=True, exist_ok=True)
        _make_traversable(self.root)
        if os.geteuid() == 0:
            os.chown(self._mail, self._identity.mail_uid, self._identity.mail_gid)

    def _config(self, cert: CertFiles) -> str:
        assert self._identity is not None
        ident = self._identity
        mailboxes = "\n".join(
            f"  mailbox {name} {{\n    special_use = {flag}\n    auto = subscribe\n  }}"
            for name, flag in SPECIAL_USE.items()
        )
        if ident.process_user:
            unprivileged = f"""
default_internal_user = {ident.process_user}
default_internal_group = {ident.process_group}
default_login_user = {ident.process_user}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
        else:
            unprivileged = ""
        return f"""\
# Written by tests/servers.py. Nothing from /etc/dovecot is read.
instance_name = mailflow-test
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self._log}
protocols = imap
listen = {LOOPBACK}
# The mail user is a system account (uid < 500, Dovecot's default floor).
first_valid_uid = 1
ssl = yes
ssl_cert = <{cert.cert}
ssl_key = <{cert.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Tests try wrong passwords on purpose: fail them within 0.5 s (2.3's
# fixed check interval) instead of 2 s.
auth_failure_delay = 0
# Tests and benchmarks open many connections as one user from one IP (default 10).
mail_max_userip_connections = 1000
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self._users}/%u
}}
userdb {{
  driver = static
  args = uid={ident.mail_uid} gid={ident.mail_gid} home={self._mail}/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
    ssl = yes
  }}
}}
# Auth penalty slows down repeated failed logins from one IP (ours); an
# unreachable penalty socket switches it off.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{unprivileged}"""

    def _wait_ready(self, username: str, password: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise DovecotError(self._failure(f"dovecot exited with code {self._proc.returncode}"))
            try:
                # A short timeout: until Dovecot binds, the port may be someone else's.
                self.client(username, password, timeout=1).logout()
                return
            except (OSError, imapclient.exceptions.IMAPClientError) as error:
                last_error = error
                time.sleep(0.02)
        raise DovecotError(
            self._failure(f"no IMAP login within {STARTUP_TIMEOUT:.0f}s ({last_error!r})")
        )

    def _failure(self, reason: str) -> str:
        def tail(path: Path) -> str:
            return path.read_text(errors="replace")[-5000:] if path.exists() else "(none)"

        return (
            f"Dovecot ({self._binary} -c {self._conf}) did not start: {reason}\n"
            f"--- {self._log} ---\n{tail(self._log)}\n--- stderr ---\n{tail(self._stderr)}"
        )

    # -- users and clients --

    def add_user(self, username: str, password: str) -> None:
        if not username or any(c in username + password for c in ":/\n"):
            raise ValueError("username and password must be non-empty and hold no ':', '/' or newline")
        # Dovecot lowercases user names (auth_username_format = %Lu) before looking them up.
        username = username.lower()
        with self._users_lock:
            if username in self._passwords:
                raise ValueError(f"user {username} already exists")
            passwd = self._users / username
            passwd.write_text(f"{username}:{{PLAIN}}{password}\n")
            passwd.chmod(0o644)  # read by the auth process, user dovecot
            self._passwords[username] = password

    def new_account(self) -> Account:
        """A fresh user with a random password, e.g. user3@example.test."""
        username = f"user{next(self._user_numbers)}@example.test"
        password = secrets.token_urlsafe(16)
        self.add_user(username, password)
        return Account(username, password, self.host, self.port, self.tls_port, self.ca_file)

    def client(self, username: str, password: str, timeout: float = 30) -> imapclient.IMAPClient:
        """A logged-in client on the plaintext port. The caller logs out."""
        client = imapclient.IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        try:
            client.login(username, password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    @contextlib.contextmanager
    def _session(self, username: str) -> Iterator[imapclient.IMAPClient]:
        client = self.client(username, self._passwords[username.lower()])
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    @staticmethod
    def _ensure_folder(client: imapclient.IMAPClient, folder: str) -> None:
        """Create `folder` if needed, subscribed, as a mail client would."""
        if not client.folder_exists(folder):
            client.create_folder(folder)
            client.subscribe_folder(folder)

    # -- putting mail in --

    def append(
        self,
        username: str,
        folder: str,
        raw: bytes,
        flags: Sequence[str | bytes] = (),
        when: datetime | None = None,
    ) -> int:
        """APPEND one message (creating the folder if needed); return its UID."""
        with self._session(username) as client:
            self._ensure_folder(client, folder)
            response = client.append(folder, raw, flags=flags, msg_time=when)
        match = re.search(rb"APPENDUID \d+ (\d+)", response)
        if match is None:
            raise DovecotError(f"APPEND gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def append_many(self, username: str, folder: str, raws: Iterable[bytes]) -> None:
        """APPEND many messages over one connection, in MULTIAPPEND batches."""
        with self._session(username) as client:
            self._ensure_folder(client, folder)
            messages = iter(raws)
            while batch := list(itertools.islice(messages, 500)):
                client.multiappend(folder, batch)

    def write_maildir(self, username: str, folder: str, raws: Iterable[bytes]) -> None:
        """Drop messages straight into the folder's new/, as a delivery agent would.

        Far faster than APPEND for 5k-100k messages. Dovecot assigns UIDs, in
        write order, on the next SELECT or STATUS.
        """
        with self._session(username) as client:
            self._ensure_folder(client, folder)
            # Opening the folder makes Dovecot create its cur/, new/ and tmp/ (INBOX too).
            client.folder_status(folder, [b"MESSAGES"])
        ident = self._identity
        assert ident is not None
        target = str(self._folder_dir(username, folder))
        chown = os.geteuid() == 0
        stamp = int(time.time())
        pid = os.getpid()
        # Plain os calls: creating files dominates, and pathlib adds a third on top.
        for raw in raws:
            name = f"{stamp}.M{next(self._file_numbers)}P{pid}.mailflow"
            staged = f"{target}/tmp/{name}"
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, raw)
                if chown:
                    os.fchown(fd, ident.mail_uid, ident.mail_gid)
            finally:
                os.close(fd)
            # Written in tmp/ then renamed, so Dovecot never sees a half-written file.
            os.rename(staged, f"{target}/new/{name}")

    # -- breaking things --

    def reset_uidvalidity(self, username: str, folder: str) -> int:
        """Give `folder` a new UIDVALIDITY and renumber its messages from UID 1.

        Messages, flags and keywords stay. Like a server that rebuilt the mailbox,
        it disconnects the user's open sessions first: they hold the old index.
        Returns the new UIDVALIDITY.
        """
        with self._session(username) as client:
            # STATUS also makes Dovecot write the dovecot-uidlist of a folder never opened.
            old = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        self._kick(username)
        target = self._folder_dir(username, folder)
        uidlist = target / "dovecot-uidlist"
        # Header "3 V<uidvalidity> N<next uid> G<guid> ...", then one line per message.
        # Without the message lines Dovecot numbers every file in cur/ and new/ again.
        with uidlist.open() as file:
            header = file.readline().split()
        kept = [field for field in header[1:] if field[0] not in "VN"]
        uidlist.write_text(" ".join([header[0], f"V{old + 1}", "N1", *kept]) + "\n")
        # The indexes cache the old UIDVALIDITY and UIDs; Dovecot rebuilds them.
        for index in itertools.chain(
            target.glob("dovecot.index*"), self.maildir(username).glob("dovecot.list.index*")
        ):
            index.unlink()
        with self._session(username) as client:
            new = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        if new == old:
            raise DovecotError(f"UIDVALIDITY of {folder} is still {old}")
        return new

    def _kick(self, username: str) -> None:
        """End the user's IMAP sessions and wait until their processes are gone."""
        who = self._doveadm("who", "-1", username)
        # Lines are "username proto pid ip" after a header line.
        pids = {int(line.split()[2]) for line in who.splitlines()[1:] if line.strip()}
        if not pids:
            return
        self._doveadm("kick", username)
        processes = []
        for pid in pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                processes.append(psutil.Process(pid))
        alive = _wait_gone(processes, timeout=5)
        if alive:
            raise DovecotError(f"kicked IMAP processes of {username} still run: {alive}")

    def _doveadm(self, *args: str) -> str:
        result = subprocess.run(
            [_require_tool("doveadm"), "-c", str(self._conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    # -- paths --

    def maildir(self, username: str) -> Path:
        # Lowercase, as Dovecot expands %u in the home path.
        return self._mail / username.lower() / "Maildir"

    def _folder_dir(self, username: str, folder: str) -> Path:
        if folder.upper() == "INBOX":
            return self.maildir(username)
        # Maildir++: ".Parent.Child", names in modified UTF-7.
        return self.maildir(username) / ("." + encode_mutf7(folder).decode().replace("/", "."))


def _require_tool(name: str) -> str:
    path = find_tool(name)
    if path is None:
        raise DovecotError(f"{name} not found: run scripts/install-test-deps.sh (Debian: dovecot-imapd)")
    return path


def _identity() -> _Identity:
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        return _Identity(os.geteuid(), os.getegid(), user, group)
    try:
        entry = pwd.getpwnam(MAIL_USER)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", MAIL_USER],
            capture_output=True,
            text=True,
        )
        # A parallel run may have created it first, so useradd failing is fine if the user exists.
        try:
            entry = pwd.getpwnam(MAIL_USER)
        except KeyError:
            raise DovecotError(f"cannot create system user {MAIL_USER}: {result.stderr.strip()}") from None
    return _Identity(entry.pw_uid, entry.pw_gid)


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait for `processes` to end; return those still running after `timeout`.

    Zombies count as gone: orphans are reaped by PID 1, which in a container
    can take a second.
    """
    deadline = time.monotonic() + timeout
    while True:
        alive = [process for process in processes if _running(process)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.01)


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _make_traversable(path: Path) -> None:
    """Let Dovecot's unprivileged processes reach `path`: add o+x (and g+x) up the tree.

    mkdtemp and pytest make 0700 folders; only folders we own are touched.
    """
    for folder in [path, *path.parents]:
        info = folder.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o011 != 0o011:
            folder.chmod(info.st_mode & 0o7777 | 0o011)


def _two_free_ports() -> tuple[int, int]:
    while True:
        first, second = free_port(), free_port()
        if first != second:
            return first, second


# --- SMTP --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    login: str | None  # the AUTH user name, None when the client did not authenticate
    tls: bool  # whether the client had switched to TLS with STARTTLS


class SmtpServer:
    """An aiosmtpd server on a free loopback port that records every message.

    With `cert`, STARTTLS is offered (not required), or with `implicit_tls` the
    server speaks TLS from the first byte (port 465 style). AUTH PLAIN/LOGIN is offered
    without TLS (loopback); it is required once credentials are set, either here
    or later with `require_auth`.
    """

    host = LOOPBACK

    def __init__(self, cert: CertFiles | None = None, auth: tuple[str, str] | None = None,
                 implicit_tls: bool = False) -> None:
        self.port = 0
        self._cert = cert
        self._implicit_tls = implicit_tls and cert is not None
        self._auth = auth
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def ca_file(self) -> str | None:
        return self._cert.ca_file if self._cert else None

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def require_auth(self, username: str, password: str) -> None:
        self._auth = (username, password)

    def start(self) -> None:
        self.port = free_port()
        self._controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            tls_context=self._cert.server_context() if self._cert and not self._implicit_tls else None,
            ssl_context=self._cert.server_context() if self._implicit_tls else None,
        )
        self._controller.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        ok = (
            self._auth is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password)
            == (self._auth[0].encode(), self._auth[1].encode())
        )
        # auth_data becomes session.auth_data, where handle_DATA finds the login.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    # aiosmtpd handler hooks

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode() if session.authenticated else None
        message = ReceivedMessage(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=envelope.original_content,
            login=login,
            tls=session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
        )
        with self._lock:
            self._messages.append(message)
        return "250 OK"


# --- CutProxy ----------------------------------------------------------------------


class _Link:
    """One proxied connection: the client's socket and ours to the target."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.pumps_running = 2

    def shutdown(self) -> None:
        # shutdown, not close: it wakes the pump threads blocked in recv, and
        # they close the sockets themselves once both have stopped.
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class CutProxy:
    """A TCP proxy on a free loopback port that breaks connections on demand.

    After a cut it keeps accepting and forwarding new connections, so a client
    that reconnects gets through.
    """

    host = LOOPBACK

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._budget: int | None = None
        self._rearm: int | None = None  # the budget to start again with after a cut
        self._refusing = False
        self._bytes_forwarded = 0
        self._connections = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    @property
    def bytes_forwarded(self) -> int:
        """Bytes sent from the target to clients, over all connections."""
        with self._lock:
            return self._bytes_forwarded

    @property
    def connections(self) -> int:
        """Connections accepted so far, refused ones included."""
        with self._lock:
            return self._connections

    def start(self) -> None:
        self._listener = socket.create_server((self.host, 0))
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name="cut-proxy", daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        listener.close()
        self.cut_now()
        assert self._acceptor is not None
        self._acceptor.join(timeout=5)

    def __enter__(self) -> CutProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cut_after(self, n_bytes: int | None, *, once: bool = True) -> None:
        """Forward `n_bytes` more from the target to clients, then cut every open connection.

        The count runs over all connections, open now or opened later. With
        `once`, forwarding is normal after the cut; otherwise each further
        `n_bytes` brings another cut, until cut_after(None) or restore().
        """
        if n_bytes is not None and n_bytes <= 0:
            self.cut_now()
            return
        with self._lock:
            self._budget = n_bytes
            self._rearm = None if once else n_bytes

    def cut_now(self) -> None:
        """Cut every open connection now; a pending cut_after is dropped."""
        with self._lock:
            self._budget = self._rearm = None
            self._shutdown_links()

    def _shutdown_links(self) -> None:
        """Caller holds self._lock."""
        for link in self._links:
            link.shutdown()

    def refuse(self) -> None:
        """Accept new connections and close them at once, like a dead server."""
        with self._lock:
            self._refusing = True

    def restore(self) -> None:
        """Forward normally again: stop refusing and forget a pending cut_after."""
        with self._lock:
            self._refusing = False
            self._budget = self._rearm = None

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stop() shut the listener
            with self._lock:
                self._connections += 1
                refusing = self._refusing
            if refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                # Without it, Nagle + delayed ACK add ~40 ms to each IMAP round trip.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, upstream)
            with self._lock:
                self._links.add(link)
            for source, sink, counted in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(
                    target=self._pump, args=(link, source, sink, counted), daemon=True
                ).start()

    def _pump(self, link: _Link, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                cut = False
                if counted:
                    data, cut = self._take(data)
                sink.sendall(data)
                if cut:
                    with self._lock:
                        self._shutdown_links()
                    break
        except OSError:
            pass
        # Either side ending ends the whole link; the last pump closes the sockets.
        with self._lock:
            link.shutdown()
            link.pumps_running -= 1
            last = link.pumps_running == 0
            if last:
                self._links.discard(link)
        if last:
            link.client.close()
            link.upstream.close()

    def _take(self, data: bytes) -> tuple[bytes, bool]:
        """Count server->client bytes against the cut budget: (bytes to send, cut after)."""
        with self._lock:
            if self._budget is None:
                self._bytes_forwarded += len(data)
                return data, False
            data = data[: self._budget]
            self._budget -= len(data)
            self._bytes_forwarded += len(data)
            if self._budget > 0:
                return data, False
            self._budget = self._rearm
            return data, True


# --- messages ----------------------------------------------------------------------

ADDRESS_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "sender"}


def make_message(
    *,
    sender: str = "Alice Martin <alice@example.test>",
    to: str | Sequence[str] = "Bob Keller <bob@client.example>",
    subject: str = "Project update",
    body: str = "Hi Bob,\n\nI'll send you the draft by Friday.\n\nBest,\nAlice\n",
    date: datetime | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] | None = None,
    attachment: tuple[str, int] | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """A realistic RFC 5322 message with CRLF line ends.

    `sender` is the From field. `date` must be timezone-aware (default: now,
    local offset). References defaults to In-Reply-To. With
    `attachment=(filename, size)`, the text becomes the first part of a
    multipart/mixed with a base64 application/pdf of that many bytes.
    `headers` adds or replaces headers (Cc, List-Id, Auto-Submitted, ...).
    Built by hand rather than with email.message: this is ~50x faster, which
    matters when a benchmark fills a mailbox with 100k messages.
    """
    date = date or datetime.now().astimezone()
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    if references is None:
        references = [in_reply_to] if in_reply_to else []
    fields = {
        "From": sender,
        "To": to if isinstance(to, str) else ", ".join(to),
        "Subject": subject,
        "Date": format_datetime(date),
        # An explicit domain: make_msgid would otherwise look up this host's FQDN.
        "Message-ID": message_id or make_msgid(domain="mailflow.example"),
        "In-Reply-To": in_reply_to,
        "References": "\n ".join(references),  # folded: long threads pass 998 characters
        "MIME-Version": "1.0",
    }
    fields.update(headers or {})
    lines = [f"{name}: {_encode_header(name, value)}" for name, value in fields.items() if value]
    text_part = _text_part(body)
    if attachment:
        filename, size = attachment
        boundary = f"=_mailflow_{secrets.token_hex(8)}"
        pdf = (b"%PDF-1.4\n" + bytes(range(256)) * (size // 256 + 1))[:size]
        lines += [f'Content-Type: multipart/mixed; boundary="{boundary}"', "", f"--{boundary}"]
        lines += text_part
        lines += [
            f"--{boundary}",
            f'Content-Type: application/pdf; name="{filename}"',
            f'Content-Disposition: attachment; filename="{filename}"',
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes(pdf).decode("ascii"),
            f"--{boundary}--",
            "",
        ]
    else:
        lines += text_part
    # Built with \n throughout; the wire form is CRLF.
    return "\n".join(lines).replace("\n", "\r\n").encode("ascii")


def _text_part(body: str) -> list[str]:
    """Content headers, blank line and body of a text/plain part: 7bit if it can be, else QP."""
    body = body.replace("\r\n", "\n")
    if body.isascii() and all(len(line) <= 998 for line in body.split("\n")):
        encoding, text = "7bit", body
    else:
        encoding, text = "quoted-printable", quopri.encodestring(body.encode()).decode("ascii")
    return [
        'Content-Type: text/plain; charset="utf-8"',
        f"Content-Transfer-Encoding: {encoding}",
        "",
        text,
    ]


def _encode_header(name: str, value: str) -> str:
    """RFC 2047 for non-ASCII values; in address fields only the display names are encoded."""
    if value.isascii():
        return value
    if name.lower() in ADDRESS_HEADERS:
        return ", ".join(formataddr(pair) for pair in getaddresses([value]))
    return Header(value, "utf-8").encode()
