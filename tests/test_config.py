"""Config: validation names the file and key; secrets come from the configured source."""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from datetime import time
from pathlib import Path

import pytest

from mailflow.config import (Config, is_loopback, load_config, parse_config, resolve_config_path, starter_config,
                             write_config)
from mailflow.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
[identity]
name = "Maya Lindqvist"
addresses = ["Maya@Lindqvist.Studio"]
timezone = "Europe/Berlin"

[accounts.work]
imap_host = "imap.example.com"
username = "maya@lindqvist.studio"
password_env = "MF_TEST_PASSWORD"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_minimal_config_gets_safe_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    account = config.account("work")
    assert account.imap_port == 993 and account.imap_security == "tls"
    assert account.folders == () and account.smtp_host is None
    assert config.identity.addresses == ("maya@lindqvist.studio",)
    assert config.identity.workdays == ("mon", "tue", "wed", "thu", "fri")
    assert (config.identity.work_start, config.identity.work_end) == (time(9), time(17, 30))
    assert config.own_addresses == frozenset({"maya@lindqvist.studio"})


def test_database_key_is_relative_to_the_config_and_db_option_wins(tmp_path: Path) -> None:
    path = write(tmp_path, 'database = "data/mf.db"\n' + MINIMAL)
    assert load_config(path).database == tmp_path / "data" / "mf.db"
    assert load_config(path, database=tmp_path / "other.db").database == tmp_path / "other.db"


def test_config_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILFLOW_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path(None) == tmp_path / "env.toml"
    assert resolve_config_path(str(tmp_path / "opt.toml")) == tmp_path / "opt.toml"
    monkeypatch.delenv("MAILFLOW_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert resolve_config_path(None) == tmp_path / "xdg" / "mailflow" / "config.toml"


@pytest.mark.parametrize("change, key, words", [
    (('imap_host = "imap.example.com"', 'imap_host = "imap.example.com"\nimap_security = "none"'),
     "accounts.work.imap_security", "plaintext"),
    (('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"'), "identity.timezone", "unknown timezone"),
    (('password_env = "MF_TEST_PASSWORD"', 'pasword_command = "pass x"'), "accounts.work.pasword_command",
     "unknown key"),
    (('password_env = "MF_TEST_PASSWORD"', 'password_env = "A"\npassword_command = "b"'),
     "accounts.work.password_env", "only one"),
    (('addresses = ["Maya@Lindqvist.Studio"]', 'addresses = "maya@lindqvist.studio"'), "identity.addresses",
     "list of strings"),
    (('imap_host = "imap.example.com"', 'imap_host = "imap.example.com"\nimap_port = 99999'),
     "accounts.work.imap_port", "not a port"),
    (('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nwork_hours = "17:00-09:00"'),
     "identity.work_hours", "after the start"),
    (('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nworkdays = ["mon", "funday"]'),
     "identity.workdays", "not a weekday"),
    (('username = "maya@lindqvist.studio"\n', ''), "accounts.work.username", "required"),
])
def test_config_errors_name_file_key_and_problem(tmp_path: Path, change: tuple[str, str], key: str,
                                                 words: str) -> None:
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key
    assert str(path) in str(caught.value) and key in str(caught.value) and words in str(caught.value)
    assert caught.value.exit_code == 2


def test_broken_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[identity\nname = 1"))
    with pytest.raises(ConfigError, match="mailflow init"):
        load_config(tmp_path / "absent.toml")


def test_plaintext_allowed_to_loopback_or_with_explicit_opt_in(tmp_path: Path) -> None:
    loopback = MINIMAL.replace('"imap.example.com"', '"127.0.0.1"\nimap_security = "none"')
    assert load_config(write(tmp_path, loopback)).account("work").imap_port == 143
    opted_in = MINIMAL.replace('imap_host = "imap.example.com"',
                               'imap_host = "imap.example.com"\nimap_security = "none"\nallow_plaintext = true')
    assert load_config(write(tmp_path, opted_in)).account("work").allow_plaintext
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("10.0.0.1")


def test_plain_password_works_with_a_warning_and_never_shows_in_repr(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    text = MINIMAL.replace('password_env = "MF_TEST_PASSWORD"', 'password = "hunter2-secret"')
    with caplog.at_level(logging.WARNING):
        config = load_config(write(tmp_path, text))
    assert "plain text" in caplog.text and "hunter2" not in caplog.text
    assert config.account("work").secret() == "hunter2-secret"
    assert "hunter2" not in repr(config)


def test_secret_from_env_and_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MF_TEST_PASSWORD", "from-env")
    assert load_config(write(tmp_path, MINIMAL)).account("work").secret() == "from-env"
    command = MINIMAL.replace('password_env = "MF_TEST_PASSWORD"', "password_command = \"printf 'from-cmd\\\\nx'\"")
    assert load_config(write(tmp_path, command)).account("work").secret() == "from-cmd"


def test_failing_secret_sources_are_config_errors_without_the_output(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MF_TEST_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="MF_TEST_PASSWORD is not set"):
        load_config(write(tmp_path, MINIMAL)).account("work").secret()
    failing = MINIMAL.replace('password_env = "MF_TEST_PASSWORD"',
                              'password_command = "echo topsecret; exit 3"')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, failing)).account("work").secret()
    assert "status 3" in str(caught.value) and "topsecret" not in str(caught.value)


def test_xoauth2_needs_a_token_command(tmp_path: Path) -> None:
    text = MINIMAL.replace('password_env = "MF_TEST_PASSWORD"', 'auth = "xoauth2"')
    with pytest.raises(ConfigError, match="oauth2_token_command"):
        load_config(write(tmp_path, text))


def test_example_config_documents_a_valid_config(tmp_path: Path) -> None:
    text = (ROOT / "config.example.toml").read_text()
    config = parse_config(tomllib.loads(text), tmp_path / "config.toml")
    assert config.account("studio").smtp_port == 465
    # Every commented provider block is valid too once uncommented.
    for name in ("gmail", "m365", "fastmail"):
        block = text.split(f"# [accounts.{name}]")[1].split("\n\n")[0]
        uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines())
        parsed = parse_config(tomllib.loads(f"[accounts.{name}]" + uncommented))
        assert parsed.account(name).imap_security in ("tls", "starttls")


@pytest.mark.parametrize("provider", ["gmail", "microsoft365", "fastmail"])
def test_starter_config_is_valid_for_each_preset(provider: str) -> None:
    text = starter_config(name="Maya", email="maya@example.com", timezone="Europe/Berlin", provider=provider)
    config = parse_config(tomllib.loads(text))
    assert config.identity.addresses == ("maya@example.com",)
    assert config.account("main").imap_security == "tls"


def test_write_config_is_private_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_config(path, "x = 1\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(ConfigError, match="--force"):
        write_config(path, "y = 2\n")
    write_config(path, "y = 2\n", force=True)
    assert path.read_text() == "y = 2\n"


def test_minimal_config_for_import_without_a_file(tmp_path: Path) -> None:
    config = Config.minimal(["Me@Example.com"], tmp_path / "x.db")
    assert config.own_addresses == frozenset({"me@example.com"})
    assert config.with_addresses(["other@example.com"]).own_addresses == {"me@example.com", "other@example.com"}
