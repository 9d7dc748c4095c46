"""Parse stage: the fixture corpus in tests/fixtures/eml plus the pure helpers."""

from __future__ import annotations

import base64
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailflow import parse as parse_module
from mailflow.parse import (
    SCAN_LIMIT,
    extract_new_text,
    html_to_text,
    normalize_subject,
    parse,
    parse_addresses,
    split_raw,
)
from mailflow.records import Address, Attachment, Message, RawMessage, TextPart

FIXTURES = Path(__file__).parent / "fixtures" / "eml"
USER = frozenset({"maya@example.com"})


def load(name: str) -> Message:
    return parse(split_raw((FIXTURES / name).read_bytes(), folder="INBOX", uid=7), USER)


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# A message that parses without a single note: the parser must not invent problems.
CLEAN = [
    "apple-mail-reply.eml", "attachment-pdf.eml", "auto-reply-ooo.eml", "auto-submitted.eml",
    "bounce-dsn.eml", "calendar-invite.eml", "crlf-line-endings.eml", "empty-plain-part.eml",
    "forwarded.eml", "french-gmail-reply.eml", "german-outlook-reply.eml",
    "gmail-reply-html.eml", "gmail-reply.eml", "html-only.eml", "inline-reply.eml",
    "latin1-no-charset.eml", "list-mail.eml", "multipart-alternative.eml",
    "nested-multipart-mixed.eml", "noreply-sender.eml", "outlook-original-message.eml",
    "outlook-reply-html.eml", "outlook-reply.eml", "raw-8bit-headers.eml",
    "references-junk.eml", "rfc2047-subject-base64-utf8.eml", "rfc2047-subject-qp.eml",
    "sent-from-iphone.eml", "signature-dashdash.eml", "thunderbird-reply.eml",
]


def test_corpus_size() -> None:
    assert 25 <= len(list(FIXTURES.glob("*.eml"))) <= 40


@pytest.mark.parametrize("name", CLEAN)
def test_clean_fixture_has_no_errors(name: str) -> None:
    message = load(name)
    assert message.errors == ()
    assert message.from_addr is not None
    assert message.date is not None and message.date.tzinfo is not None


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
def test_every_fixture_parses_the_same_twice(name: str) -> None:
    first, second = load(name), load(name)
    assert first == second
    assert len(first.content_hash) == 64


# ---------------------------------------------------------------- replies


def test_gmail_reply() -> None:
    message = load("gmail-reply.eml")
    assert message.new_text == (
        "Hi Maya,\n\n"
        "Thanks for the draft, the new header works really well.\n"
        "I'll send you the final copy for the About page by Thursday.\n\n"
        "Best,\nAnna"
    )
    assert "mockups" not in message.new_text
    assert message.message_id == "CAH7qw3+anna.0304@mail.example.org"
    assert message.in_reply_to == "maya.draft.0303@example.com"
    assert message.references == ("kickoff.0226@example.org", "maya.draft.0303@example.com")
    assert message.from_addr == Address("Anna Berg", "anna@example.org")
    assert message.to == (Address("Maya Lind", "maya@example.com"),)
    assert message.cc == (Address("Reyes, Tom", "tom@example.net"),)
    assert message.date == datetime(2025, 3, 4, 9, 15, 32, tzinfo=tz(1))
    assert message.date.utcoffset() == timedelta(hours=1)
    assert message.direction == "incoming"
    assert message.automated == ()
    assert message.subject == "Re: Homepage redesign - first draft"


def test_gmail_reply_html() -> None:
    message = load("gmail-reply-html.eml")
    assert message.new_text == (
        "Hi Maya,\n\nWorks for me & the team. Let's talk on Wednesday at 3pm.\n\nAnna"
    )
    assert "invoice" not in message.new_text


def test_outlook_reply_plain_is_outgoing() -> None:
    message = load("outlook-reply.eml")
    assert message.new_text == (
        "Hi Tom,\n\nYes, I can do the workshop on 12 March. I'll confirm the room by Monday."
        "\n\nKind regards,\nMaya"
    )
    assert "quote" not in message.new_text
    assert message.direction == "outgoing"
    assert message.date == datetime(2025, 3, 7, 16, 20, 11, tzinfo=timezone.utc)


def test_outlook_reply_html_cuts_at_divrplyfwdmsg() -> None:
    message = load("outlook-reply-html.eml")
    assert message.new_text == (
        "Hi Maya,\n\nThe contract for \u20ac4,500 is signed. I will post it to you on Monday."
        "\n\nJonas"
    )
    assert "return it by Friday" not in message.new_text


def test_apple_mail_reply_plain_and_html_agree() -> None:
    expected = (
        "Hi Maya,\n\nSounds good. I\u2019ll review the proposal over the weekend and get back"
        " to you on Monday.\n\nTom"
    )
    message = load("apple-mail-reply.eml")
    assert message.new_text == expected
    assert message.date == datetime(2025, 3, 7, 8, 5, 44, tzinfo=tz(-5))

    raw = split_raw((FIXTURES / "apple-mail-reply.eml").read_bytes())
    html_only = RawMessage(
        folder="INBOX", uid=1, flags=(), size=raw.size, header=raw.header,
        parts=tuple(part for part in raw.parts if part.content_type == "text/html"),
        attachments=(),
    )
    from_html = parse(html_only, USER)
    assert from_html.new_text == expected
    assert "estimate is final" not in from_html.new_text


