"""Detection quality on labelled public data, against simple baselines.

    .venv/bin/python benchmarks/detect_eval.py [DATA_DIR] [--split train|dev|both]

DATA_DIR defaults to ../shared/data beside the checkout. Three measurements:

1. MailEx (mailex_<split>.jsonl): message-level precision/recall/F1 per kind: does
   the message contain an item of that kind? Gold items come from MailEx events:
   * request: Request_Action, Request_Data, Request_Action_Data (the sender asks
     the recipient for an action or for information);
   * meeting: Request_Meeting, Request_Meeting_Data, Amend_Meeting_Data, and
     Deliver_Meeting_Data that confirms a meeting rather than declining or reporting
     one. The README maps the *positive confirmation* to a meeting, so a delivery
     whose meta is Negative ("lunch will be impossible") or Unsure ("may be
     calling") is not one. It must carry a Meeting Date or Meeting Time argument,
     or be marked Positive ("I'll be there", "works for me": a confirmation of the
     meeting under discussion); and it must not report a past meeting: the trigger,
     the 30 characters before it and the date/time arguments hold no past marker
     (had/was/yesterday/last..., or a past-tense contact verb such as called,
     discussed, spoke, attended, missed, received a call);
   * promise: Deliver_Action_Data or Deliver_Data, not Negative, where the trigger and
     the 30 characters before it hold a first-person subject followed by a future or
     commitment marker ("I will", "we'll", "I'm going to", "let me" ...), and not a
     whereabouts, need, negation or passive ("I'll be out of the office", "we will
     need", "I will not", "will be asked"). Past-tense reports and third parties
     are not promises either.
   Request_Meeting counts as a meeting only: the detector gives one item per
   clause, and a proposed call is a meeting. A keyword baseline (I'll/we will;
   ?/please/could you/let me know; meeting/call/meet) is scored in the same run.
   The labels are noisy (e.g. "Call me" is a meeting there, reported third-party
   plans are deliveries): tune on train, report dev.
2. requests_train.tsv: sentence-level F1 for "asks the reader to do something";
   a deterministic fifth of the rows (crc32 % 5 == 0) is held out as dev. A
   sentence is predicted Yes when it yields a request or a proposed meeting.
3. time_expressions_dev.jsonl: due resolved to the right day (and the right hour
   and minute where the gold gives one; a gold with neither only needs some due),
   with mailflow.dates.resolve as a meeting (start of the interval) in DMY order
   and the gold's naive reference time taken as UTC, against
   dateparser.search.search_dates (first hit, RELATIVE_BASE set, future preferred).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailflow.dates import DateConfig, resolve  # noqa: E402
from mailflow.detect import detect  # noqa: E402

KINDS = ("promise", "request", "meeting")
DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SENT_AT = datetime(2001, 5, 15, 10, 0, tzinfo=timezone.utc)

# A first-person subject, then within a few words a future or commitment marker.
_FIRST_PERSON_FUTURE = re.compile(
    r"\b(?:i|we)\b[^.;!?]{0,20}?(?:\bwill|'ll|\bll|\bshall|\bgoing\s+to|\bgon\s*na|\bplan\s+to|\bintend\s+to|"
    r"\bpromise\s+to|'m\s+in\b)|\blet\s+me\b", re.IGNORECASE)
# Not a commitment to act: whereabouts, negations, needs and passives.
_NOT_ACTION = re.compile(
    r"\b(?:will|'ll)\s+(?:be\s+(?:out|on\s+vacation|in|away|back|off|the\s+office|on\s+the\s+road|\w+ed)\b|"
    r"not\b|never\b|need\b|want\b)|\bwon't\b", re.IGNORECASE)
_PAST_MEETING = re.compile(r"\b(?:had|was|were|yesterday|last|spoke|spoken|talked|met|got\s+off|thanks|thank|"
                           r"called|discussed|attended|missed|received|visited)\b", re.IGNORECASE)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: bool, pred: bool) -> None:
        self.tp += gold and pred
        self.fp += pred and not gold
        self.fn += gold and not pred

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


def gold_kinds(row: dict) -> set[str]:
    kinds: set[str] = set()
    text = row["text"]
    for ev in row["events"]:
        etype, meta = ev["type"], ev.get("meta", "")
        roles = {a["role"]: a["text"] for a in ev.get("args", [])}
        if etype in ("Request_Action", "Request_Data", "Request_Action_Data"):
            kinds.add("request")
        elif etype in ("Request_Meeting", "Request_Meeting_Data", "Amend_Meeting_Data"):
            kinds.add("meeting")
        elif etype == "Deliver_Meeting_Data" and not meta.endswith(("Negative", "Unsure")):
            at = text.find(ev["trigger"])
            before = text[max(0, at - 30): at] if at >= 0 else ""
            context = " ".join((before, ev["trigger"], roles.get("Meeting Date", ""), roles.get("Meeting Time", "")))
            dated = "Meeting Date" in roles or "Meeting Time" in roles
            if (dated or meta.endswith("Positive")) and not _PAST_MEETING.search(context):
                kinds.add("meeting")
        elif etype in ("Deliver_Action_Data", "Deliver_Data") and not meta.endswith("Negative"):
            at = text.find(ev["trigger"])
            window = text[max(0, at - 30): at + len(ev["trigger"])] if at >= 0 else ev["trigger"]
            if _FIRST_PERSON_FUTURE.search(window) and not _NOT_ACTION.search(window):
                kinds.add("promise")
    return kinds


_KW = {
    "promise": re.compile(r"\b(?:i'll|i will|we'll|we will)\b", re.IGNORECASE),
    "request": re.compile(r"\?|\bplease\b|\bcould you\b|\bcan you\b|\blet me know\b", re.IGNORECASE),
    "meeting": re.compile(r"\b(?:meeting|call|meet)\b", re.IGNORECASE),
}


def keyword_kinds(text: str) -> set[str]:
    return {k for k, rx in _KW.items() if rx.search(text)}


def mailflow_kinds(text: str) -> set[str]:
    return {i.kind for i in detect(text, SENT_AT, "incoming").items}


def eval_mailex(rows: list[dict], predict: Callable[[str], set[str]]) -> dict[str, Score]:
    scores = {k: Score() for k in KINDS}
    for row in rows:
        gold, pred = gold_kinds(row), predict(row["text"])
        for k in KINDS:
            scores[k].add(k in gold, k in pred)
    return scores


def eval_requests(rows: Iterable[tuple[bool, str]]) -> tuple[Score, Score]:
    ours, base = Score(), Score()
    for gold, sentence in rows:
        items = detect(sentence, SENT_AT).items
        pred = any(i.kind == "request" or (i.kind == "meeting" and i.status == "proposed") for i in items)
        ours.add(gold, pred)
        base.add(gold, bool(_KW["request"].search(sentence)))
    return ours, base


def _date_ok(expected: dict, due: datetime | None) -> bool:
    if due is None:
        return False
    start = expected["start"]
    if start.get("date") and due.date().isoformat() != start["date"]:
        return False
    if start.get("time") and due.strftime("%H:%M") != start["time"]:
        return False
    return True


def eval_dates(rows: list[dict]) -> tuple[int, int, int, float, float]:
    from dateparser.search import search_dates

    cfg = DateConfig(date_order="DMY", use_dateparser=True)
    ours = base = 0
    t_ours = t_base = 0.0
    for row in rows:
        ref = datetime.fromisoformat(row["reference_time"]).replace(tzinfo=timezone.utc)
        t0 = time.perf_counter()
        found = resolve(row["text"], ref, kind="meeting", config=cfg)
        t1 = time.perf_counter()
        hits = search_dates(row["text"], languages=["en"],
                            settings={"RELATIVE_BASE": ref.replace(tzinfo=None), "PREFER_DATES_FROM": "future"})
        t2 = time.perf_counter()
        t_ours += t1 - t0
        t_base += t2 - t1
        ours += _date_ok(row["expected"], found.due if found else None)
        base += _date_ok(row["expected"], hits[0][1] if hits else None)
    return ours, base, len(rows), t_ours, t_base


def _table(title: str, rows: list[tuple[str, Score, Score]]) -> None:
    print(f"\n{title}")
    print(f"{'kind':<10}{'P':>7}{'R':>7}{'F1':>7}   {'baseline P':>10}{'R':>7}{'F1':>7}   gold")
    for name, ours, base in rows:
        print(f"{name:<10}{ours.p:7.3f}{ours.r:7.3f}{ours.f1:7.3f}   {base.p:10.3f}{base.r:7.3f}{base.f1:7.3f}"
              f"   {ours.tp + ours.fn}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--split", choices=("train", "dev", "both"), default="both")
    args = ap.parse_args(argv)
    data: Path = args.data_dir
    if not data.is_dir():
        print(f"data directory {data} not found; nothing to evaluate")
        return 0
    splits = ("train", "dev") if args.split == "both" else (args.split,)
    for split in splits:
        path = data / f"mailex_{split}.jsonl"
        if not path.exists():
            print(f"{path} not found; skipping MailEx {split}")
            continue
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
        ours, base = eval_mailex(rows, mailflow_kinds), eval_mailex(rows, keyword_kinds)
        _table(f"MailEx {split} ({len(rows)} messages), message level; baseline = keywords",
               [(k, ours[k], base[k]) for k in KINDS])
    tsv = data / "requests_train.tsv"
    if tsv.exists():
        rows_tsv = []
        for line in tsv.open(encoding="utf-8"):
            label, _, sentence = line.rstrip("\n").partition("\t")
            rows_tsv.append((zlib.crc32(sentence.encode()) % 5 == 0, label.strip() == "Yes", sentence))
        for split in splits:
            held = [(g, s) for dev, g, s in rows_tsv if dev == (split == "dev")]
            ours_r, base_r = eval_requests(held)
            _table(f"requests_train.tsv {split} fifth ({len(held)} sentences); baseline = keywords",
                   [("request", ours_r, base_r)])
    else:
        print(f"{tsv} not found; skipping sentence-level requests")
    times = data / "time_expressions_dev.jsonl"
    if times.exists():
        rows = [json.loads(line) for line in times.open(encoding="utf-8")]
        ours_n, base_n, n, t_ours, t_base = eval_dates(rows)
        print(f"\nDue dates on {times.name} ({n} expressions): right day (and time where given)")
        print(f"  mailflow.dates.resolve        {ours_n / n:6.1%}  ({ours_n}/{n})  {t_ours / n * 1e3:6.3f} ms each")
        print(f"  dateparser.search_dates       {base_n / n:6.1%}  ({base_n}/{n})  {t_base / n * 1e3:6.3f} ms each")
    else:
        print(f"{times} not found; skipping due dates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
