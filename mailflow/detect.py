"""Detect promises, requests and meetings in the new text of one message.

Detection is pure and cheap. The body is split into sentences; a word-set cue
check picks the few sentences worth a closer look; each of those is classified
by small rule sets (completion, meeting, request, promise, in that order, with
boilerplate, hedges, negations, rhetorical questions and reported speech
filtered out); only sentences that yield an item pay for date resolution.

Owners are relative to the message's sender: a promise is owed by the sender,
a request by the recipient, a meeting by both. The ledger maps them to the user
or the contact using the message's direction.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailflow import dates
from mailflow.dates import DateConfig, ascii_lower, resolve

log = logging.getLogger(__name__)

DETECTOR_VERSION = "2026.11.14"
# dateparser calls allowed for one message; past them, only mailflow's own date patterns run.
DATEPARSER_BUDGET = 4
MAX_CHARS = 20_000  # hostile or huge bodies: look at the start only
MAX_SENTENCE = 600  # longer "sentences" are tables, logs or junk


@dataclass(frozen=True)
class Item:
    kind: str  # "promise" | "request" | "meeting"
    owner: str  # "sender" | "recipient" | "both"
    sentence: str
    due: datetime | None  # aware, sender's offset
    due_text: str | None  # the words the due came from
    status: str | None = None  # meetings only: "proposed" | "accepted" | "moved" | "cancelled"


@dataclass(frozen=True)
class Completion:
    """Evidence an earlier promise or request was fulfilled."""

    sentence: str
    what: str | None  # a short object phrase if found ("the draft"), else None


@dataclass(frozen=True)
class Detection:
    items: tuple[Item, ...]
    completions: tuple[Completion, ...]


# Rules run on an ASCII-lowercased copy of the sentence (ascii_lower): case-insensitive
# matching is several times slower in `re`, and detection must stay cheap.
# A long alternation of words led by \b is written \b(?=\w)(?:...): every alternative starts
# with a word character, so nothing changes, but `re` no longer tries each alternative at the
# end of every word, where \b holds too.
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _rxi(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _led(leads: Iterable[str], rest: str) -> str:
    """`(?:a|b)rest` spelt `arest|brest`. A pattern whose every alternative starts with a literal
    lets `re` skip to their first letters; one group in front makes it try every position. Keep
    the alternatives that start with the same letter in their order: the first one to match wins."""
    return "|".join(lead + rest for lead in leads)


def _word(word: str) -> str:
    """\\bword with the literal first, for _led: the word start is checked looking back from its end."""
    return rf"{word}(?<!\w{word})"


class _Needled:
    """A slow pattern behind a fast check: it cannot match unless the text holds one
    of `needles`, literal strings every match contains. A few `in` tests cost a
    fraction of one search, and most sentences hold none of the needles. Sentences
    hold single spaces only, so a needle may span one ("call me")."""

    __slots__ = ("needles", "rx")

    def __init__(self, needles: str, rx: re.Pattern[str], sep: str | None = None) -> None:
        self.needles = tuple(needles.split(sep))
        self.rx = rx

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        for needle in self.needles:
            if needle in text:
                return self.rx.search(text, pos, endpos)
        return None


class _Brief:
    """A pattern for short sentences only ("Revised quote by Thursday."), not tried on longer ones."""

    __slots__ = ("limit", "rx")

    def __init__(self, limit: int, rx: re.Pattern[str]) -> None:
        self.limit = limit
        self.rx = rx

    def search(self, text: str) -> re.Match[str] | None:
        return self.rx.search(text) if len(text) <= self.limit else None


class _AnyOf:
    """Patterns tried in turn, for rules that only ask whether one matches: the answer is the
    first pattern's match, not necessarily the leftmost."""

    __slots__ = ("patterns",)

    def __init__(self, *patterns: re.Pattern[str] | _Needled) -> None:
        self.patterns = patterns

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        for rx in self.patterns:
            m = rx.search(text, pos, endpos)
            if m:
                return m
        return None


# For the word gate: lowercase, and punctuation (but not apostrophes) becomes a space.
# ASCII sentences (nearly all) go through bytes.translate, a plain table lookup
# several times faster than str.translate's per-character dict lookups.
_GATE_PUNCT = ".,;:!?()[]\"/*<>"
_GATE_TABLE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _GATE_PUNCT,
                            "abcdefghijklmnopqrstuvwxyz" + " " * len(_GATE_PUNCT))
_GATE_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _GATE_PUNCT.encode(),
                              b"abcdefghijklmnopqrstuvwxyz" + b" " * len(_GATE_PUNCT))


# --- sentences --------------------------------------------------------------

_RULE_LINE = re.compile(r"[*=_~#-](?:\s*[*=_~#-]){3,}")
# A rule line holds one of these pairs; looking for them is cheaper than the substitution. `in`
# finds one character with memchr, far faster than `re` scans for any of six, and most bodies hold
# none of them: a pair is looked for only when its first character occurs.
_RULE_HINT = {"*": ("**", "* *"), "-": ("--",), "=": ("==",), "_": ("__",), "~": ("~~",), "#": ("##",)}
_CONTROL_CHARS = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127]))
_CONTROL_TO_SPACE = str.maketrans(_CONTROL_CHARS + "\ufffd", " " * (len(_CONTROL_CHARS) + 1))
# Lone surrogates (a JSON "\ud800" escape) could not be printed or stored: they become spaces too.
_CONTROL_TO_SPACE.update(dict.fromkeys(range(0xD800, 0xE000), " "))
# ASCII bodies (nearly all) take the bytes route: a table lookup, not a dict lookup per character.
_CONTROL_BYTES = bytes.maketrans(_CONTROL_CHARS.encode(), b" " * len(_CONTROL_CHARS))
# Sentence ends inside a line; line breaks are decided by _join_lines. A leading
# character class lets `re` skip ahead fast, which matters at 2,000 messages/s.
# The group makes split() keep each cut, which stays with the text before it.
# Writers who never capitalise start sentences too: "Noted ur points. will send it tmrw". After a word
# (not "e.g.", "a.m.") a few words that start a clause mark a cut.
_CUT = re.compile(r"([.!?\n;](?:(?<=[.!?])[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|(?<=\n)|(?<=;)(?=\s)|"
                  r"(?<=[a-z]{2}[.!?])(?=\s+(?:i|i'll|i'm|i've|i'd|will|we|we'll|can|could|would|pls|please|plz|let|lmk|"
                  r"thanks|thx|also|btw)\b)))")
_BLOCKS = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*(?:[-*•>]|\d+[.)])\s")
# An ask right after an interjection: "great send it tomorrow," (not "Great call yesterday,").
_SOUNDS_THEN_ASK = _rx(r"^sounds\s+(?:good|great|perfect|fine|lovely)[,!.]*\s+(?=(?:please\s+)?(?:go\s+ahead|send|proceed|"
                       r"print|publish|forward|share|sign|pay|invoice|order|upload|submit|ship)\b)")
_TAIL_ASK = _rx(r"^(?:send|forward|share|sign|review|check|call|email|ping|book|pay|fix|update|confirm|get|bring|upload|"
                r"submit|resend)\s+(?:it|them|me|us|the|a|an|this|that|your|those|these|over)\b")
_BULLET_MARK = re.compile(r"^\s*(?:[-*•◦▪‣☐☑☒✓✔□▢>]|\d{1,2}[.)])\s+")
_BULLET_STARTS = frozenset("-*•◦▪‣☐☑☒✓✔□▢> 0123456789")
_SHORT_LINE = 45  # greetings, sign-offs and list items are shorter than a wrapped line
# "ok for me, Thursday at 2" says yes to the time, not hello
# The words are grouped by first letter (in their order within a letter), since `re` tries every
# case-insensitive alternative in full; the lookahead finds at once what the tail would backtrack
# 25 times to rule out: no separator before a full stop ("Thanks for the update on the copy.").
_GREETING = _rxi(r"^(?:(?P<word>h(?:i|ello|ey)|dear|g(?:ood\s+(?:morning|afternoon|evening)|reat)|thank(?:s|\s+you)|o(?:k|kay|h)|"
                r"l(?:ooks\s+(?:great|good|perfect|fine|lovely)|ovely)|p(?:erfect|\.?s\.?)|a(?:wesome|lso|nd)|excellent|"
                r"b(?:rilliant|ut)|cool|s(?:ure|orry|o)|yes|no|fyi)\b(?!\s+for\s+(?:me|us)\b)(?=[^,.!:-]{0,25}+[,!:-])"
                r"(?P<tail>[^,.!:]{0,25})[,!:-]+\s*|[A-Z][a-z]+,\s+)")

# --- cues ---------------------------------------------------------------------

# Cheap first pass: a sentence with none of these words (and no "?") cannot yield
# an item or a completion, so the rules below never see it.
_CUE_WORDS = frozenset(
    "checking following update please pls plz kindly lmk let lets let's i'll ill we'll will shall going gonna could can "
    "would need needs want appreciate meet meeting chat talk lunch coffee dinner breakfast drinks interview demo appointment zoom "
    "schedule scheduled reschedule rescheduling cancel cancelled canceled postpone postponing pushing bumping "
    "attached enclosed here here's sent done "
    "finished completed i'm expect sending perfect suits ideal confirming bail plan intend promise remember forget sure follow available free works "
    "discuss catch remind should must call speak session conference webinar workshop sync discussion invite "
    "attend attending participate suggest propose glad happy love ring phone uploaded shared forwarded submitted signed "
    "emailed delivered published deployed pushed paid booked approved reviewed fixed accepted confirmed "
    "updated posted filed returned handled wrapped live complete ok okay news mind welcome appreciated "
    "see you'll invited invite invitation sit availability good fine can't cannot eager keen due payable it'll "
    "leave consider coming reminder waiting".split()
)
_LEAD_WORDS = frozenset("before once when after while".split())
_IT_IS_WORDS = frozenset("it works suits is".split())
# Imperatives only count as the first word ("Send me the files", "Review the draft").
_IMPERATIVE_WORDS = frozenset(
    "send call review check sign approve forward provide give make take have look read fill complete update fix "
    "add remove delete change print book bring get go keep tell share pay return submit upload reply respond "
    "contact email e-mail ping ask come join find advise set put schedule verify prepare draft write resend grab "
    "pick drop move double-check run try register reach touch plan decide choose think consider coordinate "
    "arrange handle confirm remind inform count".split()
)
_MEETING_WORDS = frozenset(
    "meeting meetings meet chat catch lunch coffee dinner breakfast drinks interview demo appointment zoom webinar "
    "workshop walkthrough together get-together conference one-on-one standup stand-up sync call talk session "
    "discussion discuss speak speaking talking seeing participate attend join ring phone party happy reception golf invite "
    "seminar briefing tee invited invitation availability sit kickoff kick-off day days time times date dates regroup "
    "reconvene facetime "
    "when teleconference videoconference confer there attending buzz shoot photoshoot consultation visit "
    "review check-in check-ins checkin".split()
)
# Words that make a meeting only beside a day or a time: "see you Thursday", "Friday works".
_MEETING_WEAK_WORDS = frozenset("see works work sounds there confirmed accept accepted available free around open "
                                 "plan make good fine forward about ok okay set do say instead confirm perfect suits suit ideal "
                                 "cancel reschedule postpone push pushing move moving bump bumping shift shifting "
                                 "bail check slot then skip "
                                 "confirming".split())
# Per-rule word gates: a rule's regex only runs when one of its words is present.
_JOINT_WORDS = frozenset("let's lets let need have must should might may urge encourage ask suggest recommend "
                         "recommendation suggestion".split())
_BOILERPLATE_WORDS = frozenset(
    "questions question concerns comments hesitate free recipient confidential privileged unsubscribe opt "
    "preferences subscription click browser reply e-mail email message environment sent reserved privacy terms "
    "sender disclaimer virus longer anything help yahoo error missed queries doubts clarification share".split()
)


# Support offers, legal footers and list furniture: they ask or promise nothing.
# What must come before a closing formula for the rest of the sentence to count on its own.
_BOILERPLATE_TAIL_OK = _rx(r"^(?:[\w ,/&-]{0,40}?[-,:]\s*)?(?:please|pls|kindly|could\s+you|can\s+you|would\s+you)\s+\w+"
                           r"[^.?!]{6,}\s(?:and|,)$")
_BOILERPLATE = _rx(
    r"\b(?=\w)(?:let\s+(?:me|us)\s+know\s+if\s+(?:you\s+have|there\s+are)\s+(?:any|other|further)\s+"
    r"(?:other\s+|further\s+|more\s+)?(?:questions?|concerns?|comments?|issues?|problems?)|"
    r"(?:if\s+you\s+have|should\s+you\s+have|for)\s+any\s+(?:other\s+|further\s+|more\s+|additional\s+)?"
    r"(?:questions?|concerns?|comments?)|"
    r"do\s+not\s+hesitate|don'?t\s+hesitate|feel\s+free\s+to|"
    r"intended\s+recipient|confidential|privileged|disclaimer|virus|all\s+rights\s+reserved|privacy\s+policy|"
    r"terms\s+(?:of|and)\s+(?:use|service|conditions)|please\s+(?:contact|notify)\s+the\s+sender|"
    r"this\s+(?:e-?mail|message)\s+(?:is|was|and|may|contains)|consider\s+the\s+environment|sent\s+from\s+my|"
    r"unsubscribe|opt[\s-]out|no\s+longer\s+wish|manage\s+(?:your\s+)?(?:preferences|subscription)|click\s+here|"
    r"view\s+(?:it\s+)?in\s+(?:your\s+)?browser|please\s+(?:do\s+not|don'?t)\s+reply|"
    r"let\s+(?:me|us)\s+know\s+if\s+(?:you\s+need|there\s+is|i\s+can)\s+(?:anything|any\s+help|help|more)|"
    r"let\s+(?:me|us)\s+know\s+if\s+(?:anyone|anybody|you)\s+(?:has|have)\s+any\s+(?:other\s+|further\s+)?"
    r"(?:questions?|concerns?|comments?)|do\s+you\s+yahoo|received\s+(?:this|it)(?:\s+\w+)?\s+in\s+error|"
    r"(?:let\s+(?:me|us)\s+know|shout)\s+if\s+(?:i|we)(?:'ve|\s+have)?\s+(?:missed|forgotten|left\s+out)\s+anything|"
    r"(?:kindly|please|pls)\s+revert\s+(?:back\s+)?(?:in\s+case\s+of|if\s+(?:you\s+have\s+|there\s+are\s+)?)\s*(?:any\s+)?"
    r"(?:queries|questions|clarifications?|concerns?|doubts)|"
    r"please\s+do\s+not\s+(?:share|forward)\s+this\s+(?:e-?mail|message|link))"
)

# --- completions ----------------------------------------------------------------

_COMPLETION_ATTACH = _rxi(
    r"^(?:attached\s+(?:is|are|please\s+find|you(?:'ll|\s+will)\s+find|herewith)|"
    r"(?:please|pls\.?|plz)\s+find\s+(?:attached|attatched|attched|atached|attachd|enclosed)|"
    r"enclosed\s+(?:is|are|please\s+find)|here\s+(?:is|are)|here'?s|i(?:'ve|\s+have)\s+attached|"
    r"i\s+(?:have\s+)?attached|"
    r"i'?m\s+attaching|i\s+am\s+attaching)\s+(?P<what>[^,.;:!?]{1,60})"
)
_COMPLETION_DONE = _rxi(
    r"^(?:(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|now\s+|finally\s+)?(?P<verb>sent|uploaded|shared|forwarded|"
    r"finished|completed|submitted|signed|updated|fixed|emailed|e-mailed|delivered|published|deployed|pushed|paid|"
    r"posted|filed|returned|wrapped\s+up|taken\s+care\s+of|handled|booked|scheduled|approved|"
    r"reviewed)\s+(?P<what>[^,.;:!?]{0,60})"
    r"|(?:it'?s|it\s+is|this\s+is|that'?s|that\s+is|all|everything\s+is)\s+(?:now\s+|all\s+)?(?:done|finished|sorted|"
    r"complete|"
    r"fixed|live|taken\s+care\s+of)\b|done\W*$|all\s+done\b"
    # "The staging site is updated", "your invoices have been sent"
    r"|(?:the|your|our)\s+(?P<thing>[\w'/-]+(?:\s+[\w'/-]+){0,4}?)\s+(?:is|are|has\s+been|have\s+been)\s+"
    r"(?:now\s+|all\s+)?(?:updated|done|finished|fixed|live|uploaded|sent|deployed|published|complete|signed|"
    r"submitted|paid|booked|scheduled)\b)"
)
_LINK = _rxi(r"https?://|www\.")
_WHAT_CUT = _rxi(r"\s+(?:to|for|with|from|on|at|by|in|yesterday|today|this|last|earlier|as|so|and|which|that|"
                 r"over)\b.*$")
_PRONOUN = _rxi(r"^(?:it|them|this|that|these|those|everything|all|you|him|her|me|us|over)$")

# --- meetings -------------------------------------------------------------------

# "meet the deadline" meets a goal, not a person.
_MEET_NOT_GOAL = (r"(?!(?:\s+[\w':.]+){0,2}\s+(?:deadlines?|requirements?|targets?|needs|criteria|expectations|demand|"
                  r"goals?|pressure|standards?|obligations?|specs?|approval|middle|halfway)\b)")
# "the conference schedule", "meeting notes", "conference interpreters": the event names another thing
_NAMES_ANOTHER_THING = (r"\b(?!\s+(?:schedule|agenda|programme|program|notes|minutes|recordings?|slides|deck|handouts|venue|rooms?|"
                        r"centre|"
                        r"center|hall|interpreters?|materials|booth|stand|badges?|passes|tickets?|fees?|catering|menu|photos|"
                        r"photographer|footage|budget|logistics|transcripts?|to\s+action)\b)")
_MEETING_NOUN = _AnyOf(
    _Needled(
        "meet chat catch lunch coffee dinner breakfast drinks interview demo appointment zoom webinar party happy "
        "reception golf seminar briefing tee workshop walkthrough get conference 1:1 one stand sync call talk session "
        "discussion teleconference videoconference consult visit review check facetime video", _rx(
        r"\b(?=\w)(?:meeting(?!\s+the\b)|meet(?:\s+up)?" + _MEET_NOT_GOAL + r"|chat|catch[\s-]?up|lunch|coffee|dinner|"
        r"breakfast|drinks|interview(?!\s+(?:questions?|guides?|notes|transcripts?|scripts?|answers|process|format))|demo|"
        r"appointment(?!\s+of)|zoom|webinar|"
        # the word before the lookbehinds, so they run only where "party" stands, not at every word
        r"party(?<!any\sparty)(?<!third\sparty)(?<!third-party)(?<!other\sparty)(?<!either\sparty)(?<!each\sparty)"
        r"(?<!another\sparty)(?<!counterparty)(?!\s+(?:to|who|that|which|wishing|in\s+interest|walls?)\b)|happy\s+hour|"
        r"reception|golf|seminar|briefing|tee\s+time|workshop|walkthrough(?!\s+(?:video|recording|doc|document|guide))|get[\s-]together|conference|1:1|"
        r"one[\s-]on[\s-]one|standup|stand-up|sync(?<!in\ssync)(?<!of\ssync)|teleconference|videoconference|consultation|"
        r"(?:site|studio|showroom|office|venue|factory|home)\s+visit|facetime|video\s+call|check-?in\b|"
        r"(?:design|project|progress|status|weekly|monthly|quarterly|sprint)\s+review|"
        r"(?:a|the|our|your|this|that|my|quick|phone|conference|video|zoom|teams|skype|short|brief|intro|follow[\s-]up|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'?s)?|tomorrow'?s|today'?s|tonight'?s|"
        r"kick[\s-]?off|weekly|next)\s+(?:[\d:.]+[\s-]*(?:am|pm|min(?:ute)?s?|hours?|hrs?)?[\s-]+)?"
        r"(?:(?:review|discovery|intro(?:ductory)?|planning|strategy|status|team|client|project|feedback|onboarding|"
        r"handover|scoping|catch-up|check-in|kick-?off|sync)\s+)?(?:call|talk|session|discussion))" + _NAMES_ANOTHER_THING)),
    # The two shapes that scan every word ("[a-z]+day's shoot") are tried only beside their own words.
    _Needled("day's|tomorrow's|tonight's", _rx(
        r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|tonight)'s\s+(?:[a-z-]+\s+)?"
        r"(?:review|slot|appointment|\d{1,2}(?::\d\d|\s*[ap]\.?m\.?|\s*o'?clock))" + _NAMES_ANOTHER_THING), sep="|"),
    _Needled("shoot", _rx(
        r"\b(?:(?:photo\s*|video\s+|the\s+|our\s+|a\s+|your\s+|[a-z]+day'?s\s+|tomorrow'?s\s+|today'?s\s+)shoot"
        r"(?!\s+(?:me|us|you|him|her|them|it|over|an?|the|off|down|for|location|list|brief|plan|schedule|date|details|"
        r"notes|budget|team|photos|images|files|day)\b)|photoshoot)" + _NAMES_ANOTHER_THING)),
)
# Saying one will be there accepts a meeting: "I'll be there", "I plan to attend", "we can attend on Monday".
# Each alternative led by its literal subject (_led, _word): `re` skips to those letters.
_I_WE = (_word("i"), _word("we"))
_ATTENDING_RX = "|".join((
    _led(_I_WE, r"(?:'ll|\s+will|\s+shall)\s+(?:definitely\s+|certainly\s+|surely\s+|also\s+)?be\s+there"
         # "I'll be there at 7:45 to set up" readies the room: a promise, not a yes to the meeting
         r"(?![^.?!]{0,32}\bto\s+(?:set\s+up|setup|prepare|unlock|open\s+up|help\s+set)\b)\b"),
    _led((_word("i") + "'?m", _word("i") + r"\s+am", _word("we") + "'?re", _word("we") + r"\s+are"),
         r"\s+(?:definitely\s+)?there\b(?=\W*$)\b"),
    _led(_I_WE, r"\s+(?:plan|intend)\s+(?:to|on)\s+(?:attend(?:ing)?|be(?:ing)?\s+there)\b"),
    _led(_I_WE, r"\s+(?:can|will\s+be\s+able\s+to|'ll\s+be\s+able\s+to)\s+(?:attend|make\s+it|join(?=\W*$|\s+(?:you|"
         r"us|then|at|on|(?:the|your|our)\s+(?:[\w-]+\s+)?(?:call|meeting|session|review|workshop|demo|sync)\b)))\b"),
    _led(_I_WE, r"(?:'ll|\s+will)\s+(?:attend|join\s+(?:you|us|(?:the|our|your)\s+(?:[\w-]+\s+)?(?:call|meeting|review|"
         r"session|workshop|demo|kick-?off|stand-?up|sync|catch-?up|presentation|webinar|briefing|zoom|teams\s+call)\b)|"
         r"(?:plan\s+to\s+|be\s+able\s+to\s+)?(?:call|dial)\s+in(?!to\s+question))\b"),
    _led((_word("am"), _word("are"), _word("i") + "'m", _word("we") + "'re"), r"\s+(?:definitely\s+)?game\s+for\b"),
    _led(_I_WE, r"(?:'ll|\s+will|\s+shall)\s+be\s+(?:glad|happy|delighted|pleased)\s+to\s+(?:join|attend|come|"
         r"be\s+there)\b"),
))
_ATTENDING = _Needled("there attend make join game call dial come", _rx(_ATTENDING_RX))

# Wanting to meet is proposing to meet: "we'd like the opportunity to meet", "let's talk".
# "Shall we set up time for the review on Friday?": time together, unless it is time to do work
_TIME_TOGETHER = _Needled(" time", _rx(
    r"\b(?:let'?s|lets|let\s+us|can\s+we|could\s+we|shall\s+we|should\s+we)\s+(?:set\s+up|find|grab|book|schedule|"
    r"block\s+(?:out\s+)?|put)\s+(?:some\s+|a\s+(?:bit\s+of\s+)?)?time\b(?!\s+(?:aside\s+)?to\s+(?:fix|finish|work|write|"
    r"build|do|get|clean|update|prepare|prep|draft|test)\b)"))