def test_thunderbird_reply_drops_cite_prefix_and_signature() -> None:
    message = load("thunderbird-reply.eml")
    assert message.new_text == (
        "Hello Anna,\n\nI fixed the contact form. I will deploy it to staging tonight."
    )
    assert message.direction == "outgoing"


def test_german_outlook_reply() -> None:
    message = load("german-outlook-reply.eml")
    assert message.new_text == (
        "Hallo Maya,\n\nvielen Dank f\u00fcr das Angebot. Ich schicke Ihnen die Logos bis"
        " Mittwoch.\n\nViele Gr\u00fc\u00dfe\nJonas Weber"
    )
    assert "Freitag" not in message.new_text
    assert normalize_subject(message.subject) == "angebot relaunch"


def test_french_gmail_reply() -> None:
    message = load("french-gmail-reply.eml")
    assert message.new_text == (
        "Bonjour Maya,\n\nMerci, je vous envoie les textes d\u00e9finitifs vendredi.\n\nZo\u00eb"
    )
    assert message.from_addr == Address("Zo\u00eb Faure", "zoe@example.org")


def test_forward_keeps_only_the_note_above_it() -> None:
    message = load("forwarded.eml")
    assert message.new_text == (
        "Hi Maya,\n\nForwarding the brief from our marketing lead. Can you send me a rough"
        " estimate by Friday?\n\nThanks,\nAnna"
    )
    assert "photographer" not in message.new_text


def test_outlook_original_message_separator() -> None:
    assert load("outlook-original-message.eml").new_text == (
        "Maya,\n\nPayment is scheduled for the 20th.\n\nTom"
    )


def test_dash_dash_signature_is_dropped() -> None:
    message = load("signature-dashdash.eml")
    assert message.new_text == (
        "Hi Anna,\n\nThe staging site is live. I'll walk you through it on our call tomorrow."
        "\n\nMaya"
    )
    assert "24 hours" not in message.new_text


def test_sent_from_iphone_footer_and_quote_are_dropped() -> None:
    assert load("sent-from-iphone.eml").new_text == "Perfect, see you Thursday at 10."


def test_inline_reply_keeps_answers_between_quotes() -> None:
    assert load("inline-reply.eml").new_text == (
        "Yes, I'll upload them to the shared folder tonight.\n\n"
        "I'll send it on Friday together with the timesheet."
    )


# ---------------------------------------------------------------- automated mail


@pytest.mark.parametrize(("name", "reasons"), [
    ("auto-reply-ooo.eml", ("auto-submitted", "out-of-office")),
    ("auto-submitted.eml", ("auto-submitted",)),
    ("list-mail.eml", ("precedence:list", "list-id", "list-unsubscribe")),
    ("noreply-sender.eml", ("no-reply",)),
    ("bounce-dsn.eml", ("auto-submitted", "no-reply", "delivery-status")),
    ("gmail-reply.eml", ()),
    ("calendar-invite.eml", ()),
])
def test_automated_reasons(name: str, reasons: tuple[str, ...]) -> None:
    assert load(name).automated == reasons


def test_list_id_and_lowercased_noreply_address() -> None:
    assert load("list-mail.eml").list_id == "design-weekly.example.org"
    assert load("gmail-reply.eml").list_id is None
    assert load("noreply-sender.eml").from_addr == Address("Example Cloud", "no-reply@example.net")


def test_bounce_keeps_the_returned_message_out_of_new_text() -> None:
    message = load("bounce-dsn.eml")
    assert [a.content_type for a in message.attachments] == [
        "message/delivery-status", "message/rfc822"]
    assert "Host or domain name not found" in message.new_text
    assert "detailed estimate" not in message.new_text


def automated_for(header_lines: str, subject: str = "Hello") -> tuple[str, ...]:
    header = (f"From: Someone <someone@example.org>\nSubject: {subject}\n{header_lines}\n").encode()
    raw = RawMessage(folder="", uid=None, flags=(), size=0, header=header, parts=(), attachments=())
    return parse(raw, USER).automated


@pytest.mark.parametrize("subject", [
    "Out of Office: Quote", "Automatic reply: Re: Invoice", "Autoreply: holidays",
    "Abwesenheitsnotiz: Angebot", "R\u00e9ponse automatique : Devis", "Auto: Re: Brief",
    "Away from the office until Monday",
])
def test_out_of_office_subjects(subject: str) -> None:
    assert automated_for("", subject) == ("out-of-office",)


