"""Detection speed: messages per second on one core, against a dateparser baseline.

    .venv/bin/python benchmarks/detect_speed.py [MAILEX_JSONL] [--messages N] [--seconds S]

Bodies are 1-3 KB. They are generated from this file's own sentence templates;
when the MailEx file is present (default ../shared/data/mailex_train.jsonl), a
second corpus is built by joining its bodies to the same sizes. The baseline is
what detection would cost without the cue scan and the fast date layer: split
into sentences and call dateparser.search.search_dates on every one. It is slow,
so it runs on a small subset and is reported per message.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailflow.detect import detect, sentences  # noqa: E402

DEFAULT_MAILEX = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mailex_train.jsonl"
SENT_AT = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))

_FILLER = (
    "Thanks for the update on the homepage copy.",
    "The client liked the second colour palette more than the first one.",
    "Our hosting bill went up slightly this quarter, nothing dramatic.",
    "I spent most of the morning on the checkout flow and the payment provider's sandbox.",
    "The photos from the shoot came out well, especially the outdoor ones.",
    "As you know, the print run depends on the final page count.",
    "We moved the staging server to a bigger instance last month.",
    "The analytics numbers look healthy compared with the same period last year.",
    "Most of the feedback so far concerns the navigation labels.",
    "There is a small rendering glitch on older Android phones that we are tracking.",
)
_ACTIONS = (
    "I'll send the revised quote by Thursday.",
    "Could you send me the logo files by Monday?",
    "Let's talk Tuesday at 3.",
    "Please review the draft before the end of the week.",
    "We'll have the staging site up next week.",
    "Can we move our call to Friday at 10:30?",
    "Let me check with the designer and get back to you.",
    "Attached is the signed contract.",
    "Does 14:00 on the 25th work for you?",
    "I won't be able to make Friday, sorry.",
    "Let me know if you have any questions.",
)


def synthetic_bodies(n: int, rng: random.Random) -> list[str]:
    bodies = []
    for _ in range(n):
        target = rng.randint(1000, 3000)
        parts = ["Hi Sam,", ""]
        while sum(len(p) + 1 for p in parts) < target:
            paragraph = [rng.choice(_FILLER) for _ in range(rng.randint(2, 5))]
            if rng.random() < 0.5:
                paragraph.insert(rng.randint(0, len(paragraph)), rng.choice(_ACTIONS))
            parts += [" ".join(paragraph), ""]
        parts += ["Best,", "Alex"]
        bodies.append("\n".join(parts)[:3000])
    return bodies


def mailex_bodies(path: Path, n: int, rng: random.Random) -> list[str]:
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    bodies = []
    for _ in range(n):
        target, parts = rng.randint(1000, 3000), []
        while sum(len(p) + 2 for p in parts) < target:
            parts.append(rng.choice(texts))
        bodies.append("\n\n".join(parts)[:3000])
    return bodies


def dateparser_baseline(text: str) -> int:
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": SENT_AT.replace(tzinfo=None)}
    return sum(bool(search_dates(sentence, languages=["en"], settings=settings)) for sentence in sentences(text))


def rate(fn: Callable[[str], object], bodies: list[str], seconds: float) -> float:
    """Messages per second in the fastest pass over the corpus (like timeit, the
    minimum filters out other processes sharing the core)."""
    gc.collect()
    best, deadline = float("inf"), time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        for body in bodies:
            fn(body)
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() >= deadline:
            return len(bodies) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mailex", nargs="?", type=Path, default=DEFAULT_MAILEX,
                    help="MailEx JSONL file, or the folder holding mailex_dev.jsonl")
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=5.0, help="time budget per measurement")
    args = ap.parse_args(argv)
    if args.mailex.is_dir():
        args.mailex = args.mailex / DEFAULT_MAILEX.name
    rng = random.Random(7)
    corpora = {"synthetic": synthetic_bodies(args.messages, rng)}
    if args.mailex.exists():
        corpora["mailex"] = mailex_bodies(args.mailex, args.messages, rng)
    else:
        print(f"{args.mailex} not found; synthetic corpus only")
    dateparser_baseline("warm up on Friday")  # dateparser's first call loads its language data
    print(f"{'corpus':<10}{'avg KB':>8}{'mailflow msg/s':>16}{'baseline msg/s':>16}{'speed-up':>10}")
    for name, bodies in corpora.items():
        detect(bodies[0], SENT_AT)
        ours = rate(lambda b: detect(b, SENT_AT), bodies, args.seconds)
        base = rate(dateparser_baseline, bodies[:10], 1.0)  # one pass is seconds long already
        kb = sum(len(b) for b in bodies) / len(bodies) / 1024
        print(f"{name:<10}{kb:8.2f}{ours:16.0f}{base:16.1f}{ours / base:9.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