_MEET_WISH = _Needled("talk meet discuss speak call get join attend participate seeing hop jump connect confer regroup "
                       "reconvene check sync catch",
                       _rx(
    r"\b(?:(?:great|nice|good|worthwhile|useful|helpful|wise)\s+(?:for\s+(?:us|you\s+and\s+me)\s+)?to\s+"
    r"(?:have\s+a\s+(?:quick\s+|short\s+|brief\s+)?(?:phone\s+|conference\s+)?(?:call|chat|meeting)|catch\s+up|"
    r"sit\s+down)|"
    r"(?:great|nice|good|worthwhile|useful|helpful|wise|need|should|might\s+want|would\s+be\s+(?:willing|happy|glad|"
    r"pleased)|look(?:ing)?\s+forward|like|love|"
    r"glad|happy|pleased|eager|willing|opportunity|chance|want|invite\s+you)\s+to\s+(?:talk|meet" + _MEET_NOT_GOAL +
    r"|discuss|participate|attend|join\s+us|speak|speaking|talking|meeting|seeing\s+you|get\s+together))\b"
    r"|\b(?:let'?s|lets|let\s+us|can\s+we|could\s+we|shall\s+we|should\s+we|we(?:\s+(?:should|could|can|will|shall)|"
    r"'ll)|"
    r"(?:i|we)(?:'d|\s+would)\s+like\s+to)\s+(?:talk|discuss|speak|call(?!\s+it\b)|meet" + _MEET_NOT_GOAL + r"|confer|"
    r"regroup|reconvene|check\s+in|sync\s+up|catch\s+up|"
    r"hop\s+on|jump\s+on|get\s+together|connect)\b"
    r"|\b(?:(?:suggest|recommend|propose)\s+(?:that\s+)?we|should|i\s+(?:can|could))\s+(?:meet(?!\s+(?:the|a|an|our|your|"
    r"their|its|all|this|these|that|those|any|every|most|some|in\s+the\s+middle|halfway)\b)|get\s+together)\b"
))
# A clock time, not any number: "can't make 3pm" turns down a time, "can't make 2 deliveries" does not.
_A_TIME = r"\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d\d|\d{1,2}\s*o'?clock"
_MEET_CANCEL = _Needled("cancel call make able skip off bail booked good out", _rx(
    r"\b(?:cancel(?:l?ed|l?ing|s)?|call(?:ing)?\s+off|can(?:'?t|not|\s+not)\s+make\s+(?:it|the|our|\w+day|today|"
    r"tomorrow|tonight|" + _A_TIME + r")|"
    r"(?:won'?t|will\s+not|not)\s+be\s+able\s+to\s+(?:make|attend|join|do)|unable\s+to\s+(?:make|attend|join)|"
    r"(?:won'?t|will\s+not)\s+make\s+(?:it|the|our|\w+day'?s|today'?s|tomorrow'?s)|double[\s-]booked|"
    r"(?:is|'s|are)\s+(?:no\s+good|out)\s+for\s+(?:me|us)|"
    r"(?:have|need)\s+to\s+skip|skip\s+(?:the|our|this|that|today'?s|tomorrow'?s|this\s+week'?s|next\s+week'?s|"
    r"[a-z]+day'?s)\s+(?:(?:weekly|daily|monthly|usual|regular|team|[\w-]+)\s+)?(?:call|meeting|chat|stand-?up|sync|"
    r"check-?in|catch-?up|1:1|session|weekly)\b|"
    r"(?:can|could|shall)\s+we\s+skip\s+(?:our\s+\w+|this\s+week|next\s+week|today|tomorrow|"
    r"(?:this\s+|next\s+)?(?:mon|tues|wednes|thurs|fri)day)\b|"
    r"let'?s\s+skip\s+(?:this|next|today|tomorrow|(?:this\s+|next\s+)?(?:mon|tues|wednes|thurs|fri)day)\b|"
    r"is\s+off\b(?!\s+(?:sick|ill|work|on|until|till|this|next|today|tomorrow|for\s+(?:the|a)\s+week))|"
    r"bail(?:ing)?\s+on|pull\s+out\s+of)"
))
# Meetings said the short way, each shape cheap on its own (anchored, or behind a needle) where
# folded into the big patterns above they would slow every sentence: "call at 11 tmrw?", "Talk Monday
# at 9:30 then.", "Same time next week?", "the usual slot", "Ben's session", "can we grab 20 mins?"
_SHORT_MEETING = _rx(
    r"^(?:quick\s+)?call\s+(?:at|on|tmrw|tomorrow|today|tonight|this|next|(?:mon|tues|wednes|thurs|fri)day)\b|"
    r"^(?:talk|speak)\s+(?:to\s+you\s+)?(?:on\s+)?(?:[a-z]+day|tomorrow|tmrw|tonight)\b|"
    r"^same\s+time\s+(?:next\s+week|tomorrow|tmrw|on\s+[a-z]+day|[a-z]+day)\b|"
    # a calendar line: "Tue 24/11 15:00 CET - call re. budget", "Thu 10:00-11:00 kickoff"
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\s+)?\d{1,2}(?::\d\d|\s*[ap]m)"
    r"(?:\s*[-–]\s*\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)?(?:\s+[a-z]{2,4})?\s*[-–—:]?\s*(?:call|meeting|kick-?off|review|workshop|"
    r"session|sync|catch-?up|check-?in|demo|interview)\b|"
    # going through the work together at an hour: "Let's review everything Friday at 11"
    r"^(?:(?:ok|okay|so|great|then),?\s+)?let'?s\s+(?:review|go\s+(?:through|over)|discuss|look\s+at|walk\s+through|"
    r"run\s+through|work\s+through|sit\s+down|regroup)\b(?=[^.?!]*(?:\d:\d\d|\d\s*[ap]m\b|\bat\s+\d{1,2}\b))")
_THEN_ACCEPT = _rx(r"(?:\d\s*(?:am|pm)|\d:\d\d|\bat\s+\d{1,2})\b[^.?!]{0,30}(?<!before\s)(?<!until\s)(?<!till\s)"
                  r"(?<!since\s)(?<!by\s)\bthen\s*[.!]*$")
_THEN_NOT_MEETING = _rx(r"\b(?:please|pls|deadline|due|closed|launch|moves?|delivery|send|by)\b")
# Each shape behind its own word, so that a "review" in a sentence tries only the review shapes.
_MEETING_NOUN_MORE = _AnyOf(
    _Needled("review", _rx(
        r"\b(?:push(?:ing|ed)?|mov(?:e|ing|ed)|reschedul\w*|postpon\w*|bump(?:ing|ed)?)\s+(?:the|our|this|that|my|your|"
        r"[a-z]+day'?s?)\s+(?:[\w-]+\s+)?review\b|"
        r"\b(?:do|have|hold|schedule|book|set\s+up)\s+(?:the|our|a|this|that)\s+(?:[\w-]+\s+)?review\b")),
    _Needled("kick tasting rehearsal slot", _rx(
        r"\b(?:the|our|a|project|client|team)\s+kick-?off\b|\b(?:menu|wine)\s+tasting\b|\brehearsal\b|"
        r"\b(?:usual|regular|weekly|same)\s+slot\b")),
    _Needled("session lesson", _rx(r"'s\s+(?:session|lesson)\b(?!\s+plans?\b)|\b(?:tutoring|coaching)\s+session\b")),
)
_MEET_MINUTES = _Needled("min hour", _rx(
    r"\b(?:(?:can|could|shall)\s+(?:we|i)\s+(?:grab|have|get|steal|borrow|find)|do\s+you\s+have|have\s+you\s+got|"
    r"(?:you\s+)?got)\s+(?:you\s+for\s+)?(?:\d+|a\s+few|five|ten|fifteen|twenty|thirty|half\s+an|an)\s*-?\s*"
    r"(?:min(?:ute)?s?|hour)\b(?!\s+to\s+(?:look|check|review|read|fill|sign|answer|reply))"))


# Saying yes to an event named: "Happy to join the kickoff on Monday at 10" (not "...if that helps").
_HAPPY_TO_JOIN = _rx(r"^(?:(?:i'?d\s+be|i'?m|i\s+am|we'?re|we\s+are|we'?d\s+be)\s+)?(?:very\s+|more\s+than\s+)?(?:happy|glad|"
                     r"delighted|pleased)\s+to\s+(?:join|attend|come\s+to)\b(?![^.]*\bif\b)")
# A bare yes to the meeting just arranged: "Great, see you then!", "Talk then."
_SEE_YOU_THEN = _rx(r"\bsee\s+(?:you|u|ya)\s+(?:then|there)\b|^talk\s+(?:to\s+you\s+)?then\b")


def _then_accept(low: str) -> bool:
    """"Lovely, 2pm Monday at the studio then.": a time agreed, not one put forward ("Let's plan on 10 then")."""
    return (low.endswith(("then", "then.", "then!")) and not low.startswith(("let", "shall", "can", "could", "how"))
            and len(low.split()) <= 9 and _THEN_ACCEPT.search(low) is not None and not _THEN_NOT_MEETING.search(low))


def _short_meeting(low: str) -> bool:
    return (_SHORT_MEETING.match(low) is not None or _MEETING_NOUN_MORE.search(low) is not None
            or _MEET_MINUTES.search(low) is not None)


_MEET_MOVE = _Needled("mov|reschedul|push|postpon|bump|shift|change the|instead of", _rx(
    r"\b(?:move|moving|moved|reschedul\w*|push(?:ed|ing)?\s+(?:back|it|our|the|this|that|my|your|\w+'s)\b|postpon\w*|bump(?:ed)?|shift(?:ed)?|"
    r"change\s+the\s+(?:time|date|day)|instead\s+of)\b"
), sep="|")
_MEET_ACCEPT_WORDS = _Needled("see works sounds there count make confirm looking talk accept attend ok good fine set "
                        "join come call dial game",
                        _rx(
    r"\b(?=\w)(?:see\s+(?:you|u|ya)\s+(?:then|there|on|at|tomorrow|tmrw|today|tonight|next|this|soon|[a-z]+day|"
    r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri)\b)|works\s+(?:for|with)\s+me|"
    r"that\s+works|sounds\s+(?:good|great|perfect)|count\s+me\s+in|i\s+can\s+make\s+it|"
    r"(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:ok|okay|good|fine|set)\s+(?:for|with)\s+(?:\d|[a-z]+day|tomorrow|tonight)|"
    # "catering is confirmed for 120 guests" settles logistics, not a meeting
    r"(?=(?:is|are|now|all|been|meeting|call|appointment)\s+confirmed)(?<!catering\s)(?<!venue\s)(?<!order\s)(?<!delivery\s)(?<!payment\s)(?<!hotel\s)(?<!flight\s)(?<!flights\s)(?<!budget\s)(?<!price\s)(?<!prices\s)(?<!quote\s)(?<!invoice\s)(?<!menu\s)(?<!numbers\s)(?<!headcount\s)(?<!room\s)(?<!rooms\s)(?<!transport\s)(?<!parking\s)(?<!funding\s)"
    r"(?:is|are|now|all|been|meeting|call|appointment)\s+confirmed|confirmed\s+(?:for|on|at)(?!\s+\d+\s+(?:guests|people|pax|covers|attendees|delegates))|"
    r"^(?:(?:just|hi|hello)\s+)?confirming\s+(?:(?:our|the|your|my|tomorrow'?s|today'?s|[a-z]+day'?s)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:call|meeting|session|appointment|visit|chat|slot|booking|time|date|interview|shoot|consultation|lunch|coffee|"
    r"catch-?up|check-?in|kick-?off|workshop|demo)|(?:that\s+)?(?:for\s+|on\s+|at\s+)?(?:[a-z]+day|tomorrow|today|tonight|\d))\b|"
    r"(?:happy|pleased|glad|delighted|able|can|writing)\s+to\s+confirm\s+(?:[a-z]+\s+){0,2}?(?:\d[\w:.]*|[a-z]+day\b|tomorrow|"
    r"today|tonight)|looking\s+forward\s+to\s+(?:our|the|seeing|meeting|speaking|talking)|"
    # "Talk to you tomorrow" says yes; "could we talk on Tuesday?" asks
    r"(?<!we\s)(?<!'s\s)(?<!to\s)(?<!us\s)(?<!lets\s)talk\s+(?:to\s+you\s+)?(?:then|tomorrow|on\s+[a-z]+day)|accept(?:ed)?\s+(?:the\s+|your\s+|this\s+|our\s+)?invit\w*)\b"
    r"|\b(?=\w)(?:" + _ATTENDING_RX + ")"  # checked at word starts only, as the rest
))
# A slot said back with its yes: "tues 9:15 👍", "Thursday 3 PM works", "Monday 9:00 Zurich time suits me
# well", "12/9 at 2 PT works", "17:00 Berlin it is", "booked Thursday 17th, 2pm".
_SLOT_SUITS = _Needled("works|suits|suit|ok|okay|perfect|good|fine|it is|then|\U0001f44d|booked", _rx(
    # ("If Thursday at 2 works for you" offers it)
    r"(?:(?<!if\s)\b(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri)[a-z]*\.?\s+(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)\s+|"
    r"\d{1,2}[./]\d{1,2}\.?\s+)?|(?<!if\s)\b\d{1,2}[./]\d{1,2}\b\.?\s+|"
    # an hour alone leads its sentence or follows a yes: "9:30 perfect", "sure, 4pm works"
    r"^|(?<=[,!–—-]\s)|(?<=\bok\s)|(?<=\bsure\s)|(?<=\byes\s)|(?<=\bfine\s)|(?<=\bgreat\s)|(?<=\bokay\s)|"
    r"(?<=\bperfect\s)|(?<=\bthanks\s))"
    r"(?:at\s+\d{1,2}(?::\d\d)?|\d{1,2}(?::\d\d|\s*[ap]\.?m\b|h\b))(?:\s*[ap]\.?m\b)?"
    # a zone after the hour ("2 PT", "9:00 Zurich time", "17:00 Berlin"), not a noun ("7pm start is fine")
    r"(?:\s*[-–]\s*\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)?(?:\s+[a-z]{2,4}\b|\s+[a-z]+\s+time\b|\s+(?:berlin|london|paris|zurich|"
    r"lisbon|amsterdam|madrid|dublin|vienna|munich|sydney|tokyo|singapore|delhi|mumbai|toronto))?(?:\s*\([^)]{0,25}\))?,?"
    r"\s*(?:works|suits|is\s+(?:good|fine|great|perfect|ok|okay)|ok\b|okay|perfect|it\s+is\b|then\s*\?|\U0001f44d)|"
    # "Perfect – booked Thursday 17th", not "the skip is booked for Monday"
    r"(?<!is\s)(?<!are\s)(?<!was\s)(?<!been\s)(?<!be\s)\bbooked\s+(?:for\s+|in\s+)?(?:(?:mon|tues|wednes|thurs|fri)day|tomorrow|\d)"),
    sep="|")
_MEET_ACCEPT = _AnyOf(_MEET_ACCEPT_WORDS, _SLOT_SUITS, _Needled("ok for|okay for|fine for|good for|ok with|okay with|fine with|fine by", _rx(
    # "ok for me the 3/12 at 10h", "fine for us, Thursday at 2"
    r"\b(?:ok|okay|fine|good)\s+for\s+(?:me|us)[,:]?\s+(?:the\s+|on\s+)?(?=\d|[a-z]+day|tomorrow|tmrw|today|"
    r"(?:mon|tue|wed|thu|fri)\b)|"
    # "Meeting ok for me.", "Thursday 14h is fine by us": the meeting or its day, then the yes
    r"^(?:(?:the|our|a|that)\s+)?(?:meeting|call|chat|zoom|slot|time|date|[a-z]+day|tomorrow|tmrw)\b[^.?!,]{0,20}?"
    r"\s(?:is\s+|sounds\s+|seems\s+)?(?:ok|okay|fine|good)\s+(?:for|with|by)\s+(?:me|us)\b(?=\W*$|\s*[,;:-]|\s+(?:then|too)\b)"),
    sep="|"))
_MEET_PROPOSE = _rx(
    r"\b(?=\w)(?:let'?s|let\s+us|shall\s+we|should\s+we|can\s+we|could\s+we|why\s+don'?t\s+we|how\s+about|what\s+about|"
    r"are\s+you\s+(?:free|available|around)|would\s+you\s+be\s+(?:free|available)|do\s+you\s+have\s+(?:time|a\s+few)|"
    r"is\s+there\s+a\s+time|when\s+(?:are|would)\s+you|(?:i|we)(?:'d|\s+would)\s+(?:like|love)\s+to|"
    r"(?:i|we)(?:'ll|\s+will)\s+(?:send|set\s+up|schedule|book)|schedul\w*|set\s+up|book(?:ed)?|invit\w*|join\s+us|"
    r"would\s+(?:\w+\s+)?(?:work|suit|be\s+ok)|does\s+\w+\s+work|free\s+(?:for|on|at)|available\s+(?:for|on|at)|"
    r"want\s+to\s+(?:meet|grab|get)|(?:will|is|are)\s+(?:be\s+)?(?:held|scheduled)|(?:we|i)\s+(?:will|'ll)\s+(?:hold|"
    r"have|meet)|"
    r"(?:is|starts?|begins?|will\s+(?:start|begin))\s+(?:at|on)|glad|happy|willing|like\s+to|love\s+to|open\s+for|"
    r"suggest|propose|request|(?:we|i)\s+(?:can|could|will|shall)|(?:we|i)'ll)\b|\?"
)
_MEET_PAST = _rx(
    r"\b(?=\w)(?:thanks?\s+(?:you\s+)?(?:so\s+much\s+)?(?:again\s+)?for\s+(?:(?:the|our|your|a|an|this|that)\s+(?:[\w-]+\s+){0,2}"
    r"(?:time|meeting|call|chat|talk|lunch|dinner|coffee|visit|conversation|discussion|hospitality|session|workshop|"
    r"shoot|demo|presentation|interview|catch[\s-]?up|walkthrough|tour|kick[\s-]?off|review|breakfast|drinks)\b|"
    r"taking|meeting|lunch|dinner|coffee|speaking|talking|chatting|coming|hosting|having\s+(?:me|us))|"
    r"(?<!be\s)(?<!been\s)(?:great|nice|good|lovely|a\s+pleasure)\s+(?:to\s+)?(?:catch(?:ing)?[\s-]up|chat(?:ting)?|"
    r"talk(?:ing)?|speak(?:ing)?)\b(?!\s+(?:soon|again|next|tomorrow|later|then|on\s+[a-z]+day|in\s+the\s+new))|"
    r"^how\s+(?:was|were|did)\b|^(?:(?:so|just|quick(?:ly)?),?\s+)?(?:to\s+)?recap\b|\brecap\s+of\b|(?:really\s+|so\s+)?enjoyed\s+(?:our|the|your|meeting|seeing|talking|speaking|chatting)|"

    r"(?<!have\s)(?<!'ve\s)had\s+(?:a|an|the|our)\b(?!\s+(?:chance|minute|moment)\b)|"
    r"minutes\s+from|as\s+part\s+of\s+(?:our|the|your|my)\s+(?:[\w-]+\s+)?(?:meeting|call|conversation|discussion)|per\s+(?:our|the|my|your)?\s*(?:phone\s+)?(?:call|conversation|meeting)|"
    r"(?:was|were)\s+(?:really\s+|very\s+|so\s+|such\s+)?(?:great|nice|good|lovely|brilliant|fantastic|excellent|"
    r"helpful|useful|productive|fun|amazing|wonderful|a\s+(?:great\s+)?success)|"
    r"went\s+(?:really\s+|very\s+|so\s+)?(?:well|great|smoothly|fine)|thanks?\s+(?:you\s+)?for\s+organi[sz]ing|"
    r"(?<!be\s)(?<!been\s)(?:great|nice|good|lovely|a\s+pleasure)\s+(?:to\s+)?(?:meet|meeting|see|seeing)\s+you\b"
    r"(?!\s+(?:soon|then|again|next|tomorrow))|as\s+discussed|we\s+(?:discussed|spoke|talked|met)|during\s+(?:the|"
    r"our)|"
    r"(?:yesterday|last\s+(?:week|night|time|month|[a-z]+day))|after\s+(?:the|our)\s+(?:call|meeting)|minutes\s+of|"
    r"(?:from|since)\s+(?:our|the|this\s+morning'?s|today'?s)\s+(?:[\w-]+\s+)?(?:meeting|call|conversation|discussion)|"
    r"got\s+off\s+the\s+phone|(?:received|returned)\s+(?:a|my|your|his|her|their|the)\s+(?:phone\s+)?call|"
    r"did\s+you\s+(?:have|get)\s+a\s+chance|"
    r"no\s+need|(?:don'?t|do\s+not|doesn'?t)\s+need)\b"
)

# --- requests -------------------------------------------------------------------

_RHETORICAL = _AnyOf(_rx(
    r"^(?:(?:honestly|seriously|really|i\s+mean|but|and|so|now),?\s+)?(?:who\s+knew|why\s+not|"
    # asking oneself: "Now, where did I put the font licence?"
    r"(?:where|what)\s+(?:did|have|had)\s+i\s+(?:put|left|leave|saved?|stored?|filed?|done\s+with)\b|who\s+cares|guess\s+what|"
    r"can\s+you\s+believe|what'?s\s+not\s+to\s+like|(?:how|what|why|where|who)\s+on\s+earth|"
    r"what(?:'s|\s+is)\s+the\s+point|who\s+would'?ve|who'?d\s+have|where\s+(?:does|did)\s+the\s+time\s+go|"
    r"is\s+it\s+just\s+me|i\s+wonder\s+(?:whether|if|why|how|what)|not\s+sure\s+if\s+you\s+(?:saw|heard|noticed)|"
    r"why\s+(?:does|do|is|are|must|won'?t|can'?t)\s+[^?]*\bkeep\b|q:\s|"
    r"how\s+(?:cool|great|awesome|crazy|amazing|nice|hard\s+can)|what\s+(?:a|an)\s|what\s+could\s+go\s+wrong|"
    r"isn'?t\s+(?:it|that)\s+(?:great|amazing|funny|nice)|wouldn'?t\s+it\s+be|why\s+(?:would|should)\s+(?:i|we|anyone)|"
    r"who\s+would\s+have|remember\s+when|what\s+would\s+(?:we|i)\s+(?:have\s+)?do(?:ne)?\s+without\s+(?:you|u)\b|ever\s+wonder|wondering\s+(?:how|why)|did\s+you\s+know|want\s+to\s+(?:save|"
    r"earn|win|get\s+rich)|why\s+(?:do|does|is|are|must)\s+[^?]*\balways\b|"
    # "Did I mention I'm moving to Porto?", "who knows with Apple review?", "Ever tried the ramen place?"
    r"did\s+i\s+(?:mention|tell\s+you)|who\s+knows\b|could\s+it\s+(?:be|have\s+been)\s+(?:the|a|an|that|because)\b|(?:have\s+you\s+)?ever\s+(?:tried|been\s+to|seen|heard\s+of)\b)"),
    # a question tag ends the sentence: "Crazy week, right?"
    _rx(_led((*map(_word, ("right", "eh", "huh")), _word("you") + r"\s+know"), r"\?*$")))
# A subject "i" or "we" written so the regex starts with a literal: `re` then skips
# ahead to candidate letters instead of trying every position.
_SUBJ_LEADS = (r"i(?<![a-z0-9']i)", r"we(?<![a-z0-9']we)")
_SUBJ = "(?:" + "|".join(_SUBJ_LEADS) + ")"
_W = frozenset  # shape triggers below: the words that must be present for a shape to be tried


class _Shapes:
    """Rule shapes, each tried only when one of its trigger words is in the sentence. A word index
    finds those few with one set intersection instead of a test per shape."""

    __slots__ = ("by_word", "shapes", "words")

    def __init__(self, *shapes: tuple[frozenset[str], re.Pattern[str] | _Needled | _Brief]) -> None:
        self.shapes = shapes
        self.by_word: dict[str, list[int]] = {}
        for k, (trigger, _) in enumerate(shapes):
            for word in trigger:
                self.by_word.setdefault(word, []).append(k)
        self.words = frozenset(self.by_word)

    def earliest(self, low: str, words: set[str]) -> re.Match[str] | None:
        """The earliest match among the shapes whose trigger words occur; the first shape's on a tie."""
        present = self.words.intersection(words)
        if not present:
            return None
        best = None
        for k in sorted({k for word in present for k in self.by_word[word]}):
            m = self.shapes[k][1].search(low)
            if m and (best is None or m.start() < best.start()):
                best = m
        return best