@pytest.mark.parametrize(("lines", "reasons"), [
    ("Auto-Submitted: no", ()),
    ("Auto-Submitted: No (manual)", ()),
    ("Precedence: bulk", ("precedence:bulk",)),
    ("Precedence: junk", ("precedence:junk",)),
    ("Precedence: first-class", ()),
    ("X-Autorespond: yes", ("out-of-office",)),
    ("Content-Type: multipart/report; report-type=disposition-notification", ("read-receipt",)),
])
def test_automated_header_cases(lines: str, reasons: tuple[str, ...]) -> None:
    assert automated_for(lines) == reasons


@pytest.mark.parametrize("address", [
    "noreply@example.org", "do-not-reply@example.org", "donotreply@example.org",
    "postmaster@example.org", "notifications@example.org", "no_reply+billing@example.org",
])
def test_no_reply_senders(address: str) -> None:
    header = f"From: {address}\n".encode()
    raw = RawMessage(folder="", uid=None, flags=(), size=0, header=header, parts=(), attachments=())
    assert parse(raw, USER).automated == ("no-reply",)


def test_person_with_reply_in_name_is_not_no_reply() -> None:
    header = b"From: Replyn Smith <replyn@example.org>\n"
    raw = RawMessage(folder="", uid=None, flags=(), size=0, header=header, parts=(), attachments=())
    assert parse(raw, USER).automated == ()


# ---------------------------------------------------------------- MIME damage


def test_broken_boundary_is_recovered() -> None:
    message = load("broken-boundary.eml")
    assert message.new_text == "The timeline works for us. I'll share it with the board on Tuesday."
    assert message.errors == ("broken multipart boundary, recovered",)


def test_multipart_without_any_part_structure_is_read_as_text() -> None:
    data = (b"From: a@example.org\nContent-Type: multipart/mixed; boundary=\"zzz\"\n\n"
            b"Just a sentence, no parts at all.\n")
    message = parse(split_raw(data), USER)
    assert message.new_text == "Just a sentence, no parts at all."
    assert "broken multipart boundary, read as text" in message.errors


def test_unclosed_multipart_is_noted() -> None:
    data = (b"From: a@example.org\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
            b"--b\nContent-Type: text/plain\n\nThe end is missing.\n")
    message = parse(split_raw(data), USER)
    assert message.new_text == "The end is missing."
    assert "multipart not closed" in message.errors


def test_broken_base64_is_decoded_best_effort() -> None:
    message = load("broken-base64.eml")
    assert message.new_text == (
        "Hi Maya,\n\nthe files are on the server. I\u2019ll check the colours tomorrow.\n\nLea"
    )
    assert message.errors == ("broken base64",)


def test_missing_message_id_falls_back_to_content_hash() -> None:
    message = load("no-message-id.eml")
    assert message.message_id is None
    assert message.dedup_key == f"hash:{message.content_hash}"
    assert message.errors == ("no Message-ID header",)


def test_content_hash_ignores_line_endings_and_trace_headers() -> None:
    data = (FIXTURES / "no-message-id.eml").read_bytes()
    crlf = b"Received: from relay.example.net by mx.example.com\r\nStatus: RO\r\n" + (
        data.replace(b"\n", b"\r\n"))
    assert parse(split_raw(crlf), USER).content_hash == load("no-message-id.eml").content_hash


def test_content_hash_changes_with_the_new_text() -> None:
    data = (FIXTURES / "no-message-id.eml").read_bytes()
    other = data.replace(b"login for the staging site", b"login for the live site")
    assert parse(split_raw(other), USER).content_hash != load("no-message-id.eml").content_hash


def test_no_date() -> None:
    message = load("no-date.eml")
    assert message.date is None
    assert message.errors == ("no Date header",)


def test_minus_0000_date_is_utc_with_a_note() -> None:
    message = load("date-minus-0000.eml")
    assert message.date == datetime(2025, 3, 12, 8, 0, tzinfo=timezone.utc)
    assert message.date.utcoffset() == timedelta(0)
    assert message.errors == ("Date has no timezone, assumed UTC",)


def test_unparseable_date() -> None:
    message = load("unparseable-date.eml")
    assert message.date is None
    assert message.errors == ("unparseable Date 'sometime next week'",)


def test_empty_body() -> None:
    message = load("empty-body.eml")
    assert message.new_text == ""
    assert message.errors == ("empty body",)


def test_nul_bytes_are_removed() -> None:
    message = load("nul-bytes.eml")
    assert message.new_text == "The export finished. I will send the CSV after lunch."
    assert message.errors == ("NUL bytes removed",)


def test_garbage_bytes_never_raise() -> None:
    garbage = random.Random(7).randbytes(20_000)
    message = parse(split_raw(garbage), USER)
    assert message.from_addr is None
    assert "no From header" in message.errors
    assert "no Date header" in message.errors


def test_empty_input() -> None:
    message = parse(split_raw(b""), USER)
    assert message.errors == ("no Message-ID header", "no From header", "empty body",
                              "no Date header")
    assert message.size == 0


