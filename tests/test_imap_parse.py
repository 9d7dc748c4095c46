"""FETCH response parsing and the BODYSTRUCTURE walk: what to fetch, what to describe."""

from __future__ import annotations

from mailflow.imap import _plan, parse_fetch_response
from mailflow.records import Attachment


def structure(text: bytes) -> list:
    return parse_fetch_response([b"1 (UID 1 BODYSTRUCTURE " + text + b")"])[1]["BODYSTRUCTURE"]


PLAIN = b'("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 1200 30 NIL NIL NIL NIL)'
HTML = b'("text" "html" ("charset" "utf-8") NIL NIL "base64" 5000 60 NIL NIL NIL NIL)'
PDF = (b'("application" "pdf" ("name" "quote.pdf") NIL NIL "base64" 400000 NIL '
       b'("attachment" ("filename" "quote.pdf")) NIL NIL)')


def test_fetch_response_with_literals_quoted_strings_and_nil() -> None:
    data = [
        (b'4 (UID 17 FLAGS (\\Seen $Forwarded) RFC822.SIZE 2345 BODYSTRUCTURE ("text" "plain" '
         b'("charset" "utf-8") NIL "a \\"quoted\\" (desc)" "7bit" 20 1 NIL NIL NIL NIL) BODY[HEADER] {19}',
         b"Subject: (hi) NIL\r\n"),
        b")",
        b"5 (FLAGS (\\Seen))",  # unsolicited, no UID: dropped
        (b"6 (UID 18 BODY[1]<0> {5}", b"hello"),
        b")",
    ]
    result = parse_fetch_response(data)
    assert sorted(result) == [17, 18]
    first = result[17]
    assert first["FLAGS"] == [b"\\Seen", b"$Forwarded"]
    assert first["RFC822.SIZE"] == b"2345"
    assert first["BODY[HEADER]"] == b"Subject: (hi) NIL\r\n"
    assert first["BODYSTRUCTURE"][4] == b'a "quoted" (desc)'
    assert first["BODYSTRUCTURE"][3] is None
    assert result[18]["BODY[1]<0>"] == b"hello"


def test_single_part_plain_text_is_section_1() -> None:
    plan = _plan(structure(PLAIN))
    assert [(s.section, s.content_type, s.charset, s.encoding, s.size) for s in plan.sections] == [
        ("1", "text/plain", "utf-8", "quoted-printable", 1200)]
    assert plan.attachments == () and plan.error is None


def test_alternative_inside_mixed_reads_plain_not_html_and_describes_the_pdf() -> None:
    plan = _plan(structure(b"((" + PLAIN + HTML + b' "alternative" ("boundary" "a") NIL NIL NIL)' + PDF +
                           b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [s.section for s in plan.sections] == ["1.1"]
    assert plan.attachments == (Attachment("quote.pdf", "application/pdf", 300000),)


def test_html_only_alternative_falls_back_to_html() -> None:
    plan = _plan(structure(b"(" + HTML + b'("image" "png" NIL "<logo>" NIL "base64" 900 NIL NIL NIL NIL)'
                           b' "related" ("boundary" "r") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/html")]
    assert plan.attachments == (Attachment(None, "image/png", 675),)


def test_calendar_part_is_read_and_text_attachments_are_not() -> None:
    calendar = b'("text" "calendar" ("charset" "utf-8" "method" "REQUEST") NIL NIL "7bit" 800 20 NIL NIL NIL NIL)'
    notes = (b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 90000 900 NIL '
             b'("attachment" ("filename" "notes.txt")) NIL NIL)')
    plan = _plan(structure(b"(" + PLAIN + calendar + notes + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/plain"), ("2", "text/calendar")]
    assert plan.attachments == (Attachment("notes.txt", "text/plain", 90000),)


def test_attached_message_is_an_attachment_not_new_text() -> None:
    attached = (b'("message" "rfc822" NIL NIL NIL "7bit" 3000 (NIL "Old" NIL NIL NIL NIL NIL NIL NIL NIL) '
                + PLAIN + b' 60 NIL ("attachment" ("filename" "old.eml")) NIL NIL)')
    plan = _plan(structure(b"(" + PLAIN + attached + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [s.section for s in plan.sections] == ["1"]
    assert plan.attachments == (Attachment("old.eml", "message/rfc822", 3000),)


def test_rfc2231_and_rfc2047_file_names() -> None:
    rfc2231 = (b'("application" "pdf" NIL NIL NIL "base64" 400 NIL '
               b"(\"attachment\" (\"filename*\" \"utf-8''Angebot%20M%C3%BCller.pdf\")) NIL NIL)")
    rfc2047 = (b'("application" "pdf" ("name" "=?utf-8?q?Rechnung_M=C3=A4rz.pdf?=") NIL NIL "base64" 400 NIL '
               b"NIL NIL NIL)")
    plan = _plan(structure(b"(" + PLAIN + rfc2231 + rfc2047 + b' "mixed" ("boundary" "m") NIL NIL NIL)'))
    assert [a.filename for a in plan.attachments] == ["Angebot Müller.pdf", "Rechnung März.pdf"]


def test_a_broken_bodystructure_is_an_error_note_not_a_crash() -> None:
    assert _plan(None).error == "no BODYSTRUCTURE from the server"
    assert _plan([b"text"]).error.startswith("unreadable BODYSTRUCTURE")


def test_uid_ranges_collapse_runs() -> None:
    from mailflow.imap import uid_ranges

    assert uid_ranges([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert uid_ranges([5]) == "5"
    assert uid_ranges([3, 1, 2, 2]) == "1:3"


def test_a_second_response_for_the_same_uid_adds_to_the_first() -> None:
    data = [(b"1 (UID 7 RFC822.SIZE 20 BODY[HEADER] {12}", b"Subject: x\r\n"), b")",
            b"1 (UID 7 FLAGS (\\Seen))"]
    fields = parse_fetch_response(data)[7]
    assert fields["BODY[HEADER]"] == b"Subject: x\r\n" and fields["FLAGS"] == [b"\\Seen"]


def test_an_empty_plain_alternative_reads_the_html_too() -> None:
    empty_plain = b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 2 1 NIL NIL NIL NIL)'
    plan = _plan(structure(b"(" + empty_plain + HTML + b' "alternative" ("boundary" "a") NIL NIL NIL)'))
    assert [(s.section, s.content_type) for s in plan.sections] == [("1", "text/plain"), ("2", "text/html")]
