"""Detection quality on the project's own labelled freelancer mail.

    .venv/bin/python benchmarks/case_eval.py [CASES.jsonl ...] [--show-errors]

MailEx (detect_eval.py) is Enron mail of 2001; these cases are what mailflow's
users write: designers, copywriters, photographers, developers, consultants
and their clients. Each file in benchmarks/data/ was written for the project,
by hand, with the expected items of every text:

* cases_tuning.jsonl: 257 cases the 2026.11.6 rules were tuned on (their
  figures are training figures);
* cases_tuning2.jsonl and cases_tuning3.jsonl: 227 and 228 more, each
  written blind by another hand, with more whole emails and hard negatives;
  the 2026.11.7 rules were tuned on them;
* cases_tuning4.jsonl: 240 more, written blind (with terse mobile replies and
  English written by non-native speakers); the 2026.11.8 rules were tuned on
  them;
* cases_tuning5.jsonl to cases_tuning10.jsonl: 240 each, written blind, each
  measured with the rules of its time and then tuned on; the README says what
  each is about;
* cases_heldout.jsonl and cases_heldout2.jsonl: 200 cases each, written
  blind, without running the detector; never tuned on;
* cases_heldout3.jsonl: 200 more, written blind as a plain sample of a
  freelancer's month of mail (not aimed at hard cases); never tuned on.

Each line is {"id", "text", "sent_at", "direction", "expected", "note"}.
`expected` lists items as "K@DUE" joined by ";": K is P, R or M (promise,
request, meeting), or "R|M" when either reading is fair; a leading "?" makes
an item optional. DUE is "-" (none), "*" (any), "YYYY-MM-DD", "YYYY-MM-DD
HH:MM", "A..B" (a range of days) or alternatives joined by "/". An empty
string expects nothing.

Items are paired within a case on kind, as many pairs as possible, then as
many required items as possible, then as many right dues as possible; an
unmatched expected item is a miss, an unmatched found item a false alarm.
Due accuracy is over matched items whose expected due is not "*".

Each text goes through detect_body, as a message goes through parse before detection: a
quoted reply, a forwarded message or a signature left in a text is not the sender's new words.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailflow.detect import detect_body  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
KINDS = {"P": "promise", "R": "request", "M": "meeting"}
OWNERS = {"promise": "sender", "request": "recipient", "meeting": "both"}


@dataclass(frozen=True)
class Expected:
    kinds: tuple[str, ...]
    due: str
    optional: bool


@dataclass
class Tally:
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OWNERS, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OWNERS, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OWNERS, 0))
    dues: int = 0
    dues_right: int = 0
    empty_cases: int = 0
    empty_right: int = 0
    errors: list[str] = field(default_factory=list)


def parse_expected(text: str) -> list[Expected]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        optional = part.startswith("?")
        kinds, _, due = part.lstrip("?").partition("@")
        out.append(Expected(tuple(KINDS[k] for k in kinds.split("|")), due or "-", optional))
    return out


def due_matches(spec: str, due: str | None) -> bool:
    if spec == "*":
        return True
    if spec == "-":
        return due is None
    if due is None:
        return False
    day, clock = due[:10], due[11:16]
    for alt in spec.split("/"):
        if ".." in alt:
            first, last = alt.split("..")
            if first <= day <= last:
                return True
        elif " " in alt:
            if (day, clock) == tuple(alt.split()):
                return True
        elif day == alt:
            return True
    return False


def match_items(expected: list[Expected], found: list[tuple[str, str | None]]) -> dict[int, int]:
    """Pair expected and found items (index to index): as many pairs as possible, then as many
    required items as possible, then the most with the right due. A greedy pass would let "R|M"
    take the found meeting that only an optional "?M" beside it could have, and count the found
    request as false."""
    @functools.cache
    def best(ei: int, used: int) -> tuple[int, int, int, tuple[tuple[int, int], ...]]:
        if ei == len(expected):
            return 0, 0, 0, ()
        options = [best(ei + 1, used)]
        exp = expected[ei]
        for fi, (kind, due) in enumerate(found):
            if used >> fi & 1 or kind not in exp.kinds:
                continue
            pairs, required, right, chosen = best(ei + 1, used | 1 << fi)
            options.append((pairs + 1, required + (not exp.optional), right + due_matches(exp.due, due),
                            ((ei, fi), *chosen)))
        return max(options, key=lambda option: option[:3])

    return dict(best(0, 0)[3])


def score_case(case: dict, tally: Tally) -> None:
    expected = parse_expected(case["expected"])
    found = [(i.kind, i.owner, i.due.isoformat() if i.due else None, i.sentence)
             for i in detect_body(case["text"], datetime.fromisoformat(case["sent_at"]), case.get("direction", "outgoing")).items]
    if not [e for e in expected if not e.optional]:
        tally.empty_cases += 1
        tally.empty_right += not found
    pairs = match_items(expected, [(kind, due) for kind, _owner, due, _sentence in found])
    problems = []
    for ei, fi in pairs.items():
        kind, owner, due, _sentence = found[fi]
        tally.tp[kind] += 1
        if owner != OWNERS[kind]:
            problems.append(f"owner {owner} for {kind}")
        if expected[ei].due != "*":
            tally.dues += 1
            if due_matches(expected[ei].due, due):
                tally.dues_right += 1
            else:
                problems.append(f"due of {kind}: expected {expected[ei].due}, found {due}")
    for ei, exp in enumerate(expected):
        if ei not in pairs and not exp.optional:
            tally.fn[exp.kinds[0]] += 1
            problems.append(f"missed {'|'.join(exp.kinds)}@{exp.due}")
    for fi, (kind, _owner, due, sentence) in enumerate(found):
        if fi not in pairs.values():
            tally.fp[kind] += 1
            problems.append(f"false {kind} (due {due}): {sentence[:100]!r}")
    if problems:
        tally.errors.append(f"#{case['id']} {case['text'][:160]!r}\n    " + "\n    ".join(problems))


def report(path: Path, show_errors: bool) -> None:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    tally = Tally()
    for case in cases:
        score_case(case, tally)
    print(f"\n{path.name}: {len(cases)} cases")
    print(f"{'kind':<10}{'P':>7}{'R':>7}{'F1':>7}   expected")
    for kind in OWNERS:
        tp, fp, fn = tally.tp[kind], tally.fp[kind], tally.fn[kind]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{kind:<10}{p:7.3f}{r:7.3f}{f1:7.3f}   {tp + fn}")
    print(f"due right on matched items: {tally.dues_right}/{tally.dues} = {tally.dues_right / max(1, tally.dues):.1%}")
    print(f"texts with nothing to find left alone: {tally.empty_right}/{tally.empty_cases}")
    if show_errors:
        print("\n" + "\n".join(tally.errors))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args(argv)
    for path in args.files or sorted(DATA.glob("cases_*.jsonl")):
        report(path, args.show_errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