def test_headers_only_message_and_mbox_from_line() -> None:
    data = b"From anna@example.org Tue Mar  4 09:15:32 2025\nFrom: anna@example.org\nSubject: Hi"
    raw = split_raw(data)
    assert raw.header.startswith(b"From: anna@example.org")
    message = parse(raw, USER)
    assert message.subject == "Hi"
    assert message.from_addr == Address("", "anna@example.org")


def test_five_megabytes_of_text_is_capped_and_fast() -> None:
    data = (b"From: a@example.org\nDate: Tue, 4 Mar 2025 09:15:32 +0100\nMessage-ID: <big@x>\n"
            b"Content-Type: text/plain; charset=utf-8\n\n"
            + b"I will send the final files on Friday, promised.\n" * 110_000)
    assert len(data) > 5_000_000
    start = time.perf_counter()
    message = parse(split_raw(data), USER)
    assert time.perf_counter() - start < 2.0
    assert message.errors == ("body truncated",)
    assert 0 < len(message.new_text) <= SCAN_LIMIT


def test_huge_base64_html_is_capped() -> None:
    html = b"<p>I will send the final files on Friday.</p>\n" * 120_000
    data = (b"From: a@example.org\nContent-Type: text/html; charset=utf-8\n"
            b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(html))
    message = parse(split_raw(data), USER)
    assert "body truncated" in message.errors
    assert message.new_text.startswith("I will send the final files on Friday.\n\n")


def test_parse_guard_turns_a_crash_into_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(parse_module, "_body_text", explode)
    message = load("gmail-reply.eml")
    assert message.errors == ("parse failed: RuntimeError",)
    assert message.new_text == ""


# ---------------------------------------------------------------- RawMessage from IMAP


HEADER = (b"From: Anna Berg <anna@example.org>\r\nTo: maya@example.com\r\n"
          b"Date: Tue, 4 Mar 2025 09:15:32 +0100\r\nMessage-ID: <imap.1@example.org>\r\n"
          b"Subject: Re: Draft\r\n\r\n")


def raw_with(*parts: TextPart, error: str | None = None) -> RawMessage:
    return RawMessage(folder="INBOX", uid=42, flags=("\\Seen",), size=4096, header=HEADER,
                      parts=parts, attachments=(), error=error)


def test_parse_works_from_header_bytes_and_text_parts_alone() -> None:
    part = TextPart("text/plain", "UTF-8", "quoted-printable",
                    b"Gr=C3=BC=C3=9Fe, I'll call you on Monday.\r\n\r\n"
                    b"On Mon, 3 Mar 2025 at 17:40, Maya <maya@example.com> wrote:\r\n> old\r\n")
    message = parse(raw_with(part), USER)
    assert message.new_text == "Gr\u00fc\u00dfe, I'll call you on Monday."
    assert message.errors == ()
    assert message.size == 4096


def test_truncated_part_is_noted_and_cut_character_is_not_an_error() -> None:
    encoded = base64.b64encode("Caf\u00e9 plans: I will send the menu.\n".encode() * 50)
    part = TextPart("text/plain", "utf-8", "base64", encoded[:301], truncated=True)
    message = parse(raw_with(part), USER)
    assert message.errors == ("body truncated",)
    assert message.new_text.startswith("Caf\u00e9 plans: I will send the menu.")
    assert "\ufffd" not in message.new_text


def test_source_error_is_kept() -> None:
    message = parse(raw_with(error="FETCH failed for BODY[1]"), USER)
    assert message.errors[0] == "FETCH failed for BODY[1]"


@pytest.mark.parametrize(("charset", "payload", "text", "note"), [
    (None, "na\u00efve caf\u00e9".encode("utf-8"), "na\u00efve caf\u00e9", None),
    (None, "\u201ccaf\u00e9\u201d".encode("cp1252"), "\u201ccaf\u00e9\u201d", None),
    ("us-ascii", "caf\u00e9".encode("latin-1"), "caf\u00e9", None),
    ("iso-8859-1", "\u20ac 40".encode("cp1252"), "\u20ac 40", None),
    ("x-unknown-thing", "\u00e9t\u00e9".encode(), "\u00e9t\u00e9",
     "unknown charset 'x-unknown-thing'"),
    ("base64", b"plain", "plain", "unknown charset 'base64'"),
    ("utf-8", b"broken \xff byte", "broken \ufffd byte", "invalid utf-8 bytes replaced"),
    ("windows-1251", "\u041f\u0440\u0438\u0432\u0435\u0442".encode("cp1251"),
     "\u041f\u0440\u0438\u0432\u0435\u0442", None),
])
def test_charset_fallbacks(charset: str | None, payload: bytes, text: str,
                           note: str | None) -> None:
    message = parse(raw_with(TextPart("text/plain", charset, "8bit", payload)), USER)
    assert message.new_text == text
    assert message.errors == ((note,) if note else ())


def test_unknown_transfer_encoding_is_noted() -> None:
    message = parse(raw_with(TextPart("text/plain", "utf-8", "x-gzip64", b"as is")), USER)
    assert message.new_text == "as is"
    assert message.errors == ("unknown transfer encoding 'x-gzip64'",)


