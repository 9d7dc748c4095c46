"""Compose: the default templates, the sandbox, and the bytes build_email writes."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailflow.compose import (
    Rendered,
    TemplateError,
    Templates,
    build_email,
    make_message_id,
)
from mailflow.errors import ConfigError
from mailflow.records import Address

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 19, 8, 0, tzinfo=BERLIN)  # a Thursday

USER = {"name": "Maya Lindqvist", "first_name": "Maya", "email": "maya@lindqvist.studio"}
JONAS = {"name": "Jonas Weber", "first_name": "Jonas", "email": "jonas@brightline.example"}
PRIYA = {"name": "Priya Nair", "first_name": "Priya", "email": "priya@brightline.example"}


# --------------------------------------------------------------------------- contexts


def follow_up_context(kind: str = "request", step: int = 1, sentence: str | None = None,
                      subject: str = "Brightline homepage") -> dict[str, Any]:
    sentences = {
        "request": "Could you send me the logo files by Monday?",
        "promise": "I'll send the logo files by Monday.",
        "proposal": "Attached is the proposal for the homepage redesign.",
    }
    due = datetime(2026, 11, 16, 17, 30, tzinfo=BERLIN) if kind != "proposal" else None
    return {
        "user": USER,
        "now": NOW,
        "contact": JONAS,
        "greeting": "Hi Jonas,",
        "thread": {"subject": subject},
        "item": {
            "kind": kind,
            "sentence": sentence or sentences[kind],
            "due": due,
            "due_text": "Monday" if due else None,
            "sent_at": datetime(2026, 11, 10, 14, 5, tzinfo=BERLIN),
        },
        "step": step,
        "days_waiting": 5,
    }


def agenda_context(open_items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if open_items is None:
        open_items = [
            {"kind": "promise", "sentence": "I'll send the wireframes by Friday.",
             "due": datetime(2026, 11, 20, 17, 30, tzinfo=BERLIN), "debtor": "me"},
            {"kind": "request", "sentence": "Could you confirm the brand colours?", "due": None,
             "debtor": "them"},
            {"kind": "request", "sentence": "Let's agree on the launch date.", "due": None, "debtor": "both"},
        ]
    return {
        "user": USER,
        "now": NOW,
        "contacts": [JONAS, PRIYA],
        "greeting": "Hi Jonas and Priya,",
        "meeting": {"start": datetime(2026, 11, 19, 15, 0, tzinfo=BERLIN),
                    "sentence": "Let's talk Thursday at 3.", "subject": "Brightline homepage"},
        "open_items": open_items,
        "recent": [{"from": "Jonas Weber", "date": datetime(2026, 11, 18, 9, 12, tzinfo=BERLIN),
                    "summary": "Looking forward to Thursday."}],
    }


def feedback_context(start: datetime) -> dict[str, Any]:
    return {"user": USER, "now": NOW.replace(hour=17), "contacts": [JONAS], "greeting": "Hi Jonas,",
            "meeting": {"start": start, "subject": "Brightline homepage"}}


SECTION_KEYS = ("overdue_mine", "overdue_theirs", "due_today", "due_this_week", "waiting_for_reply",
                "upcoming_meetings")


def digest_context(empty: bool = False) -> dict[str, Any]:
    def entry(item_id: int, sentence: str, debtor: str, due: datetime | None) -> dict[str, Any]:
        return {"id": item_id, "kind": "promise", "sentence": sentence, "subject": "Brightline homepage",
                "contact": JONAS, "due": due, "debtor": debtor}

    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTION_KEYS}
    response_times: list[dict[str, Any]] = []
    if not empty:
        sections["overdue_mine"] = [entry(12, "I'll send the revised quote.", "me",
                                          datetime(2026, 11, 16, 17, 30, tzinfo=BERLIN))]
        sections["overdue_theirs"] = [entry(14, "I'll send the logo files by Monday.", "them",
                                            datetime(2026, 11, 16, 17, 30, tzinfo=BERLIN))]
        sections["upcoming_meetings"] = [entry(20, "Let's talk Thursday at 3.", "both",
                                               datetime(2026, 11, 19, 15, 0, tzinfo=BERLIN))]
        response_times = [
            {"contact": JONAS, "their_median_hours": 30.0, "my_median_hours": 3.5},
            {"contact": "priya@brightline.example", "their_median_hours": None, "my_median_hours": 6.0},
        ]
    return {"user": USER, "now": NOW, "sections": sections,
            "counts": {key: len(value) for key, value in sections.items()},
            "response_times": response_times}


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


# --------------------------------------------------------------------------- default templates


def test_follow_up_request_first_step(templates: Templates) -> None:
    out = templates.render("follow_up", follow_up_context("request", step=1))
    assert isinstance(out, Rendered)
    assert out.subject == "Re: Brightline homepage"
    assert out.html is None
    assert out.text.startswith("Hi Jonas,\n")
    assert "> Could you send me the logo files by Monday?" in out.text
    assert "gentle nudge" in out.text
    assert out.text.rstrip().endswith("Maya")


def test_follow_up_wording_changes_with_the_step(templates: Templates) -> None:
    first = templates.render("follow_up", follow_up_context("request", step=1)).text
    second = templates.render("follow_up", follow_up_context("request", step=2)).text
    assert first != second
    assert "once more" in second and "once more" not in first
    assert "> Could you send me the logo files by Monday?" in second


def test_follow_up_on_their_overdue_promise(templates: Templates) -> None:
    out = templates.render("follow_up", follow_up_context("promise"))
    assert "you'd planned for Monday" in out.text
    assert "> I'll send the logo files by Monday." in out.text
    assert "still on track?" in out.text


def test_follow_up_on_a_proposal(templates: Templates) -> None:
    first = templates.render("follow_up", follow_up_context("proposal", step=1)).text
    later = templates.render("follow_up", follow_up_context("proposal", step=3)).text
    assert "had a chance to look at the proposal I sent on Tue 10 Nov" in first
    assert "one more time about the proposal" in later
    assert "completely fine" in later


def test_follow_up_keeps_an_existing_reply_prefix(templates: Templates) -> None:
    out = templates.render("follow_up", follow_up_context(subject="RE: Brightline homepage"))
    assert out.subject == "RE: Brightline homepage"


def test_agenda_lists_both_sides(templates: Templates) -> None:
    out = templates.render("agenda", agenda_context())
    assert out.subject == "Agenda: Brightline homepage (Thu 19 Nov, 15:00)"
    assert out.text.startswith("Hi Jonas and Priya,\n")
    assert "Thu 19 Nov, 15:00 (CET)" in out.text
    mine = out.text.index("From my side:")
    theirs = out.text.index("From your side:")
    together = out.text.index("Together:")
    assert mine < out.text.index("- I'll send the wireframes by Friday. (due Fri 20 Nov)") < theirs
    assert theirs < out.text.index("- Could you confirm the brand colours?") < together
    assert "- Let's agree on the launch date." in out.text[together:]
    assert "Wed 18 Nov, Jonas Weber: Looking forward to Thursday." in out.text
    assert out.text.rstrip().endswith("Maya")


def test_agenda_without_open_items(templates: Templates) -> None:
    out = templates.render("agenda", agenda_context(open_items=[]))
    assert "no open points" in out.text
    assert "From my side" not in out.text
    assert "\n\n\n" not in out.text


def test_feedback_request_says_today_or_the_day(templates: Templates) -> None:
    today = templates.render("feedback_request", feedback_context(NOW.replace(hour=14)))
    earlier = templates.render("feedback_request", feedback_context(NOW - timedelta(days=1)))
    assert today.subject == "Thank you for the call: Brightline homepage"
    assert "talk today." in today.text
    assert "talk on Wed 18 Nov." in earlier.text
    assert "?" in today.text
    assert today.text.rstrip().endswith("Maya")


def test_digest_text_has_sections_and_reply_times(templates: Templates) -> None:
    out = templates.render("digest", digest_context())
    assert out.subject == "Daily digest, Thu 19 Nov: 1 overdue from you, 1 overdue to you"
    assert "OVERDUE: YOU OWE (1)" in out.text
    assert "#12  I'll send the revised quote." in out.text
    assert "OVERDUE: OWED TO YOU (1)" in out.text
    assert "Jonas Weber · Brightline homepage · Thu 19 Nov, 15:00" in out.text
    assert "DUE TODAY" not in out.text  # empty sections are left out
    assert "Jonas Weber: them 1.2 days · you 3.5 h" in out.text
    assert "priya@brightline.example: them – · you 6.0 h" in out.text


def test_digest_html_has_sections_and_a_bar_chart(templates: Templates) -> None:
    html = templates.render("digest", digest_context()).html
    assert html is not None
    assert "Overdue: you owe (1)" in html
    assert "Due today" not in html
    assert "Median reply times" in html
    # Bars are table cells sized against the slowest median (30 h = 100%).
    assert 'width="100%" bgcolor="#5b8def"' in html
    assert 'width="12%" bgcolor="#f2a541"' in html
    assert "no replies yet" in html
    assert "<script" not in html.lower() and "<img" not in html.lower()


def test_empty_digest_is_one_line(templates: Templates) -> None:
    out = templates.render("digest", digest_context(empty=True))
    assert out.subject == "Daily digest, Thu 19 Nov: nothing urgent"
    assert out.text == "Hi Maya, nothing is due, overdue or waiting for a reply today.\n"
    assert out.html is not None and "nothing is due" in out.html
    assert "Median reply times" not in out.html


def test_html_escapes_mail_content(templates: Templates) -> None:
    context = digest_context()
    context["sections"]["overdue_mine"][0]["sentence"] = "<script>alert(1)</script> & more"
    out = templates.render("digest", context)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in out.html
    assert "<script>alert(1)</script> & more" in out.text  # text stays text


def test_mail_content_is_data_not_template_source(templates: Templates) -> None:
    context = follow_up_context(sentence="Could you check {{ 7*7 }} and {% if 1 %}this{% endif %}?",
                                subject="Quote {{ 7*7 }}")
    out = templates.render("follow_up", context)
    assert "> Could you check {{ 7*7 }} and {% if 1 %}this{% endif %}?" in out.text
    assert out.subject == "Re: Quote {{ 7*7 }}"
    assert "49" not in out.text


def test_subject_from_content_with_newlines_stays_one_line(templates: Templates) -> None:
    out = templates.render("follow_up", follow_up_context(subject="Hi\r\nBcc: evil@example.com"))
    assert out.subject == "Re: Hi Bcc: evil@example.com"


def test_multi_line_sentence_is_quoted_line_by_line(templates: Templates) -> None:
    out = templates.render("follow_up", follow_up_context(sentence="First line.\nSecond line."))
    assert "> First line.\n> Second line." in out.text


def test_unknown_name_is_a_programming_error(templates: Templates) -> None:
    with pytest.raises(ValueError):
        templates.render("newsletter", {})


def test_defaults_pass_check(templates: Templates) -> None:
    assert templates.check() == []


# --------------------------------------------------------------------------- overrides and errors


def test_override_replaces_one_template_only() -> None:
    custom = Templates(FIXTURES / "override")
    out = custom.render("follow_up", follow_up_context(step=2))
    assert out.subject == "Custom nudge: Brightline homepage"
    assert "Custom follow-up, step 2." in out.text
    assert "Thank you for the call" in custom.render("feedback_request", feedback_context(NOW)).subject
    assert custom.render("digest", digest_context()).html is not None
    assert custom.check() == []


def test_missing_override_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        Templates(tmp_path / "nowhere")
    assert isinstance(caught.value, ConfigError)
    assert caught.value.exit_code == 2


def test_syntax_error_names_file_and_line() -> None:
    broken = Templates(FIXTURES / "broken")
    with pytest.raises(TemplateError) as caught:
        broken.render("agenda", agenda_context())
    message = str(caught.value)
    assert "agenda.txt" in message and "broken" in message
    assert re.search(r"line \d+", message)
    assert "\n" not in message
    # The other templates still render, and check() reports only the broken one.
    broken.render("follow_up", follow_up_context())
    problems = broken.check()
    assert len(problems) == 1 and "agenda.txt" in problems[0]


def test_undefined_value_names_file_and_line() -> None:
    undefined = Templates(FIXTURES / "undefined")
    with pytest.raises(TemplateError) as caught:
        undefined.render("feedback_request", feedback_context(NOW))
    message = str(caught.value)
    assert "feedback_request.txt" in message
    assert "line 4" in message
    assert "'contact' is undefined" in message
    assert caught.value.line == 4
    assert any("feedback_request.txt" in p for p in undefined.check())


@pytest.mark.parametrize("folder", ["escape", "escape_call", "mutate"])
def test_sandbox_blocks_escapes(folder: str) -> None:
    sandboxed = Templates(FIXTURES / folder)
    context = follow_up_context()
    with pytest.raises(TemplateError) as caught:
        sandboxed.render("follow_up", context)
    assert "follow_up.txt" in str(caught.value)
    assert "line 4" in str(caught.value)
    assert context["thread"]["subject"] == "Brightline homepage"


def test_huge_repetition_is_refused(tmp_path: Path) -> None:
    (tmp_path / "feedback_request.txt").write_text("Subject: {{ 'x' * 10**8 }}\n\nHi\n")
    with pytest.raises(TemplateError, match="feedback_request.txt"):
        Templates(tmp_path).render("feedback_request", feedback_context(NOW))


def test_missing_subject_line_is_reported() -> None:
    no_subject = Templates(FIXTURES / "no_subject")
    with pytest.raises(TemplateError, match=r"digest\.txt.*line 1.*Subject:"):
        no_subject.render("digest", digest_context())


def test_check_reports_a_misspelt_override() -> None:
    problems = Templates(FIXTURES / "typo").check()
    assert len(problems) == 1
    assert "folow_up.txt" in problems[0]


# --------------------------------------------------------------------------- build_email

MAYA = Address("Maya Lindqvist", "maya@lindqvist.studio")
JONAS_ADDR = Address("Jonas Weber", "jonas@brightline.example")
DATE = datetime(2026, 11, 19, 17, 30, tzinfo=ZoneInfo("America/New_York"))


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def build(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "from_addr": MAYA, "to": [JONAS_ADDR], "subject": "Re: Brightline homepage",
        "text": "Hi Jonas,\n\n> Could you send me the logo files?\n\nThanks,\nMaya\n",
        "message_id": "<abc123@lindqvist.studio>", "date": DATE,
    }
    arguments.update(overrides)
    return build_email(**arguments)


def test_message_id_is_unique_and_well_formed() -> None:
    ids = {make_message_id("Lindqvist.Studio") for _ in range(200)}
    assert len(ids) == 200
    for msg_id in ids:
        assert re.fullmatch(r"<[0-9a-f]{32}@lindqvist\.studio>", msg_id)
    with pytest.raises(ValueError):
        make_message_id("bad domain\r\nX: y")


def test_plain_email_round_trips() -> None:
    raw = build()
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    message = parse(raw)
    assert message["Date"] == "Thu, 19 Nov 2026 17:30:00 -0500"
    assert message["Date"].datetime == DATE
    assert message["Message-ID"] == "<abc123@lindqvist.studio>"
    assert message["From"].addresses[0].display_name == "Maya Lindqvist"
    assert message["To"].addresses[0].addr_spec == "jonas@brightline.example"
    assert message["Subject"] == "Re: Brightline homepage"
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == "Hi Jonas,\n\n> Could you send me the logo files?\n\nThanks,\nMaya\n"
    assert "In-Reply-To" not in message and "References" not in message and "Cc" not in message


def test_threading_headers() -> None:
    raw = build(in_reply_to="parent@brightline.example",
                references=["<root@brightline.example>", "middle@lindqvist.studio"])
    message = parse(raw)
    assert message["In-Reply-To"] == "<parent@brightline.example>"
    assert message["References"].split() == [
        "<root@brightline.example>", "<middle@lindqvist.studio>", "<parent@brightline.example>"]


def test_long_reference_chain_keeps_first_and_last() -> None:
    chain = [f"<id{i}@example.com>" for i in range(40)]
    message = parse(build(in_reply_to=chain[-1], references=chain))
    kept = message["References"].split()
    assert len(kept) == 20
    assert kept[0] == chain[0]
    assert kept[1:] == chain[-19:]


def test_long_exchange_ids_are_folded_not_encoded() -> None:
    long_id = "<DB9PR01MB1234567890ABCDEF1234567890ABCDEF1234567890@DB9PR01MB1234.eurprd01.prod.outlook.com>"
    raw = build(in_reply_to=long_id, references=[long_id.replace("DB9", "AM6"), long_id])
    assert b"=?utf-8?" not in raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    message = parse(raw)
    assert message["In-Reply-To"] == long_id
    assert message["References"].split()[-1] == long_id


def test_non_ascii_names_and_subject_are_encoded() -> None:
    raw = build(from_addr=Address("Maja Lindqvist-Öberg", "maya@lindqvist.studio"),
                to=[Address("Jörg Weber, \"JW\"", "jorg@brightline.example")],
                cc=[Address("Zoë Ñúñez", "zoe@brightline.example"), Address("", "ops@brightline.example")],
                subject="Re: Überarbeitung der Startseite – Entwurf", text="Grüße,\nMaya\n")
    assert raw.isascii()
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in header
    message = parse(raw)
    assert message["From"].addresses[0].display_name == "Maja Lindqvist-Öberg"
    assert message["To"].addresses[0].display_name == 'Jörg Weber, "JW"'
    assert [a.display_name for a in message["Cc"].addresses] == ["Zoë Ñúñez", ""]
    assert message["Subject"] == "Re: Überarbeitung der Startseite – Entwurf"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content().replace("\r\n", "\n") == "Grüße,\nMaya\n"


def test_html_makes_multipart_alternative() -> None:
    message = parse(build(html="<p>Hi Jonas</p>"))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[1].get_content().replace("\r\n", "\n") == "<p>Hi Jonas</p>\n"
    assert all("MIME-Version" not in p for p in parts)


def test_header_injection_is_blocked() -> None:
    raw = build(subject="Hi\r\nBcc: evil@example.com",
                to=[Address("Jonas\r\nBcc: evil@example.com", "jonas@brightline.example")],
                in_reply_to="<x@y>\r\nBcc: evil@example.com",
                extra_headers={"X-Mailflow-Key\r\nBcc": "follow_up:12:1\nBcc: evil@example.com"})
    message = parse(raw)
    assert "Bcc" not in message
    assert not re.search(rb"^Bcc:", raw, re.MULTILINE | re.IGNORECASE)
    assert message["Subject"] == "Hi Bcc: evil@example.com"
    assert message["X-Mailflow-KeyBcc"] == "follow_up:12:1 Bcc: evil@example.com"
    assert [a.addr_spec for a in message["To"].addresses] == ["jonas@brightline.example"]


def test_unicode_line_separators_are_stripped() -> None:
    message = parse(build(subject="Hi\u2028Bcc: a@b.c\x85\x0bthere\x00"))
    assert message["Subject"] == "Hi Bcc: a@b.c there"


def test_extra_headers_cannot_replace_own_headers() -> None:
    with pytest.raises(ValueError):
        build(extra_headers={"Message-ID": "<other@example.com>"})
    message = parse(build(extra_headers={"Auto-Submitted": "auto-generated"}))
    assert message["Auto-Submitted"] == "auto-generated"


def test_naive_date_is_refused() -> None:
    with pytest.raises(ValueError):
        build(date=datetime(2026, 11, 19, 17, 30))


def test_rendered_email_end_to_end(templates: Templates) -> None:
    rendered = templates.render("digest", digest_context())
    raw = build(subject=rendered.subject, text=rendered.text, html=rendered.html,
                to=[MAYA], date=NOW, message_id=make_message_id("lindqvist.studio"))
    message = parse(raw)
    assert message["Subject"] == rendered.subject
    assert message["Date"].datetime.utcoffset() == timedelta(hours=1)
    text, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    assert text == rendered.text
    assert html == rendered.html


def test_date_keeps_offset_for_utc() -> None:
    message = parse(build(date=datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)))
    assert message["Date"].endswith("+0000")
