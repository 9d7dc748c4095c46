"""The CLI through click's CliRunner: output, JSON contracts, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow import db as store
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


# --- items filters, done/dismiss/snooze, plan and act --dry-run on the sample mailbox --------------------------

SAMPLE_NOW = "2026-11-20T09:00:00+01:00"  # DEMO_NOW: the morning after the sample's last message
SAMPLE_CLOCK = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
MAYA_OWES = {"Of course, I'll get the invoice over to you tomorrow.",
             "I'll send you first sketches for all three covers by next Thursday."}
BRAND_GUIDELINES = "I'll send over the brand guidelines and logo files by Monday."
BUDGET = "We'll confirm the budget by end of next week."


class Clock:
    """mailflow's wall clock (mailflow.db.utcnow), set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, now: datetime):
        self.now = now
        monkeypatch.setattr(store, "utcnow", lambda: self.now)


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The sample mailbox imported through the CLI at DEMO_NOW, with a config that may act on it."""
    clock = Clock(monkeypatch, SAMPLE_CLOCK)
    path = tmp_path / "config.toml"
    path.write_text(f'database = "{tmp_path / "mf.db"}"\n[identity]\nname = "Maya Lindqvist"\n'
                    'addresses = ["maya@lindqvist.studio"]\ntimezone = "Europe/Berlin"\n'
                    '[accounts.studio]\nimap_host = "127.0.0.1"\nimap_port = 9\nimap_security = "none"\n'
                    'username = "maya"\npassword_env = "MF_NO_SUCH_PASSWORD"\nsmtp_host = "127.0.0.1"\n'
                    'smtp_port = 9\nsmtp_security = "none"\n'
                    '[rules]\nlookback_days = 60\n')

    def mf(*args: str):
        return run("--config", str(path), *args)

    assert mf("import", str(sample_path()), "--account", "studio").exit_code == 0
    mf.clock = clock  # type: ignore[attr-defined]
    mf.db = tmp_path / "mf.db"  # type: ignore[attr-defined]
    return mf


def _rows(result) -> list[dict]:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.output)


def _item(mf, sentence: str) -> dict:
    [row] = [r for r in _rows(mf("items", "--all", "--json")) if r["sentence"] == sentence]
    return row


def test_items_mine_theirs_overdue_and_contact_filters(sample) -> None:
    everything = _rows(sample("items", "--json", "--now", SAMPLE_NOW))
    ids = [r["id"] for r in everything]
    # 12: the invitation's "When:" line is the meeting its calendar part already holds
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids) == 12
    assert all(r["status"] == "open" for r in everything)

    mine = _rows(sample("items", "--mine", "--json", "--now", SAMPLE_NOW))
    assert {r["sentence"] for r in mine} == MAYA_OWES
    assert {r["id"] for r in mine} == {r["id"] for r in everything if r["debtor"] == "me"}
    theirs = _rows(sample("items", "--theirs", "--json", "--now", SAMPLE_NOW))
    assert {r["id"] for r in theirs} == {r["id"] for r in everything if r["debtor"] == "them"}
    assert len(theirs) == 5 and BRAND_GUIDELINES in {r["sentence"] for r in theirs}
    assert not {r["id"] for r in mine} & {r["id"] for r in theirs}

    text = sample("items", "--mine", "--now", SAMPLE_NOW).output
    assert text.count("you owe") == 2 and "they owe" not in text and "both owe" not in text

    overdue = _rows(sample("items", "--overdue", "--json", "--now", SAMPLE_NOW))
    assert {r["sentence"] for r in overdue} == MAYA_OWES | {BRAND_GUIDELINES, BUDGET}
    assert all(r["overdue"] and r["due_utc"] < "2026-11-20T08:00:00Z" for r in overdue)
    # Earlier, only Priya's Monday promise (due Mon 9 Nov) had passed; a meeting is never overdue.
    earlier = _rows(sample("items", "--overdue", "--json", "--now", "2026-11-10T09:00:00+01:00"))
    assert [r["sentence"] for r in earlier] == [BRAND_GUIDELINES]
    mine_overdue = _rows(sample("items", "--overdue", "--mine", "--json", "--now", "2026-11-19T12:00:00+01:00"))
    assert [r["sentence"] for r in mine_overdue] == ["Of course, I'll get the invoice over to you tomorrow."]

    tom = _rows(sample("items", "--contact", "TOM@studio-orbit.example", "--json", "--now", SAMPLE_NOW))
    # Maya's "or to jump on a call if that's easier" offers a call; it proposes no meeting.
    assert [(r["kind"], r["debtor"]) for r in tom] == [("request", "them")]
    assert {r["contact"] for r in tom} == {"tom@studio-orbit.example"}
    tom_theirs = _rows(sample("items", "--contact", "tom@studio-orbit.example", "--theirs", "--json"))
    assert [r["sentence"] for r in tom_theirs] == ["Let me know what you think!"]
    assert _rows(sample("items", "--contact", "nobody@example.com", "--json")) == []
    assert sample("items", "--contact", "nobody@example.com").output == "no items\n"


def test_bad_now_for_items_is_a_usage_error(sample) -> None:
    naive = sample("items", "--now", "2026-11-20T09:00:00")
    assert naive.exit_code == 2 and naive.stderr.count("\n") == 1 and "needs a UTC offset" in naive.stderr
    junk = sample("items", "--overdue", "--now", "friday-ish")
    assert junk.exit_code == 2 and junk.stderr == ("mailflow: error: --now 'friday-ish' is not an ISO 8601 "
                                                   "date and time\n")


def test_dismiss_and_done_change_the_status_and_leave_the_open_list(sample) -> None:
    brand = _item(sample, BRAND_GUIDELINES)
    invoice = _item(sample, "Of course, I'll get the invoice over to you tomorrow.")
    dismissed = sample("dismiss", str(brand["id"]))
    assert dismissed.exit_code == 0
    assert dismissed.output == f"#{brand['id']} cancelled: {BRAND_GUIDELINES}\n"
    closed = sample("done", str(invoice["id"]))
    assert closed.exit_code == 0
    assert closed.output == f"#{invoice['id']} done: Of course, I'll get the invoice over to you tomorrow.\n"

    open_ids = {r["id"] for r in _rows(sample("items", "--json", "--now", SAMPLE_NOW))}
    assert brand["id"] not in open_ids and invoice["id"] not in open_ids and len(open_ids) == 10
    assert BRAND_GUIDELINES not in sample("items", "--theirs", "--overdue", "--now", SAMPLE_NOW).output
    assert [r["sentence"] for r in _rows(sample("items", "--mine", "--json"))] == [
        "I'll send you first sketches for all three covers by next Thursday."]
    after = {r["id"]: r for r in _rows(sample("items", "--all", "--json"))}
    assert (after[brand["id"]]["status"], after[brand["id"]]["status_reason"]) == ("cancelled", "dismissed by you")
    assert (after[invoice["id"]]["status"], after[invoice["id"]]["status_reason"]) == ("done", "marked done by you")
    assert after[brand["id"]]["set_by_user"] == after[invoice["id"]]["set_by_user"] == 1
    assert after[brand["id"]]["status_at"] == "2026-11-20T08:00:00Z"
    # What the user set by hand survives a re-detection (an item found again keeps its status).
    redetected = sample("redetect")
    assert redetected.exit_code == 0 and redetected.output.startswith("37 messages: 0 items added")
    again = {r["id"]: r for r in _rows(sample("items", "--all", "--json"))}
    assert again[brand["id"]]["status"] == "cancelled" and again[invoice["id"]]["status"] == "done"


@pytest.mark.parametrize("command", [("done",), ("dismiss",), ("snooze", "monday"), ("snooze", "2026-12-01")])
def test_an_unknown_item_is_a_one_line_usage_error(sample, command: tuple[str, ...]) -> None:
    before = _rows(sample("items", "--all", "--json"))
    result = sample(command[0], "9999", *command[1:])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "mailflow: error: there is no item #9999; `mailflow items --all` lists them\n"
    assert _rows(sample("items", "--all", "--json")) == before
    not_a_number = sample(command[0], "twelve", *command[1:])
    assert not_a_number.exit_code == 2 and "is not a valid integer" in not_a_number.stderr


@pytest.mark.parametrize("until, until_utc", [
    ("2026-12-01", "2026-11-30T23:00:00Z"),  # a bare date is midnight in the user's timezone
    ("2026-11-23T09:00:00+01:00", "2026-11-23T08:00:00Z"),
    ("in 3 days", "2026-11-23T08:00:00Z"),
    ("next monday", "2026-11-23T08:00:00Z"),
    ("tomorrow 14:00", "2026-11-21T13:00:00Z"),
])
def test_snooze_hides_an_item_until_then(sample, until: str, until_utc: str) -> None:
    brand = _item(sample, BRAND_GUIDELINES)
    result = sample("snooze", str(brand["id"]), until)
    assert result.exit_code == 0, result.stderr
    assert result.output == f"#{brand['id']} snoozed until {until_utc}: {BRAND_GUIDELINES}\n"
    row = _item(sample, BRAND_GUIDELINES)
    assert (row["status"], row["snoozed_until"], row["status_reason"]) == ("snoozed", until_utc, "snoozed by you")
    assert brand["id"] not in {r["id"] for r in _rows(sample("items", "--theirs", "--json"))}
    assert BRAND_GUIDELINES not in sample("items", "--overdue", "--now", SAMPLE_NOW).output

    wake = datetime.fromisoformat(until_utc.replace("Z", "+00:00"))
    sample.clock.now = wake - timedelta(minutes=1)
    assert brand["id"] not in {r["id"] for r in _rows(sample("items", "--json"))}
    sample.clock.now = wake
    [woken] = [r for r in _rows(sample("items", "--theirs", "--json")) if r["id"] == brand["id"]]
    assert (woken["status"], woken["snoozed_until"], woken["overdue"]) == ("open", None, True)


@pytest.mark.parametrize("until, words", [
    ("banana", "cannot read 'banana' as a date; try 2026-12-01, monday or \"in 3 days\""),
    ("in 3 bananas", "cannot read 'in 3 bananas' as a date"),
    ("", "cannot read '' as a date"),
    ("yesterday", "'yesterday' is not in the future"),
    ("2026-11-01", "'2026-11-01' is not in the future"),
])
def test_snooze_with_an_unreadable_or_past_date_is_a_one_line_error(sample, until: str, words: str) -> None:
    brand = _item(sample, BRAND_GUIDELINES)
    result = sample("snooze", str(brand["id"]), until)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("mailflow: error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert _item(sample, BRAND_GUIDELINES)["status"] == "open"


class _NoNetwork:
    """Stands in for the SMTP and IMAP clients: any use is recorded, and fails."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        import mailflow.outbox as outbox_module
        import mailflow.smtp as smtp_module

        self.calls: list[str] = []
        monkeypatch.setattr(smtp_module, "connect", self._refuse("smtp"))
        monkeypatch.setattr(outbox_module, "ImapSession", self._refuse("imap"))

    def _refuse(self, what: str):
        def refuse(*args, **kwargs):
            self.calls.append(what)
            raise AssertionError(f"{what} used during a dry run")
        return refuse