def test_html_is_used_only_when_plain_is_missing() -> None:
    plain = TextPart("text/plain", "utf-8", None, b"Plain wins.")
    html = TextPart("text/html", "utf-8", None, b"<p>HTML loses.</p>")
    assert parse(raw_with(plain, html), USER).new_text == "Plain wins."
    assert parse(raw_with(html), USER).new_text == "HTML loses."


# ---------------------------------------------------------------- charsets and headers


def test_latin1_without_charset() -> None:
    assert load("latin1-no-charset.eml").new_text == (
        "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 die Fotos f\u00fcr das Caf\u00e9 kommen am Freitag."
    )


def test_bogus_charset_label() -> None:
    message = load("bogus-charset.eml")
    assert message.new_text == "Les textes sont pr\u00eats, je les envoie ce soir."
    assert message.errors == ("unknown charset 'x-bogus-8'",)


def test_rfc2047_quoted_printable_subject_and_name() -> None:
    message = load("rfc2047-subject-qp.eml")
    assert message.subject == "Angebot f\u00fcr die neue Website"
    assert message.from_addr == Address("J\u00f6rg M\u00fcller", "joerg.mueller@example.net")


def test_rfc2047_base64_subject_split_across_folded_words() -> None:
    message = load("rfc2047-subject-base64-utf8.eml")
    assert message.subject == "Re: Zeitplan f\u00fcr Phase 2 \u2013 R\u00fcckmeldung \U0001f680"
    assert message.to == (Address("Berg, Anna", "anna@example.org"),
                          Address("Tom", "tom@example.net"))


def test_raw_8bit_headers_fall_back_to_utf8_then_latin1() -> None:
    message = load("raw-8bit-headers.eml")
    assert message.subject == "R\u00fcckfrage zum Entwurf"
    assert message.from_addr == Address("Zo\u00eb Faure", "zoe@example.org")
    assert message.cc == (Address("Jos\u00e9 \u00c1lvarez", "jose@example.net"),)


def test_references_with_folding_and_junk() -> None:
    message = load("references-junk.eml")
    assert message.message_id == "20250311.refs.anna@example.org"
    assert message.in_reply_to == "maya.home.2@example.com"
    assert message.references == (
        "kickoff.0226@example.org", "maya.home.1@example.com", "maya.home.2@example.com")


def test_crlf_message() -> None:
    raw = split_raw((FIXTURES / "crlf-line-endings.eml").read_bytes())
    assert raw.header.endswith(b"\r\n\r\n")
    message = parse(raw, USER)
    assert message.subject == "Hosting contract renewal"
    assert "\r" not in message.new_text
    assert message.new_text == (
        "Hi Maya,\n\nThe hosting contract renews automatically, so there is nothing to do on"
        " your side before the end of the month. I will double-check the invoice address"
        " tomorrow.\n\nTom"
    )


@pytest.mark.parametrize(("subject", "expected", "note"), [
    ("=?x-unknown?q?caf=C3=A9?=", "caf\u00e9", "Subject: unknown charset 'x-unknown'"),
    ("=?utf-8?q?Hello=0D=0ABcc:_evil@example.org?=", "Hello Bcc: evil@example.org", None),
    ("Path C:\\u00e9 =?utf-8?q?ok?=", "Path C:\\u00e9 ok", None),
    ("=?iso-8859-1?q?caf=E9?= =?utf-8?q?_na=C3=AFve?=", "caf\u00e9 na\u00efve", None),
])
def test_subject_decoding_edge_cases(subject: str, expected: str, note: str | None) -> None:
    header = ("From: a@example.org\nMessage-ID: <s@x>\n"
              f"Date: Tue, 4 Mar 2025 09:15:32 +0100\nSubject: {subject}\n")
    raw = RawMessage(folder="", uid=None, flags=(), size=0, header=header.encode(),
                     parts=(TextPart("text/plain", None, None, b"x"),), attachments=())
    message = parse(raw, USER)
    assert message.subject == expected
    assert message.errors == ((note,) if note else ())


def test_outgoing_matches_case_insensitively() -> None:
    raw = RawMessage(folder="Sent", uid=1, flags=(), size=0,
                     header=b"From: Maya Lind <Maya@Example.COM>\n", parts=(), attachments=())
    assert parse(raw, USER).direction == "outgoing"


@pytest.mark.parametrize(("value", "expected"), [
    ("Anna Berg <Anna@Example.org>", (Address("Anna Berg", "anna@example.org"),)),
    ('"Berg, Anna" <anna@example.org>, tom@example.net',
     (Address("Berg, Anna", "anna@example.org"), Address("", "tom@example.net"))),
    ("=?utf-8?q?Berg=2C_Anna?= <anna@example.org>", (Address("Berg, Anna", "anna@example.org"),)),
    ("anna@example.org (Anna Berg)", (Address("Anna Berg", "anna@example.org"),)),
    ("'Tom Reyes' <tom@example.net>", (Address("Tom Reyes", "tom@example.net"),)),
    ("undisclosed-recipients:;", ()),
    ("Team: anna@example.org, tom@example.net;",
     (Address("", "anna@example.org"), Address("", "tom@example.net"))),
    ("", ()),
])
def test_parse_addresses(value: str, expected: tuple[Address, ...]) -> None:
    assert parse_addresses(value) == expected


