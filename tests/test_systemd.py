"""The shipped systemd units, run by a real systemd user manager.

The manager is `systemd --user`, started by the test in a mount namespace of
its own. A user manager refuses to start unless the machine was booted with
systemd (it looks for /run/systemd/system), so when PID 1 is something else,
as in a container, the namespace gets a private /run/systemd that says so;
nothing outside the namespace changes.

mailflow is installed the way the README's Install section says, into a home
folder on /dev/shm: the units set PrivateTmp=, which hides /tmp and /var/tmp
from the service, so neither the home nor the install may live there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers import find_tool, make_message

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = REPO / "scripts" / "install-test-deps.sh"
ME = "maya@lindqvist.studio"
CLIENT = "tom@studio-orbit.example"


def _systemd_binary() -> str | None:
    for path in ("/lib/systemd/systemd", "/usr/lib/systemd/systemd"):
        if os.access(path, os.X_OK):
            return path
    return None


def _ensure_tools() -> str:
    if not (_systemd_binary() and find_tool("systemctl") and find_tool("unshare")):
        subprocess.run(["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True)
    binary = _systemd_binary()
    if binary is None or not find_tool("systemctl") or not find_tool("unshare"):
        pytest.fail(f"systemd is not installed and {INSTALL_SCRIPT} could not install it", pytrace=False)
    return binary


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)


@dataclass
class UserManager:
    """A running `systemd --user`, its home folder, and mailflow installed there per the README."""

    home: Path
    runtime_dir: Path
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        return {"HOME": str(self.home), "XDG_RUNTIME_DIR": str(self.runtime_dir),
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}

    def systemctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([find_tool("systemctl") or "systemctl", "--user", *args],
                                env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"systemctl --user {' '.join(args)}: {result.returncode} {result.stderr}")
        return result

    def show(self, unit: str) -> dict[str, str]:
        keys = "ActiveState,SubState,Result,ExecMainStatus,MainPID,NRestarts"
        out = self.systemctl("show", unit, "-p", keys).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    @property
    def config_dir(self) -> Path:
        return self.home / ".config" / "mailflow"

    @property
    def database(self) -> Path:
        return self.home / ".local" / "share" / "mailflow" / "mailflow.db"

    def write_config(self, name: str, mailbox, *, text: str | None = None) -> Path:
        """A config for `mailbox` on the test Dovecot; the password comes from a 0600 file."""
        secret = self.config_dir / f"{name}.secret"
        secret.write_text(mailbox.password)
        secret.chmod(0o600)
        path = self.config_dir / f"{name}.toml"
        path.write_text(text if text is not None else f"""[identity]
name = "Maya Lindqvist"
addresses = ["{ME}"]
timezone = "Europe/Berlin"

[accounts.studio]
imap_host = "{mailbox.host}"
imap_port = {mailbox.port}
imap_security = "none"
username = "{mailbox.username}"
password_command = "cat {secret}"

[rules.follow_up]
mode = "draft"
""")
        return path

    def stored_messages(self, database: Path | None = None) -> list[tuple[str, str]]:
        path = database or self.database
        if not path.exists():
            return []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            try:
                return conn.execute("SELECT message_id, subject FROM messages ORDER BY id").fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return []


def _install_per_readme(home: Path) -> None:
    """python3 -m venv, pip install, ln -s: the three lines of the README's Install section."""
    source = home / "src"
    # A copy, so the build leaves no build/ or egg-info in the checkout under test.
    shutil.copytree(REPO, source, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build",
                                                  ".pytest_cache", "tests", "benchmarks"))
    venv = home / ".local" / "share" / "mailflow" / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    result = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                             str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"pip install of mailflow failed:\n{result.stderr}", pytrace=False)
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "mailflow").symlink_to(venv / "bin" / "mailflow")
    units = home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    for unit in (REPO / "systemd").iterdir():
        shutil.copy(unit, units / unit.name)
    (home / ".config" / "mailflow").mkdir()


