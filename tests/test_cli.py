"""The CLI through click's CliRunner: output, JSON contracts, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.demo import sample_path

FIXTURES = Path(__file__).parent / "fixtures" / "eml"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, list(args), input=input, env=env)
    assert "Traceback" not in result.output + result.stderr
    return result


def test_every_command_has_help() -> None:
    for command in cli.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage: " in result.output, command


def test_demo_shows_threads_response_times_and_items() -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Imported 37 new messages in 2 folders" in out
    assert "Brightline homepage: two directions" in out
    assert "Response times (median)" in out and "jonas@brightline.example" in out
    assert "Open promises and requests Maya owes (2)" in out
    assert "Open promises and requests her clients owe" in out
    assert "I'll send over the brand guidelines and logo files by Monday." in out
    assert "Tue 24 Nov 15:00" in out  # the confirmed call with Priya
    assert "skip the call" not in out.split("Upcoming meetings")[1].split("What mailflow would do")[0]
    assert "Typeletter" in out and "(automated)" in out
    plan = out.split("What mailflow would do now")[1].split("The morning digest")[0]
    assert "follow_up        to tom@studio-orbit.example" in plan and "held: a.holm@" in plan
    assert "out of office until Mon 30 Nov" in plan and "jonas@" not in plan
    digest = out.split("The morning digest")[1]
    assert "OVERDUE: OWED TO YOU (2)" in digest and "I'll send over the brand guidelines" in digest


def test_demo_keep_writes_a_private_database(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert run("demo", "--keep", str(path)).exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = run("demo", "--keep", str(path))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_detect_jsonl_contract() -> None:
    lines = [
        {"id": "a", "text": "I'll send the revised quote by Thursday.", "sent_at": "2026-11-18T10:00:00+01:00"},
        "not json",
        {"id": 7, "text": "Could you send me the logo files by Monday?", "sent_at": "2026-11-18T10:00:00+01:00",
         "direction": "incoming"},
        {"id": [1, 2], "sent_at": "2026-11-18T10:00:00+01:00"},
        {"id": "n", "text": "Thanks, all good.", "sent_at": "2026-11-18T10:00:00+01:00"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = run("detect", "--jsonl", input=stdin)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == ["a", None, 7, [1, 2], "n"]
    assert out[0]["items"] == [{"kind": "promise", "owner": "sender", "sentence": "I'll send the revised quote by Thursday.",
                                "due": "2026-11-19T17:30:00+01:00", "due_text": "Thursday"}]
    assert "error" in out[1] and "error" in out[3]
    assert out[2]["items"][0]["kind"] == "request" and out[2]["items"][0]["owner"] == "recipient"
    assert out[4]["items"] == []


def test_detect_text_and_eml() -> None:
    text = run("detect", "--text", "--sent-at", "2026-11-18T10:00:00+01:00", "--json", "-",
               input="Does Tuesday at 3pm work for a quick call?")
    assert text.exit_code == 0
    [item] = json.loads(text.output)["items"]
    assert (item["kind"], item["due"], item["status"]) == ("meeting", "2026-11-24T15:00:00+01:00", "proposed")
    eml = run("detect", str(FIXTURES / "gmail-reply.eml"))
    assert eml.exit_code == 0 and eml.output.strip()


def test_detect_text_without_sent_at_is_a_usage_error() -> None:
    result = run("detect", "--text", "-", input="I'll call you tomorrow.")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("mailflow: error: --text needs --sent-at, the moment the text was sent "
                                     "(ISO 8601 with offset)")
    naive = run("detect", "--text", "--sent-at", "2026-11-18T10:00:00", "-", input="x")
    assert naive.exit_code == 2 and "offset" in naive.stderr


def test_detect_survives_binary_junk() -> None:
    result = CliRunner().invoke(cli, ["detect", "-"], input=os.urandom(20000))
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_init_writes_a_valid_private_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    args = ["--config", str(path), "init", "--provider", "fastmail", "--name", "Maya Lindqvist",
            "--email", "maya@fastmail.example", "--timezone", "Europe/Berlin"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert 'imap_host = "imap.fastmail.com"' in path.read_text()
    assert run("--config", str(path), "status").exit_code == 0
    again = run(*args)
    assert again.exit_code == 2 and "--force" in again.stderr
    missing = run("--config", str(tmp_path / "other.toml"), "init", "--provider", "gmail")
    assert missing.exit_code == 2 and "--email is required" in missing.stderr


def test_import_sample_with_me_then_items_and_status(tmp_path: Path) -> None:
    db = str(tmp_path / "mf.db")
    config = str(tmp_path / "absent.toml")
    result = run("--config", config, "--db", db, "import", str(sample_path()), "--me", "maya@lindqvist.studio",
                 "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["new"] == 37 and report["errors"] == []
    again = json.loads(run("--config", config, "--db", db, "import", str(sample_path()),
                           "--me", "maya@lindqvist.studio", "--json").output)
    assert again["new"] == 0 and sum(f["duplicates"] for f in again["folders"]) == 37


def test_items_and_redetect_with_a_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'database = "{tmp_path / "mf.db"}"\n[identity]\naddresses = ["maya@lindqvist.studio"]\n'
                    'timezone = "Europe/Berlin"\n')
    assert run("--config", str(path), "import", str(sample_path())).exit_code == 0
    theirs = json.loads(run("--config", str(path), "items", "--theirs", "--json").output)
    assert theirs and all(i["debtor"] == "them" for i in theirs)
    priya = run("--config", str(path), "items", "--contact", "Priya@Kettle-and-Co.example").output
    assert "brand guidelines" in priya and "jonas@" not in priya
    result = run("--config", str(path), "redetect")
    assert result.exit_code == 0 and result.output.startswith("37 messages: 0 items added")


@pytest.mark.parametrize("text, words", [
    ("[identity]\ntimezone = 'Nowhere/Land'\n", "identity.timezone: unknown timezone"),
    ("[identity\n", "not valid TOML"),
    ("[accounts.work]\nimap_host = 'x.example'\nusername = 'u'\n", "accounts.work.password_command"),
])
def test_config_errors_are_one_line_with_exit_2(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    result = run("--config", str(path), "sync")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and words in result.stderr


def test_missing_config_points_to_init(tmp_path: Path) -> None:
    result = run("--config", str(tmp_path / "nope.toml"), "sync")
    assert result.exit_code == 2 and "mailflow init" in result.stderr


def test_sync_without_accounts_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'database = "{tmp_path / "mf.db"}"\n[identity]\naddresses = ["a@example.com"]\n')
    result = run("--config", str(path), "sync")
    assert result.exit_code == 2 and "no accounts configured" in result.stderr


def test_done_overdue_and_digest_commands(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'database = "{tmp_path / "mf.db"}"\n[identity]\nname = "Maya Lindqvist"\n'
                    'addresses = ["maya@lindqvist.studio"]\ntimezone = "Europe/Berlin"\n')
    assert run("--config", str(path), "import", str(sample_path())).exit_code == 0
    now = ["--now", "2026-11-20T09:00:00+01:00"]
    overdue = run("--config", str(path), "items", "--overdue", "--theirs", *now)
    assert "OVERDUE" in overdue.output and "brand guidelines" in overdue.output
    item_id = json.loads(run("--config", str(path), "items", "--overdue", "--theirs", "--json", *now).output)[0]["id"]
    assert run("--config", str(path), "done", str(item_id)).output.startswith(f"#{item_id} done:")
    after = run("--config", str(path), "items", "--overdue", "--theirs", *now).output
    assert f"#{item_id} " not in after
    digest = run("--config", str(path), "digest", *now)
    assert digest.exit_code == 0 and digest.output.startswith("Subject: Daily digest, Fri 20 Nov")
    assert "OVERDUE: YOU OWE" in digest.output


def test_check_reports_a_broken_template_override(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "agenda.txt").write_text("Subject: Agenda\n\n{% for x in %}\n")
    path = tmp_path / "config.toml"
    path.write_text(f'database = "{tmp_path / "mf.db"}"\n[identity]\naddresses = ["maya@lindqvist.studio"]\n'
                    f'[rules]\ntemplates = "{overrides}"\n')
    result = run("--config", str(path), "check")
    assert result.exit_code == 3
    line = next(line for line in result.output.splitlines() if "templates" in line)
    assert line.startswith("FAIL") and "agenda.txt" in line