# ---------------------------------------------------------------- structure


def test_html_only() -> None:
    message = load("html-only.eml")
    assert message.new_text == (
        "Hi Maya,\n\nHere is the agenda for Friday & the budget (\u20ac2,000):\n\n"
        "- Review the mockups\n- Agree on the launch date\n\n"
        "I\u2019ll send the minutes afterwards.\nLea"
    )
    assert "tracking" not in message.new_text


def test_multipart_alternative_prefers_plain() -> None:
    assert load("multipart-alternative.eml").new_text == "I'll send the signed NDA on Monday."


def test_empty_plain_part_falls_back_to_html() -> None:
    assert load("empty-plain-part.eml").new_text == "Let's schedule the kickoff for next Tuesday."


def test_pdf_attachment() -> None:
    message = load("attachment-pdf.eml")
    assert message.attachments == (Attachment("Quote 2025-014.pdf", "application/pdf", 1250),)
    assert message.new_text == (
        "Hi Tom, the quote is attached. I will hold these dates until 21 March.")
    assert message.direction == "outgoing"


def test_nested_multipart_attachments_and_attached_message() -> None:
    message = load("nested-multipart-mixed.eml")
    assert message.attachments[:2] == (
        Attachment("logo.png", "image/png", 67),
        Attachment("Angebot M\u00fcller.docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 304),
    )
    attached = message.attachments[2]
    assert attached.content_type == "message/rfc822" and attached.size > 200
    assert message.new_text == (
        "Hi Maya, here is everything for the relaunch. I'll send the copy on Monday.")
    assert "pay the invoice" not in message.new_text


def test_split_raw_keeps_payloads_encoded() -> None:
    data = (FIXTURES / "nested-multipart-mixed.eml").read_bytes()
    raw = split_raw(data, "Archive", 9, ("\\Seen",))
    assert (raw.folder, raw.uid, raw.flags) == ("Archive", 9, ("\\Seen",))
    assert [(p.content_type, p.charset) for p in raw.parts] == [
        ("text/plain", "utf-8"), ("text/html", "utf-8")]
    cal = split_raw((FIXTURES / "calendar-invite.eml").read_bytes()).parts[-1]
    assert (cal.content_type, cal.transfer_encoding) == ("text/calendar", "base64")
    assert cal.payload.startswith(b"QkVHSU46VkNBTEVOREFS")


def test_calendar_invite() -> None:
    message = load("calendar-invite.eml")
    assert message.calendar is not None
    assert message.calendar.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Homepage review" in message.calendar
    assert message.attachments == (Attachment("invite.ics", "application/ics", 361),)
    assert message.new_text == (
        "You have been invited to Homepage review on Friday 14 March at 15:00.")
    assert "BEGIN:VCALENDAR" not in message.new_text


def test_message_without_calendar() -> None:
    assert load("gmail-reply.eml").calendar is None


# ---------------------------------------------------------------- extract_new_text


@pytest.mark.parametrize("history", [
    "On Mon, 3 Mar 2025 at 17:40, Maya Lind <maya@example.com> wrote:\n> old promise",
    "On Mon, Mar 3, 2025 at 5:40 PM Maya Lind <\nmaya@example.com> wrote:\n> old promise",
    "Am Mo., 3. M\u00e4rz 2025 um 17:40 Uhr schrieb Maya Lind <maya@example.com>:\nold promise",
    "Am 03.03.2025 um 17:40 schrieb Maya Lind\n<maya@example.com>:\nold promise",
    "Le lun. 3 mars 2025 \u00e0 17:40, Maya <maya@example.com> a \u00e9crit :\nold promise",
    "El lun, 3 mar 2025 a las 17:40, Maya (<maya@example.com>) escribi\u00f3:\nold promise",
    "Op ma 3 mrt 2025 om 17:40 schreef Maya <maya@example.com>:\nold promise",
    "Il giorno lun 3 mar 2025 alle ore 17:40 Maya <maya@example.com> ha scritto:\nold promise",
    "On 3/3/25 17:40, Maya Lind wrote:\nold promise",
    "Maya Lind <maya@example.com> wrote:\nold promise",
    "-----Original Message-----\nFrom: Maya\nold promise",
    "________________________________\nFrom: Maya Lind <maya@example.com>\nold promise",
    "From: Maya Lind <maya@example.com>\nSent: Monday, March 3, 2025 5:40 PM\nTo: Anna\n"
    "Subject: Draft\n\nold promise",
    "*From:* Maya Lind <maya@example.com>\n*Sent:* Monday\n*To:* Anna\n\nold promise",
    "Von: Maya Lind <maya@example.com>\nGesendet: Montag, 3. M\u00e4rz 2025\nAn: Anna\n"
    "Betreff: Entwurf\nold promise",
    "De : Maya Lind\nEnvoy\u00e9 : lundi 3 mars 2025 17:40\n\u00c0 : Anna\n"
    "Objet : Maquette\nold promise",
    "---------- Forwarded message ---------\nFrom: Maya\nold promise",
    "Begin forwarded message:\n\nFrom: Maya\nold promise",
    "-------- Original Message --------\nold promise",
    "-------- Weitergeleitete Nachricht --------\nold promise",
    "-- \nMaya Lind\nold promise",
    "--\nMaya Lind\nold promise",
    "Sent from my iPhone\nold promise",
    "Get Outlook for iOS\nold promise",
    "Von meinem iPhone gesendet\nold promise",
])
def test_extract_cuts_at_marker(history: str) -> None:
    text = f"Thanks, that works.\nI'll send the files today.\n\n{history}\n"
    assert extract_new_text(text) == "Thanks, that works.\nI'll send the files today."


@pytest.mark.parametrize("text", [
    "On Friday at 3 I will forward what she wrote:\nthe list of pages.",
    "From: the design team, with love.\nSee you soon.",
    "Thanks,\nAnna",
    "Use -- to separate flags.\nOK?",
    "I sent from my office yesterday, it should arrive today.",
    "Le client a r\u00e9pondu hier.\nTout va bien.",
    "On Monday we launched the 2024 site.\nHere is what the client wrote:\nGreat work.",
])
def test_extract_keeps_ordinary_text(text: str) -> None:
    assert extract_new_text(text) == text


def test_extract_when_lower_casing_changes_the_length() -> None:
    # "\u0130".lower() is two characters, which shifts positions in the lowered text.
    text = "Hi\n\u0130stanbul office\nON Mon, 3 Mar 2025, Anna wrote:\nold promise"
    assert extract_new_text(text) == "Hi\n\u0130stanbul office"


def test_extract_drops_quote_lines_and_trailing_space() -> None:
    text = "  \n> quoted\nFirst line   \n>> deeper\n\n\n\nSecond line\t\n\n"
    assert extract_new_text(text) == "First line\n\nSecond line"


def test_extract_handles_crlf_and_cr() -> None:
    assert extract_new_text("Yes.\r\n-- \r\nMaya\r\n") == "Yes."
    assert extract_new_text("Yes.\r> old\rNo.") == "Yes.\nNo."


def test_extract_is_fast_on_megabytes() -> None:
    text = ("A line of text that goes on for a while, On and on.\n" * 40_000 +
            "> quoted\n" * 40_000)
    start = time.perf_counter()
    result = extract_new_text(text)
    assert time.perf_counter() - start < 0.5
    assert len(result) <= SCAN_LIMIT


def test_extract_empty() -> None:
    assert extract_new_text("") == ""
    assert extract_new_text("> all quoted\n> nothing new") == ""


# ---------------------------------------------------------------- normalize_subject


@pytest.mark.parametrize(("subject", "expected"), [
    ("Re: Fwd: Quote", "quote"),
    ("Accepted: Layout review @ Tue 24 Nov", "layout review @ tue 24 nov"),
    ("Updated invitation: Layout review @ Tue 24 Nov", "layout review @ tue 24 nov"),
    ("Abgesagt: Layout review", "layout review"),
    ("RE: RE: Quote", "quote"),
    ("Re[2]: Quote", "quote"),
    ("Re(3): Quote", "quote"),
    ("AW: WG: Angebot", "angebot"),
    ("SV: VS: Offert", "offert"),
    ("TR: Devis", "devis"),
    ("Re : Devis", "devis"),
    ("Fw: FWD:  Spring   Campaign ", "spring campaign"),
    ("[EXTERNAL] Re: [proj-x] Invoice 12", "invoice 12"),
    ("Rechnung M\u00e4rz", "rechnung m\u00e4rz"),
    ("Re: Stra\u00dfe", "strasse"),
    ("Reminder: call", "reminder: call"),
    ("\u56de\u590d\uff1a\u62a5\u4ef7", "\u62a5\u4ef7"),
    ("", ""),
])
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


# ---------------------------------------------------------------- html_to_text


def test_html_blocks_breaks_and_entities() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body>"
            "<script>alert('x')</script><div>One</div><div>Two<br>Three</div>"
            "<p>Caf&eacute; &amp; co&nbsp;&lt;ok&gt;</p><div><br></div><div><br></div>"
            "<div><br></div><div>End</div></body></html>")
    assert html_to_text(html) == "One\nTwo\nThree\n\nCaf\u00e9 & co <ok>\n\nEnd"


