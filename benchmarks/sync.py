"""Sync speed and memory against a plain full-message fetch, on a private Dovecot.

Builds an N-message mailbox (default 20,000: realistic 1–5 KB bodies in threads,
10% of messages carrying a 200 KB attachment), then times, each in a child
process of its own so peak memory is its own:

  (a) a plain imapclient fetch of every full message (the baseline);
  (b0) a mailflow sync into an empty database, without the detect stage;
  (b) a mailflow sync into an empty database;
  (c) a mailflow sync with nothing new.

    python benchmarks/sync.py [--messages 20000] [--also 100000]

`--also N` builds a second mailbox of N messages and repeats (c) on it, to show
that a sync with nothing new does not grow with the mailbox.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers import Dovecot, make_message  # noqa: E402

ME = "maya@lindqvist.studio"
CLIENTS = [f"{name}@{company}.example" for name, company in [
    ("jonas", "brightline"), ("priya", "kettle-and-co"), ("annika", "nordhafen"), ("tom", "studio-orbit"),
    ("lena", "brightline"), ("sam", "kettle-and-co"), ("ines", "fjord-labs"), ("omar", "halden-consulting")]]
# Most of what people write commits nobody to anything; the cue sentences below
# (promises, requests, meetings) make up about one sentence in six, as in the
# sample mailbox's client threads.
NEUTRAL = [
    "Thanks for sending this over so quickly.",
    "The new colour palette works much better on the product pages.",
    "We showed the mockups to the team yesterday and everyone liked the cleaner layout.",
    "The photos from the roastery came out well, especially the ones in the morning light.",
    "I think the headline could be a little shorter on mobile.",
    "Our customers mostly find us through the newsletter and Instagram.",
    "The old site was built in 2019 and nobody has touched the templates since.",
    "It has been a busy month here with the holiday orders.",
    "Lena from marketing is on the thread now as well.",
    "The second direction feels closer to the brand we had in mind.",
    "We are happy with the progress so far.",
    "The printer needs the files in CMYK with three millimetres of bleed.",
    "I had a look at the analytics and the checkout page loses a lot of visitors.",
    "The icons in the footer look slightly blurry on my laptop.",
    "Hope you had a good weekend.",
    "That makes sense to me.",
]
CUES = [
    "Thanks for the quick turnaround on the homepage mockups.",
    "I'll send the revised quote by Thursday, once the developer has confirmed the hours.",
    "Could you send me the logo files and the brand guidelines by Monday?",
    "Does Tuesday at 3pm work for a quick call about the launch plan?",
    "We have reviewed the proposal internally and have a few questions about the timeline.",
    "Attached is the updated sitemap with the changes we discussed on the call.",
    "Let me check with the printer and get back to you early next week.",
    "The budget for the second phase still needs to be confirmed by our finance team.",
    "Please review the draft and let me know which of the two directions you prefer.",
    "I moved the newsletter signup below the fold, as you suggested.",
    "Our board meets on the 25th, so we would need the final files before then.",
    "Happy to jump on a call if that is easier than going back and forth by email.",
]


def body(rng: random.Random, quoted: str | None) -> str:
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        paragraphs.append(" ".join(rng.choice(CUES if rng.random() < 0.17 else NEUTRAL)
                                   for _ in range(rng.randint(2, 5))))
    text = "Hi,\n\n" + "\n\n".join(paragraphs) + "\n\nBest,\nMaya\n"
    if quoted:
        # Replies carry the history, as real mail does; parse must cut it off.
        text += "\nOn Mon, 2 Nov 2026 at 10:00, Jonas Weber <jonas@brightline.example> wrote:\n" + \
            "".join(f"> {line}\n" for line in quoted.splitlines()[:40])
    return text


def build_mailbox(dovecot: Dovecot, username: str, count: int) -> None:
    # Generated twice from the same seed, keeping one side each time, so the
    # mailbox is never all in memory.
    dovecot.write_maildir(username, "INBOX", mailbox_messages(count, outgoing=False))
    dovecot.write_maildir(username, "Sent", mailbox_messages(count, outgoing=True))


def mailbox_messages(count: int, *, outgoing: bool, seed: int = 7) -> Iterator[bytes]:
    rng = random.Random(seed)
    # Spread over the two years before 2026, whatever the size: mail is never from the future.
    start = datetime(2024, 1, 8, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    step = timedelta(days=730) / count
    n = 0
    while n < count:
        client = rng.choice(CLIENTS)
        subject = f"{rng.choice(['Homepage', 'Quote', 'Launch', 'Invoice', 'Brand refresh'])} #{n}"
        previous: list[str] = []
        last_text = None
        for i in range(min(rng.randint(2, 6), count - n)):
            from_me = i % 2 == 1
            mid = f"<bench-{n}@{'lindqvist.studio' if from_me else client.split('@')[1]}>"
            text = body(rng, last_text)
            attachment = ("brief.pdf", 200_000) if rng.random() < 0.10 else None
            if from_me == outgoing:
                yield make_message(sender=ME if from_me else client, to=client if from_me else ME,
                                   subject=("Re: " if i else "") + subject,
                                   date=start + step * n, message_id=mid,
                                   in_reply_to=previous[-1] if previous else None, references=list(previous),
                                   body=text, attachment=attachment)
            previous.append(mid)
            last_text = text
            n += 1


def write_config(dovecot: Dovecot, account, path: Path, database: Path) -> None:
    path.write_text(f"""database = "{database}"
