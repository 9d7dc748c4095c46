"""`mailflow demo`: the bundled sample mailbox, read offline into a throwaway database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo


from . import db as store
from .config import Config, Identity
from .compose import Rendered
from .ledger import ResponseTimes, format_duration, open_items, response_times
from .outbox import plan, render_digest
from .rules import PlannedEmail
from .sync import SyncReport, import_path

# The sample conversations run up to the evening of 19 November 2026; the demo
# looks at them from the next morning, so what is due and overdue stays the same
# whenever it is run.
DEMO_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
DEMO_IDENTITY = Identity(name="Maya Lindqvist", addresses=("maya@lindqvist.studio",), timezone="Europe/Berlin")


def sample_path() -> Path:
    return Path(str(resources.files("mailflow") / "sample" / "maildir"))


def demo_config(database: Path) -> Config:
    return Config(path=None, database=database, identity=DEMO_IDENTITY)


@dataclass(frozen=True)
class DemoReport:
    now: datetime
    database: Path
    imported: SyncReport
    threads: list[dict]
    response_times: list[ResponseTimes]
    items: list[dict]
    planned: list[PlannedEmail]
    digest: Rendered


def run_demo(database: Path) -> DemoReport:
    """Import the sample mailbox into `database` and gather what mailflow found."""
    config = demo_config(database)
    db = store.open_db(database)
    try:
        store.ensure_account(db, "sample", now=datetime(2026, 10, 1, tzinfo=ZoneInfo("UTC")))
        imported = import_path(db, config, sample_path(), account="sample", now=DEMO_NOW)
        return DemoReport(DEMO_NOW, database, imported, store.thread_summaries(db), response_times(db),
                          open_items(db, DEMO_NOW), plan(db, config, DEMO_NOW), render_digest(db, config, DEMO_NOW))
    finally:
        db.close()


def render(report: DemoReport) -> str:
    lines = [f"mailflow demo: Maya Lindqvist's sample mailbox, as of {report.now:%a %d %b %Y %H:%M %Z}",
             f"Imported {report.imported.summary()}.", "", "Threads"]
    for thread in report.threads:
        kind = " (automated)" if thread["automated"] else ""
        waiting = "waiting on them" if thread["last_direction"] == "outgoing" else "waiting on Maya"
        if thread["automated"]:
            waiting = "no reply needed"
        lines.append(f"  {thread['subject'][:48]:<48} {thread['message_count']:>2} msgs  "
                     f"{', '.join(thread['contacts'])[:40]:<40} {waiting}{kind}")
    lines += ["", "Response times (median)", f"  {'contact':<34} {'they answer':>12} {'Maya answers':>13}"]
    for rt in report.response_times:
        lines.append(f"  {rt.contact:<34} {format_duration(rt.their_median):>12} {format_duration(rt.my_median):>13}")
    sections = (("Open promises and requests Maya owes", "me", ("promise", "request")),
                ("Open promises and requests her clients owe", "them", ("promise", "request")),
                ("Upcoming meetings", None, ("meeting",)))
    for title, side, kinds in sections:
        chosen = [i for i in report.items if i["kind"] in kinds and (side is None or i["debtor"] in (side, "both"))
                  and (i["kind"] != "meeting" or (i["due"] and i["meeting_status"] != "cancelled"
                                                  and datetime.fromisoformat(i["due"]) > report.now))]
        lines += ["", f"{title} ({len(chosen)})"]
        for item in chosen:
            due = _when(item["due"]) if item["due"] else "no date"
            flag = " OVERDUE" if item["overdue"] else ""
            status = f" [{item['meeting_status']}]" if item["meeting_status"] else ""
            lines.append(f"  #{item['id']:<3} {due:<17} {item['kind']:<8} {item['contact'] or '':<32}{status}{flag}")
            lines.append(f"      \"{item['sentence'][:110]}\"")
    lines += ["", "What mailflow would do now (the demo sends nothing; follow-ups, agendas and feedback "
                  "requests are drafts by default)"]
    for email in report.planned:
        state = f"held: {email.held}" if email.held else email.mode
        lines.append(f"  {email.rule:<16} to {', '.join(a.email for a in email.to):<34} {state}")
        lines.append(f"      why: {email.reason}")
        if email.quote:
            lines.append(f"      > {email.quote[:110]}")
    lines += ["", "The morning digest", "  Subject: " + report.digest.subject, ""]
    lines += ["  " + line if line else "" for line in report.digest.text.rstrip().splitlines()]
    return "\n".join(lines)


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a %d %b %H:%M")