@pytest.mark.parametrize("quote", [
    '<div class="gmail_quote">On Mon Maya wrote:<blockquote>old promise</blockquote></div>',
    '<div class="gmail_quote_container"><div>old promise</div></div>',
    '<blockquote type="cite">old promise</blockquote>',
    '<div class="moz-cite-prefix">old promise</div>',
    '<div class="yahoo_quoted">old promise</div>',
    '<div id="yahoo_quoted_1234">old promise</div>',
    '<blockquote>old promise</blockquote>',
    '<div id="divRplyFwdMsg">From: Maya</div><div>old promise</div>',
    '<div id="appendonsend"></div><hr><div>old promise</div>',
])
def test_html_quote_containers_are_removed(quote: str) -> None:
    html = f"<body><div>New text.</div>{quote}</body>"
    assert html_to_text(html) == "New text."


def test_html_divrplyfwdmsg_removes_following_content_at_every_level() -> None:
    html = ("<body><div class='wrap'><div>Reply.</div><div><span id='divRplyFwdMsg'>From: x</span>"
            "<p>old one</p></div><p>old two</p></div><p>old three</p></body>")
    assert html_to_text(html) == "Reply."


def test_html_pre_keeps_its_layout_and_lists_get_bullets() -> None:
    html = "<ul><li>one</li><li>two</li></ul><pre>a\n  b</pre>"
    assert html_to_text(html) == "- one\n- two\n\na\n  b"