[identity]
addresses = ["{ME}"]
timezone = "Europe/Berlin"
[accounts.bench]
imap_host = "{dovecot.host}"
imap_port = {dovecot.port}
imap_security = "none"
username = "{account.username}"
password_env = "MF_BENCH_PASSWORD"
""")


# --- the measured steps, each run in a child process -------------------------------

def child_raw_fetch(host: str, port: int, username: str, password: str) -> dict:
    from imapclient import IMAPClient

    client = IMAPClient(host, port=port, ssl=False)
    client.login(username, password)
    started = time.perf_counter()
    count = size = 0
    for folder in ("INBOX", "Sent"):
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        for i in range(0, len(uids), 250):
            for data in client.fetch(uids[i:i + 250], ["BODY.PEEK[]"]).values():
                count += 1
                size += len(data[b"BODY[]"])
    seconds = time.perf_counter() - started
    client.logout()
    return {"seconds": seconds, "messages": count, "bytes": size}


def child_sync(config: str, detect: bool = True) -> dict:
    from mailflow import db as store
    from mailflow import sync as sync_module
    from mailflow.config import load_config
    from mailflow.sync import sync

    if not detect:
        sync_module.DETECT = False  # the sync stages without the detect stage
    loaded = load_config(Path(config))
    db = store.open_db(loaded.database)
    started = time.perf_counter()
    report = sync(db, loaded)
    seconds = time.perf_counter() - started
    assert report.ok, report.errors
    return {"seconds": seconds, "messages": report.new, "stored": store.message_count(db)}


def peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child
    # would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_child(mode: str, *args: str, env: dict | None = None) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", mode, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def child_main(mode: str, args: list[str]) -> None:
    if mode == "raw":
        result = child_raw_fetch(args[0], int(args[1]), args[2], args[3])
    else:
        result = child_sync(args[0], detect=mode == "sync")
    result["peak_rss_mb"] = peak_rss_mb()
    # The parse worker a big sync starts, once it has exited. An upper bound: a
    # child's peak starts from its parent's size at the fork before its exec.
    result["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def measure(dovecot: Dovecot, count: int, workdir: Path, *, full: bool) -> dict:
    account = dovecot.new_account()
    t = time.perf_counter()
    build_mailbox(dovecot, account.username, count)
    print(f"  built {count:,} messages in {time.perf_counter() - t:.1f} s", flush=True)
    # Let Dovecot index the new maildirs once, so no measured step pays for it.
    with dovecot.client(account.username, account.password) as client:
        for folder in ("INBOX", "Sent"):
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            for i in range(0, len(uids), 5000):
                client.fetch(uids[i:i + 5000], ["FLAGS"])
    config = workdir / f"config-{count}.toml"
    write_config(dovecot, account, config, workdir / f"bench-{count}.db")
    env = {"MF_BENCH_PASSWORD": account.password}
    results = {}
    if full:
        results["a"] = run_child("raw", dovecot.host, str(dovecot.port), account.username, account.password)
    if full:
        bare = workdir / f"config-{count}-bare.toml"
        write_config(dovecot, account, bare, workdir / f"bench-{count}-bare.db")
        results["b0"] = run_child("sync-without-detection", str(bare), env=env)
    results["b"] = run_child("sync", str(config), env=env)
    results["c"] = min((run_child("sync", str(config), env=env) for _ in range(3)), key=lambda r: r["seconds"])
    return results


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--also", type=int, default=0, help="repeat (c) on a mailbox of this many messages")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailflow-bench-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)  # Dovecot's auth process must reach its passwd-files
        with Dovecot(workdir / "dovecot") as dovecot:
            print(f"mailbox of {options.messages:,} messages", flush=True)
            r = measure(dovecot, options.messages, workdir, full=True)
            a, b0, b, c = r["a"], r["b0"], r["b"], r["c"]
            assert b["stored"] == b0["stored"] == a["messages"], (b, a)
            print(f"(a)  raw fetch of full messages:       {a['seconds']:6.2f} s  {a['bytes'] / 1e6:7.1f} MB  "
                  f"peak RSS {a['peak_rss_mb']:5.0f} MB")
            print(f"(b0) sync, empty db, detection off:    {b0['seconds']:6.2f} s  peak RSS {b0['peak_rss_mb']:5.0f} MB")
            print(f"(b)  mailflow sync, empty db:          {b['seconds']:6.2f} s  {b['messages']:,} messages  "
                  f"peak RSS {b['peak_rss_mb']:5.0f} MB, its worker {b['worker_peak_rss_mb']:.0f} MB  "
                  f"(command wall time {b['wall']:.2f} s)")
            print(f"(c)  mailflow sync, nothing new:       {c['seconds']:6.3f} s  "
                  f"peak RSS {c['peak_rss_mb']:5.0f} MB  (command wall time {c['wall']:.2f} s)")
            print(f"ratio (b0)/(a) = {b0['seconds'] / a['seconds']:.2f}   target <= 1.0 (fetch, parse, store)")
            print(f"ratio (b)/(a)  = {b['seconds'] / a['seconds']:.2f}   target <= 1.5 (with detection)")
            print(f"(c) = {c['seconds']:.3f} s   target < 0.2 s")
            print(f"peak RSS of sync = {b['peak_rss_mb']:.0f} MB + worker {b['worker_peak_rss_mb']:.0f} MB   "
                  f"target < 200 MB")
            if options.also:
                print(f"\nmailbox of {options.also:,} messages", flush=True)
                big = measure(dovecot, options.also, workdir, full=False)
                print(f"(c) at {options.also:,}: {big['c']['seconds']:.3f} s vs {c['seconds']:.3f} s at "
                      f"{options.messages:,}; (b) took {big['b']['seconds']:.1f} s, "
                      f"peak RSS {big['b']['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
