"""The `mailflow` command: a thin layer that parses options, calls one library
function, and turns `MailflowError` into a one-line message and an exit code."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from . import __version__
from . import db as store
from .config import (PRESETS, Config, load_config, local_timezone, resolve_config_path,
                     starter_config, write_config)
from .errors import ConfigError, MailflowError, UsageError
from .ledger import format_duration

log = logging.getLogger("mailflow")

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug, not a user mistake


class State:
    """Options of the top-level command, with the config loaded on first use."""

    def __init__(self, config_option: str | None, db_option: str | None):
        self.config_option = config_option
        self.db_option = db_option
        self._config: Config | None = None

    @property
    def config_path(self) -> Path:
        return resolve_config_path(self.config_option)

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, self.db_option)
        return self._config

    def open_db(self):
        return store.open_db(self.config().database)


class MailflowGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MailflowError as exc:
            click.echo(f"mailflow: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("mailflow: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`mailflow items | head`): not an error worth a word.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
            log.debug("internal error", exc_info=True)
            click.echo(f"mailflow: internal error (please report it): {exc.__class__.__name__}: {exc}; "
                       "run with -vv for the traceback", err=True)
            ctx.exit(EXIT_INTERNAL)


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mailflow: %(levelname)s: %(message)s"))
    root = logging.getLogger("mailflow")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@click.group(cls=MailflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="FILE",
              help="Config file [default: $MAILFLOW_CONFIG or ~/.config/mailflow/config.toml].")
@click.option("--db", "db_option", metavar="FILE", help="Database file [default: from the config].")
@click.option("-v", "--verbose", count=True, help="Log more (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Log only errors.")
@click.version_option(__version__, prog_name="mailflow")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, db_option: str | None, verbose: int, quiet: bool) -> None:
    """mailflow keeps the small promises of client email.

    It reads your mailbox over IMAP, finds who promised what and by when, and
    sends the follow-ups, agendas and digests that keep work moving.
    """
    _setup_logging(verbose, quiet)
    ctx.obj = State(config_option, db_option)


def _emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _progress_reporter() -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    bars: dict[str, Any] = {}

    def report(label: str, done: int, total: int) -> None:
        bar = bars.get(label)
        if bar is None:
            if total == 0:
                return
            for other in bars.values():
                other.render_finish()
            bar = bars[label] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.render_progress()
        bar.update(done - bar.pos)

    def finish() -> None:
        for bar in bars.values():
            bar.render_finish()

    return report, finish


# --- init, check --------------------------------------------------------------

@cli.command()
@click.option("--provider", type=click.Choice([*PRESETS, "generic"]), help="Fill in hosts, ports and security.")
@click.option("--name", help="Your name, as it signs your emails.")
@click.option("--email", help="Your email address (also the IMAP login).")
@click.option("--timezone", help="Your IANA timezone, e.g. Europe/Berlin.")
@click.option("--imap-host", help="IMAP server (generic provider).")
@click.option("--smtp-host", help="SMTP server (generic provider).")
@click.option("--password-command", help="Command that prints the password (or OAuth2 token).")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(state: State, provider: str | None, name: str | None, email: str | None, timezone: str | None,
         imap_host: str | None, smtp_host: str | None, password_command: str | None, force: bool) -> None:
    """Write a starting config file, asking for what the flags did not give.

    Example: mailflow init --provider fastmail --name "Maya Lindqvist" --email maya@example.com
    """
    interactive = sys.stdin.isatty()

    def ask(value: str | None, prompt: str, default: str | None = None, **kwargs: Any) -> str:
        if value:
            return value
        if interactive:
            return click.prompt(prompt, default=default, **kwargs)
        if default is not None:
            return default
        raise ConfigError(f"--{prompt.lower().replace(' ', '-')} is required when not asking interactively")

    provider = ask(provider, "Provider", "generic", type=click.Choice([*PRESETS, "generic"]))
    email = ask(email, "Email")
    name = ask(name, "Name", email.split("@")[0])
    timezone = ask(timezone, "Timezone", local_timezone())
    if provider == "generic":
        imap_host = ask(imap_host, "IMAP host")
    text = starter_config(name=name, email=email, timezone=timezone, provider=provider, imap_host=imap_host,
                          smtp_host=smtp_host, password_command=password_command)
    path = write_config(state.config_path, text, force=force)
    click.echo(f"Wrote {path}. Check the password_command in it, then run: mailflow check")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def check(state: State, as_json: bool) -> None:
    """Verify the config, the IMAP login, the folders found and the SMTP login.

    Example: mailflow check
    """
    from .service import check as run_checks

    results = run_checks(state.config())
    if as_json:
        _emit_json([asdict(r) for r in results])
    else:
        for r in results:
            mark = "ok  " if r.ok else "FAIL"
            click.echo(f"{mark} {r.account:<12} {r.what:<14} {r.detail}")
    if not all(r.ok for r in results):
        sys.exit(3)


# --- sync, import, status -----------------------------------------------------

def _finish_sync(report: Any, as_json: bool) -> None:
    if as_json:
        _emit_json({"new": report.new, "seconds": round(report.seconds, 3),
                    "folders": [asdict(f) for f in report.folders], "errors": report.errors})
    else:
        for error in report.errors:
            click.echo(f"mailflow: error: {error}", err=True)
        click.echo(report.summary())
    if not report.ok:
        sys.exit(3)


@cli.command()
@click.option("--account", help="Sync only this account.")
@click.option("--full", is_flag=True, help="Rescan every message, not only new ones (nothing is stored twice).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def sync(state: State, account: str | None, full: bool, as_json: bool) -> None:
    """Fetch new mail from every account into the database.

    Example: mailflow sync --account work
    """
    from .sync import sync as run_sync

    config = state.config()
    db = store.open_db(config.database)
    report_progress, finish = _progress_reporter()
    try:
        report = run_sync(db, config, account=account, full=full, progress=report_progress)
    finally:
        finish()
        db.close()
    _finish_sync(report, as_json)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--account", default="local", show_default=True, help="Account name to file the messages under.")
@click.option("--me", "addresses", multiple=True, metavar="ADDRESS",
              help="Your address (repeatable); needed when there is no config file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_(state: State, path: Path, account: str, addresses: tuple[str, ...], as_json: bool) -> None:
    """Read a Maildir, an mbox file or a folder of .eml files.

    Example: mailflow import ~/Mail/work --account work
    """
    from .local import count_messages
    from .sync import import_path

    if addresses and not state.config_path.exists():
        config = Config.minimal(addresses, state.db_option)
    else:
        config = state.config().with_addresses(addresses)
    db = store.open_db(config.database)
    report_progress, finish = _progress_reporter()
    try:
        total = count_messages(path) if report_progress else None
        report = import_path(db, config, path, account=account, progress=report_progress, total=total)
    finally:
        finish()
        db.close()
    _finish_sync(report, as_json)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
def status(state: State, as_json: bool) -> None:
    """Show each account's last sync, its folders and its counts.

    Example: mailflow status
    """
    config = state.config()
    db = store.open_db(config.database)
    try:
        accounts = store.account_rows(db)
        folders = store.folder_rows(db)
    finally:
        db.close()
    if as_json:
        _emit_json({"database": str(config.database), "accounts": accounts, "folders": folders})
        return
    click.echo(f"database: {config.database}")
    if not accounts:
        click.echo("no account synced yet; run: mailflow sync")
    for account in accounts:
        click.echo(f"{account['name']}: {account['messages']:,} messages in {account['threads']:,} threads, "
                   f"last sync {account['last_sync_at'] or 'never'}"
                   + (f", {account['errors']} with parse errors" if account["errors"] else "")
                   + (f"\n  last error: {account['last_error']}" if account["last_error"] else ""))
        for folder in (f for f in folders if f["account"] == account["name"]):
            role = f" [{folder['role']}]" if folder["role"] else ""
            error = f"  error: {folder['last_error']}" if folder["last_error"] else ""
            click.echo(f"  {folder['name']}{role}: {folder['messages']:,} messages, "
                       f"synced {folder['synced_at'] or 'never'}{error}")


# --- detect, redetect, items -----------------------------------------------------

def _own_addresses(state: State) -> frozenset[str]:
    # detect works without a config; with one, it knows which mail is the user's.
    return state.config().own_addresses if state.config_path.exists() else frozenset()


def _describe_item(item: Any) -> str:
    due = f"due {item.due:%a %d %b %Y %H:%M %z}" if item.due else "no due date"
    words = f' ("{item.due_text}")' if item.due_text else ""
    status = f" [{item.status}]" if item.status else ""
    return f"{item.kind:<8} owed by {item.owner:<9} {due}{words}{status}\n    {item.sentence}"


@cli.command()
@click.argument("source", required=False, default="-", metavar="[FILE|-]")
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.option("--text", "plain_text", is_flag=True, help="SOURCE is plain text, not an email message.")
@click.option("--sent-at", metavar="ISO", help="With --text: when the text was sent, e.g. 2026-11-18T10:00:00+01:00.")
@click.option("--direction", type=click.Choice(["outgoing", "incoming"]), default="outgoing", show_default=True,
              help="With --text: whether the user sent the text.")
@click.option("--jsonl", is_flag=True, help="Read JSON lines on stdin, write one result line per input line.")
@click.pass_obj
def detect(state: State, source: str, as_json: bool, plain_text: bool, sent_at: str | None, direction: str,
           jsonl: bool) -> None:
    """Show the promises, requests and meetings in one message.

    \b
    Examples:
      mailflow detect message.eml
      echo "I'll send the quote by Friday." | mailflow detect --text --sent-at 2026-11-18T10:00:00+01:00 -
      mailflow detect --jsonl < lines.jsonl > items.jsonl
    """
    from .detect import Detection, detect_body, detect_jsonl, item_to_json
    from .ledger import detect_raw

    if jsonl:
        for line in detect_jsonl(click.open_file("-", "r", encoding="utf-8", errors="replace")):
            click.echo(line)
        return
    stream = click.open_file(source, "rb")
    try:
        data = stream.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror}") from exc
    if plain_text:
        if not sent_at:
            raise ConfigError("--text needs --sent-at, the moment the text was sent (ISO 8601 with offset)")
        try:
            moment = datetime.fromisoformat(sent_at)
        except ValueError as exc:
            raise ConfigError(f"--sent-at {sent_at!r} is not an ISO 8601 date and time") from exc
        if moment.tzinfo is None:
            raise ConfigError(f"--sent-at {sent_at!r} needs a UTC offset, e.g. +01:00")
        detection: Detection = detect_body(data.decode("utf-8", "replace"), moment, direction)
    else:
        _msg, detection = detect_raw(data, _own_addresses(state))
    if as_json:
        _emit_json({"items": [item_to_json(i, with_status=True) for i in detection.items],
                    "completions": [asdict(c) for c in detection.completions]})
        return
    if not detection.items and not detection.completions:
        click.echo("nothing found")
    for item in detection.items:
        click.echo(_describe_item(item))
    for completion in detection.completions:
        click.echo(f"done     (evidence of delivered work)\n    {completion.sentence}")


@cli.command()
@click.pass_obj
def redetect(state: State) -> None:
    """Re-run the current detector over all stored mail.

    Items you closed, dismissed or snoozed by hand keep that state.
    Example: mailflow redetect
    """
    from .ledger import redetect as run_redetect

    db = state.open_db()
    try:
        counts = run_redetect(db, state.config().own_addresses)
    finally:
        db.close()
    click.echo(f"{counts['messages']:,} messages: {counts['added']} items added, {counts['updated']} updated, "
               f"{counts['removed']} removed, {counts['kept']} kept because you set them by hand")


def _now_option(value: str | None) -> datetime:
    if value is None:
        return store.utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"--now {value!r} is not an ISO 8601 date and time") from exc
    if moment.tzinfo is None:
        raise UsageError(f"--now {value!r} needs a UTC offset, e.g. +01:00")
    return moment


@cli.command()
@click.option("--mine", "side", flag_value="me", help="Only what you owe.")
@click.option("--theirs", "side", flag_value="them", help="Only what your contacts owe you.")
@click.option("--overdue", is_flag=True, help="Only items past their due time.")
@click.option("--contact", metavar="ADDRESS", help="Only items with this contact.")
@click.option("--all", "show_all", is_flag=True, help="Include closed items, not only open ones.")
@click.option("--now", "now_option", metavar="ISO", help="Judge what is overdue at this moment instead of now.")
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.pass_obj
def items(state: State, side: str | None, overdue: bool, contact: str | None, show_all: bool,
          now_option: str | None, as_json: bool) -> None:
    """List the promises, requests and meetings found in your mail.

    Example: mailflow items --theirs --overdue
    """
    from .ledger import open_items

    now = _now_option(now_option)
    db = state.open_db()
    try:
        rows = open_items(db, now, debtor=side, contact=contact, overdue=overdue, include_closed=show_all)
    finally:
        db.close()
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        click.echo("no items")
    for row in rows:
        who = {"me": "you owe", "them": "they owe", "both": "both owe"}[row["debtor"]]
        due = row["due"][:16].replace("T", " ") if row["due"] else "no due date"
        flag = "  OVERDUE" if row["overdue"] else ""
        status = f"  [{row['status']}: {row['status_reason']}]" if row["status"] != "open" else ""
        click.echo(f"#{row['id']:<5} {row['kind']:<8} {who:<9} {row['contact'] or '':<32} {due}{flag}{status}"
                   f"\n       {row['sentence']}  ({row['subject']})")


def _mark(state: State, item_id: int, action: str, until: str | None = None) -> None:
    from .ledger import mark

    db = state.open_db()
    try:
        row = mark(db, item_id, action, store.utcnow(), until=until, identity=state.config().identity)
    finally:
        db.close()
    until_text = f" until {row['snoozed_until']}" if row["snoozed_until"] else ""
    click.echo(f"#{item_id} {row['status']}{until_text}: {row['sentence']}")


@cli.command()
@click.argument("item_id", type=int, metavar="ID")
@click.pass_obj
def done(state: State, item_id: int) -> None:
    """Mark an item done (kept, answered, delivered). Example: mailflow done 12"""
    _mark(state, item_id, "done")


@cli.command()
@click.argument("item_id", type=int, metavar="ID")
@click.pass_obj
def dismiss(state: State, item_id: int) -> None:
    """Dismiss an item: a misread, or nothing to follow up. Example: mailflow dismiss 12"""
    _mark(state, item_id, "dismiss")


@cli.command()
@click.argument("item_id", type=int, metavar="ID")
@click.argument("until", metavar="UNTIL")
@click.pass_obj
def snooze(state: State, item_id: int, until: str) -> None:
    """Hide an item, and hold its follow-ups, until a date.

    UNTIL is ISO 8601 or words: monday, "next week", "in 3 days".
    Example: mailflow snooze 12 "next week"
    """
    _mark(state, item_id, "snooze", until)


@cli.command()
@click.option("--contact", metavar="ADDRESS", help="Only this contact.")
@click.option("--now", "now_option", metavar="ISO", help="Judge overdue items and silence as of this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
def stats(state: State, contact: str | None, now_option: str | None, as_json: bool) -> None:
    """Reply times both ways, promises kept on time, what is overdue, and red flags, per contact.

    Example: mailflow stats --contact jonas@brightline.example
    """
    from .ledger import settle
    from .stats import contact_stats, stats_to_json

    config = state.config()
    now = _now_option(now_option)
    db = state.open_db()
    try:
        settle(db, min(now, store.utcnow()))
        rows = contact_stats(db, config.identity, now, contact=contact)
    finally:
        db.close()
    if as_json:
        _emit_json([stats_to_json(r) for r in rows])
        return
    if not rows:
        click.echo("no contacts yet")

    def hours(value: float | None) -> str:
        return format_duration(value * 3600 if value is not None else None)

    def replies(count: int) -> str:
        return f"{count} repl{'y' if count == 1 else 'ies'}"

    for r in rows:
        click.echo(f"{r.contact}")
        click.echo(f"  they answer in  {hours(r.theirs.median_hours):>9} median, {hours(r.theirs.p90_hours):>9} p90"
                   f"  ({hours(r.theirs.median_work_hours)} in working hours; {replies(r.theirs.count)})")
        click.echo(f"  you answer in   {hours(r.mine.median_hours):>9} median, {hours(r.mine.p90_hours):>9} p90"
                   f"  ({hours(r.mine.median_work_hours)} in working hours; {replies(r.mine.count)})")
        click.echo(f"  promises kept on time: theirs {r.their_promises_kept}/{r.their_promises_due}, "
                   f"yours {r.my_promises_kept}/{r.my_promises_due}; overdue now: theirs {r.overdue_theirs}, "
                   f"yours {r.overdue_mine}")
        for flag in r.red_flags:
            click.echo(f"  ! {flag}")


# --- plan, act, outbox, digest, pause ---------------------------------------------

def _show_planned(planned: list, as_json: bool) -> None:
    if as_json:
        _emit_json([{"key": p.key, "rule": p.rule, "mode": p.mode, "to": [a.email for a in p.to],
                     "subject": p.subject, "reason": p.reason, "quote": p.quote, "held": p.held} for p in planned])
        return
    if not planned:
        click.echo("nothing to send")
    for p in planned:
        verb = {"send": "send", "draft": "draft"}[p.mode]
        state = f"HELD: {p.held}" if p.held else f"will {verb}"
        click.echo(f"{p.rule:<16} to {', '.join(a.email for a in p.to):<40} {state}\n"
                   f"    why: {p.reason}" + (f'\n    > {p.quote}' if p.quote else ""))


@cli.command("plan")
@click.option("--now", "now_option", metavar="ISO", help="Plan as of this moment (to preview, or to test).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_obj
def plan_command(state: State, now_option: str | None, as_json: bool) -> None:
    """List every email the rules would send now, to whom, and why.

    Nothing is sent and nothing is written. Example: mailflow plan --now 2026-11-24T13:00:00+01:00
    """
    from .outbox import plan

    db = state.open_db()
    try:
        planned = plan(db, state.config(), _now_option(now_option))
    finally:
        db.close()
    _show_planned(planned, as_json)


@cli.command()
@click.option("--now", "now_option", metavar="ISO", help="Act as of this moment (for tests and previews).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent, and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def act(state: State, now_option: str | None, dry_run: bool, as_json: bool) -> None:
    """Carry out the plan: send, or leave drafts, exactly once.

    Example: mailflow act --dry-run
    """
    from .outbox import act as run_act
    from .sync import sync as run_sync

    from .service import Lock

    config = state.config()
    now = _now_option(now_option)
    with Lock(config.database):  # never beside `mailflow run` or another act: one sender per database
        db = state.open_db()
        try:
            report = run_act(db, config, now, dry_run=dry_run,
                             resync=lambda name: run_sync(db, config, account=name, now=now))
        finally:
            db.close()
    if dry_run:
        _show_planned(list(report.planned), as_json)
        return
    if as_json:
        _emit_json({"planned": len(report.planned), "outbox": [_outbox_json(r) for r in report.outcomes]})
        return
    for row in report.outcomes:
        click.echo(_outbox_line(row))
    held = sum(1 for p in report.planned if p.held)
    counts = report.counts()
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + (", " if counts else "")
               + f"{held} held" if counts or held else "nothing to send")
    if counts.get("failed"):
        sys.exit(3)


def _outbox_json(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "raw"}


def _outbox_line(row: dict) -> str:
    reason = f" ({row['status_reason']})" if row["status_reason"] else ""
    return (f"#{row['id']:<4} {row['status']:<8} {row['rule']:<16} {row['mode']:<5} "
            f"to {', '.join(row['recipients'])}: {row['subject']}{reason}\n      why: {row['reason']}")


@cli.command()
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "drafted", "dropped", "failed"]),
              help="Only entries with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@click.pass_obj
def outbox(state: State, status: str | None, as_json: bool) -> None:
    """List automated emails: pending, sent, drafted, dropped and failed, each with its reason.

    Example: mailflow outbox --status failed
    """
    db = state.open_db()
    try:
        rows = store.outbox_entries(db, status)
    finally:
        db.close()
    if as_json:
        _emit_json([_outbox_json(r) for r in rows])
        return
    if not rows:
        click.echo("the outbox is empty")
    for row in rows:
        click.echo(_outbox_line(row))


@cli.command()
@click.option("--send", "send_it", is_flag=True, help="Email it to yourself instead of printing it.")
@click.option("--now", "now_option", metavar="ISO", help="The digest as of this moment.")
@click.pass_obj
def digest(state: State, send_it: bool, now_option: str | None) -> None:
    """Print today's digest, or send it to yourself (once a day).

    Example: mailflow digest
    """
    from .outbox import render_digest, send_digest
    from .service import Lock

    config = state.config()
    now = _now_option(now_option)
    db = state.open_db()
    try:
        if send_it:
            with Lock(config.database):
                row = send_digest(db, config, now)
            click.echo(_outbox_line(row))
            if row["status"] == "failed":
                sys.exit(3)
            return
        rendered = render_digest(db, config, now)
    finally:
        db.close()
    click.echo(f"Subject: {rendered.subject}\n\n{rendered.text}")


@cli.command()
@click.pass_obj
def pause(state: State) -> None:
    """Stop all automated sending at once, until `mailflow resume`. Example: mailflow pause"""
    from .outbox import pause as run_pause

    db = state.open_db()
    try:
        run_pause(db, store.utcnow())
    finally:
        db.close()
    click.echo("paused: no automated email will be sent or drafted until `mailflow resume`")


@cli.command()
@click.pass_obj
def resume(state: State) -> None:
    """Allow automated sending again. Example: mailflow resume"""
    from .outbox import resume as run_resume

    db = state.open_db()
    try:
        run_resume(db)
    finally:
        db.close()
    click.echo("resumed")


@cli.command()
@click.pass_obj
def run(state: State) -> None:
    """Run as a service: sync, act and send the digest on schedule, until SIGTERM.

    One instance per database (a lock file beside it). Logs go to stderr.
    Example: mailflow run
    """
    import signal
    import threading

    from .service import run as run_service

    config = state.config()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if logging.getLogger("mailflow").level > logging.INFO:
        logging.getLogger("mailflow").setLevel(logging.INFO)  # a service reports what it does
    run_service(config, stop)


# --- demo ---------------------------------------------------------------------

@cli.command()
@click.option("--keep", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the demo database here instead of a temporary file (e.g. to open in Datasette).")
def demo(keep: Path | None) -> None:
    """Load the bundled sample mailbox offline and show what mailflow finds.

    Needs no config and no network. Example: mailflow demo
    """
    from .demo import render, run_demo

    if keep:
        if keep.exists():
            raise ConfigError("already exists; choose a new file", path=str(keep))
        click.echo(render(run_demo(keep)))
        click.echo(f"\nDatabase kept at {keep}")
        return
    with tempfile.TemporaryDirectory(prefix="mailflow-demo-") as tmp:
        click.echo(render(run_demo(Path(tmp) / "demo.db")))


def main() -> None:
    cli(prog_name="mailflow")