def test_html_edge_cases() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   ") == ""
    assert html_to_text("just text") == "just text"
    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) == "deep"


def test_a_date_beyond_what_utc_can_hold_is_noted_and_dropped() -> None:
    raw = split_raw(b"From: a@example.com\r\nDate: Fri, 31 Dec 9999 23:00:00 -1200\r\nSubject: x\r\n\r\nHi\r\n")
    message = parse(raw, frozenset())
    assert message.date is None and any("implausible Date" in e for e in message.errors)


def test_the_mailflow_marker_makes_only_the_users_own_mail_automated() -> None:
    def parsed(sender: str):
        header = f"From: {sender}\nX-Mailflow-Rule: follow_up\n".encode()
        return parse(RawMessage(folder="", uid=None, flags=(), size=0, header=header, parts=(), attachments=()), USER)

    own = next(iter(USER))
    assert parsed(own).automated == ("mailflow",)
    # A client who runs mailflow too still writes as a person: their reply counts as one.
    assert parsed("jonas@brightline.example").automated == ()


# Hostile input found by fuzzing: each used to cost the message its text or print a traceback.
def _plain(charset: str, body: bytes = b"Please send it by Friday.\n", headers: str = "") -> bytes:
    return (f"From: Anna <anna@example.com>\nTo: maya@example.com\nSubject: hi\n"
            f"Date: Wed, 18 Nov 2026 10:00:00 +0100\n{headers}"
            f"Content-Type: text/plain; charset={charset}\n\n").encode() + body


@pytest.mark.parametrize("charset", ["zlib", "rot13", "base64", "idna", "punycode", "unicode_escape", "undefined"])
def test_codecs_that_are_no_charsets_are_bogus_labels(charset: str) -> None:
    message = parse(split_raw(_plain(charset, b"Please send it by Friday. \xe9\n")), USER)
    assert message.new_text.startswith("Please send it by Friday.")
    assert any("unknown charset" in note for note in message.errors)


def test_utf7_lone_surrogates_are_replaced() -> None:
    data = _plain("utf-7", b"I will send it tomorrow. +2AA-\n").replace(b"Subject: hi", b"Subject: =?utf-7?q?hi+2AA-?=")
    message = parse(split_raw(data), USER)
    assert "\ufffd" in message.new_text and "\ufffd" in message.subject
    assert "I will send it tomorrow." in message.new_text
    message.new_text.encode("utf-8")  # storable and printable


def test_an_address_header_too_nested_for_the_email_package_keeps_its_addresses() -> None:
    header = "To: " + "a:" * 5000 + "maya@example.com\n"
    message = parse(split_raw(_plain("utf-8", headers=header).replace(b"To: maya@example.com\n", b"")), USER)
    assert message.new_text.startswith("Please send it by Friday.")
    assert [a.email for a in message.to] == ["maya@example.com"]
    assert any("unparseable To" in note for note in message.errors)


def test_html_nested_beyond_reason_is_read_without_its_structure(caplog: pytest.LogCaptureFixture) -> None:
    html = "<div>" * 5000 + "Please send it by Friday." + "</div>" * 5000
    assert html_to_text(html) == "Please send it by Friday."
    assert "read without its structure" in caplog.text
    caplog.clear()
    assert html_to_text("<div>" * 50 + "Fine." + "</div>" * 50) == "Fine."
    assert caplog.text == ""


def test_a_long_run_of_blanks_in_an_address_header_is_cheap() -> None:
    message = parse(split_raw(_plain("utf-8").replace(b"From: Anna <anna@example.com>",
                                                      b"From: Anna" + b" " * 40_000 + b"<anna@example.com>")), USER)
    assert message.from_addr == Address(name="Anna", email="anna@example.com")


def test_a_header_of_forty_thousand_encoded_words_is_cut() -> None:
    subject = b"Subject: " + b"=?utf-8?q?ab?= " * 40_000
    message = parse(split_raw(_plain("utf-8").replace(b"Subject: hi", subject)), USER)
    assert message.subject.startswith("ab") and len(message.subject) < 20_000
    assert any("Subject cut at" in note for note in message.errors)