# Ways of asking inside a sentence ("could you", "please", "let me know"), each
# written to start with a literal so `re` can skip ahead to candidate letters.
_REQUEST_SHAPES = _Shapes(
    (_W({"please", "pls", "plz", "kindly"}), _rx(r"(?:please|pls|plz|kindly)\b")),
    (_W({"you", "u"}), _rx(_led(("could", "can", "would", "will", "do"),
                                r"\s+(?:you|u)\b(?!\s+(?:know|think|believe|see|recall)\b)")
                           + r"|if\s+(?:you|u)\s+could\b(?!\s+not\b)")),
    (_W({"like", "love", "appreciate", "appreciated", "grateful", "helpful", "useful", "hope", "kind", "great", "good",
         "nice", "best", "welcome", "needed", "help", "ask"}), _Needled(
        "like|love|appreciate|welcome|helpful|needed|grateful|useful|hope you|help|would be|'d be|so kind|ask", _rx(
        # "I'd love to hear your thoughts on the revised version", "we'd ask that you nominate one person"
        "|".join((
            _led(("i", "we"), r"(?:'d|\s+would)\s+(?:(?:like|love|appreciate)\s+(?:it\s+if\s+)?(?:(?:each|all|both)\s+of\s+)?you|"
                 r"(?:like|love)\s+to\s+(?:hear|get|have|see)\s+(?:your|what\s+you)\b|ask\s+(?:that\s+)?you\b)"),
            r"your\s+(?:comments?|feedback|input|thoughts|help|assistance|approval|review|response|reply)\s+(?:is|are|"
            r"would\s+be|will\s+be)\s+(?:\w+\s+){0,2}?(?:welcome|appreciated|helpful|needed)",
            _led(("i", "we"), r"(?:'d|\s+would)\s+(?:very\s+much\s+|really\s+|greatly\s+)?appreciate"),
            r"grateful\s+if\s+you",
            r"would\s+be\s+(?:very\s+|most\s+|really\s+|much\s+|greatly\s+|hugely\s+)?(?:helpful|appreciated|useful)",
            r"hope\s+you\s+(?:can|could|will)\b",
            r"it(?<!\wit)(?:'d|\s+would)\s+(?:really\s+|also\s+)?help\s+(?:(?:us|me)\s+)?(?:a\s+lot\s+)?"
            r"(?:to\s+(?:have|get|see|receive)|if\s+(?:you|u))\b",
            _led(("would", "'d"), r"\s+be\s+(?:really\s+|very\s+|so\s+)?(?:great|good|helpful|nice|best|ideal|brilliant|"
                 r"lovely|amazing|fantastic|perfect)\s+(?:if\s+(?:you|u)\b|to\s+(?:get|have|receive|see)\s+(?:your|the|a|an|"
                 r"some|them|it|those|these)\b)"),
            _led((r"if\s+you", "you"), r"\s+(?:would|could)\s+be\s+so\s+kind")))), sep="|")),
    (_W({"need", "needs", "want", "require", "must", "have"}), _Needled("need|want|require|have to|must to", _rx("|".join((
        _led(_SUBJ_LEADS, r"(?:'d|\s+would|'ll|\s+will)?\s+(?:still\s+|may\s+|really\s+|also\s+)?(?:need|want|require)\s+"
             r"(?:you(?:r)?|the|a|an|this|that|these|those|it|them|some|more)\b"),
        _led((r"you(?<!if\syou)(?<!\wyou)", r"u(?<!if\su)(?<!\wu)"), r"\s+(?:need|have|must)\s+to\b"),
        _led(("i", "we"), r"\s+(?:will\s+|'ll\s+)?(?:also\s+|still\s+)?need\s+to\s+know\b"),
        _led(("i", "we"), r"\s+need\b(?!\s+to\s+(?!(?:get|have|receive|see|hear|know)\b))[^.]*\b(?:asap|urgently|today|"
             r"tomorrow|by)\b"),
        # the sentence's first word: "Need the signed copy by Friday"
        _led(("need(?<=^need)", r"still(?<=^still)\s+need"), r"\s+(?:the|your|a|an|this|that|these|those|it|them|some|more)\b"),
    ))), sep="|")),
    # "I want to ask if you can make the translation also in french"
    (_W({"ask"}), _rx(_led(("i", "we"), r"(?:\s+want(?:ed)?|'d\s+like|\s+would\s+like)\s+to\s+ask\s+(?:if|whether)\s+(?:you|u)\b"))),
    (_W({"from"}), _rx(r"need(?:s|ed)?\b[^.?!]{0,40}\bfrom\s+(?:you|u)\b")),  # "a few things I need from you"
    (_W({"let", "lmk"}), _rx(r"let(?<!will\slet)(?<!'ll\slet)\s+(?:me|us)\s+know\b|\blmk\b")),
    (_W({"checking", "following", "update", "news"}), _rx(
        _led((r"just\s+(?:checking|following)", "checking", "following"), r"\s+(?:in|up)\s+(?:on|about|regarding|re)\b"
             r"(?!\s+(?:our|the|my|your|this\s+morning'?s|today'?s|yesterday'?s|last\s+week'?s|[a-z]+day'?s)\s+"
             r"(?:[\w-]+\s+)?(?:meeting|call|conversation|chat|discussion|talk|session|workshop|visit|catch[\s-]?up)\b)") + "|"
        r"any\s+(?:update|news)\s+on\b")),
    # "The contract needs your signature", "Going to need those timesheets by Monday", "Eager to hear your thoughts",
    # "The balance is due on delivery", "I expect either a fix or a refund by Friday"
    (_W({"needs", "going", "eager", "keen", "due", "payable", "expect"}), _rx(
        r"needs\s+your\s+(?:signature|approval|sign-?off|input|feedback|ok|okay|go-ahead|answer|decision|confirmation)\b|"
        r"going\s+to\s+need\s+(?:the|your|those|these|that|this|it|them|a|an|some)\b|"
        + _led(("eager", "keen"), r"\s+to\s+(?:hear|see|get|receive)\s+(?:your|back|from\s+you)\b") + "|"
        + _led(map(_word, ("balance", "invoice", "deposit", "remainder")), r"\s+is\s+(?:now\s+)?(?:due|payable|overdue)\b")
        + "|" + _led(("i", "we"), r"\s+(?:now\s+)?expect\s+(?:either\s+)?(?:a\s+(?:fix|refund|reply|response|answer|call|"
                                r"resolution)|your|to\s+(?:hear|receive|get|see))\b"))),
    (_W({"keep", "back", "forward", "waiting", "wait", "sure", "forget", "remember", "can"}), _Needled(
        "keep|get back|look forward|wait|make sure|forget|be sure|remember to|can i|can we", _rx(
        r"keep\s+(?:me|us)\s+(?:posted|updated|informed|in\s+the\s+loop)|get\s+back\s+to\s+(?:me|us)|"
        r"(?:i|we)\s+look\s+forward\s+to\s+(?:hearing(?!\s+from\s+you\W*$)|receiving|your|getting)|"
        # "We are waiting your answer since two weeks"
        r"(?:waiting|wait)\s+(?:(?:for|on)\s+your|your\s+(?:answer|reply|response|feedback|confirmation|decision|"
        r"payment|approval|go-ahead|comments))|"
        r"(?<!to\s)make\s+sure\s+(?:you|to)|don'?t\s+forget|^be\s+sure\s+to|remember\s+to|can\s+(?:i|we)\s+(?:get|have|see)\b"),
        sep="|")),
    # what the reader will do, as agreed: "You'll check with legal on the permissions."
    (_W({"you'll", "you"}), _rx(
        r"^you(?:'ll|\s+will)\s+(?!be\b|have\b|get\b|receive\b|see\b|find\b|need\b|love\b|like\b|notice\b|want\b|"
        r"hear\b|know\b|probably\b|also\s+(?:get|receive|see|find)\b|enjoy\b|remember\b|recall\b|understand\b|"
        r"appreciate\b|agree\b|already\b|soon\b|not\b|never\b|always\b|still\b|just\b|definitely\b|likely\b|"
        r"surely\b|certainly\b|either\b|only\b|each\b|all\b|then\s+(?:get|receive|see)\b)[a-z]+\b(?![^.?!]*\?)")),
    # "You are requested to send the revised estimate", "Request you to share the same at the earliest."
    # "Gentle reminder about invoice #1043, due on the 30th."
    (_W({"requested", "request", "reminder"}), _rx(
        r"you\s+are\s+(?:kindly\s+)?requested\s+to\b|^(?:(?:we|i)\s+)?(?:kindly\s+)?request\s+you\s+to\b|"
        r"reminder\s+(?:about|regarding|re:?|of|on|that)\s+(?:the\s+|our\s+|my\s+)?(?:outstanding\s+|open\s+|unpaid\s+)?"
        r"(?:invoice|payment|bill|balance|fee)")),
    # asking in the first person: "could I have the files", "if I could have them by Wednesday"
    (_W({"could"}), _rx(r"could(?:\s+(?:i|we)|(?<=i\scould)|(?<=we\scould))\s+(?:get|have)\s+(?:it|them|the|your|a|an|this|"
                        r"these|those)\b")),
)


_IMPERATIVE = _rx(
    r"^(?:(?:and|also|so|then|but|now|just|oh|ok|okay|hey|hi|yes|no|great)\s+)?(?:send|call|review|check|sign|"
    r"approve|forward|provide|give|"
    r"make|take\s+a\s+look|have\s+a\s+look|look\s+(?:at|over|into)|read|fill|complete|update|fix|add|remove|delete|"
    r"change|"
    r"print|book|bring|get|go\s+ahead|keep|tell|share|pay|return|submit|upload|reply|respond|contact|email|e-mail|ping|"
    r"ask|come|join|find|advise|set\s+up|put|schedule|verify|prepare|draft|write|resend|re-send|grab|pick|drop|move|"
    r"double[\s-]check|let\s+(?:me|us)\s+know|give\s+me|run|try|sign\s+up|register|follow\s+up|reach\s+out|call\s+me|"
    r"touch\s+base|plan|decide|choose|pick|think\s+about|consider|coordinate|arrange|handle|confirm|remind|inform)\b"
)
# A section's name before what is said of it, in a status list or a recap.
_SECTION_LABEL = _rx(r"(?:[a-z][\w&'/-]*\s+){0,2}[a-z][\w&'/-]*\s*:\s+(?=[a-z])")
_NOT_IMPERATIVE = _rx(r"^[a-z-]+\s+[a-z-]+s\s+(?:(?:have\s+been|were|are)\s+)?[a-z]+ed\s+(?:over|to|in|on|up|out|and|for)\b|"
                      # "Print files handed over to the printer": a status, with its verb in the past
                      r"^[a-z-]+\s+(?:\d+\s+)?(?:is|was|were|are|went|has|had|looks|looked|seems|seemed|came|got|ran|"
                      r"worked|goes|of|may|might|must|will|would|could|should|attached|enclosed|below|done|sent)\b|^(?:see\s+(?:attached|below|above)|note\s+that|thanks|thank|enjoy|(?:call|ring|email|text|ping)\s+you\b|"
                      r"update\s+(?:on|from|re)\b|update:|consider\s+(?:it|this)\s+(?:done|my|our)\b|"
                      r"give\s+me\s+a\s+(?:second|sec|minute|moment|bit|few\s+(?:minutes|hours|days))\b|have\s+a\s+(?:great|good|"
                      r"nice))\b")
_QUESTION_TO_READER = _rx(r"\b(?:you|your|u|we|us|our|anyone|anybody|someone)\b|^(?:(?:any\s+)?thoughts|what|when|where|which|who|how|"
                          r"why|is|are|does|do|did|can|could|would|will|should|shall|any|has|have)\b")

# --- promises -------------------------------------------------------------------

# Not the subject of a plan when a conjunction or an auxiliary stands before it ("when I send", "can we
# fix"). Written subject first, so that `re` skips ahead to an "i" or a "w" instead of trying every word.
_SUBORDINATE_BEFORE = "when if once after before as until that should shall can could would do did may".split()


def _own_subject(word: str) -> str:
    return word + rf"(?<![a-z0-9']{word})" + "".join(rf"(?<!{lead}\s{word})" for lead in _SUBORDINATE_BEFORE)


_PRESENT_FOR_FUTURE = frozenset("send deliver finish write prepare upload share fix look check correct call tell".split())
_VERBLESS_NOUNS = frozenset(
    "quote invoice draft drafts cut edit files proofs photos design designs mockups wireframes copy report deck plans "
    "drawings contract proposal estimate timeline slides sketches samples translation summary recap color colour "
    "sound grade mix master".split())

# Each promise shape, with the words that must be present for it to be tried.
# Taking it on, telegraphically: "Looking into it - update by EOD." promises the update; it asks for none.
_ON_IT_THEN = _rx(r"^(?:looking\s+into\s+it|on\s+it|checking(?:\s+now)?|investigating|will\s+check)\s*[-–—,:.]+\s*"
                  r"(?:will\s+)?(?:update|revert|report\s+back|get\s+back|confirm|reply|send)\b")
_ON_IT = ("On it", "on it", "ON IT")
_ON_IT_STARTS = ("looking", "checking", "investigating", "on it", "will check")
_PROMISE_SHAPES = _Shapes(
    # the writer's side as a team, and money on its way: "Our team will share the API documentation by
    # Monday", "Payment will go out on Friday via ACH"
    (frozenset({"team"}), _rx(
        r"(?:our|my)(?<![a-z]our)(?<![a-z]my)\s+team\s+(?:will|'ll|is\s+going\s+to)\s+(?!be\s+(?:out|away|off|closed|on\s+leave)\b|"
        r"need\b|want\b)")),
    # money on its way in other words: "I've chased accounts and it will be paid by Thursday"
    (frozenset({"paid", "settled"}), _rx(
        r"(?:it|this|that|the\s+invoice|your\s+invoice|the\s+balance)\s+(?:will|'ll)\s+be\s+(?:paid|settled)\b")),
    (frozenset({"payment"}), _rx(
        r"^(?:the\s+|your\s+|final\s+)?payment\s+(?:for\s+[^.?]{1,40}?\s+)?(?:will|'ll)\s+(?:go\s+out|be\s+(?:made|sent|"
        r"processed|released|transferred|paid|with\s+you|in\s+your\s+account))\b")),
    (frozenset("i'll we'll will shall going gonna plan intend aim promise".split()), _rx(
        _SUBJ + r"(?:'ll|\s+will|\s+shall|'m\s+going\s+to|\s+am\s+going\s+to|'re\s+going\s+to|\s+are\s+going\s+to|"
        r"\s+plan\s+to|\s+intend\s+to|\s+(?:will|'ll)\s+(?:certainly|definitely|also|then|just|try\s+to)|\s+aim\s+to|"
        r"\s+promise\s+to|'m\s+gonna|\s+am\s+gonna|\s+(?:will|'ll)\s+be\s+(?:sending|getting|working|preparing|putting|"
        r"calling|following|reviewing|updating|finishing|looking|in\s+touch))\s+"
        r"(?!(?:also\s+|just\s+|then\s+|now\s+|still\s+)?(?:not\b|never\b|need\b|call\s+it\b|know\b)|be\s+(?!sure\b|"
        r"(?!going\b)[a-z]+ing\b|in\s+touch|there\b|able\s+to\s+(?:send|get|finish|deliver|have))|"
        r"need\b|have\s+(?:no|to)\b|"
        r"see\s+(?!you\b)|probably\b|likely\b|want\b|assume\b|find\b|"
        # feelings and states are not deeds: "we will miss you", "I'll have a problem"
        r"(?:miss|hope|wish|appreciate|understand|remember|enjoy|love|like|regret|welcome|anticipate|await|"
        r"expect|agree|doubt|need)\b|have\s+(?:a|an|some)\s+(?:problem|issue|question|trouble)s?\b)")),
    # "I'll see what I can do and get back to you": the looking is a hedge, the getting back is not.
    (frozenset({"back"}), _rx(
        _SUBJ + r"(?:'ll|\s+will)\b[^.;!?]{0,60}?\band\s+(?:get|come|revert)\s+back\s+to\s+(?:you|u)\b")),
    (frozenset({"will", "'ll", "ill"}), _rx(  # subject dropped: "Will send the files tomorrow."
        r"^(?:(?:ok|okay|sure|yes|yep|yeah|noted|np|cool|great)!?\s+)?(?:will|'ll)\s+(?!you\b|they\b|he\b|she\b|it\b|there\b|this\b|that\b|we\b|i\b|be\b|need\b|have\s+to\b)[a-z]+\b"
        r"(?![^?]*\?)|"
        # "Ill send it" is "I'll" without its apostrophe; "ill" before a verb is never the adjective
        r"^ill\s+(?:send|get|call|do|have|look|check|email|ring|forward|share|finish|update|try|make|put|sort|fix|"
        r"follow|review|drop|pop|be\s+in\s+touch)\b")),
    (frozenset({"let"}), _rx(
        r"let" + r"(?<![a-z0-9']let)\s+me\s+(?!know\b)(?:check|double[\s-]check|look|see|get|find|ask|confirm|review|think|dig|follow|"
        r"circle|take|have(?!\s+(?:your|the|it|them|those|these|that|this|any|copies|an?\s+(?:copy|update|answer|reply)))|"
        r"send|try|work|put|pull|run|loop|talk|speak|call|touch|handle|sort|fix|update|figure)\b")),
    (frozenset("i'm we're am are count do it".split()), _Needled("in for|in on|m in|me in|will do|on it", _rx(
        _SUBJ + r"(?:'m|\s+am|'re|\s+are)\s+in\s+(?:for|on)\b"
        r"|^\s*(?:i'?m\s+in|count\s+me\s+in|will\s+do|on\s+it|i'?m\s+on\s+it)\b(?!\s+[a-z])"), sep="|")),
    # "you" or "u" first, each checked for a word start after it, so that `re` skips to those letters
    (frozenset({"you'll", "you", "u'll", "u"}), _rx(
        r"(?:you(?<![a-z0-9']you)|u(?<![a-z0-9']u))(?:"
        r"(?:'ll|\s+will)\s+(?:have|get|receive)\s+(?:it|them|the|a|an|my|our|this|that)\b"
        # what a system sends is no promise: "you'll get an automatic notification", "an email from DocuSign"
        r"(?!\s+(?:automatic|automated|notification|alert|confirmation|reminder)\b)"
        r"(?![^.;!?]{0,40}\bfrom\s+(?!(?:me|us|my|our)\b))|"
        r"(?<=you)\s+should\s+(?:have|get|receive)\s+(?:it|them|the|a|an|my|our|this|that)\b"
        r"(?!\s+\w+\s+(?:signed|done|ready|checked|approved|sent))(?=.*\b(?:by|tomorrow|today|tonight|shortly|soon|"
        r"(?:mon|tues|wednes|thurs|fri)day|this|next)\b))")),
    (frozenset({"expect"}), _rx(
        r"expect(?<![a-z0-9']expect)\s+(?:it|them|my|our)\b.*\b(?:by|tomorrow|today|on|next|this|early|end)\b|"
        # "Expect the draft Monday": the reader is told what will come
        r"(?:^(?:so\s+)?|\byou\s+(?:can|should|may)\s+)expect\s+(?:the|a|an)\b"
        r"(?!\s+(?:[\w-]+\s+)?(?:delays?|problems?|issues?|disruptions?|outages?|increases?|interruptions?|downtime|"
        r"hiccups?|slowdowns?)\b).*\b(?:by|tomorrow|today|tonight|on|next|this|early|end|shortly|soon|"
        r"(?:mon|tues|wednes|thurs|fri)day)\b")),
    (frozenset({"can"}), _Needled("can send|can get|can have|can do|can deliver|can share|can finish|can start|"
                                  "can turn|can call", _rx(
        r"(?<!\bso\s)(?<!\bthat\s)(?<!\bhope\s)(?<!\bif\s)(?<!\bbefore\s)(?<!\buntil\s)(?<!\bonce\s)" + _SUBJ + r"\s+can\s+(?:send|get|have|do(?!\s+(?:on\s+|this\s+|next\s+)?(?:[a-z]+day|tomorrow|today|tmrw|mon|tue|tues|wed|"
        r"weds|thu|thur|thurs|fri|\d)\b)|deliver|share|finish|start|turn|call)\b.*\b(?:by|tomorrow|today|tonight|"
        r"next|this|monday|tuesday|wednesday|thursday|friday|end|eod)\b"), sep="|")),
    (frozenset("sending preparing putting working finishing".split()), _rx(
        r"(?:" + _SUBJ + r"(?:'m|\s+am|'re|\s+are)\s+|^)(?:sending|preparing|putting\s+together|working\s+on|finishing)\b"
        r".*\b(?:by|tomorrow|today|tonight|later|monday|tuesday|wednesday|thursday|friday|end|eod|next|shortly|soon)\b")),
    # "should have two options for you by Monday", said of one's own work
    (frozenset({"should"}), _rx(
        r"should(?<!you\sshould)(?<!they\sshould)(?<!he\sshould)(?<!she\sshould)(?<!it\sshould)"
        r"\s+(?:have|get)\s+(?:[\w-]+\s+){1,4}?(?:for|to|with|over\s+to)\s+(?:you|u)\b.*\b(?:by|tomorrow|today|tonight|"
        r"on|next|this|end|eod|(?:mon|tues|wednes|thurs|fri)day)\b")),
    # work said to be on its way: "it'll be with you by Monday", "fix will be live within the hour",
    # "Quote to follow by close of play tomorrow", "you get the cut Monday"
    (frozenset({"it'll", "ready", "live", "inbox", "shared", "sent", "emailed", "uploaded", "up"}), _rx(
        r"(?:^|\b(?:it|this|that|the\s+(?:fix|update|draft|quote|invoice|site|page|files?|report|deck|"
        r"design|changes|new\s+version|rest|cut|edit|proofs?|photos|contract|proposal|(?:release\s+|meeting\s+)?notes|"
        r"agenda|minutes|slides|samples|link|recording|"
        # "The Android build will be up on the test track by Friday"
        r"(?:[\w-]+\s+)?(?:build|release|app|beta|video|assets|artwork|mock-?ups?|designs|wireframes|translations?|"
        r"prototype|website|staging\s+site|landing\s+page|dashboard)))|^(?:fix|update|draft|quote|invoice|"
        r"report|deck|cut|proofs?|photos|contract|proposal))"
        r"(?:'ll|\s+will)\s+be\s+(?:with\s+you|in\s+your\s+inbox|live|up|ready|done|over\s+to\s+you|"
        r"(?:shared|sent|emailed|uploaded)\b(?=[^.?,;]*\b(?:by|tomorrow|today|tonight|on|next|this|(?:mon|tues|wednes|"
        r"thurs|fri)day)\b))\b")),
    (frozenset({"follow", "coming"}), _rx(
        r"^(?:(?:the|my|a|full|final|revised|updated|new)\s+)?(?:quote|invoice|draft|details|files?|contract|proposal|report|"
        r"summary|notes|update|photos|link|estimate|breakdown|recap|agenda|minutes|slides|deck|invite|invitation|"
        r"brief|schedule|timeline|samples?)\s+(?:to\s+follow|coming)\b")),
    (frozenset({"get"}), _rx(
        r"you(?<![a-z0-9']you)\s+get\s+(?:the|it|them|my|our|a)\b[^.?]*\b(?:tomorrow|tonight|today|next|this|by|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b(?![^.?]*\?)")),
    # taking it on: "Leave it with me.", "Consider it done.", "Consider this my confirmation for the 9th"
    (frozenset({"leave", "consider", "call", "ring"}), _rx(
        r"^(?:leave\s+it\s+with\s+me|consider\s+it\s+done|consider\s+this\s+(?:my|our)\s+(?:confirmation|acceptance|"
        r"yes|booking))\b|"
        r"^(?:will\s+)?(?:call|ring|get\s+back\s+to|email|text|ping)\s+you\s+(?:back\s+)?(?:in|at|later|tomorrow|tonight|"
        r"shortly|soon|first|after|once|when|this)\b")),
    # work on its way, by any name, with a when: "Contract and deposit will be with you by Friday",
    # "the logo files are coming your way tomorrow", "should be in your dropbox tonight", "the forecast
    # will follow by the end of next week"
    (frozenset({"you", "your", "follow"}), _Needled("with you|your way|in your|over to you|will follow", _rx(
        r"(?<!thoughts)(?<!prayers)(?<!hearts)(?<!things)"
        r"(?:(?:'ll|\s+will|\s+should)\s+be\s+(?:with\s+you(?!\s+in\s+spirit)|in\s+your\s+(?:inbox|dropbox|drive|folder|"
        r"mailbox|account|bank)|over\s+to\s+you)|\s(?:are|is)\s+(?:coming|heading)\s+your\s+way|\swill\s+follow(?!\s+up))\b"
        r"(?=[^.?]*\b(?:by(?!\s+(?:e-?mail|post|phone|courier|hand|separate))|tomorrow|tonight|today|next|this|shortly|within|later|early|eod|cob|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|latest)\b)"), sep="|")),
    # with the verb left out, a deliverable and its day: "Revised quote by Thursday.", "Final color and sound
    # early next week."
    # The ask test comes after the noun, where it answers the same (no word before it is one of the
    # asks, nor holds a stop) but runs for the few sentences that start so, not for every one.
    (_VERBLESS_NOUNS, _Brief(60, _rx(
        r"^(?:(?:the|my|our|revised|updated|new|final|full|first|second|next|all|signed)\s+){0,3}"
        r"(?:" + "|".join(sorted(_VERBLESS_NOUNS)) + r")(?![^.?!]*\b(?:please|pls|plz|asap|needed|required)\b)"
        r"(?:\s+(?:and|&)\s+[\w-]+){0,2}\s+"
        r"(?:by\s+|on\s+|early\s+|first\s+thing\s+|later\s+)?(?:tomorrow|tonight|today|(?:next|this)\s+week|eod|cob|"
        r"end\s+of|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b[^.?!,;]{0,25}[.!]*$"))),
    # the present for the future, as many who learnt English late write it: "I send you the signed contract
    # tomorrow", "The rest I send on 27th", "I am finish the API docs tomorrow"
    (_PRESENT_FOR_FUTURE, _rx(
        rf"(?:{_own_subject('i')}|{_own_subject('we')})\s+(?:am\s+|are\s+)?(?:send|deliver|finish|write|prepare|upload|share|fix|look|check|correct|call|tell)\s+"
        # stock phrases: "I write to inform you", "I send my apologies", "I share your concern", "I prepare for"
        r"(?!(?:to|regarding|about|this|from|in|on\s+behalf|forward)\b|(?:my|our)\s+(?:apologies|regards|wishes|thanks|"
        r"condolences|love|best)\b|(?:your|his|her|their|an?)\s|the\s+(?:concern|view|opinion|feeling)|for\b)"
        r"(?![^.]*\?)"
        r"(?![^.?]*\b(?:every|each|always|usually|normally|often|weekly|daily|monthly)\b)"
        r"[^.?]{0,60}?\b(?:tomorrow|tonight|today|next\s+week|this\s+week|on\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?|until|by|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b")),
    # no subject: "going to get this over tonight"
    (frozenset({"going", "gonna"}), _rx(
        r"^(?:going\s+to|gonna)\s+(?:get|send|have|finish|do|upload|share|email|deliver|wrap|put)\b")),
    # what follows from the sender: "My invoice will follow at the end of the month", "the rest will follow"
    (frozenset({"follow", "arrive"}), _rx(
        r"(?:(?:^|\b(?:my|our)\s+(?:[\w-]+\s+){0,2})(?:invoice|quote|estimate|proposal|draft|report|notes|summary|"
        r"feedback|comments|files|designs|update|recap|details)|\bthe\s+(?:rest|remaining\s+\w+|remainder))"
        r"\s+will\s+(?:follow|arrive)\b")),
)


_LETS = _rx(r"\blet'?s\b|\blet\s+us\b")
_NEGATION = _rx("|".join((
    _led(_I_WE, r"\s+(?:won'?t|will\s+not|can'?t|cannot|can\s+not|am\s+not|'m\s+not|are\s+not|'re\s+not|don'?t|do\s+not|"
         r"didn'?t|did\s+not|never|shan'?t)\b"),
    _led(_I_WE, r"'?(?:ll|\s+will)\s+(?:not|never)\b"),
    _word("unable") + r"\s+to\b", _word("won") + r"'?t\s+be\s+able\b", _word("whether") + r"\b", _word("unclear") + r"\b",
    _word("not") + r"\s+(?:going|planning)\s+to\b")))