PLAN_LINES = [
    "follow_up        to a.holm@nordhafen-verlag.example          HELD: a.holm@nordhafen-verlag.example is out "
    "of office until Mon 30 Nov",
    "    why: their promise is overdue (13 working days since Mon 02 Nov)",
    f"    > {BUDGET}",
    "follow_up        to tom@studio-orbit.example                 will draft",
    "    why: your request is unanswered (9 working days since Fri 06 Nov)",
    "    > Let me know what you think!",
]


def test_plan_lists_rule_recipient_reason_and_quote(sample) -> None:
    result = sample("plan", "--now", SAMPLE_NOW)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert lines[:6] == PLAN_LINES
    assert lines[6].startswith("digest           to maya@lindqvist.studio ") and lines[6].endswith("will send")
    assert lines[7].startswith("    why: daily digest at 08:00")
    assert len(lines) == 8

    planned = _rows(sample("plan", "--now", SAMPLE_NOW, "--json"))
    assert [(p["rule"], p["to"], p["mode"]) for p in planned] == [
        ("follow_up", ["a.holm@nordhafen-verlag.example"], "draft"),
        ("follow_up", ["tom@studio-orbit.example"], "draft"),
        ("digest", ["maya@lindqvist.studio"], "send")]
    assert [p["quote"] for p in planned] == [BUDGET, "Let me know what you think!", None]
    assert planned[0]["held"] == "a.holm@nordhafen-verlag.example is out of office until Mon 30 Nov"
    assert planned[1]["held"] is None and planned[1]["reason"].startswith("your request is unanswered")
    assert all(p["key"] for p in planned) and planned[1]["subject"].startswith("Re: ")

    # A moment before Tom's request had waited three working days: no follow-up to him yet.
    early = sample("plan", "--now", "2026-11-10T09:00:00+01:00").output
    assert "tom@studio-orbit.example" not in early