@pytest.fixture(scope="module")
def user_manager() -> Iterator[UserManager]:
    systemd = _ensure_tools()
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="mailflow-systemd-", dir=shm if shm.is_dir() else None))
    try:
        home, runtime_dir = base / "home", base / "run"
        home.mkdir()
        runtime_dir.mkdir(mode=0o700)
        _install_per_readme(home)
        if Path("/run/systemd/system").is_dir():
            command = [systemd, "--user"]
        elif os.geteuid() == 0:
            boot_marker = "mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system"
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                       f'{boot_marker} && exec "$0" --user', systemd]
        else:
            pytest.fail("without systemd as PID 1, this test needs root to give its user manager "
                        "a private /run/systemd", pytrace=False)
        env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime_dir),
               "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        log = (base / "manager.log").open("w")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        manager = UserManager(home, runtime_dir, process)
        try:
            wait_until(lambda: process.poll() is not None or (runtime_dir / "systemd" / "private").exists(),
                       30, "the user manager's socket")
            if process.poll() is not None:
                pytest.fail(f"systemd --user exited {process.returncode}: "
                            f"{(base / 'manager.log').read_text()}", pytrace=False)
            # Not is-system-running: outside the namespace, systemctl sees no booted systemd.
            wait_until(lambda: manager.systemctl("show", "-p", "SystemState", "--value").stdout.strip()
                       in ("running", "degraded"), 30, "the user manager to finish starting")
            manager.systemctl("daemon-reload")
            yield manager
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_state(user_manager: UserManager) -> Iterator[UserManager]:
    """Each test starts with no database and leaves no unit running."""
    for path in user_manager.database.parent.glob("mailflow.db*"):
        path.unlink()
    yield user_manager
    user_manager.systemctl("stop", "mailflow.service", "mailflow@broken.service", "mailflow-sync.timer",
                           "mailflow-sync.service", check=False)
    user_manager.systemctl("reset-failed", check=False)


def test_mailflow_service_syncs_follows_new_mail_and_stops_cleanly(fresh_state: UserManager, dovecot,
                                                                    mailbox) -> None:
    manager = fresh_state
    dovecot.append(mailbox.username, "INBOX", make_message(
        sender=CLIENT, to=ME, subject="Quote", body="Could you send me the quote by Friday?\n",
        message_id="<first@studio-orbit.example>"))
    manager.write_config("config", mailbox)

    manager.systemctl("enable", "--now", "mailflow")  # as the README says
    assert manager.show("mailflow.service")["ActiveState"] == "active"
    wait_until(lambda: manager.stored_messages(), 60, "the first sync under systemd")
    assert manager.stored_messages() == [("first@studio-orbit.example", "Quote")]
    assert (manager.home / ".config" / "systemd" / "user" / "default.target.wants" / "mailflow.service").exists()

    # The poll interval is five minutes, so a message seen within seconds came through IDLE.
    time.sleep(1)
    dovecot.append(mailbox.username, "INBOX", make_message(
        sender=CLIENT, to=ME, subject="Re: Quote", body="Also the timeline, please.\n",
        message_id="<second@studio-orbit.example>"))
    wait_until(lambda: len(manager.stored_messages()) == 2, 30, "the new message, announced by IDLE")

    main_pid = int(manager.show("mailflow.service")["MainPID"])
    assert main_pid > 0
    manager.systemctl("stop", "mailflow")  # SIGTERM
    state = manager.show("mailflow.service")
    assert (state["ActiveState"], state["Result"]) == ("inactive", "success"), state
    assert not Path(f"/proc/{main_pid}").exists()


def test_a_crash_is_restarted_but_a_broken_config_is_not(fresh_state: UserManager, mailbox) -> None:
    manager = fresh_state
    manager.write_config("config", mailbox)
    manager.systemctl("start", "mailflow")
    wait_until(lambda: int(manager.show("mailflow.service")["MainPID"]) > 0 and manager.database.exists(),
               30, "the service to open its database")
    os.kill(int(manager.show("mailflow.service")["MainPID"]), 9)
    # Restart=on-failure: systemd schedules the restart (RestartSec=30 away).
    wait_until(lambda: manager.show("mailflow.service")["SubState"] == "auto-restart", 10,
               "systemd to schedule a restart after SIGKILL")

    # The template unit names its config by instance; a config error (exit 2) is not retried.
    manager.write_config("broken", mailbox, text='[identity]\nname = "Maya"\nsurname = "L"\n')
    manager.systemctl("start", "mailflow@broken", check=False)
    wait_until(lambda: manager.show("mailflow@broken.service")["ActiveState"] == "failed", 30,
               "mailflow@broken to fail")
    time.sleep(1)
    state = manager.show("mailflow@broken.service")
    assert (state["SubState"], state["ExecMainStatus"], state["NRestarts"]) == ("failed", "2", "0"), state


def test_the_sync_timer_and_its_oneshot_service(fresh_state: UserManager, dovecot, mailbox) -> None:
    manager = fresh_state
    dovecot.append(mailbox.username, "INBOX", make_message(
        sender=CLIENT, to=ME, subject="Hello", body="Let's talk Tuesday at 3.\n",
        message_id="<timer@studio-orbit.example>"))
    manager.write_config("config", mailbox)

    manager.systemctl("enable", "--now", "mailflow-sync.timer")
    assert manager.show("mailflow-sync.timer")["ActiveState"] == "active"
    manager.systemctl("start", "mailflow-sync.service")  # what the timer starts; blocks until done
    state = manager.show("mailflow-sync.service")
    assert (state["Result"], state["ExecMainStatus"]) == ("success", "0"), state
    assert manager.stored_messages() == [("timer@studio-orbit.example", "Hello")]