# Every alternative led by its literal word (in the old order), so that `re` skips to their letters.
_HEDGE = _rx("(?:" + "|".join((
    *map(_word, ("maybe", "perhaps", "possibly", "might", "probably")), _word("not") + r"\s+sure",
    _word("if") + r"\s+(?:you|u)(?:'d\s+(?:like|prefer)|\s+(?:like|want|prefer|need|wish|would\s+(?:like|prefer)))",
    _word("if") + r"\s+(?:needed|necessary|required|possible|that\s+helps|it\s+helps|you'?re\s+interested)",
    _led(_I_WE, r"\s+(?:could|might|may)\b(?!\s+need)"), _led(_I_WE, r"\s+can\s+try"),
    _word("if") + r"\s+(?:i|we)\s+(?:have|get|find)\s+(?:time|a\s+chance)",
    _led(_I_WE, r"\s+hope\s+to"), _word("happy") + r"\s+to", _word("glad") + r"\s+to", _word("would") + r"\s+be\s+happy",
    _word("wondering") + r"\s+if", _led(_I_WE, r"\s+(?:assume|suppose|guess|imagine|presume)\b"))) + r")\b"
)
# Case-sensitive: a capitalised word is a name ("Anna said she'll send it").
_REPORTED = _Needled("said says mentioned told promised noted thinks believes indicated claims claimed wrote writes "
                     "confirmed explained suggested asked", re.compile(
    r"\b(?:[Hh]e|[Ss]he|[Tt]hey|(?!I\b|We\b|You\b|Please\b|Let\b|Meeting\b|Call\b|Time\b|Date\b|It\b|This\b|That\b|"
    r"Everything\b|All\b|Order\b|Payment\b|Invoice\b|Delivery\b|Booking\b|Appointment\b|"
    r"Session\b)[A-Z][a-z]+)\s+(?:(?:also|just|already|then|has|had)\s+)?(?:said|says|mentioned|told|promised|"
    r"noted|thinks|believes|indicated|claims|claimed|wrote|writes|confirmed|explained|suggested|asked)\b"
))
# A commitment that hangs on an open event is not one yet: "if I hear more, I'll let you know",
# "if not, we will bring copies". A condition on the reader's own step ("if you send the logo, I'll...")
# or on an agreement ("if that works, I'll book it") still leaves a promise.
_IF_UNSURE = _rx(r"^if\s+(?:not\b|(?:i|we)\b|(?:he|she|they|the|any|anyone|this|it)\b(?!\s+(?:works?|suits?|is\s+ok)))")
_PAST_PLAN = _Needled("going to|supposed to|meant to|would have|had planned", _rx(
    r"\b(?:i|we)\s+(?:was|were)\s+(?:going|supposed|meant)\s+to\b|\bwould\s+have\b|\b(?:i|we)\s+had\s+planned\b"), sep="|")


# --- detection ------------------------------------------------------------------

def detect(
    text: str,
    sent_at: datetime,
    direction: str = "outgoing",
    *,
    calendar: str | None = None,
    has_attachments: bool = False,
    config: DateConfig | None = None,
) -> Detection:
    """Items and completion signals in one message's new text.

    `sent_at` is the message's Date in the sender's offset (a naive value is taken
    as UTC). Owners are relative to the sender whatever the `direction`, which is
    accepted for symmetry with the record and does not change the result.
    `calendar` is a decoded text/calendar part. Bad input never raises: whatever
    can be read from the first MAX_CHARS characters is returned.
    """
    cfg = config or DateConfig()
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=timezone.utc)
    items: list[Item] = []
    completions: list[Completion] = []
    invite: Item | None = None
    if calendar:
        try:
            invite = calendar_item(calendar, sent_at, cfg)
        except Exception as exc:  # a hostile calendar part must not cost the message its text items
            log.warning("unreadable text/calendar part: %s: %s", type(exc).__name__, exc)
            log.debug("unreadable text/calendar part", exc_info=True)
            invite = None
        if invite:
            items.append(invite)
    if isinstance(text, str) and (_is_out_of_office(text) or _is_bulk(text)):
        return Detection(tuple(items), ())
    notice = _CALENDAR_NOTICE.match(text.lstrip()) if isinstance(text, str) else None
    if notice:
        # A calendar's own notification: its first line says it all, the rest is links and buttons.
        status = ("moved" if notice["invited"].lower().startswith("updated") else "proposed") if notice["invited"] \
            else "accepted" if notice["yes"] else "cancelled" if notice["off"] else None
        if not items and status:  # a decline or a maybe from one guest leaves the meeting as it was
            # read as a proposal: the line names the time it is at, not a move "to" somewhere
            found = _with_due("meeting", "both", "proposed", notice[0], notice["when"], sent_at, cfg)
            items.append(replace(found, status=status))
        return Detection(tuple(items), ())
    seen: set[tuple[str, str]] = set()
    previous: tuple[str, list[_Classified | Completion]] = ("", [])
    lone: int | None = None  # the index of the previous sentence's only item
    dateparser_before = dates.dateparser_calls
    people = _People(text if isinstance(text, str) else "")
    answered = _answered_questions(text) if isinstance(text, str) and text.count("?") >= _FAQ_MIN_IMPERSONAL else frozenset()
    listing = False  # inside a list of steps: "Next steps:", then one line each
    earlier = ("", "")  # the two sentences before this one
    retracted: int | None = None  # a meeting taken back ("scratch that"), until the one put in its place
    usual: dict[int, str] = {}  # weekday -> the hour a recurring meeting has then ("our weekly is Thursdays at 4")
    for sentence in sentences(text if isinstance(text, str) else ""):
        if "day" in sentence and "at" in sentence:
            for m in _RECURRING_AT.finditer(ascii_lower(sentence)):
                usual[_WEEKDAY_STEMS[m["d1"] or m["d2"]]] = m["hour"]
        if answered and sentence in answered:
            continue
        if items and _RETRACT.search(sentence):
            retracted = next((i for i in range(len(items) - 1, -1, -1) if items[i].kind == "meeting"), retracted)
        assigned = None
        if listing or sentence[0] in _BULLET_STARTS or sentence[-1] == ":" or (
                _step_cue(sentence)):
            assigned = _assigned(sentence, people, listing)
        # a bulleted list ends at its last bullet; numbered lines reach here without their numbers
        listing = sentence.endswith(":") or (assigned is not None and sentence[:1] not in _BULLET_STARTS)
        classified = _classify(sentence, has_attachments) if assigned is None else assigned
        if not classified and lone is None and "?" not in sentence:  # most: nothing here, nothing to add to
            previous = (sentence, classified)
            earlier = (earlier[1], sentence)
            continue
        if "?" in sentence and (not classified or (len(classified) == 1 and classified[0][0] == "request"
                                                   and "try" in sentence and _TRY_AGAIN.match(ascii_lower(sentence)))):
            slot = _bare_slot(sentence, " ".join(earlier), lone is not None and items[lone].kind == "meeting") \
                if not classified else \
                sentence if _MEETING_TALK.search(ascii_lower(" ".join(earlier))) else None
            if slot:
                classified = [("meeting", "both", "proposed", slot)]
        earlier = (earlier[1], sentence)
        if "?" in sentence and len(sentence) <= _FOLLOW_UP_MAX and previous[0]:
            sentence, classified = _follow_up(sentence, classified, *previous)
        previous = (sentence, classified)
        mine: list[Item] = []
        for found in classified:
            if isinstance(found, Completion):
                completions.append(found)
                continue
            kind, owner, status, segment = found
            if (kind, sentence) not in seen:
                seen.add((kind, sentence))
                mine.extend(_promises_apart(owner, sentence, segment, sent_at, cfg) if kind == "promise"
                            and _AND_THE.search(segment) else [_with_due(kind, owner, status, sentence, segment,
                                                                          sent_at, cfg)])
                if cfg.use_dateparser and dates.dateparser_calls - dateparser_before >= DATEPARSER_BUDGET:
                    cfg = replace(cfg, use_dateparser=False)
        if earlier[0] and any(item.due is None and item.kind != "meeting" for item in mine) \
                and _BY_THEN.search(ascii_lower(sentence)):
            mine = [_due_from(earlier[0], item, sent_at, cfg) for item in mine]
        if usual:
            if len(mine) == 1 and mine[0].kind == "request" and _MOVE_IT_TO_DAY.search(ascii_lower(sentence)):
                mine = [_with_due("meeting", "both", "moved", sentence, sentence, sent_at, cfg)]
                if len(set(usual.values())) == 1:  # moved to another day, at its usual hour
                    mine = [_at_usual_hour(mine[0], dict.fromkeys(range(7), next(iter(usual.values()))), sent_at, cfg)]
            mine = [_at_usual_hour(item, usual, sent_at, cfg) for item in mine]
        if lone is not None:
            kept, mine = _lean_on_previous(items[lone], sentence, mine, sent_at, cfg)
            if kept is None:
                del items[lone]
            else:
                items[lone] = kept
        if retracted is not None and any(item.kind == "meeting" for item in mine):
            gone = items.pop(retracted)
            retracted = None
            if gone.status == "moved":  # moved again: still a move
                mine = [replace(item, status="moved") if item.kind == "meeting" else item for item in mine]
        lone = len(items) if len(mine) == 1 else None
        items.extend(mine)
    booked = _booking(text, sent_at, cfg) if isinstance(text, str) and any(map(text.__contains__, _BOOKING_NEEDLES)) \
        else None
    if booked is not None:
        # the booking's own lines, and a "See you there!" under them, are that one meeting; an
        # invitation's calendar part says the same, with its own title, and stays in their place
        items = [item for item in items if item is invite or not (item.kind == "meeting" and (
            item.due is None or item.due.date() == booked.due.date() or item.sentence in booked.sentence
            or booked.sentence.split("\n")[-1] in item.sentence or _LABEL_LINE.match(item.sentence)
            or item.status == booked.status != "proposed"))]  # "Karen has rescheduled your meeting." is the move
        if invite is None or invite.due != booked.due:
            items.append(booked)
    if sum(1 for item in items if item.kind == "meeting") > 1:
        # A "See you then," or "See you on the 10th!" sign-off is the yes to a meeting the message already holds.
        days = {item.due.date() for item in items if item.kind == "meeting" and item.due is not None}
        items = [item for item in items if not (
            item.kind == "meeting" and item.status == "accepted" and (
                (item.due is None and _SEE_YOU_THEN.search(ascii_lower(item.sentence)))
                or (item.due is not None and item.due.date() in days and _SEE_YOU_ON_DATE.search(ascii_lower(item.sentence))
                    and sum(1 for other in items if other.kind == "meeting" and other.due is not None
                            and other.due.date() == item.due.date()) > 1)))]
    return Detection(tuple(items), tuple(completions))


# A booking tool's confirmation or a calendar's plain-text invitation names the day, and the hour, on
# labelled lines: "Date: Tuesday, December 1, 2026" and "Time: 2:00pm - 2:30pm (CET)", "When: Thursday
# Dec 3, 2026 2pm - 3pm (CET)", "Event date/time: 10:00am - 10:45am, Thursday, December 3, 2026", a
# reschedule's "New: ...". A forwarded message's header block has a "Date:" line too, beside "From:";
# its day is past anyway.
_BOOKING_NEEDLES = ("Date:", "When:", "DATE:", "WHEN:", "date:", "when:", "Time:", "time:", "New:", "date/time:")
_BOOKING_WHEN = re.compile(r"(?im)^[ \t]*(?:date|when|time|new|(?:event\s+)?date/time|date\s+(?:and|&)\s+time)[ \t]*:[ \t]*"
                           r"(?P<day>\S[^\n]{2,100})"
                           r"(?:\n[ \t]*(?:time|start|starts|starting)[ \t]*:[ \t]*(?P<time>\S[^\n]{0,60}))?")
_LABEL_LINE = re.compile(r"[A-Za-z][\w /&-]{0,24}:\s")  # "Previous: Monday, Nov 23, 9:00am", the booking's other lines
_HEADER_LINE = re.compile(r"(?im)^[ \t>]*(?:from|sent)[ \t]*:")
_BOOKING_CUE = _rx(r"\b(?:book\w*|appointment|event|session|meeting|call|invit\w*|scheduled|reservation|consultation|"
                   r"interview|shoot|visit|viewing|confirm\w*|reschedul\w*|cancell?ed|cancellation)\b")
_DAY_MONTH = _rx(r"\b\d{1,2}\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_BOOKING_STATUS = _rx(r"\b(?P<off>cancell?ed|cancellation)\b|\b(?P<moved>rescheduled|updated|moved|changed)\b|"
                      r"\b(?P<yes>confirmed|booked|scheduled|accepted)\b")


def _booking(text: str, sent_at: datetime, cfg: DateConfig) -> Item | None:
    """The meeting a booking confirmation or a plain-text invitation names on its labelled lines."""
    m = _BOOKING_WHEN.search(text, 0, MAX_CHARS)
    if m is None or _HEADER_LINE.search(text, max(0, m.start() - 200), m.end() + 200):
        return None
    low = ascii_lower(text[:2000])
    if not _BOOKING_CUE.search(low):
        return None
    found = _resolution(f"{m['day']} {m['time'] or ''}".strip(), "meeting", sent_at, cfg)
    if found is None or not (_NAMES_DAY.search(ascii_lower(found.text)) or _DAY_MONTH.search(ascii_lower(found.text))):
        return None  # "Date: TBC", "Time: 2pm": no day to hold a meeting on
    status = _BOOKING_STATUS.search(low)
    state = "proposed" if status is None else "cancelled" if status["off"] else "moved" if status["moved"] else "accepted"
    return Item("meeting", "both", "\n".join(" ".join(line.split()) for line in m[0].strip().split("\n")),
                found.due, found.text, state)


# "Invitation: Design review @ Thu 26 Nov 2026 2pm - 3pm (CET) (lena@example.com)", as calendars send it.
_CALENDAR_NOTICE = re.compile(
    r"(?i:(?P<invited>(?:updated\s+)?invitation(?:\s+updated)?|new\s+event)|(?P<yes>accepted)|(?P<no>declined|tentatively\s+accepted|"
    r"tentative)|(?P<off>cancell?ed(?:\s+event)?|event\s+cancell?ed))(?:\s+\(with\s+note\))?:\s+[^\n@]{1,200}?\s@\s(?P<when>[^\n]+)")


# An autoreply typed by hand, or sent without the headers that mark it: it promises and asks nothing.
_OUT_OF_OFFICE = _rx(
    r"^\W*(?:(?:hi|hello|dear\s+\w+)\W+)?(?:(?:thank\s+you|thanks)\s+for\s+your\s+(?:e-?mail|message)[.!]?\s*)?(?:(?:i\s+am|i'm|i\s+will\s+be)\s+"
    r"(?:currently\s+|now\s+)?(?:out\s+of\s+(?:the\s+)?office|on\s+(?:annual\s+|parental\s+|sick\s+)?leave|"
    r"away\s+from\s+(?:the\s+office|my\s+desk)|away\s+(?:until|till|from|through|on\s+(?:holiday|vacation|leave)))|"
    r"out\s+of\s+(?:the\s+)?office\b|auto(?:matic)?[\s-]?reply)")
_OUT_OF_OFFICE_SIGN = _rx(r"\b(?:until|returning|back\s+on|on\s+my\s+return|limited\s+access|no\s+access|"
                          r"will\s+(?:respond|reply)|for\s+(?:anything\s+)?urgent|in\s+my\s+absence)\b")


# A newsletter's or a platform's footer: what such mail asks ("Register now", "Book a free call") is
# marketing, not a step between correspondents. Its headers usually keep it from detection; this is
# for the mail that comes without them.
# A footer needs "unsubscribe" and one more sign: a person may mention unsubscribing, or carry a
# confidentiality notice ("if you received this in error"), and still ask and promise.
_UNSUBSCRIBE_LINK = _rx(r"(?m)^\W*unsubscribe\W*$|\bunsubscribe\s*\||\|\s*unsubscribe\b|"
                        r"\bunsubscribe\s+from\s+(?:this|these|our|future|all)\s+(?:e-?mails?|mailings?|messages|list|"
                        r"newsletters?|updates)\b")
_BULK_SIGNS = (
    _rx(r"\bunsubscribe\b"),
    _rx(r"\byou(?:'re|\s+are)?\s+(?:receiving|received|getting)\s+this\b(?!\s+(?:e-?mail\s+|message\s+)?(?:in\s+error|"
        r"by\s+mistake))"),
    _rx(r"\bmanage\s+(?:your\s+)?(?:email\s+|subscription\s+)?preferences\b|\bupdate\s+your\s+(?:email\s+)?preferences\b"),
    _rx(r"\bview\s+(?:this\s+(?:email|newsletter)\s+)?in\s+(?:your\s+)?browser\b"),
    _rx(r"©|\ball\s+rights\s+reserved\b|\bno\s+longer\s+wish\s+to\s+receive\b"),
)
_FORWARDED = _rx(r"\bforwarded\s+message\b|\bbegin\s+forwarded\b|^-+\s*original\s+message")


# A guide, an FAQ or a write-up asks its own questions and answers them: "How do I submit a claim?
# You log in to Concur...", "What happened? At 13:05 the queue...". Three paragraphs that open so
# make a message of that kind; a client's questions come without answers after them. Two are
# enough when neither names the reader ("Where can I find all this? The handbook is on the
# intranet."): then only the questions are skipped, and what the answers say still counts.
_FAQ_MIN = 3
_FAQ_MIN_IMPERSONAL = 2
_OPENING_QUESTION = re.compile(r"\s*(?:q:\s*)?([^?.!\n]{2,150}\?)[ \t]*\n?[ \t]*(?=\S)([^\n]*)", re.IGNORECASE)
_ASKERS_STORY = re.compile(r"\s*(?:I|I'm|I've|I'd|We've|We're|My|Our)\b")
_WH_WORDS = frozenset({"what", "why", "how", "who", "where", "when", "which"})
_READER_WORDS = frozenset({"you", "your", "yours", "u", "ur", "ya", "yourself", "you're", "you've", "you'll", "you'd"})


def _answered_questions(text: str) -> frozenset[str]:
    """The questions that open paragraphs and are answered in them, with every sentence of those
    paragraphs, when a message has at least _FAQ_MIN of them; only the questions, when at least
    _FAQ_MIN_IMPERSONAL of them do not address the reader; otherwise none."""
    answered: list[tuple[str, str]] = []
    for block in _BLOCKS.split(text[:MAX_CHARS]):
        m = _OPENING_QUESTION.match(block)
        if not m or m[2].rstrip().endswith("?"):
            continue
        words = m[1].lower().replace("?", " ").split()
        # "Why did we need a new banner?" asks nothing of the reader, though "we need a" would
        if (words[0] in _WH_WORDS and _READER_WORDS.isdisjoint(words)) or not _REQUEST_SHAPES.earliest(
                ascii_lower(m[1]), set(words)):
            answered.append((block, m[1]))
    if len(answered) >= _FAQ_MIN:
        return frozenset(sentence for block, _q in answered for sentence in sentences(block))
    # "Where can I find the invoice? I looked in the portal" is a client's ask, with the
    # asker's own story after it in place of an answer.
    impersonal = [question for block, question in answered
                  if _READER_WORDS.isdisjoint(question.lower().replace("?", " ").split())
                  and not _ASKERS_STORY.match(block, block.index(question) + len(question))]
    if len(impersonal) >= _FAQ_MIN_IMPERSONAL:
        return frozenset(sentence for question in impersonal for sentence in sentences(question))
    return frozenset()


def _is_bulk(text: str) -> bool:
    tail = text[-800:]
    if "nsubscribe" not in tail and "NSUBSCRIBE" not in tail:  # nearly all mail stops here
        return False
    low = ascii_lower(tail)
    signs = sum(1 for sign in _BULK_SIGNS if sign.search(low)) + (1 if _UNSUBSCRIBE_LINK.search(low) else 0)
    return signs >= 2 and not _FORWARDED.search(ascii_lower(text))


def _is_out_of_office(text: str) -> bool:
    head = ascii_lower(text[:600])
    return "?" not in head and _OUT_OF_OFFICE.match(head) is not None and _OUT_OF_OFFICE_SIGN.search(head) is not None


_STEP_HEAD = 48  # a step's "who" and its separator come first: "- Priya (me): circulate the MoM"
# a colon that labels, not one of "10:30"; a dash between words; "Anna to confirm". Every sentence
# is asked: one search led by a literal space (`re` skips to spaces in C) costs less than a str.find
# per separator. The colon's match is the space after it, so a separator still wins a tie with " to ".
_STEP_SEPARATORS = re.compile(" (?:(?<=: )|- |\u2013 |\u2014 |to )")
_TO_DO_HEAD = re.compile(r"[A-Z][a-z'-]+(?:\s+team)?\s+to\s")  # "Anna to confirm budget"


def _step_cue(sentence: str) -> bool:
    """A list line's shape in the sentence's head: a separator after its "who", or "to" after
    a name."""
    first = _STEP_SEPARATORS.search(sentence, 0, _STEP_HEAD)
    return first is not None and (first[0] != " to " or _TO_DO_HEAD.match(sentence) is not None)


class _People:
    """First names the message itself gives: whom it greets, and who signs it. Read only when a
    list line needs them: most messages have none."""

    __slots__ = ("_text", "_read")

    def __init__(self, text: str) -> None:
        self._text = text
        self._read: tuple[frozenset[str], frozenset[str], bool] | None = None

    def _names(self) -> tuple[frozenset[str], frozenset[str], bool]:
        if self._read is None:
            self._read = _read_people(self._text)
        return self._read

    @property
    def readers(self) -> frozenset[str]:
        return self._names()[0]

    @property
    def writers(self) -> frozenset[str]:
        return self._names()[1]

    @property
    def roster(self) -> bool:
        """Some list line names the reader's or the writer's step, so the other names are people."""
        return self._names()[2]


_GREETED = re.compile(r"^\W*(?i:hi|hello|hey|dear|hallo|hiya|morning|good\s+(?:morning|afternoon|evening)|g'day|hej|ciao|"
                      r"bonjour)\s+(?P<names>[A-Z][\w'-]+(?:\s*(?:,|&|and)\s*[A-Z][\w'-]+)*)")
_NAME_LINE = re.compile(r"^[-\u2013\u2014\s]*(?:(?i:best|cheers|regards|thanks|thank\s+you|kind\s+regards|best\s+regards|"
                        r"many\s+thanks|br|ta|love|warmly|talk\s+soon|speak\s+soon),?\s+)?(?P<first>[A-Z][a-z'-]+)"
                        r"(?:\s+[A-Z][a-z'-]+){0,2}\s*$")
_OWN_SIDE = frozenset({"me", "i", "myself", "we", "us", "our side", "our team", "my team", "my side"})
_YOUR_SIDE = frozenset({"you", "u", "your side", "your team"})
_BOTH_SIDES = frozenset({"both", "both of us", "all", "all of us", "everyone", "together", "joint", "team"})
# "Next steps:" lists: "- Tom: send the deck by Fri", "• Jess – update the deck", "- Priya (me): circulate the MoM"
_ACTION_LINE = re.compile(r"^(?P<bullet>\s*(?:[-*•◦▪‣]|\d{1,2}[.)])\s+)?(?P<who>[^\W\d_][\w.'&-]*(?:\s+[\w.'&-]+){0,2}?)"
                          r"(?:\s*\((?P<aside>me|you)\))?\s*(?::(?!\d)|(?P<dash>\s[-\u2013\u2014]\s))\s*(?P<what>\S.*)$")
# "- Anna to confirm budget", "Maria to schedule the vendor review."
_TO_DO_LINE = re.compile(r"^(?P<bullet>\s*(?:[-*•◦▪‣]|\d{1,2}[.)])\s+)?(?P<who>[A-Z][a-z'-]+(?:\s+team)?)(?P<aside>)\s+to\s+"
                         r"(?P<what>[a-z]+\b.*)$")
_PLAIN_STEP = re.compile(r"^(?P<bullet>\s*(?:[-*•◦▪‣]|\d{1,2}[.)])\s+)?(?P<who>(?i:you|we))\s+(?P<what>(?!(?i:will|'ll|can|"
                         r"could|would|should|may|might|must|are|were|have|had|did|do|need|want|also|already|just|"
                         r"all|both|still|never|always)\b)[a-z]+\b(?!')(?!\s+(?:to|that)\b).*)$")
_SOMEONE = re.compile(r"[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?(?:\s+team)?")
_MEET_AGAIN = _rx(r"(?:meet|talk|speak|sync|regroup|reconvene|catch\s+up|reconnect)\b")
_STEPS_LABEL = _rxi(r"^(?:actions?|action\s+items|next\s+steps|to-?dos|todos|follow-?ups)$")
_MEETING_LABEL = _rx(r"^(?:(?:the\s+)?next|follow[\s-]?up|our\s+next)\s+(?:[\w-]+\s+)?(?:sync|call|meeting|appointment|review|"
                     r"check-?in|session|catch-?up|workshop|meet-?up)\b")
_LABEL_WORDS = frozenset("note notes update reminder subject re fyi ps important action actions summary status question "
                         "answer deadline budget timeline agenda date time where location venue address phone tel email "
                         "cost price total scope goal goals result results outcome decision decisions issue problem "
                         "next steps recap todo to-do tip warning attachment attachments link".split())


_EVENT_WORDS = frozenset("call meeting session sync workshop review demo check-in catch-up retro kickoff kick-off standup "
                         "stand-up appointment lunch coffee interview walkthrough presentation".split())


