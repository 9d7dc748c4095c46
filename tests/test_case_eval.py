"""The project's case scorer pairs expected and found items fairly."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "case_eval", Path(__file__).resolve().parent.parent / "benchmarks" / "case_eval.py")
case_eval = sys.modules.setdefault("case_eval", importlib.util.module_from_spec(_SPEC))
_SPEC.loader.exec_module(case_eval)  # registered first: its dataclasses look their module up


def _pairs(expected: str, found: list[tuple[str, str | None]]) -> dict[int, int]:
    return case_eval.match_items(case_eval.parse_expected(expected), found)


def test_an_either_item_leaves_the_meeting_to_the_optional_one_beside_it() -> None:
    found = [("meeting", "2026-11-26T09:00:00+01:00"), ("request", "2026-11-26T17:30:00+01:00")]
    assert _pairs("R|M@2026-11-26;?M@*", found) == {0: 1, 1: 0}


def test_a_required_item_is_paired_before_an_optional_one() -> None:
    assert _pairs("?M@*;M@2026-11-20", [("meeting", "2026-11-20T09:00:00+01:00")]) == {1: 0}


def test_pairs_with_the_right_due_win_over_pairs_by_kind_alone() -> None:
    found = [("promise", "2026-11-23T17:30:00+01:00"), ("promise", "2026-11-20T17:30:00+01:00")]
    assert _pairs("P@2026-11-20 17:30;P@2026-11-23 17:30", found) == {0: 1, 1: 0}


def test_a_wrong_kind_is_never_paired() -> None:
    assert _pairs("P@-", [("request", None)]) == {}