def test_act_dry_run_prints_the_plan_and_writes_and_sends_nothing(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    network = _NoNetwork(monkeypatch)
    plan_out = sample("plan", "--now", SAMPLE_NOW).output
    dry = sample("act", "--now", SAMPLE_NOW, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.output == plan_out and dry.output.splitlines()[:6] == PLAN_LINES
    assert _rows(sample("act", "--now", SAMPLE_NOW, "--dry-run", "--json")) == \
        _rows(sample("plan", "--now", SAMPLE_NOW, "--json"))
    assert network.calls == []
    assert sample("outbox").output == "the outbox is empty\n"
    assert _rows(sample("outbox", "--json")) == []
    db = store.open_db(sample.db)
    try:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    finally:
        db.close()
    # Nothing was spent: the same emails are still planned, under the same keys.
    assert sample("plan", "--now", SAMPLE_NOW).output == plan_out


@pytest.mark.parametrize("command", [("snooze", "2026-12-10"), ("dismiss",)])
def test_snoozing_or_dismissing_the_item_holds_its_follow_up(sample, command) -> None:
    request = _item(sample, "Let me know what you think!")
    assert "tom@studio-orbit.example" in sample("plan", "--now", SAMPLE_NOW).output
    assert sample(command[0], str(request["id"]), *command[1:]).exit_code == 0
    planned = _rows(sample("plan", "--now", SAMPLE_NOW, "--json"))
    assert [p for p in planned if p["to"] == ["tom@studio-orbit.example"]] == []