def _is_event(low: str) -> bool:
    return not _EVENT_WORDS.isdisjoint(_WORD.findall(low)) or _MEETING_NOUN.search(low) is not None


def _read_people(text: str) -> tuple[frozenset[str], frozenset[str], bool]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    greeted = _GREETED.match(lines[0]) if lines else None
    readers = frozenset(n.lower() for n in re.split(r"\s*(?:,|&|\band\b)\s*", greeted["names"]) if n) \
        if greeted else frozenset()
    writers = frozenset(m["first"].lower() for line in lines[-8:] if (m := _NAME_LINE.match(line))) - readers
    named = {m["who"].split()[0].lower() for line in lines if (m := _ACTION_LINE.match(line))}
    roster = not named.isdisjoint(readers | writers | _OWN_SIDE | _YOUR_SIDE)
    return readers, writers, roster


def _assigned(sentence: str, people: _People, listing: bool) -> list[_Classified | Completion] | None:
    """A line of a "next steps" list, read by whose step it is; None when the line is not one."""
    m = _ACTION_LINE.match(sentence)
    if m and _STEPS_LABEL.match(m["who"]):
        return _assigned(m["what"], people, True)  # "Actions: Stefan to finalise Q1 headcount by 4 Dec;"
    plain = _PLAIN_STEP.match(sentence) if listing or sentence[:1] in _BULLET_STARTS else None
    if plain and (listing or plain["bullet"]):
        # "- you send us the offer until Friday", "- we clarify the budget internally": a step in the
        # present tense, the way many write a list of to-dos
        if _MEET_AGAIN.match(plain["what"].lower()):
            return [("meeting", "both", "proposed", plain["what"])]  # "• We meet again next Tuesday at 13:00"
        owner = "recipient" if plain["who"].lower() == "you" else "sender"
        return [("request" if owner == "recipient" else "promise", owner, None, plain["what"])]
    if m and m["dash"] and not (m["bullet"] or listing):
        return None  # "EVERYONE - we are the only ones who can stop this" is a sentence, not a step
    if not m:
        m = _TO_DO_LINE.match(sentence)
        if not m or not (m["bullet"] or listing):
            return None
    who, what = " ".join(m["who"].lower().split()), m["what"]
    low_what = ascii_lower(what)
    first = who.split()[0]
    if m["aside"] == "me" or who in _OWN_SIDE or (first in people.writers and first not in people.readers):
        found = _classify(what, False)
        if any(isinstance(f, Completion) for f in found):
            return found  # "- Me: sent the invoice" reports a deed
        return [("promise", "sender", None, what)]
    if m["aside"] == "you" or who in _YOUR_SIDE or first in people.readers:
        return [("request", "recipient", None, what)]
    if who in _BOTH_SIDES:
        if _is_event(low_what):
            return [("meeting", "both", "proposed", what)]
        return [("request", "both", None, what)]
    if _MEETING_LABEL.match(who):
        return [("meeting", "both", "proposed", what)]
    if m["bullet"] and (_NAMES_DAY.search(who) or not _DAY_WORDS.isdisjoint(who.split())):
        # "- Tomorrow: I'll send the final copy", "- Monday: you push the site live": the label says when
        line = sentence[m.end("bullet"):]
        found = [f for f in _classify(what, False) if not isinstance(f, Completion)]
        if not found and low_what.startswith("you "):
            found = [("request", "recipient", None, what)]
        elif not found and _is_event(low_what):
            found = [("meeting", "both", "proposed", what)]
        return [(kind, owner, status, line) for kind, owner, status, _ in found]
    if (m["bullet"] or listing) and _SOMEONE.fullmatch(m["who"]) and who not in _LABEL_WORDS \
            and first not in _LABEL_WORDS and (people.roster or m.re is _TO_DO_LINE):
        return []  # "- Anna to confirm budget", "• Mick – chase the printer quotes": a third party's step
    return None


# A slot asked for in a few words, once the message talks of meeting: "Tomorrow's not great.
# Wednesday?", "cant make fri, sry. next wk?", "ya sure, call tmrw works. 11?", "4 ok?".
_BARE_SLOT_MAX = 40
_BARE_SLOT = _rx(r"^(?:(?:or|and|so|then|maybe|how\s+about|what\s+about|say)\s*,?\s+)?(?P<slot>[a-z0-9: ]{1,28}?)"
                 r"(?:\s+(?:my|your|our)\s+time)?(?:\s*,?\s*(?:instead|then|ok|okay|maybe|perhaps|works?|good|better))?"
                 r"\s*\?+\W*$")
_SLOT_DAY_WORDS = frozenset({"tomorrow", "tmrw", "tmr", "2moro", "today", "tonight", "wk", "week", "morning",
                             "afternoon", "evening", "noon", "lunch", "lunchtime"})
_SLOT_WORDS = dates.WEEKDAY_NAMES | _SLOT_DAY_WORDS | frozenset({
    "next", "this", "am", "pm", "at", "on", "the", "after", "before", "around", "early", "late", "same", "time", "et", "pt", "ct", "mt", "est", "edt", "pst", "pdt", "cst", "cdt", "cet", "cest", "gmt", "bst", "utc", "ist"})
_SLOT_TOKEN = _rx(r"(?:[01]?\d|2[0-3])(?::[0-5]\d)?(?:am|pm|h)?|\d{1,2}(?:st|nd|rd|th)|[a-z]+")
_BARE_HOUR = _rx(r"(?:1[0-2]|[1-9])(?::[0-5]\d)?")
_BARE_HOUR_ASK = _rx(r"^(?:(?:say|maybe|or|at)\s+)?(?P<h>(?:1[0-2]|[1-9])(?::[0-5]\d)?(?:\s*[ap]m)?)\s*\?")
# after a missed call, "Can we try again at 2?" asks to meet
_TRY_AGAIN = _rx(r"^(?:so,?\s+)?(?:can|could|shall)\s+we\s+(?:try\s+again|do\s+it|try)\s+(?:at|on|tomorrow|tmrw|"
                 r"today|later|this|next|(?:mon|tues|wednes|thurs|fri)day)\b[^?]{0,20}\?")
_MEETING_TALK = _rx(r"\b(?:call|meet\w*|chat|talk|catch\s+up|coffee|lunch|sync|session|zoom|slot|"
                    r"can'?t\s+(?:make|do)|cant\s+(?:make|do)|not\s+great|no\s+good|(?:does|doesn'?t|won'?t)\s+work|"
                    r"slammed|busy|free|available|miss(?:ed)?|is\s+bad)\b")


def _bare_slot(sentence: str, before: str, after_meeting: bool = False) -> str | None:
    """The words to read the due of a slot asked for in a few words from, when the text before it
    talks of meeting or the sentence before is one ("Thursday works. 2pm?"); None when the sentence
    is no such question. "cant do 3 today, 4 ok?" asks
    for 4 today: a clause of its own, after a reason to move ("cant make fri, sry. next wk?")."""
    if not sentence.rstrip("!) ").endswith("?"):
        return None
    low = ascii_lower(sentence)
    head, ask = "", low
    m = _BARE_SLOT.match(low) if len(low) <= _BARE_SLOT_MAX else None
    if not m:
        cut = max(low.rfind(", "), low.rfind(". "), low.rfind("; "))
        head, ask = low[:max(cut, 0)], low[cut + 2:]
        m = _BARE_SLOT.match(ask) if cut > 0 and len(ask) <= _BARE_SLOT_MAX else None
    if not m:
        return None
    tokens = _SLOT_TOKEN.findall(m["slot"])
    if any(t.isalpha() and t not in _SLOT_WORDS for t in tokens) \
            or all(t.isalpha() and t not in dates.WEEKDAY_NAMES and t not in _SLOT_DAY_WORDS for t in tokens):
        return None
    if not after_meeting and not _MEETING_TALK.search(f"{ascii_lower(before)} {head}"):
        return None
    slot = m["slot"]
    if not _BARE_HOUR.fullmatch(slot):
        return slot
    day = _NAMES_DAY.search(head)
    return f"{day[0]} at {slot}" if day else f"at {slot}"


_LEAN_MAX = 90
# "Can we move our call to Monday at 3? ... Sorry, scratch that - Monday's gone too. Let's say Tuesday at 3."
_RETRACT = _Needled("cratch that|gnore that|orget that|isregard that|ever mind|evermind|econd thought", re.compile(r"\b(?:scratch|ignore|forget|disregard)\s+that\b(?!\s+(?:part|bit|one|file|email|mail|message))|"
                      r"\bnever\s*mind\b|\bon\s+second\s+thought", re.IGNORECASE), sep="|")
# "The committee meets on 10 December. Could we have your comments before then?", "Tomorrow I present
# the plan to the partners. After that I'll send you the estimate.": the day is the sentence before's.
_BY_THEN = _Needled(" then|before th|after th|afterwards", _rx(
    r"\b(?:by|before|until|till)\s+then\b|\bbefore\s+(?:that|this)\b|^(?:after\s+(?:that|this)|afterwards)\b"), sep="|")


# A meeting that recurs names its hour once: "Our weekly is on Thursdays at 4", "we sync every Monday at 9:30".
_RECURRING_AT = _rx(r"\b(?:(?:every|each)\s+(?P<d1>mon|tues|wednes|thurs|fri)day|(?P<d2>mon|tues|wednes|thurs|fri)days)"
                    r"\s+(?:at\s+)?(?P<hour>\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)(?![\d:]|[./]\d)")
# ...and "it" is that meeting: "Could we move it to Friday this week?"
_MOVE_IT_TO_DAY = _rx(r"\b(?:move|push|shift|switch|change|swap)\s+(?:it|that|this)\s+(?:back\s+|forward\s+)?(?:to|till|until)\s+"
                      r"(?:(?:this|next)\s+)?(?:mon|tues|wednes|thurs|fri)day\b")


_WEEKDAY_STEMS = {"mon": 0, "tues": 1, "wednes": 2, "thurs": 3, "fri": 4}


def _at_usual_hour(item: Item, usual: dict[int, str], sent_at: datetime, cfg: DateConfig) -> Item:
    """"Can we skip this Thursday?" after "Our weekly is on Thursdays at 4": Thursday at 4."""
    if item.kind != "meeting" or item.due is None or item.due.weekday() not in usual or \
            (item.due_text and _HOUR_NAMED.search(ascii_lower(item.due_text))):
        return item
    found = _resolution(f"{item.due_text} at {usual[item.due.weekday()]}", "meeting", sent_at, cfg)
    return replace(item, due=found.due, due_text=f"{item.due_text} … {usual[item.due.weekday()]}") \
        if found and found.due.date() == item.due.date() else item


def _due_from(before: str, item: Item, sent_at: datetime, cfg: DateConfig) -> Item:
    if item.due is not None or item.kind == "meeting":
        return item
    found = _resolution(before, item.kind, sent_at, cfg)
    return replace(item, due=found.due, due_text=found.text) if found else item


_FIND_ANOTHER = _rx(r"^(?:(?:so|and),?\s+)?(?:let'?s|we(?:'ll|\s+will)?\s+(?:need\s+to|have\s+to|can|could)|(?:can|could|shall)\s+we)\s+"
                    r"(?:find|pick|look\s+for|set|agree\s+on)\s+(?:another|a\s+new|a\s+different|a\s+better)\s+"
                    r"(?:date|day|time|slot)\b")
_FIRST_PERSON = _rx(r"\b(?:i|i'm|i'll|i've|we|we're|we'll|we've|my|our)\b")
_AT_THE_MEETING = _rx(r"\b(?:i|we)(?:'ll|\s+will)\s+(?:also\s+)?(?:bring|call\s+you|ring\s+you|dial\s+in|phone\s+you)\b")
_OWN_MEETING = _rx(r"\b(?:let'?s|cancel\w*|can'?t|cannot|move|reschedul\w*|postpon\w*)\b")


def _lean_on_previous(prev: Item, sentence: str, mine: list[Item], sent_at: datetime,
                      cfg: DateConfig) -> tuple[Item | None, list[Item]]:
    """A short sentence that only adds a time to the item before it.

    "Can we squeeze in a call before you go? Thursday or Friday morning would suit me
    best." is one meeting, due Thursday morning; "Would you have 20 minutes for a call
    on Friday? Any time after 2pm works for us." one meeting at 14:00 on Friday; "Could
    you swap the number when you get a minute? No rush, Monday is fine." one request
    due Monday. None in place of the item: this sentence takes it back.
    """
    if len(sentence) > _LEAN_MAX:
        return prev, mine
    low = ascii_lower(sentence)
    if prev.kind == "meeting" and prev.status == "cancelled" and _MISSING_IT.search(low):
        return None, []  # "I won't be able to make Friday's meeting. I'll read the notes afterwards."
    if prev.kind == "meeting" and prev.status == "cancelled" and _FIND_ANOTHER.match(low):
        return prev, [item for item in mine if item.kind != "request"]  # "Let's find another date": the same call
    if prev.kind == "meeting" and prev.due is not None and len(mine) == 1 and mine[0].kind == "meeting" \
            and mine[0].due is not None and "same time" in low and prev.due_text \
            and _HOUR_NAMED.search(ascii_lower(prev.due_text)) and not _HOUR_NAMED.search(ascii_lower(mine[0].due_text or "")):
        # "I have to cancel our 3pm today. Can we do tomorrow, same time, instead?": tomorrow at 3pm
        due = mine[0].due.replace(hour=prev.due.hour, minute=prev.due.minute)
        return prev, [replace(mine[0], due=due, due_text=f"{mine[0].due_text} … {prev.due_text}")]
    if (prev.kind == "meeting" and prev.status != "cancelled" and prev.due_text and len(mine) == 1
            and mine[0].kind == "meeting" and _BARE_HOUR_ASK.match(low)
            and not _HOUR_NAMED.search(ascii_lower(prev.due_text))):
        # "ya sure, call tmrw works. 11?": the hour of the day just agreed
        found = _resolution(f"{prev.due_text} at {_BARE_HOUR_ASK.match(low)['h']}", "meeting", sent_at, cfg)
        if found:
            return replace(prev, due=found.due, due_text=found.text), []
    if prev.kind == "meeting" and prev.status != "cancelled" and len(mine) == 1 and mine[0].kind != "promise":
        moved = _moved_on(prev, sentence, low, mine[0], sent_at, cfg)
        if moved:
            # "Is Friday 11 possible?" still waits for an answer; "Can we push it to 11?" is the move itself
            return moved, mine if moved.sentence == prev.sentence else []
    if (prev.kind == "meeting" and prev.status != "cancelled" and len(mine) == 1 and mine[0].kind == "meeting"
            and mine[0].due is None and (_SEE_YOU_THEN.search(low) or not _MEETING_NOUN.search(low))):
        # "Monday at 1pm works. Talk then.", "Can we hop on a call at 11:30? I want to talk through the
        # pricing page.": one meeting
        return prev, []
    if (prev.kind == "meeting" and prev.status in ("proposed", "moved") and len(mine) == 1
            and mine[0].kind == "meeting" and mine[0].status in ("proposed", "accepted")
            and not _MEETING_NOUN.search(low) and not _MEET_WISH.search(low) and not _OWN_MEETING.search(low)):
        if prev.due is None:
            return replace(prev, due=mine[0].due, due_text=mine[0].due_text), []
        if prev.due_text and not _HOUR_NAMED.search(ascii_lower(prev.due_text)) and _CLOCK.search(low) \
                and not _NAMES_DAY.search(low):
            found = _resolution(f"{prev.due_text} {sentence}", "meeting", sent_at, cfg)
            if found:
                return replace(prev, due=found.due, due_text=f"{prev.due_text} … {found.text}"), []
        return prev, []
    if (prev.kind == "meeting" and prev.status != "cancelled" and prev.due is not None and len(mine) == 1
            and mine[0].kind == "promise" and mine[0].due is None and _AT_THE_MEETING.search(low)):
        # "Count me in for the kickoff on the 26th. I'll bring printed copies.": due when the meeting is
        return prev, [replace(mine[0], due=prev.due, due_text=prev.due_text)]
    if not mine and prev.due is None and "?" not in sentence and not _BULLET_MARK.match(sentence) \
            and not _DAY_WORDS.isdisjoint(_WORD.findall(low)) and not _FIRST_PERSON.search(low):
        found = _resolution(sentence, prev.kind, sent_at, cfg)
        if found:
            return replace(prev, due=found.due, due_text=found.text), []
    return prev, mine


# "Our call is tomorrow at 9. Can we push it to 11?": "it" is the meeting just named, and it keeps its day.
_MOVE_IT_TO_HOUR = _rx(r"\b(?:push|move|shift|bump|switch|change|make)\s+(?:it|that|this|(?:our|the)\s+(?:[\w:-]+\s+)?"
                       r"(?:call|meeting|chat|session|review|sync|1:1|catch-?up|appointment))\s+(?:back\s+|forward\s+)?"
                       r"(?:to\s+)?(?P<h>(?:1[0-2]|[1-9])(?::[0-5]\d)?(?:\s*[ap]\.?m\b)?)(?!\s*(?:st|nd|rd|th|[./]))")
# After "I need to move our call tomorrow.", a question that names a time offers the new one:
# "Would Friday at 11 work?", "Is Friday 11 possible?".
_TIME_OFFERED = _rx(r"^(?:(?:and|so|or|then),?\s+)?(?:(?:would|does|will|is|could)\s+)?[^?]{0,40}?\b"
                    r"(?:work|suit|be\s+possible|possible|ok|okay|good|fine|better|free|look)\b[^?]{0,20}\?\W*$")


def _moved_on(prev: Item, sentence: str, low: str, then: Item, sent_at: datetime, cfg: DateConfig) -> Item | None:
    """A meeting moved in the sentence after the one that names it, as one moved meeting."""
    hour = _MOVE_IT_TO_HOUR.search(low) if prev.due is not None and then.due is None else None
    if hour and not _NAMES_DAY.search(low):
        found = _resolution(f"at {hour['h']}", "meeting", sent_at.replace(hour=0, minute=0), cfg)
        if found and found.has_time:
            due = prev.due.replace(hour=found.due.hour, minute=found.due.minute)
            return replace(prev, sentence=f"{prev.sentence} {sentence}", status="moved", due=due,
                           due_text=f"{prev.due_text} … {found.text}")
    if prev.status == "moved" and then.due is not None and _TIME_OFFERED.match(low) \
            and not _DELIVERABLE.search(low) and _MEETING_NOUN.search(low) is None:
        found = _resolution(sentence, "meeting", sent_at, cfg)
        if found:
            return replace(prev, due=found.due, due_text=found.text)
    return None


def _resolution(text: str, kind: str, sent_at: datetime, cfg: DateConfig) -> dates.Resolution | None:
    try:
        found = resolve(text, sent_at, kind=kind, config=cfg)
    except Exception as exc:  # a due is a bonus; a bug in the date layer must not lose the item
        log.warning("date resolution failed for %r: %s: %s", text[:80], type(exc).__name__, exc)
        log.debug("date resolution failed", exc_info=True)
        return None
    return found if found is not None and found.due >= sent_at - _PAST_GRACE else None


_FOLLOW_UP_MAX = 60
# A short question that leans on the sentence before it: "Friday at 2pm? Can you make it?"
_FOLLOW_UP_ASK = _rx(
    r"^(?:(?:so|and|ok|okay),?\s+)?(?:(?:can|could|will|would)\s+you\s+(?:\w+\s+)?(?:make\s+it|attend|join(?:\s+us)?|"
    r"be\s+there)|(?:does|would|will)\s+(?:that|this|it)\s+(?:time\s+|day\s+)?(?:work|suit)|"
    r"(?:are|would)\s+you\s+(?:be\s+)?(?:free|available|around)(?:\s+then)?|"
    r"which\s+(?:one|day|time|slot|option)\s+(?:suits|works|is\s+better|would\s+(?:suit|work)))\b[^?]*\?\W*$"
)


def _follow_up(sentence: str, classified: list[_Classified | Completion], prev_sentence: str,
               prev_classified: list[_Classified | Completion]) -> tuple[str, list[_Classified | Completion]]:
    """'We could do Thursday at 3pm. Does that work?': the question asks about the day before it, so
    the two sentences make one proposed meeting. Not when the first already yields an item: after
    "Please send the file by Friday." the question asks about the deadline."""
    low = ascii_lower(_GREETING.sub("", sentence, count=1))
    if not _FOLLOW_UP_ASK.match(low):
        return sentence, classified
    if prev_classified and all(not isinstance(f, Completion) and f[0] == "meeting" for f in prev_classified):
        # "We could do Monday at 10 or Tuesday at 2. Which one suits you better?" asks about that meeting.
        return sentence, [f for f in classified if isinstance(f, Completion) or f[0] != "request"]
    if any(not isinstance(f, Completion) for f in prev_classified):
        return sentence, classified
    prev_low = ascii_lower(prev_sentence)
    if not (_CLOCK.search(prev_low) or not _DAY_WORDS.isdisjoint(_WORD.findall(prev_low))):
        return sentence, classified
    joined = f"{prev_sentence} {sentence}"
    rest = [f for f in classified if isinstance(f, Completion) or f[0] != "request"]
    return joined, [("meeting", "both", "proposed", prev_sentence), *rest]


_WORD = _rx(r"[a-z]+")


def sentences(text: str) -> list[str]:
    """The sentences of a body, cleaned, skipping separators and junk."""
    text = text[:MAX_CHARS]
    if text.isascii():
        text = text.encode().translate(_CONTROL_BYTES).decode()
    else:
        text = text.translate(_CONTROL_TO_SPACE)
    if any(mark in text and any(pair in text for pair in pairs) for mark, pairs in _RULE_HINT.items()):
        text = _RULE_LINE.sub("\n\n", text)
    # One split over the whole body instead of slicing match by match. A newline
    # always cuts, so joining the blocks with one ends each block's last sentence;
    # the only extra cuts it allows set off whitespace, which is dropped.
    joined = "\n".join(_join_lines(block) if "\n" in block else block for block in _BLOCKS.split(text))
    parts = _CUT.split(joined) + [""]  # text, cut, text, cut, ..., text, "": a text keeps the cut after it
    cleaned = (" ".join((part + cut).split()) for part, cut in zip(parts[::2], parts[1::2]))
    return [sentence for sentence in cleaned if 3 <= len(sentence) <= MAX_SENTENCE]


def _join_lines(block: str) -> str:
    """Undo hard wrapping, but keep the breaks after short or finished lines."""
    lines = block.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        prev = out[-1].rstrip()
        if not prev or len(prev) < _SHORT_LINE or prev[-1] in ".!?:;" or _BULLET.match(line):
            out.append("\n" + line)
        else:
            out.append(" " + line.strip())
    return "".join(out)


_TAG_QUESTION = re.compile(r",\s*(?:ok|okay|alright|all\s+right|right|yes|no|yeah|fine)\s*\?+$", re.IGNORECASE)
_Found = tuple[str, str, str | None, int]  # kind, owner, status, where its cue starts in the body
_Classified = tuple[str, str, str | None, str]  # kind, owner, status, the words its due is read from


def _classify(sentence: str, has_attachments: bool) -> list[_Classified | Completion]:
    """What one sentence says: a meeting, or a request and/or a promise, or a completion.

    Each item comes with the part of the sentence its due should be read from:
    in "I'll send the quote by Thursday, and could you send the logo by Monday?"
    the promise is due Thursday and the request Monday.
    """
    if sentence[-1] == "?" and sentence[-3:-1].isalpha() and (tag := _TAG_QUESTION.search(sentence)):
        # "We send the contract revised on monday, ok?": a promise, with a nod asked for
        plain = _classify(sentence[:tag.start()] + ".", has_attachments)
        if any(not isinstance(found, Completion) and found[0] == "promise" for found in plain):
            return plain
    if sentence.isascii():
        tokens = sentence.encode().translate(_GATE_BYTES).decode().split()
    else:
        tokens = sentence.translate(_GATE_TABLE).split()
    # Most sentences stop here: test the token list before paying for a set.
    if ("?" not in sentence and _CUE_WORDS.isdisjoint(tokens)
            # "Looks great, send it to the printer!"
            and _IMPERATIVE_WORDS.isdisjoint(tokens[:3] if tokens[:1] in (["looks"], ["sounds"]) else tokens[:2])
            and "about" not in tokens[:3]  # "how about 11:30"
            and not sentence.startswith(_ON_IT)
            and (_PAIRED_CUES.isdisjoint(tokens) or not _paired_cue(tokens))
            and not (tokens[1:2] == ["you"] and tokens[0] in _LEAD_WORDS)  # "when you can, send me..."
            and not _late_cue(tokens) and not (not _MOVED_WORDS.isdisjoint(tokens) and _MOVED_TO_WHEN.search(ascii_lower(sentence)))):
        return []
    words = set(tokens)
    low_sentence = ascii_lower(sentence)  # same length: the body's low copy is a slice of it
    boilerplate = _BOILERPLATE.search(low_sentence) if not words.isdisjoint(_BOILERPLATE_WORDS) else None
    if boilerplate:
        # "Please review the draft and let me know if you have any questions": the ask
        # before the formula stands; a sentence that is all formula asks nothing.
        head = sentence[:boilerplate.start()].rstrip(" ,;-")
        if not _BOILERPLATE_TAIL_OK.search(ascii_lower(head)):
            return []
        return _classify(head, has_attachments)
    bullet = _BULLET_MARK.match(sentence) if sentence[0] in _BULLET_STARTS else None
    if bullet:  # "- send me the logo files", "☐ Sign and return the agreement"
        sentence, low_sentence = sentence[bullet.end():], low_sentence[bullet.end():]
    greeting = _GREETING.match(sentence)
    cut = greeting.end() if greeting else 0
    if greeting and greeting["tail"] and _TAIL_ASK.match(ascii_lower(greeting["tail"].strip())):
        cut = greeting.end("word")  # "great, send it tomorrow" and "ok send it tomorrow," keep their ask
    elif not greeting and tokens[:1] == ["sounds"] and (approval := _SOUNDS_THEN_ASK.match(low_sentence)):
        cut = approval.end()  # "Sounds good, go ahead with option B." ("Sounds good, Thursday at 2" says yes to a time)
    elif not greeting and ":" in sentence[:40] and low_sentence.split(None, 1)[0].rstrip(":") in _IMPERATIVE_WORDS:
        label = _SECTION_LABEL.match(low_sentence)
        if label:  # "Contact form: fixed the bug you reported": "contact" names a section, asks nothing
            cut = label.end()
    body = sentence[cut:].strip()
    if not body:
        return []
    low = low_sentence[cut:].strip()
    completion = _completion(sentence, body, has_attachments)
    found: list[_Classified | Completion] = [completion] if completion else []
    promise = _promise(body, low, words)
    maybe_meeting = not words.isdisjoint(_MEETING_WORDS) or (
        not words.isdisjoint(_MEETING_WEAK_WORDS) and (not words.isdisjoint(_DAY_WORDS) or _CLOCK.search(low)
                                                       or _AT_HOUR.search(low) or _SEE_YOU_ON_DATE.search(low))) or (
        not words.isdisjoint(_IT_IS_WORDS) and _TIME_IT_IS.match(low) is not None) or (
        "then" in words and _SEE_YOU_THEN.search(low) is not None) or (
        not _MOVED_WORDS.isdisjoint(words) and _MOVED_TO_WHEN.search(low) is not None)
    meeting = _meeting(body, low, words) if maybe_meeting else None
    if meeting and _NO_RUSH.search(low_sentence) and not _MEETING_NOUN.search(low) and not _CALL_ME.search(low):
        meeting = None  # "No rush, Monday is fine" gives a day for work, not for a meeting
    # "I'll send the deck before our call Tuesday" is a promise that mentions a meeting;
    # "I'll be there" and "I plan to attend" accept one.
    # An invitation outweighs the promise beside it: "you are invited to the party we will host on Friday".
    near = promise and (_MEETING_NOUN.search(low, promise[3], promise[3] + 40)
                        or _ATTENDING.search(low, promise[3], promise[3] + 40)
                        or _MEET_WISH.search(low, promise[3], promise[3] + 40)
                        or _CALL_VERB.search(low, promise[3], promise[3] + 40)
                        or _MEET_MOVE.search(low, promise[3], promise[3] + 24)
                        or _INVITE.search(low))
    if promise and (not meeting or meeting[3] >= promise[3]) and not words.isdisjoint(_ARTIFACT_WORDS):
        artifact = _MEETING_ARTIFACT.search(low, promise[3])
        if artifact:
            # "I'll send a calendar invite for Monday at 10" proposes a time; "I'll send the
            # meeting link tomorrow" only promises the link, and an agenda email for a
            # call "tomorrow at 9:00" would be written about a time nobody named.
            if artifact[1] not in _RECORD_WORDS and _FOR_WHEN.search(low, artifact.end()) \
                    and (meeting or _INVITE_ARTIFACT.search(low, promise[3])):
                return [*found, ("meeting", "both", "proposed", body)]
            meeting = None
    if meeting and not promise and not words.isdisjoint(_ARTIFACT_WORDS) and (ask := _ASK_FOR_ARTIFACT.search(low)) \
            and _request(body, low, words):
        if meeting[2] == "accepted" and _SLOT_SUITS.search(low, 0, ask.start()):
            # "Thursday 3 PM works – please send the invite": a yes, then an ask of its own
            return [*found, ("meeting", "both", "accepted", body[:ask.start()]),
                    ("request", "recipient", None, body[ask.start():])]
        meeting = None  # "Could you resend the Zoom link for Thursday?" asks for the link; the call is already set
    if meeting and promise and promise[3] <= meeting[3] and _ARRANGE.match(low, promise[3]) \
            and words.isdisjoint(_DAY_WORDS) and not _HOUR_NAMED.search(low):
        meeting = None  # "I'll set up a Teams meeting": the writer owes the invite; no time is proposed yet
    if meeting and (not promise or near):
        return [*found, (*meeting[:3], body)]
    if meeting and promise:
        # "Let's talk Monday at 10 and I'll bring the sitemap": a meeting, then a promise of its own.
        head = _meeting(body[:promise[3]], low[:promise[3]], words)
        if head:
            return [*found, (*head[:3], body[:promise[3]]), (*promise[:3], body[promise[3]:])]
    if completion:
        # "I've pushed the fixes to staging — have a look when you can": a deed, then an ask.
        brk = _CLAUSE_BREAK.search(low)
        ask = _request(body[brk.end():], low[brk.end():], words) if brk else None
        if ask:
            found.append((*ask[:3], body[brk.end():]))
        return found
    hits = sorted((hit for hit in (_request(body, low, words), promise) if hit), key=lambda hit: hit[3])
    for k, (kind, owner, status, pos) in enumerate(hits):
        end = hits[k + 1][3] if k + 1 < len(hits) else len(body)
        found.append((kind, owner, status, body[pos:end]))
    return found


_PAYABLE = _rx(r",\s+payable\s+(?:within|by|on|before|in)\b")
_ARTIFACT_WORDS = frozenset({"link", "invite", "invitation", "dial-in", "dial", "details", "agenda", "notes", "minutes"})
_MEETING_ARTIFACT = _rx(r"\b(?:send|sending|circulate|forward|share|email|drop|set\s+up|put|pop)\s+(?:\S+\s+){0,3}?"
                        r"(link|invite|invitation|dial[\s-]?in|details|agenda|notes|minutes)\b")
_ASK_FOR_ARTIFACT = _rx(r"\b(?:send|resend|re-send|forward|share|email|give)\s+(?:me\s+|us\s+|over\s+|again\s+)*(?:the|a|an|your)\s+"
                       r"(?:[\w-]+\s+){0,2}?(?:link|invite|invitation|dial[\s-]?in|details|agenda)\b")
_ARRANGE = _rx(r"(?:i|we)(?:'ll|\s+will)\s+(?:go\s+ahead\s+and\s+)?(?:set\s+up|schedule|arrange|organi[sz]e|book|"
               r"send\s+(?:out\s+|over\s+|round\s+)?(?:an?\s+|the\s+)?(?:invite|invitation))\b")
# Written about a meeting that is already set: "the notes for Friday's workshop" proposes nothing.
_RECORD_WORDS = frozenset({"agenda", "notes", "minutes"})
_INVITE_ARTIFACT = _rx(r"\b(?:invite|invitation|dial[\s-]?in)\b")
_FOR_WHEN = _rx(r"\bfor\s+(?:(?:the|our|a|an|this|that|next|tomorrow'?s|today'?s)\s+)?(?:[a-z'-]+\s+){0,3}?(?:on\s+|at\s+)?"
                r"(?:\d|(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|tomorrow|next\s+week|noon)")


# "Our 1:1 tomorrow is moved to 3:30": said of our meeting with the time it moves to, not of an office or a file
_MOVED_WORDS = frozenset({"moved", "rescheduled", "postponed", "pushed"})
# Each auxiliary starts with its literal ("'s" checks the word before it), so `re` skips to them.
_MOVED_TO_WHEN = _rx("(?:" + "|".join((_word("is"), _word("has") + r"\s+been", _word("have") + r"\s+been", r"'(?<=\w')s",
                                       _word("was"), _word("been"), _word("got"))) + ")"
                     r"\s+(?:moved|rescheduled|postponed|pushed)\s+"
                     r"(?:back\s+|forward\s+)?(?:to|until|till)\s+(?:the\s+|next\s+|this\s+)?"
                     r"(?:\d|(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|tomorrow|noon|morning|afternoon)")
_MOVED_EVENT = _rx(r"\b(?:review|session|call|meeting|1:1|one-on-one|sync|stand-?up|demo|workshop|interview|appointment|"
                   r"kick-?off|presentation|training|webinar|check-?in|catch-?up|town\s+hall|offsite|briefing)\b"
                   r"[^.?!;]{0,40}?" + _MOVED_TO_WHEN.pattern)
# Words too common to let a sentence through alone: "we'd ask that you", "Request you to share the
# same", "You are requested to send", "Thursday or Friday both work".
_PAIRED_CUES = frozenset({"ask", "request", "requested", "both", "either"})


def _paired_cue(tokens: list[str]) -> bool:
    return (("ask" in tokens and "you" in tokens) or tokens[:1] == ["request"] or "requested" in tokens[:4]
            or ("work" in tokens and ("both" in tokens or "either" in tokens)))


_LATE_WORDS = frozenset({"so", "get", "then"}) | _VERBLESS_NOUNS | _PRESENT_FOR_FUTURE


def _late_cue(tokens: list[str]) -> bool:
    """An ask or a promise that no cue word announces, past the sentence's first words:
    "the link expires Friday, so grab the files", "the edit wraps Sunday and you get the cut Monday"."""
    # One pass over the tokens; then the words found answer most tests without another scan of the list.
    late = _LATE_WORDS.intersection(tokens)
    if not late:  # nearly every sentence
        return False
    if "so" in late:
        after = tokens.index("so") + 1
        if after < len(tokens) and tokens[after] in _IMPERATIVE_WORDS:
            return True
    return (("get" in late and "you" in tokens) or (len(tokens) <= 10 and not _VERBLESS_NOUNS.isdisjoint(tokens[:4]))
            or (not _PRESENT_FOR_FUTURE.isdisjoint(late) and ("i" in tokens or "we" in tokens)) or tokens[-1] == "then")


def _completion(sentence: str, body: str, has_attachments: bool) -> Completion | None:
    m = _COMPLETION_ATTACH.match(body)
    # "Attached is the draft" with nothing attached and no link is a forgotten
    # attachment, not evidence that the work was delivered.
    if m and (has_attachments or _LINK.search(body)):
        return Completion(sentence, _what(m["what"]))
    m = _COMPLETION_DONE.match(body)
    if m and not body.endswith("?"):
        return Completion(sentence, _what(m["what"] or m["thing"]))
    return None


def _what(phrase: str | None) -> str | None:
    if not phrase:
        return None
    phrase = _WHAT_CUT.sub("", phrase.strip()).strip()
    words = phrase.split()
    if not words or len(words) > 6 or _PRONOUN.match(phrase):
        return None
    return phrase


def _meeting(body: str, low: str, words: set[str]) -> _Found | None:
    wish = _MEET_WISH.search(low) or ("time" in words and _TIME_TOGETHER.search(low))
    if wish and _WHOM_TO_TALK.search(low):
        wish = None  # "who do I need to talk to?" asks for a name, not for a meeting
    dayish = not words.isdisjoint(_DAY_WORDS) or _CLOCK.search(low) is not None or _AT_HOUR.search(low) is not None \
        or ("see" in words and _SEE_YOU_ON_DATE.search(low) is not None)
    noun = wish or _MEETING_NOUN.search(low) or _short_meeting(low) or (dayish and _SLOT_MOVE.search(low))
    call_me = _CALL_ME.search(low)
    invite = _INVITE.search(low) or (dayish and (_DAY_MEETING.search(low) or _SLOT_OFFER.search(low))) \
        or _ATTENDING.search(low)
    time_it_is = _TIME_IT_IS.match(low)
    instead = dayish and "instead" in low and not _DELIVERABLE.search(low) and not _IMPERATIVE.match(low)
    # "the quarterly business review has been rescheduled to Tuesday at 9:30"
    moved = not _MOVED_WORDS.isdisjoint(words) and _MOVED_EVENT.search(low) is not None
    if not noun and not call_me and not invite and not time_it_is and not instead and not moved \
            and not _CANT_MAKE_TIME.search(low) \
            and not ("skip" in words and _MEET_CANCEL.search(low)) \
            and not (dayish and (_MEET_ACCEPT.search(low) or _CALL_VERB.search(low)
                                 or (_AVAILABLE.search(low) and _day_level(low, words))
                                 or _then_accept(low)
                                 or _DAY_IS_GOOD.search(low) or _MEET_CANCEL.search(low))) \
            and not ("then" in words and _SEE_YOU_THEN.search(low)):
        return None
    if call_me and (_conditional_support(low) or _CALL_SUPPORT.search(low)) and not _CALL_TO_DISCUSS.search(low):
        return None  # "call me with any questions", "call me at 555-0100" offer help
    if noun and not invite and (_MEETING_AS_CONTEXT.search(low) or _MEETING_AS_REASON.search(low) or (
            not wish and _MEETING_FOR.search(low) and not _OFFER_TIME.search(low)
            and not ("?" in low and not _ASK_TO_PREPARE.search(low)))) and not _MEET_CHANGE.search(low):
        return None
    if _NOT_OURS.search(low) or _NOT_A_MEETING_HERE.search(low) or _NOT_A_MEETING_EITHER.search(low) \
            or _THEIR_MEETING.search(low):
        return None
    cancel = _MEET_CANCEL.search(low)
    if not (wish or call_me or cancel) and not _PROPOSAL_CUE.search(low) and not _MEET_MOVE.search(low) \
            and not _OUR_CALL.search(low) and (_EVENT_RUNS.search(low) or len(_CLOCK_EACH.findall(low)) >= 3):
        return None  # "the webinar runs 2-3pm on 9 December", a conference's timetable: facts, not a proposal
    if _REPORTED.search(body) and not cancel:
        return None
    if cancel and _PAST_CANCEL.search(low) and not _FUTURE_WORDS.search(low) and not _MEET_COUNTER.search(low):
        return None  # "Sorry the call got cancelled yesterday": history, nothing to act on
    if cancel and not _MEET_COUNTER.search(low):
        return "meeting", "both", "cancelled", 0
    if cancel:
        return "meeting", "both", "moved", 0  # "can't make 2pm, can we do tomorrow?"
    if moved or _MEET_MOVE.search(low):
        return "meeting", "both", "moved", 0
    if (_MEET_PAST.search(low) and not _FORWARD_TO_MEET.search(low)) or _HEDGE_MEETING.search(low) \
            or _PAST_PLAN.search(low):
        return None
    if _MEET_ACCEPT.search(low) or time_it_is or (dayish and _DAY_IS_GOOD.search(low) and not _NO_RUSH.search(low)) \
            or _HAPPY_TO_JOIN.match(low) \
            or _then_accept(low):
        return "meeting", "both", "accepted", 0
    if wish or call_me or invite or (dayish and _day_level(low, words)) or _MEET_PROPOSE.search(low):
        return "meeting", "both", "proposed", 0
    return None


def _day_level(low: str, words: set[str]) -> bool:
    """A day or an hour, not only a month: "the workshop in June" is talk, "the workshop on Friday" a plan."""
    return (not words.isdisjoint(_DAY_LEVEL_WORDS) or _CLOCK.search(low) is not None or _AT_HOUR.search(low) is not None
            or _CALENDAR_DATE.search(low) is not None)


# "on 3 December", "Dec 3", "the 3rd", "3/12": a day, where a month name alone is not
_CALENDAR_DATE = _rx(r"\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
                     r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d(?:st|nd|rd|th)\b")

# An event described, not proposed: "the keynote runs 7-7:45", "the breakfast takes place on Friday".
_EVENT_RUNS = _Needled("runs takes served open", _rx(
    r"\b(?:runs|will\s+run|takes\s+place|will\s+take\s+place|is\s+served|doors\s+open)\b"))
_CLOCK_EACH = _rx(r"\d(?::\d\d|\s*[ap]\.?m\b)")
_OUR_CALL = _rx(r"\b(?:call|meeting|chat|catch[\s-]?up)\b")
# What makes a described event the reader's to go to: an ask, an invitation, a "see you".
_PROPOSAL_CUE = _Needled("?|let|join|attend|come|see you|invit|welcome|can we|could we|shall we|work|suit|free|available",
                         _rx(r"\?|\blet'?s\b|\b(?:join|attend|come|see\s+you|invit\w*|welcome|can\s+we|could\s+we|"
                             r"shall\s+we|works?\s+for|suits?|(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:free|available))\b"),
                         sep="|")


# "Nice to talk to you, and I look forward to meeting you in town": a past meeting, then a next one.
_FORWARD_TO_MEET = _rx(r"\blook(?:ing)?\s+forward\s+to\s+(?:meeting|seeing|speaking\s+(?:to|with)|catching\s+up)\s+"
                       r"(?:you|with\s+you)\b[^.]*\b(?:when|next|on|in|at|tomorrow|soon)\b")
# Meetings that are no business of this thread's: one looked back on ("Following Monday's site visit, we've
# looked again at..."), its minutes, or someone else's ("the committee moved its meeting", "we're not invited").
_NOT_OURS = _Needled("following|minutes|its |their |his |her |invited|internally|meeting ", _AnyOf(
    _rx(r"^(?:following\s+(?:our|the|your|[a-z]+day'?s|yesterday'?s|today'?s|last\s+week'?s)\s+(?:[\w-]+\s+)?(?:meeting|"
        r"call|visit|chat|conversation|discussion|workshop|session)|minutes\b|"
        # "I'm meeting with Acme on Tuesday": without the reader
        r"(?:i'?m|i\s+am|we'?re|we\s+are)\s+meeting\s+(?:with\s+)?(?!you\b|u\b)[a-z](?![^?]*\b(?:join|come\s+along)\b))"),
    _Needled("its their his her", _rx(
        r"\b(?:its|their|his|her)\s+(?:own\s+|internal\s+)?(?:[\w-]+\s+)?(?:meeting|call|session)\b")),
    # "we'll discuss internally on Thursday"
    _Needled("invited internally", _rx(
        r"\bnot\s+invited\b|\b(?:discuss|talk|meet|regroup|review\s+it|decide)\s+internally\b")),
), sep="|")
# Other people's meetings: "Just so you know, Karen and the dev team have a call with the hosting
# provider on Thursday", "Sam and Priya are meeting on Thursday".
_THEIR_MEETING = _Needled(" have a | has a | having a | have their | have the | has the | are meeting| be meeting", _rx(
    r"^(?:(?:just\s+so\s+you\s+know|fyi|(?:just\s+a\s+)?heads[\s-]up)[,:]?\s+)?(?!(?:i|we|you|u|us|our|my|your)\b)"
    r"[a-z][\w'-]*(?:\s+(?:and|&)\s+(?!(?:i|me|you|we|us)\b)(?:the\s+)?[\w'-]+(?:\s+team)?)?\s+(?:have|has|are\s+having|"
    r"is\s+having|will\s+have)\s+(?:a|an|their|the)\s+(?:[\w-]+\s+){0,2}?(?:call|meeting|session|workshop|catch-?up|sync)\s+"
    r"with\s+(?!(?:you|u|your|us|me)\b)(?![^?]*(?:\?|\b(?:we|us|you|join)\b))|"
    r"^(?!(?:i|we|you|u|us|our|my|your)\b)[a-z][\w'-]*\s+(?:and|&)\s+(?!(?:i|me|you|we|us)\b)[\w'-]+\s+(?:are|will\s+be)\s+"
    r"meeting\s+(?!(?:with\s+)?(?:you|u|us|me)\b)(?![^?]*(?:\?|\b(?:we|us|you|join)\b))"), sep="|")
# Missing a meeting that goes on without the writer: "go ahead without me", "I'll read the notes afterwards".
_GOING_WITHOUT_ME = (r"\b(?:go\s+ahead|start|carry\s+on|proceed)\s+without\s+me\b|\b(?:read|catch\s+up\s+on|go\s+through|"
                     r"watch|check)\s+(?:the\s+)?(?:notes|minutes|recording)\s+(?:afterwards|after(?:\s+it)?|later)\b")
_MISSING_IT = _rx(_GOING_WITHOUT_ME)
# Meetings that are not proposed here: the writer's own elsewhere, one the reader is asked to arrange
# with others, one that waits on something, and food that is only laid on.
_NOT_A_MEETING_HERE = _Needled(
    "instead|in my place|for me|i'm|i am|we're|we are|im |my |you |before we can|coffee|tea|lunch|drinks|dinner|"
    "breakfast|food|refreshments|snacks|pizza|subscription|licen|membership|plan|account", _AnyOf(
    # Apart, each behind its own words: most sentences hold one of the needles above ("you ", "my ")
    # and none of the words a shape needs.
    _rx(r"^(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:in|at)\s+(?:a\s+|back-to-back\s+|the\s+)?(?:meetings?|sessions?|calls?|"
        r"workshops?|training|conference|offsite|off-site|trade\s+fair|summit|expo)\b"
        r"(?![^.?]*(?:\?|\b(?:join|free|available|talk|meet|call|chat)\b))|"
        r"^(?:(?:the\s+)?registration\s+and\s+)?(?:the\s+)?(?:coffee|tea|lunch|drinks|dinner|breakfast|food|refreshments|"
        r"snacks|pizza)\s+(?:will\s+be|is|are)\s+(?:there|served|provided|available|included|ready)\b"),
    _Needled("place|instead|for", _rx(
        r"\b(?:will|can|'ll)\s+(?:join|attend|cover|go|come|be\s+there)\s+(?:in\s+my\s+place|instead|for\s+me)\b"), sep="|"),
    _Needled("with", _rx(r"\bmy\s+(?:[\w-]+\s+)?(?:meeting|call|appointment)\s+with\s+(?!(?:you|u|your|us)\b)")),
    _Needled("set|arrange|schedule|book|organi", _rx(
        r"\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:set\s+up|arrange|schedule|book|organi[sz]e)\s+(?:a|an|the)\s+"
        r"(?:[\w-]+\s+){0,2}(?:meeting|call|session|demo)\s+(?:with|for)\s+(?!(?:me|us)\b)(?![^.?]*\b(?:we|us|together)\b)"),
        sep="|"),
    _Needled("before", _rx(
        r"\bbefore\s+we\s+can\s+(?:\w+\s+){0,2}?(?:the|a|an|our|your)\s+(?:[\w-]+\s+){0,2}(?:walkthrough|kick-?off|"
        r"meeting|call|review|workshop|session|demo)\b")),
    # "Your Zoom Pro subscription will renew automatically on 1 December"
    _Needled("renew expire", _rx(
        r"\b(?:subscription|licen[cs]e|membership|plan|account)\s+(?:will\s+)?(?:auto-?)?(?:renew|expire)s?\b")),
), sep="|")
# More meetings that are not the reader's, apart so that the pattern above stays quick: a colleague
# covering ("Marcel already offered to take the client meeting", "could you cover the standup for
# me?"), going on without the writer, thanks for one that is over or for the invitation, a memory,
# the writer's own bookings and appointments, and the notes of one asked for.
_NOT_A_MEETING_EITHER = _Needled(
    "offered|agreed|cover|thank|remember|booked me|appointment|site visit|summary|notes|minutes|recording|without me|"
    "have a|got a|cancel", _rx(
    # "I'd like to cancel my monthly coaching package": a service ends, no meeting
    r"\bcancel\w*\s+(?:my|our|the|your|this)\s+(?:[\w-]+\s+){0,2}?(?:package|subscription|order|membership|plan|"
    r"account|contract|retainer|service|cancellation)s?\b|"
    # the writer's meeting with others: "we have a meeting with two angel investors on December 10"
    r"\b(?:i|we)\s+(?:have|'ve\s+got|have\s+got)\s+(?:a|an|another)\s+(?:[\w-]+\s+){0,2}?(?:meeting|call)\s+with\s+"
    r"(?!(?:you|u|your|us)\b)(?![^?]*(?:\?|\b(?:you|join)\b))|"
    r"\b(?:offered|agreed)\s+to\s+(?:take|cover|run|lead|do)\s+(?:the|our|my|that)\b|\bcover\s+(?:the|my|our|this|that)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:call|meeting|standup|stand-up|session|shift|demo)\b|"
    r"^(?:thank\s+you|thanks)\s+(?:all\s+|so\s+much\s+|again\s+)?for\s+(?:coming|joining|attending|the\s+invit\w*|"
    r"inviting|having\s+me|your\s+time)\b|\bdo\s+you\s+remember\b|\bremember\s+when\b|"
    r"\bbooked\s+me\s+(?:for|in)\b|^i\s+(?:have|'ve\s+got)\s+(?:a|an|another)\s+(?:[\w-]+\s+){0,2}?(?:appointment|site\s+visit)\b|"
    r"\b(?:circulate|send|share|forward)\s+(?:your|the|my|our)\s+(?:[\w-]+\s+){0,2}?(?:summary|notes|minutes|recording)\b|" +
    _GOING_WITHOUT_ME), sep="|")
# Turning down a time is about a meeting even when none is named: "I can't make 3pm".
_CANT_MAKE_TIME = _Needled("t make", _rx(
    r"\bcan(?:'?t|not|\s+not)\s+make\s+(?:it\s+(?:on|at|by)\s+)?(?:" + _A_TIME + r"|today|tomorrow|"
    r"tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"), sep="|")
# A meeting named by its hour: "can we push our 2pm to 3:30?", "move the 3:00 budget review to 4:00"
_SLOT_MOVE = _Needled("move push shift bump reschedule change", _rx(
    r"\b(?:move|push|shift|bump|reschedule|change)\s+(?:our|my|the|your|tomorrow'?s|today'?s)\s+(?:"
    + _A_TIME + r")(?:\s+(?!deliver|deadline|shipment|upload|release|deploy|post\b|pickup|collection)[\w-]+){0,3}?"
    r"\s+(?:to|until|till)\b"))
_WHOM_TO_TALK = _rx(r"\b(?:who|whom|person|someone|somebody)\b[^.?!]{0,30}\b(?:talk|speak)\s+(?:to|with)\b")
# A phone call with a day is a meeting: "I'll call you Wednesday", "give me a ring at 3".
_CALL_VERB = _rx(_led((*map(_word, ("call", "ring", "phone")),
                       _word("give") + r"\s+(?:me|you|him|her|us|them)\s+a\s+(?:call|ring|buzz)",
                       *map(_word, ("speak", "talk", "see"))), r"\s+(?:you|me|him|her|us|them|with)\b"))
# Offering one's time with a day proposes a meeting: "I'm free Tuesday after 2".
_AVAILABLE = _Needled("available free around open", _rx(
    r"\b(?:i|we)(?:'m|\s+am|'re|\s+are)\s+(?:\w+\s+)?(?:available|free|around|open)\b"))
# Asking for a phone call or a talk proposes one, even without a day.
_CALL_ME = _Needled("call me|call us|ring me|ring us|phone me|phone us|give me a|give us a|give you a|call you|"
                    "to talk|to meet|to speak|call to|call once|call after|call when", _rx(
    r"\b(?:call|ring|phone)\s+(?:me|us)\b|\bgive\s+(?:me|us)\s+a\s+(?:call|ring|buzz)\b|"
    r"\b(?:can|could|may|shall|should)\s+(?:i|we)\s+(?:give\s+you\s+a\s+(?:call|ring|buzz)|call\s+you)\b|"
    r"(?<!do\s)(?<!should\s)\b(?:we|i)\s+(?:really\s+|still\s+|probably\s+)?(?:need|should|have)\s+to\s+"
    r"(?:talk|meet|speak)\b|"
    r"(?:^|please\s+)call\s+(?:me\s+|us\s+)?(?:to\s+(?:discuss|talk)|once|after|when\s+you)\b"), sep="|")
# A call to talk something over is a meeting even beside support words: "please call me to discuss or with
# any questions", "give me a call and we can discuss".
_CALL_TO_DISCUSS = _rx(r"\b(?:to|so\s+(?:that\s+)?we\s+can|and\s+we\s+can)\s+(?:discuss|talk|go\s+over)\b")
_CALL_SUPPORT = _rx(r"\bif\b|\b(?:questions?|concerns?|comments?|number|cell|mobile|extension|ext|anytime)\b|any\s+time\b|"
                    r"\d{3}[-.\s]\d{3,4}|"
                    r"\bmay\s+also\b|\bx\d{3,}")
# "Please print this for the 9am meeting": the meeting is the occasion of a request, not the item.
_MEETING_AS_REASON = _rx(r"\b(?:as|since|because)\s+(?:the|our|their|my|your)\s+(?:[\w-]+\s+){0,2}"
                        r"(?:meeting|call|session|review)\s+(?:is|will\s+be)\b|"
                        # "I'll raise it at the board meeting on Thursday": a meeting of others, the occasion of a promise
                        r"\b(?:i|we)(?:'ll|\s+will|\s+can)\s+(?:raise|mention|bring\s+(?:it|this|that)\s+up|flag|present|"
                        r"table|put)\b[^.?!]{0,40}?\b(?:at|in|during)\s+(?:the|their|tomorrow'?s|today'?s|\w+day'?s|"
                        r"next\s+week'?s)\s+(?:[\w-]+\s+){0,2}(?:meeting|call|session)\b|"
                        # "the invoice was paid at the meeting": said of a past one
                        r"\b(?:was|were)\s+(?:all\s+|also\s+)?\w+\s+(?:at|during|in)\s+(?:the|our|that)\s+(?:[\w-]+\s+)?(?:meeting|call)\b")
_MEETING_AS_CONTEXT = _rx(
    r"^(?:please|pls|kindly|can\s+you|could\s+you|would\s+you|i\s+(?:have|will|'ll|hope|would)|we\s+(?:can|will|'ll))\b.*"
    r"\b(?:for|to|at|before|prior\s+to|in\s+advance\s+of|from|after|during|by|in)\s+(?:the|our|your|this|that|"
    r"tomorrow'?s|today'?s|"
    r"\w+day'?s)\s+(?:[\w:.-]+\s+){0,3}(?:meeting|call|session|interview|conference)\b"
)
_MEET_CHANGE = _rx(r"\b(?:cancel\w*|reschedul\w*|move|postpon\w*|attend|join|invite\w*|"
                   r"(?<!your\s)(?<!my\s)(?<!our\s)(?<!his\s)(?<!her\s)(?<!their\s)schedul\w*)\b")
_DAY_WORDS = frozenset(
    "today tonight tomorrow tmrw monday tuesday wednesday thursday friday saturday sunday mon tue tues wed weds thu thur "
    "thurs fri week noon morning afternoon evening jan feb mar apr jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december".split()
)
_DAY_LEVEL_WORDS = frozenset(
    "today tonight tomorrow tmrw monday tuesday wednesday thursday friday saturday sunday mon tue tues wed weds thu thur "
    "thurs fri week noon "
    "morning afternoon evening".split())
_CLOCK = _rx(r"\d(?::\d\d|\s*[ap]\.?m\b|/\d)")
# A bare hour is a time only after a meeting verb: "see you at 12", not "priced at 12".
# "See you on the 2nd at 8": a date by its number, where a day's name would do
_SEE_YOU_ON_DATE = _Needled("see you on|see u on", _rx(r"\bsee\s+(?:you|u)\s+on\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b|"
                                                     r"\bsee\s+(?:you|u)\s+on\s+\d{1,2}[./]\d{1,2}\b"), sep="|")
_AT_HOUR = _Needled(" at ", _rx(_led(
    (_word("see") + r"\s+you", _word("meet") + r"(?:\s+you)?", *(_word(verb) + r"\s+you" for verb in ("call", "ring", "phone", "buzz")),
     _word("talk")), r"\s+at\s+\d{1,2}\b(?![\d%/$-]|[.,]\d)")), sep="|")
_PAST_CANCEL = _rx(r"\b(?:was|were|got|had\s+been)\s+(?:cancel+ed|called\s+off)\b[^.;]*\b(?:yesterday|last\s+(?:week|"
                   r"month|time|(?:mon|tues|wednes|thurs|fri|satur|sun)day)|never)\b")
_FUTURE_WORDS = _rx(r"\b(?:tomorrow|tonight|today|next|this\s+(?:week|[a-z]+day))\b")
_HEDGE_MEETING = _Needled("if|in case|no need", _rx(r"\bif\s+you\s+want\s+to\s+go\s+through\b|"
                     r"^if\s+(?![^,]*(?:\d|\b(?:today|tomorrow|tonight|next|morning|afternoon|evening|[a-z]+day)\b))[^,]{2,50},\s*(?:i'?m\s+|i\s+am\s+|we'?re\s+|we\s+are\s+)?(?:always\s+)?(?:happy|glad|"
                     r"more\s+than\s+happy|feel\s+free)\b|"
                     r"\bin\s+case\s+you\s+(?:want|'d\s+like|would\s+like|wish|fancy)\s+to\s+(?:join|attend|come|tune\s+in|watch)\b|"
                     r"\b(?:if\s+you(?:\s+ever)?(?:\s+want|\s+need|\s+would\s+like|'d\s+like|\s+wish)\s+to\s+"
                     r"(?:talk|meet|chat|discuss|speak|go\s+over)|"
                     r"no\s+need\s+to\s+meet|(?:happy|glad|willing)\s+to\s+(?:jump|hop|get)\s+on\s+a\s+(?:quick\s+)?call\s+if|if\s+(?:that|it)(?:'s|\s+is|\s+would\s+be|\s+would)?\s+(?:helps?|easier|"
                     r"simpler|quicker|better|useful|helpful|more\s+convenient)|if\s+(?:you\s+)?need\s+be|if\s+you\s+think\s+it\s+would\s+help)\b"),
                          sep="|")


# Asking when the reader can meet, or inviting them: a meeting even without a day.
_INVITE = _Needled("attend|join|be there|being there|what day|what time|what date|which day|which time|which date|"
                   "when works|when would|when is|when suits|availability|sit down|invited|you have|reserve|block|hold|"
                   "save|mark", _rx(
    r"\b(?:like|want|need|expect)\s+(?:you|everyone|all\s+of\s+you|you\s+all)\s+to\s+(?:attend|join\s+(?:us|me)|be\s+there)\b|"
    r"\b(?:what|which)\s+(?:day|days|time|times|date|dates)\s+(?:works?|suits?|would|is\s+(?:good|best|better|"
    r"convenient)|are\s+(?:good|best|better))|\bwhen\s+(?:works|would\s+(?:work|suit)|is\s+(?:good|convenient|best)|"
    r"suits)|\byour\s+availability\b|\bsit\s+down\s+(?:with|and|on|to|together|next|this|tomorrow)\b|"
    r"\b(?:are|is|you're|you\s+are)\s+(?:cordially\s+|all\s+)?invited\s+to\b|"
    r"\bplan\s+(?:to\s+(?:attend|join|be\s+there)|on\s+(?:attending|joining|being\s+there))\b|"
    r"\b(?:do|would)\s+you\s+have\s+(?:a\s+(?:few|couple(?:\s+of)?)\s+minutes|a\s+(?:minute|moment|sec(?:ond)?)|"
    r"(?:some\s+)?time)\s+(?:to|for)\s+(?:a\s+(?:quick\s+)?)?(?:talk|chat|discuss|meet|call|speak|catch)|"
    r"\b(?:reserve|block|hold|save|mark)\s+(?:this|the|that)\s+(?:time|date|day|slot)\b"
), sep="|")
# Beside a day or a time these make a meeting: "plan on 10:00", "can you make it Friday?",
# "Tuesday is good for me", "we look forward to discussing this on Monday".
# Slots offered: "I can do Tuesday 2-4pm or Wednesday morning", "Thursday 12:00 or Friday 15:00 both work"
_SLOT_OFFER = _Needled("can do|both|either", _rx(
    r"(?:^|\b(?:i|we)\s+)can\s+do\s+(?:this\s+|next\s+|on\s+)?(?:[a-z]+day|tomorrow|today|tmrw|mon|tue|tues|wed|weds|thu|"
    r"thur|thurs|fri|\d)\b(?![^.?!]*\b(?:deadline|delivery|deliver|send|invoice)\b)|\b(?:both|either)\s+"
    r"(?:work|suit|are\s+(?:fine|good|ok))"), sep="|")
_DAY_MEETING = _Needled(
    "about| do | say |make it|plan on|join us|join me|forward to|good|fine|great|perfect|better|best|ok|for me|for us|"
    "for both|for everyone|for all|for a |for the call|for the meeting|for the chat", _AnyOf(
    # each shape behind its own words: the needles above let most sentences with a day through
    _Needled("about", _rx(
        r"(?:^(?:(?:ok|okay|so|or|well|hmm),?\s+)?|(?:[,;]|\s[-–—])\s*)(?:how|what)\s+about\s+(?:(?:this|next|the)\s+)?"
        r"(?:[a-z]+day|tomorrow|tonight|\d)")),
    _Needled("do say make", _rx(
        r"\b(?:(?:can|could|shall|should)\s+we|let'?s|(?:we|i)\s+could)\s+(?:do|say|make\s+it)\s+(?:it\s+)?(?:on\s+|at\s+)?"
        r"(?:this\s+|next\s+)?(?:[a-z]+day|tomorrow|tonight|\d|(?:the\s+)?same\s+time)")),
    _Needled("plan make join forward", _rx(
        r"\b(?:plan\s+on|make\s+it|join\s+(?:us|me)|look(?:ing)?\s+forward\s+to\s+(?:discussing|seeing|meeting|talking|"
        r"speaking|catching))\b")),
    _Needled("good fine great perfect better best ok for", _rx(
        r"\b(?:today|tomorrow|tonight|morning|afternoon|[a-z]+day|\d\s*(?:am|pm)|\d:\d\d)\s+"
        r"(?:is|would\s+be|works|sounds)\s+(?:good|fine|great|perfect|better|best|ok|okay|for\s+(?:me|us|both|everyone|all|"
        r"a\s+|the\s+(?:call|meeting|chat)))\b")),
), sep="|")
_GOOD_TIME = (r"\b(?:today|tomorrow|tmrw|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|weds|thu|thur|"
              r"thurs|fri|\d\s*(?:am|pm)|\d:\d\d)(?:\s+(?:at\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)?)?"
              r"(?:\s+(?:morning|afternoon|evening))?(?:\s+(?:at\s+)?(?:the\s+)?same\s+time)?"
              # a zone after the time: "Thursday 3 PM CET works", "Monday at 1pm Pacific works"
              r"(?:\s+(?:[ecmp][sd]?t|utc|gmt|bst|cest|cet|eet|ist|aest|aedt|pacific|eastern|central|mountain)(?:\s+time)?)?"
              r"(?:\s+(?:your|my|our)\s+time)?"
              r"(?:\s*\([^()]{1,30}\))?\s+")  # "Tuesday at 3pm CET (9am your time) is perfect"
_DAY_IS_GOOD = _Needled("good|fine|great|perfect|better|ok|ideal|works|suits|for me|for us|for both|for everyone", _rx(_GOOD_TIME + r"(?:is|works|would\s+be|suits)\s+(?:(?:really|just|absolutely)\s+)?(?:good|fine|great|"
                   r"perfect|better|ok|okay|ideal|for\s+(?:me|us|both|everyone))\b|"
                   + _GOOD_TIME + r"(?:works|suits)(?:\s+(?:well|great|perfectly|fine))?\s*(?:[.!;]|$|\s[-–—]\s|,\s*(?:see|thanks|i'?ll|talk|but|same))|"
                   # a one-line reply: "fri 11 ok 👍", "Tues 3 works"
                   r"^" + _GOOD_TIME + r"(?:works|suits|ok|okay|fine|good|great|perfect)(?=[^a-z]*$)|"
                   # "Friday's fine"
                   r"\b(?:today|tomorrow|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)'s\s+(?:(?:really|just|absolutely)\s+)?"
                   r"(?:good|fine|great|perfect|better|ok|okay|ideal)\b"), sep="|")
# A day that will do for a deadline is no meeting: "No rush, Monday is fine."
_NO_RUSH = _rx(r"\bno\s+(?:rush|hurry|pressure)\b|\bwhenever\b|\bat\s+the\s+latest\b|"
               r"\b(?:anything|anytime|any\s+time)\s+(?:by|before)\b")
# Work "for the board meeting" or "before tomorrow's call": the meeting is an occasion, not the item.
_MEETING_FOR = _rx(
    r"\b(?=\w)(?:for(?<!aim\sfor)(?<!plan\sfor)(?<!opt\sfor)(?<!hope\sfor)|before|prior\s+to|in\s+preparation\s+for|in\s+advance\s+of|ahead\s+of)\s+(?:the|our|your|this|"
    r"that|a|tomorrow'?s|"
    r"today'?s|tomorrows|\w+day'?s)\s+(?:[\w:.-]+\s+){0,4}(?:meeting|call|session|conference)\b|"
    r"\b(?:before|prior\s+to|in\s+preparation\s+for|in\s+advance\s+of|ahead\s+of)\s+(?:the|our|your|this|that|"
    r"tomorrow'?s|today'?s|\w+day'?s)\s+(?:[\w:.-]+\s+){0,3}(?:demo|presentation|pitch|interview|kick-?off|visit|"
    r"workshop|shoot)\b|"
    # "the slides for Friday's review": a set occasion; "for a review" may still propose one
    r"\b(?:send|share|prep|prepare|have|bring|get|finish|draft|make|put\s+together|ready|update|print|order)\b[^.?!]{0,40}?"
    r"\bfor\s+(?:the|our|your|this|that|tomorrow'?s|today'?s|\w+day'?s)\s+"
    r"(?:[\w:.-]+\s+){0,3}(?:review|workshop|demo|presentation|pitch|kick-?off|interview|visit|shoot)\b"
)
_OFFER_TIME = _rx(r"\b(?:free|available|time|join|attend)\b")
# "Before tomorrow's meeting with the landlord, could you print the lease?" asks for work; another
# question beside a meeting may still offer a time for one.
_ASK_TO_PREPARE = _rx(r"\b(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+|also\s+)?(?:print|send|bring|prepare|"
                      r"prep|review|check|update|forward|share|read|sign|draft|finish|confirm|order|email|circulate|"
                      r"look\s+over|go\s+over|fill\s+in|fill\s+out|complete|pull|compile|collect|upload|scan|get)\b")


# A question written without its question mark: "Are the units MMBtu or cubic feet."
_BARE_QUESTION = _rx(
    r"^(?:are|is|do|does|did|can|could|would|will|have|has|should)\s+(?:you|we|the|this|these|that|there|it|they|"
    r"your|our|"
    r"anyone|anybody)\b|^(?:what|when|where|which|who|how|why)(?:'s|\s+(?:is|are|do|does|did|should|would|can|could|"
    r"will))\b"
)


# Inverted conditions read like questions: "Should you need anything else, I can quote."
_INVERTED_IF = _rx(r"^(?:should|had|were)\s+you\s+(?:need|have|require|want|wish|like|prefer|be)\b")
# Small talk asks after the reader, not for anything to be done.
_SMALL_TALK = _rx(
    r"^(?:(?:and|so|anyway|also|btw|oh),?\s+)?(?:how\s+(?:was|were)\s|how\s+did\s+(?:[\w'-]+\s+){1,4}go\b|"
    r"how(?:'s|\s+(?:are|is|have))\s+(?:you|u|things|everything|"
    r"life|it\s+going|(?:you|things)\s+been|the\s+family|the\s+kids|(?:your|the)\s+(?:\w+\s+)?(?:trip|weekend|"
    r"holidays?|vacation|flight|break|summer|christmas|evening|birthday|family|kids|honeymoon|move)|"
    r"(?:the|your)\s+new\s+\w+\s+settling|(?:the|your)\s+(?:new\s+)?[\w-]+\s+working\s+out)\b|"
    r"did\s+you\s+(?:ever\s+)?end\s+up\s+(?:going|getting|seeing|visiting|making\s+it)\b|"
    r"did\s+you\s+(?:get|have|catch)\s+(?:any|some|much|a\s+(?:good|nice|bit\s+of))\s+(?:sun|rest|sleep|break|time\s+off|fun|"
    r"snow|surf|skiing)\b|"
    r"did\s+you\s+(?:have|enjoy)\s+(?:a\s+|the\s+|your\s+)?(?:good|nice|great|lovely|relaxing|restful)?\s*(?:weekend|trip|"
    r"holidays?|vacation|break|time|christmas|evening|birthday)\b|"
    r"did\s+you\s+get\s+(?:a\s+chance|to)\s+(?:to\s+)?(?:enjoy|relax|rest|celebrate)\b|how\s+(?:r|are)\s+(?:u|ya)\b)"
)
_LEAD_STARTS = ("before ", "once ", "when ", "after ", "while ", "as soon as ")
_LEAD_CLAUSE = _rx(r"(?:before|once|when|after|while|as\s+soon\s+as)\s+you\s+[^,.?!]{3,60},\s*")
# Musing asks nothing: "I wonder whether we should have gone with the green" (but "I wonder if you could...").
_WONDER = _rx(r"^i\s+wonder\s+(?:whether|if|why|how|what)\b(?![^.?]*\byou\s+(?:could|can|would|might)\b)")
# Saying there is nothing to do asks nothing: "Nothing you need to do."
_NO_ASK = _rx(r"^(?:there(?:'s|\s+is)\s+)?nothing\s+(?:(?:else\s+)?(?:you|for\s+you))\s+(?:need|have)\s+to\b|"
              r"^no\s+(?:need|action\s+(?:is\s+)?(?:needed|required))\b(?![^.]*\bplease\b)|"
              # notices: "Kindly note that the office will remain closed on 25th December"
              r"^(?:please|kindly|pls)\s+(?:note|be\s+(?:advised|informed|aware))\b(?![^.]*\b(?:you|your)\s+(?:need|must|have\s+to|"
              r"should|will\s+need)\b)|"
              r"^(?:please\s+)?join\s+(?:me|us)\s+in\s+(?:welcoming|congratulating|thanking|wishing)\b|"
              # the buttons of an invitation or a platform's mail: "Join with Google Meet", "Join now",
              # "Reply C to confirm or R to reschedule"
              r"^join\s+(?:with\s+google\s+meet|by\s+phone|zoom\s+meeting|(?:the\s+)?microsoft\s+teams\s+meeting|"
              r"on\s+your\s+computer|now|here|the\s+(?:workspace|channel|team)\s+now)\b|"
              r"^reply\s+(?:for\b|[a-z0-9]\s+to\b|stop\b|yes\s+or\s+no\b)|"
              # praise for one that is over: "Great call today."
              r"^(?:great|good|nice|lovely|productive|fun|brilliant|excellent)\s+(?:call|chat|meeting|session|talk|catch-?up)"
              r"\s+(?:today|yesterday|earlier|this\s+morning|this\s+afternoon)\W*$|"
              # asking leave to ask: the ask comes next ("Can I ask a favour? Could you cover...")
              r"^(?:can|could|may)\s+i\s+ask\s+(?:you\s+)?(?:a\s+(?:quick\s+|small\s+|big\s+)?(?:favou?r|question))\W*$")
_NOTHING_REQUIRED = _rx(r"\bnothing\s+(?:further|else|more)\s+(?:is\s+)?(?:required|needed)\b|"
                        r"^nothing\s+(?:is\s+)?(?:needed|required)\s+from\s+you\b")
# What the writer needs from someone else is no ask of the reader: "we still need the signed
# approval from the regional director".
_NEED_ELSEWHERE = _rx(r"\bneed\w*\s+(?:[\w'-]+\s+){0,5}?from\s+(?!(?:you|u|your)\b)")


def _request(body: str, low: str, words: set[str]) -> _Found | None:
    if _SMALL_TALK.match(low) or _NO_ASK.match(low) or (low.startswith("i wonder") and _WONDER.match(low)) \
            or (low.startswith(_ON_IT_STARTS) and _ON_IT_THEN.match(low)) \
            or ("nothing" in words and _NOTHING_REQUIRED.search(low)):
        return None
    terms = _PAYABLE.search(low) if "payable" in words else None
    if terms:
        return "request", "recipient", None, terms.start()  # "Please find the invoice attached, payable within 14 days."
    if "?" not in low and _BARE_QUESTION.match(low) and not _RHETORICAL.search(low) and not _INVERTED_IF.match(low):
        return "request", "recipient", None, 0
    if "?" in low:
        cut = low.rindex("?")
        question = low[:cut]
        lead = low.find(": ", 0, 30)  # "One question: is the claim backed by a certificate?"
        # "I'm stuck on slide 9 - which data should I use?"
        dash = max(question.rfind(" - "), question.rfind(" \u2013 "), question.rfind(" \u2014 "))
        if not (_RHETORICAL.search(question + "?") or not (_QUESTION_TO_READER.search(question) or (
                lead > 0 and _QUESTION_TO_READER.search(question[lead + 2:])) or (
                dash > 0 and _QUESTION_TO_READER.match(question[dash + 3:])))):
            if not (_REPORTED.search(body[:cut].split(",")[0]) and not _REQUEST_SHAPES.earliest(question, words)):
                # The due is read from the ask's own clause: "could you let me know by the end of the
                # month, as I'm scheduling work for January?" is due this month.
                ask = _REQUEST_SHAPES.earliest(question, words)
                return "request", "recipient", None, ask.start() if ask else low.rfind(", ", 0, cut) + 1
    embed = _REQUEST_SHAPES.earliest(low, words)
    if embed and not _hedged_offer(low, words) and not _conditional_support(low) \
            and not _MAY_NEED.search(low, max(0, embed.start() - 12), embed.end()) \
            and not ("from" in words and _NEED_ELSEWHERE.search(low, embed.start(), embed.end() + 60)):
        return "request", "recipient", None, embed.start()
    if _IMPERATIVE.match(low) and not _NOT_IMPERATIVE.match(low) and not _conditional_support(low):
        return "request", "recipient", None, 0
    lead = _LEAD_CLAUSE.match(low) if low.startswith(_LEAD_STARTS) else None  # "Before you sign off, double-check it"
    if lead and _IMPERATIVE.match(low[lead.end():]) and not _conditional_support(low):
        return "request", "recipient", None, 0
    breaks = "-" in low or ";" in low or "\u2014" in low or "\u2013" in low or ", so " in low
    for brk in _CLAUSE_BREAK.finditer(low) if breaks else ():  # "Great work on it — send me the final"
        clause = low[brk.end():]
        if _IMPERATIVE.match(clause) and not _NOT_IMPERATIVE.match(clause) and not _AS_NOUN.match(clause) \
                and not _conditional_support(clause):
            return "request", "recipient", None, brk.end()
    joint = _JOINT.search(low) if not words.isdisjoint(_JOINT_WORDS) else None
    if joint and not _HEDGE.search(low):
        return "request", "both", None, joint.start()
    return None


# "We may need some help in December" foresees an ask; it makes none yet.
_MAY_NEED = _rx(r"\b(?:may|might|could)\s+(?:also\s+)?(?:need|want|require)\b")
# "If you have questions, please call" and "let me know if this is wrong" offer help; they ask nothing.
# The shapes that open the sentence are tried there only (a search would try them at every position);
# the rest hold " if " or "please".
_CONDITIONAL_SUPPORT_START = _rx(
    r"^(?:please\s+)?(?:call|ring|phone|text|email|e-mail|contact|message|ping|whatsapp)\s+(?:me|us)\s+(?:any\s*time|"
    r"whenever)\b|"
    r"^(?:please\s+)?(?:call|ring|phone|text|email|e-mail|contact|message|ping|whatsapp)\s+(?:me|us)\b[^.?]{0,40}?\bif\s+"
    r"(?:anything|something|you\s+(?:need|have|want|get\s+stuck|run\s+into)|there(?:'s|\s+is|\s+are)|it'?s\s+urgent|"
    r"any)\b|"
    r"^(?:(?:however|but|and|also|so),?\s+)?if\s+(?:you\s+(?:have|need|encounter|experience|run\s+into|would\s+like|"
    r"want|are\s+(?:not|unable|having))|"
    r"there\s+(?:is|are)|any)\b[^?]*\b(?:please\s+)?(?:let\s+(?:me|us)\s+know|call|contact|give\s+(?:me|us)\s+a\s+"
    r"(?:call|ring|shout)|e-?mail|reach)\b|^please\s+(?:see|note|find|be\s+advised|refer)\b|"
    r"^(?:pls\.?|plz|attached)\s+(?:please\s+)?see\b|^(?:pls\.?|plz)\s+find\b|^(?:attached|enclosed)\s+please\s+find\b|"
    r"^any\s+(?:other\s+|further\s+)?questions?\b|^(?:please\s+)?(?:contact|email|e-mail|write\s+to)\s+us\s+(?:at|via)\b|"
    # "For questions about the portal, please contact supplier.enablement@..."
    r"^(?:for|with)\s+(?:any\s+)?(?:(?:other|further|general|technical|specific)\s+)?(?:questions?|queries|issues|"
    r"problems|help|support|assistance)\b[^?]{0,60}?,\s*(?:please\s+)?(?:contact|call|email|e-mail|reach|write\s+to|"
    r"get\s+in\s+touch|ask)\b"
)
_CONDITIONAL_SUPPORT_ANYWHERE = _Needled(" if |please|pls|plz", _rx("|".join((
    _led((_word("let") + r"\s+(?:me|us)\s+know", _word("call"), _word("contact") + r"\s+(?:me|us)"),
         r"\s+if\s+(?:you\s+(?:have|need|would\s+like)\s+(?:any\s+)?(?:further\s+|other\s+|additional\s+|more\s+)?"
         r"(?:questions?|problems?|concerns?|comments?|issues?|help|assistance|anything|information|info|details|"
         r"clarification)|you\s+(?:encounter|experience|run\s+into)|"
         r"there(?:\s+is|\s+are|'s)\s+(?:anything|any)|this\s+is\s+(?:incorrect|wrong|not)|i\s+can|anything|any\b|"
         r"(?:[a-z]+\s+){1,2}needs?\s+(?:anything|something|more))"),
    r",\s+please\s+(?:see|note|find|be\s+advised|refer)\b",
    _led((_word("please"), _word("pls") + r"\.?", _word("plz")),
         r"\s+(?:know|be\s+assured|rest\s+assured|accept\s+(?:my|our)\s+(?:apologies|thanks)|ignore|don'?t\s+worry|do\s+not\s+worry|disregard)\b"),
))), sep="|")


def _conditional_support(low: str) -> bool:
    return _CONDITIONAL_SUPPORT_START.match(low) is not None or _CONDITIONAL_SUPPORT_ANYWHERE.search(low) is not None


# Joint proposals put work on both sides: "let's finalise the scope", "we need to verify".
_JOINT = _rx("|".join((
    _word("let") + r"(?:'?s|\s+us)\s+(?!know\b|see\b|hope\b|not\b|do\s+(?:it|this|that)\s+again\b|"
                   r"(?:keep|stay)\s+in\s+touch\b)\w+",
    _led(map(_word, ("we", "you")), r"\s+(?:need|have|must)\s+to\b"),
    _word("we") + r"\s+must\b",
    _led(map(_word, ("we", "you")), r"\s+(?:should|might|may)\s+(?:probably\s+|also\s+)?(?:want\s+to\s+)?(?!be\b|see\b|"
         r"notice\b|find\b|hear\b|get\s+(?:it|them|an?\s+email)\b|"
         r"have\s+been\b|(?:have|get|receive)\s+(?:it|them|my|our)\b|"
         # regret, not a plan: "we should have gone with the green"
         r"have\s+(?:\w+ed|gone|done|sent|known|seen|told|chosen|got|gotten|had|made|taken|said|thought)\b)\w+"),
    # "I'd suggest we tackle that first" proposes a plan; "I'd suggest you..." asks
    _word("i") + r"(?:'d|\s+would)?\s+(?:urge|encourage|ask|suggest|recommend)\s+(?:that\s+)?you\b",
    _word("my") + r"\s+(?:recommendation|suggestion)\s+(?:would\s+be|is)\b")))


def _hedged_offer(low: str, words: set[str]) -> bool:
    """'If you like, I can send it' offers; it asks nothing of the reader."""
    return low.startswith("if you") and "please" not in low and _PROMISE_SHAPES.earliest(low, words) is not None


_CLAUSE = _rx(r",|;|\s[-–]\s|\bbut\b|\b(?:and|so|then)\b(?=\s+(?:i|we)\b)")
# "I'll try to get it over by EOD" still commits; "we'll try to, but the photographer is
# still editing" gives the reason it may not happen.
_TRY_BUT = _rx(r"(?:i|we)(?:'ll|\s+will)\s+try\s+(?:to|and|our|my)\b[^.;!?]*\bbut\b")
# "We'll need your sign-off" asks; "we'll go with option B" decides: neither is work the writer owes.
_WILL_NEED = _rx(r"(?:i|we)(?:'ll|\s+will)\s+(?:also\s+|still\s+|then\s+)?(?:need\b|(?:go|stick)\s+with\b(?![^.;!?]*\band\b))")
_CLAUSE_BREAK = _rx(r"\s[-–—]+\s+|;\s+|,\s+so\s+(?=\w+\s+(?:the|it|them|me|us|your|a|an|those|these|this|that)\b)")
_AS_NOUN = _rx(r"^\w+\s+(?:will|is|was|are|were|has|had|'s|should|might|can)\b")  # "fix will be live", "update is out"


def _promise(body: str, low: str, words: set[str]) -> tuple[str, str, str | None, int] | None:
    """A commitment by the sender, judged on its own clause (and a leading "if" clause)."""
    m = _PROMISE_SHAPES.earliest(low, words) or (_ON_IT_THEN.match(low) if low.startswith(_ON_IT_STARTS) else None)
    if not m or low.startswith("otherwise"):  # "Otherwise I will add late-payment interest" threatens
        return None
    cuts = [0] + [c.end() for c in _CLAUSE.finditer(low)] + [len(low)]
    start = max(c for c in cuts if c <= m.start())
    end = min(c for c in cuts if c > m.start())
    clause = low[start:end]
    lead = low[:start] if low.startswith("if") else ""
    if _NEGATION.search(clause) or _HEDGE.search(lead + " " + clause) or _PAST_PLAN.search(clause):
        return None
    if lead and _IF_UNSURE.match(lead):
        return None
    if _REPORTED.search(body[:m.start()]) or _WILL_NEED.match(low, m.start()) or _TRY_BUT.match(low, m.start()):
        return None
    owner = "both" if _LETS.search(low[start:m.end()]) else "sender"
    return "promise", owner, None, m.start()


def _with_due(kind: str, owner: str, status: str | None, sentence: str, segment: str, sent_at: datetime,
              cfg: DateConfig) -> Item:
    try:
        target = _move_target(segment) if status == "moved" else segment
        # "We'll discuss internally on Thursday and come back to you on Friday": the reader waits for
        # the answer; "I'm in meetings all day tomorrow, can we talk Friday?" proposes Friday.
        low = ascii_lower(segment)
        tail = _AND_ANSWER.search(low) if kind == "promise" and " and " in low else \
            _PROPOSED_AFTER.search(low) if status == "proposed" and (" we " in low or "about" in low) else None
        if tail and kind == "meeting" and not _NAMES_DAY.search(low, tail.end()):
            tail = None  # "Since you're in town on Monday, could we meet for lunch?": the day is in the lead
        found = resolve(segment[tail.end():], sent_at, kind=kind, config=cfg) if tail else None
        found = found or resolve(target, sent_at, kind=kind, config=cfg)
        # A move whose new time cannot be read has no due: the rest of the sentence holds the old one.
        if found is None and target != sentence and (status != "moved" or target == segment):
            found = resolve(_due_scope(sentence, segment), sent_at, kind=kind, config=cfg)
        elif found is not None and found.has_time and kind == "request" and segment.lstrip().startswith("or ") \
                and not _NAMES_DAY.search(low):
            # "Does 3pm on Thursday work for you, or 5pm?": the other hour is on the same day
            found = resolve(sentence, sent_at, kind=kind, config=cfg) or found
    except Exception as exc:  # a due is a bonus; a bug in the date layer must not lose the item
        log.warning("date resolution failed for %r: %s: %s", sentence[:80], type(exc).__name__, exc)
        log.debug("date resolution failed", exc_info=True)
        found = None
    # A day well before the message ("the invoice I sent on 3 November") is
    # evidence, not a due: a reminder built on it would fire at once.
    if found is None or found.due < sent_at - _PAST_GRACE:
        return Item(kind, owner, sentence, None, None, status)
    return Item(kind, owner, sentence, found.due, found.text, status)


_AND_ANSWER = _rx(r"\band\s+(?:then\s+)?(?:(?:get|come|circle|report)\s+back|revert|let\s+you\s+know|confirm|"
                 r"update\s+you)\b")
_PROPOSED_AFTER = _rx(r"(?:[,;]|\s[-–—])\s*(?:but\s+|so\s+)?(?=(?:can|could|shall)\s+we\b|(?:how|what)\s+about\b)")
_PAST_GRACE = timedelta(hours=12)  # "by EOD" written at 19:00 is still today's
_STRONG_BREAK = _rx(r"\s[-\u2013\u2014]+\s|;\s")


def _due_scope(sentence: str, segment: str) -> str:
    """Where an item's due may be read when its own words name none: its clause and what leads
    into it ("By Friday, could you send the logo"), but not the next item's words ("Please send
    me the login and I'll fix it today") nor a clause of its own ("The boxes arrive on Monday -
    I'll make sure they are checked")."""
    at = sentence.find(segment)
    if at < 0:
        return sentence
    start = max((m.end() for m in _STRONG_BREAK.finditer(sentence, 0, at + 1)), default=0)
    return sentence[start:at + len(segment)]

# A second deliverable with a day of its own, its verb left out: "I'll send a first draft
# tomorrow by 2 and the final PDF on Sunday evening". A tail with a verb of its own ("and the
# client will review it Monday") is someone else's deed, not a second promise.
_AND_THE = _rx(r"(?:,\s*|\s)and\s+(?:then\s+)?(?:the|a|an|my|our|your|all\s+the)\s+")
# "...and the numbers we agreed on Monday", "...and the notes from Friday's workshop": the day is the past's.
_TAIL_NOT_OWN = _rx(r"\b(?:i|we|you|they|he|she|last|from|agreed|discussed|mentioned|asked)\b|[a-z]ed\b|day's\b")
_TAIL_END = _rx(r"[,;]|\s[-–—]\s|\s(?:which|so|as|because|since)\s")
_OWN_VERB = _rx(r"\b(?:will|'ll|is|are|was|were|has|have|had|can|could|should|would|must|needs?|may|might|"
                r"says?|said|wants?|sends?|gets?)\b")


def _promises_apart(owner: str, sentence: str, segment: str, sent_at: datetime, cfg: DateConfig) -> list[Item]:
    whole = _with_due("promise", owner, None, sentence, segment, sent_at, cfg)
    split = _AND_THE.search(segment)
    tail = segment[split.end():]
    own = ascii_lower(_TAIL_END.split(tail, 1)[0])  # "...and the third by the 16th, which leaves you..."
    if _OWN_VERB.search(own) or _TAIL_NOT_OWN.search(own):
        return [whole]
    first = _with_due("promise", owner, None, segment[:split.start()], segment[:split.start()], sent_at, cfg)
    second = _with_due("promise", owner, None, tail, tail, sent_at, cfg)
    if first.due is None or second.due is None or first.due == second.due:
        return [whole]
    return [replace(first, sentence=sentence), replace(second, sentence=sentence)]


_HOUR_NAMED = _rx(r"\d(?::\d\d|\s*[ap]\.?m\b)|\bat\s+\d")
_NAMES_DAY = _rx(r"\b(today|tonight|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\d(?:st|nd|rd|th)\b|"
                 r"\d[./]\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\bnext\s+week\b")
_MOVE_TO = _rx(r"\b(?:to|until|till|for|instead)\b")
_WHEN_WORDS = _rx(r"\s*(?:(?:the|this|next|that|same)\s+)?(?:\d|(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|"
                  r"tomorrow|morning|afternoon|evening|noon|lunch|week|month|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
                  r"nov|dec|after|later|earlier)")
_COUNTER_CLAUSE = _rx(r".*(?:[,;]|\s[-–—]\s)")
# A cancellation that offers another time is a move: "can't make 2pm - how about tomorrow?"
_MEET_COUNTER = _rx(r"\b(?:can|could)\s+(?:we|you)\s+(?:do|make|try|go\s+for|look\s+at|say)\b|\b(?:how|what)\s+about\b|"
                    r"\binstead\b|\bwould\s+\w+\s+work\b|\bdoes\s+\w+\s+work\b|\bworks\b|\bif\s+we\s+did\b|"
                    # "cancel our 1:1 this week - let's pick it up next Tuesday", "can't make today, tmrw 10?"
                    r"\b(?:let'?s|we\s+(?:can|could|will|'ll))\s+(?:pick\s+(?:it|this|that)\s+up|do|say|go\s+for|"
                    r"move\s+it|push\s+it|rebook|reschedule|meet|talk|catch\s+up)\b|\breschedul\w*\s+(?:for|to)\s|"
                    r"(?:,|\s[-–—])\s*(?:maybe\s+|perhaps\s+|or\s+)?(?:today|tomorrow|tmrw|tmr|(?:mon|tues|wednes|thurs|fri)day|"
                    r"next\s+week)(?:\s+(?:at\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)?)?\s*\?")
# Offering another time for something: "Thursday at 2 instead?", "could we do 1 instead?"; not "send it Friday instead".
_DELIVERABLE = _rx(r"\b(?:send|deliver|share|submit|upload|pay|invoice|publish|ship|post|email|forward)\b")
# Accepting a named time: "Tomorrow 10am it is", "3 works!"
_TIME_IT_IS = _rx(r"^(?:(?:ok|okay|yes|yep|yeah|yup|sure|great|perfect|lovely|cool|fine),?\s+)?(?:(?:today|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\s+"
                  r"(?:at\s+)?)?\d{1,2}(?::\d\d)?\s*(?:am|pm)?\s+(?:it\s+is|works|suits|is\s+(?:good|fine|great|perfect))\b")


_MOVE_VERB_AFTER = _rx(r"\s+(?:push|move|reschedule|postpone|bump|shift|change|cancel)\b")
_MOVE_WITHOUT_TARGET = _rx(r"\b(?:push|move|reschedul\w*|postpon\w*|bump|shift)(?:ed|ing|s)?\s+(?:back\s+)?(?:our|the|this|"
                           r"that|my|your|[a-z]+day'?s?|tomorrow'?s|today'?s)\b|"
                           # "The meeting tomorrow I must shift.": the verb ends it, so the day named is the old one
                           r"\b(?:push|mov|reschedul|postpon|bump|shift)(?:e|ed|es|ing|s)?(?:\s+(?:it|this|that))?"
                           r"(?:\s+(?:back|out))?\W*$")


_ENDS_IN_HOUR = _rx(r"\b(?:make\s+it|do|say|at)\s+(1[0-2]|[1-9])\s*$")
_REPLACED_HOUR = _rx(r"\s*(?:the\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)?(?=\s|[,?.!]|$)")
_COUNTER_HOUR = _rx(r"\s*(?:(?:can|could|shall)\s+we\s+(?:do|make\s+it)|how\s+about|what\s+about|maybe|say)?\s*"
                    r"(1[0-2]|[1-9])\s*(?:[?.!]|$|,|\s+(?:instead|then|if|please|or)\b)")
_BARE_NEW_HOUR = _rx(r"\s*(1[0-2]|[1-9])\s*(?:[?.!]|$|,|\s+(?:instead|then|if|please|or)\b)")


def _move_target(sentence: str) -> str:
    """Where a meeting moves to: "move our call from Tuesday to Friday" -> "Friday";
    "can't make 2pm today, can we do tomorrow?" -> the last clause; "push tomorrow's
    call to 4pm" -> "tomorrow 4pm", the day it keeps with the hour it moves to."""
    low = ascii_lower(sentence)
    # The last "to" that a time follows: in "push our call to Friday so you have time to
    # watch it", Friday.
    # not the "to" of "I need to push our review"
    tos = [t for t in _MOVE_TO.finditer(low) if not _MOVE_VERB_AFTER.match(low, t.end())]
    timed = [t for t in tos if _WHEN_WORDS.match(low, t.end())]
    # "until" names the new time only when no "to" does: in "move our 9:30 to 11:00,
    # I'm in sessions until 10:45" it is why, not where.
    timed = [t for t in timed if t[0] not in ("until", "till")] or timed
    m = timed[-1] if timed else tos[-1] if tos else None
    if m and low.startswith(" of", m.end()):
        # "do tomorrow's call at 10am instead of 9": the new time comes before "instead of".
        # "Could we do 10:30 instead of 10 on Thursday?" keeps the day named after the hour it replaces.
        head = sentence[:m.start()]
        replaced = _REPLACED_HOUR.match(low, m.end() + 3)
        day = _NAMES_DAY.search(low, replaced.end()) if replaced and not _NAMES_DAY.search(low, 0, m.start()) else None
        if not (day and day[1]):
            return head
        bare = _ENDS_IN_HOUR.search(head)  # "Could you make it 4 instead of 3 on Friday?"
        return f"{sentence[day.start(1):day.end(1)]} at {bare[1]}" if bare else f"{head} {sentence[day.start(1):day.end(1)]}"
    if m and low.startswith("instead", m.start()):
        m = None  # "can we do Thursday instead?": the new time is in the clause that ends with it
    clause = None
    if m:
        cut = m.end()
    else:
        clause = _COUNTER_CLAUSE.match(low)
        if not clause and "instead" not in low and _MOVE_WITHOUT_TARGET.search(low):
            return ""  # "I need to push our Friday review": the day named is the one given up
        cut = clause.end() if clause else 0
    target = sentence[cut:]
    bare = _BARE_NEW_HOUR.match(low, cut) if m and m[0] == "to" and _CLOCK.search(low, 0, m.start()) else \
        _COUNTER_HOUR.match(low, cut) if clause and _CLOCK.search(low, 0, cut) else None
    if bare:
        # "move our 9:30 tomorrow to 11?", "can't make our 2pm today - can we do 4 instead?": the old
        # slot was a clock time, so the bare number is the new one
        kept = _NAMES_DAY.search(low, 0, cut)
        return f"{sentence[kept.start(1):kept.end(1)] if kept and kept[1] else ''} at {bare[1]}"
    hour = _CLOCK.search(low, cut)
    if cut and hour and not _NAMES_DAY.search(low, cut):
        kept = _NAMES_DAY.search(low, 0, cut)
        # "can't make Thursday at 2, could we do 4:30?" turns down the hour and keeps the
        # day; "can't make Thursday, could we do 11?" turns down the day.
        if kept and kept[1] and (_HOUR_NAMED.search(low, 0, cut) or not _MEET_CANCEL.search(low, 0, cut)):
            return f"{sentence[kept.start(1):kept.end(1)]} {sentence[hour.start():]}"
    return target


# --- text/calendar ----------------------------------------------------------------

_ICS_SPAN = timedelta(days=5 * 366)
_ICS_DT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?$")


def calendar_item(ics: str, sent_at: datetime, config: DateConfig | None = None) -> Item | None:
    """A meeting item from the first VEVENT of a text/calendar part."""
    cfg = config or DateConfig()
    method, event = _read_ics(ics[:MAX_CHARS])
    if not event:
        return None
    start_line = event.get("DTSTART")
    due = _ics_datetime(start_line, sent_at, cfg) if start_line else None
    if due is not None and not sent_at - _ICS_SPAN <= due <= sent_at + _ICS_SPAN:
        due = None  # year 1 or 9999: no meeting anyone will attend, and no date every later stage can hold
    summary = event.get("SUMMARY", ("", ""))[1].replace("\\,", ",").replace("\\n", " ").strip() or "calendar invitation"
    status = _ics_status(method, event)
    return Item("meeting", "both", summary, due, start_line[1] if start_line else None, status)


def _read_ics(ics: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """METHOD and the first VEVENT's properties as {NAME: (params, value)}, lines unfolded."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    method = ""
    event: dict[str, tuple[str, str]] = {}
    in_event = False
    for line in unfolded.splitlines():
        name, sep, value = line.partition(":")
        if not sep:
            continue
        prop, _, params = name.partition(";")
        prop = prop.strip().upper()
        if prop == "METHOD":
            method = value.strip().upper()
        elif prop == "BEGIN" and value.strip().upper() == "VEVENT":
            in_event = True
        elif prop == "END" and value.strip().upper() == "VEVENT":
            break
        elif in_event and prop not in event:
            event[prop] = (params, value.strip())
        elif in_event and prop == "ATTENDEE" and "PARTSTAT" in params.upper():
            event[prop] = (params, value.strip())  # a REPLY's own attendee line carries the answer
    return method, event


def _ics_status(method: str, event: dict[str, tuple[str, str]]) -> str:
    status = event.get("STATUS", ("", ""))[1].upper()
    if method == "CANCEL" or status == "CANCELLED":
        return "cancelled"
    if method == "REPLY":
        partstat = re.search(r"PARTSTAT=([A-Z-]+)", event.get("ATTENDEE", ("", ""))[0].upper())
        if partstat and partstat.group(1) == "ACCEPTED":
            return "accepted"
        if partstat and partstat.group(1) == "DECLINED":
            return "cancelled"
        return "proposed"
    sequence = event.get("SEQUENCE", ("", "0"))[1]
    if method == "REQUEST" and sequence.isdigit() and int(sequence) > 0:
        return "moved"  # an updated invitation: the time or place changed
    return "proposed"


def _ics_datetime(prop: tuple[str, str], sent_at: datetime, cfg: DateConfig) -> datetime | None:
    params, value = prop
    m = _ICS_DT.match(value.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss, utc = m.groups()
    try:
        if hh is None:  # an all-day event starts with the working day
            return datetime.combine(date(int(y), int(mo), int(d)), cfg.hour("start_of_day"), tzinfo=sent_at.tzinfo)
        naive = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None
    tzid = re.search(r"TZID=\"?([^;:\"]+)", params, re.IGNORECASE)
    if utc:
        aware = naive.replace(tzinfo=timezone.utc)
    elif tzid:
        aware = naive.replace(tzinfo=_zone(tzid.group(1)) or sent_at.tzinfo)
    else:
        aware = naive.replace(tzinfo=sent_at.tzinfo)  # floating time: the sender's wall clock
    try:
        return aware.astimezone(sent_at.tzinfo) if sent_at.tzinfo else aware
    except (OverflowError, ValueError):  # year 1 or 9999, pushed past the calendar's ends
        return None


_WINDOWS_ZONES = {
    "W. Europe Standard Time": "Europe/Berlin", "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London", "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago", "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles", "Central Europe Standard Time": "Europe/Budapest",
}


def _zone(name: str) -> ZoneInfo | None:
    name = name.strip()
    try:
        return ZoneInfo(_WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


# --- JSON lines -------------------------------------------------------------------

def item_to_json(item: Item, *, with_status: bool = False) -> dict[str, object]:
    """The CLI contract's item object; `with_status` adds a meeting's status."""
    out: dict[str, object] = {
        "kind": item.kind,
        "owner": item.owner,
        "sentence": item.sentence,
        "due": item.due.isoformat() if item.due else None,
        "due_text": item.due_text,
    }
    if with_status:
        out["status"] = item.status
    return out


def detect_body(text: str, sent_at: datetime, direction: str = "outgoing") -> Detection:
    """detect() on a body as people paste it: quoted history, a forwarded message and the
    signature are not the sender's new words, as parse would have cut them from a message."""
    from mailflow.parse import extract_new_text  # imported late: detect() alone does not need it

    return detect(extract_new_text(text), sent_at, direction)


def detect_jsonl(lines: Iterable[str]) -> Iterator[str]:
    """`mailflow detect --jsonl`: one output line per input line, in order."""
    for line in lines:
        yield json.dumps(_detect_line(line), ensure_ascii=False)


def _detect_line(line: str) -> dict[str, object]:
    if not line.strip():
        return {"id": None, "error": "empty line"}
    try:
        record = json.loads(line)
    except ValueError as exc:
        return {"id": None, "error": f"bad JSON: {exc}"}
    if not isinstance(record, dict):
        return {"id": None, "error": "line is not a JSON object"}
    ident = record.get("id")
    text = record.get("text")
    if not isinstance(text, str):
        return {"id": ident, "error": "missing or non-string 'text'"}
    sent_at = _parse_sent_at(record.get("sent_at"))
    if isinstance(sent_at, str):
        return {"id": ident, "error": sent_at}
    direction = record.get("direction", "outgoing")
    if direction not in ("outgoing", "incoming"):
        return {"id": ident, "error": f"bad direction {direction!r}"}
    found = detect_body(text, sent_at, direction)
    return {"id": ident, "items": [item_to_json(i) for i in found.items]}


def _parse_sent_at(value: object) -> datetime | str:
    if not isinstance(value, str):
        return "missing or non-string 'sent_at'"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"bad sent_at {value[:40]!r}: not ISO 8601"
    if parsed.tzinfo is None:
        return f"bad sent_at {value[:40]!r}: no UTC offset"
    return parsed
