"""Teasers: the public, shortened version of an item.

A teaser keeps the headline, the lead and every other field, and replaces the body with
its first paragraphs cut at a sentence boundary, at most ``max_chars`` characters in all
(the sum of the kept paragraphs' lengths, the "…" of a cut sentence included). It never
carries the whole body: of a body of several paragraphs the last is never kept, of a
one-paragraph body never the whole paragraph, and a body that is a single sentence is cut
inside it, at a word boundary, to at most half its length. ``body_html`` is rebuilt from
the kept paragraphs (plain escaped ``<p>``s, never the rich HTML) and ``footer`` is
cleared. Paragraphs are taken squashed (as ``make_body`` keeps them), so every teaser
paragraph, less a trailing "…", is a prefix of the body paragraph it comes from. The lead
goes when it repeats body text the teaser leaves out (it is a body paragraph the teaser
does not show whole, or a sentence of it stands in the body beyond what the teaser
shows): a flash whose summary is its one paragraph.

Of a picture, video, graphic or audio item a teaser keeps only the ``thumbnail`` and
``preview`` renditions and a video's ``previewPoster`` (``TEASER_RENDITIONS``): the
full-size files are what subscribers pay for, as the full text is; the files an
association carries of its media item are cut the same way. Caption, credit and
associations stay.

Sentence boundaries (``sentence_ends``, ``sentences``): a run of ``.`` ``!`` ``?`` ``…``
``؟`` ``؛`` ``۔`` (so ``..`` and ``...`` are one boundary), with any closing quotes or
brackets right after it (``.»``, ``."``, ``.)``), followed by whitespace or the end of the
text; or a run of the full stops Chinese and Japanese write (``。`` ``！`` ``？``, with their
closers ``」`` ``”`` ``）``), which no space follows: the next sentence starts right after it.
Not a boundary:

* punctuation not followed by whitespace: numbers (``3.5``, ``1.000``), ``U.S``, ``a.m``;
* a single ``.`` after a known abbreviation (``Mr.``, ``Dr.``, ``Prof.``, ``Jan.``, ``M.``,
  ``Mme.``, ``Doç.``, ``vb.``, ...), after a single letter of any script (the initial
  ``J.``, the Arabic ``د.`` for doctor) or after dotted single letters (``U.S.``,
  ``e.g.``, ``i.e.``, ``أ.د.``);
* any run followed by a lowercase (Latin, Greek, Cyrillic) letter: the sentence goes
  on (``etc. and``, ``wait... then``, ``"Stop!" he said``). Arabic has no case, so in
  Arabic ``..`` and ``...`` followed by a space always end a sentence.

A boundary ending a segment with no letter or digit in it (a text opening with ``...``)
is merged into the next sentence.

A sentence cut inside (``_word_cut``) ends at a space, or, in Chinese and Japanese, which
put none between words, after a comma (``，`` ``、``) in the second half of what fits,
else between two of their characters: never inside a Latin word or a number they hold.
"""

from __future__ import annotations

import re

import msgspec

from newswire.formats.html import make_body, squash
from newswire.model import NewsItem

__all__ = ["TEASER_RENDITIONS", "sentence_ends", "sentences", "teaser"]

TEASER_RENDITIONS = frozenset({"thumbnail", "preview", "previewPoster"})
"""The renditions a teaser keeps (IPTC rendition names where one fits): small enough to
show, not to sell. A video's ``previewPoster`` is a frame of its ``preview`` clip at the
clip's size, the still its player shows before it plays: the clip is a teaser's, so the
frame gives nothing more away; the full-size ``poster`` (as large as a picture's ``web``)
is not a teaser's."""

CJK_TERMINALS = "。！？｡"
TERMINALS = ".!?…؟؛۔" + CJK_TERMINALS
CLOSERS = "\"'»”’›)]}"
CJK_CLOSERS = "」』）】〕〉》〗〙〛＂＇”’"
ELLIPSIS = "…"

_END = re.compile(
    rf"[{re.escape(TERMINALS)}]+[{re.escape(CLOSERS)}]*(?=\s|\Z)"
    rf"|[{re.escape(CJK_TERMINALS)}]+[{re.escape(CLOSERS + CJK_CLOSERS)}]*"
)
# Where a text without spaces may be cut: Han ideographs, kana, and the punctuation of
# the scripts (CJK symbols, full-width forms). Hangul is written with spaces.
_CJK = "\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])(?=[{_CJK}])")
_CJK_COMMA = re.compile(r"[，、；：]")
_TOKEN = re.compile(r"\S+\Z")
_OPENERS = "\"'«“‘‹([{"
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_TRIM = " ,،:;-–—([{«“‘‹，、；：（「『《【〔"
ABBREVIATIONS = frozenset(
    # English titles, months and references
    "Mr Mrs Ms Messrs Dr Prof St Jr Sr Gen Col Lt Maj Sgt Capt Cmdr Adm Gov Sen Rep Rev Hon"
    " Pres Mt Ft No Nos Fig Vol Art Sec cf vs approx Jan Feb Apr Aug Sep Sept Oct Nov Dec"
    # French
    " Mme Mmes Mlle Mlles MM Me Mgr Pr av"
    # Turkish
    " Doç Yrd Yard Av Sn Bkz bkz vb vd örn Örn Alb Org Kur Tuğg"
    # Arabic (أ.د and single letters are caught by the rules above)
    " هـ".split()
)


_NEXT = re.compile(r"\s*(\S?)")
_LONGEST_TOKEN = 64
"""The characters before a full stop read for the word it may abbreviate: longer than any
abbreviation or dotted initials (a longer word is none)."""


def _continues(text: str, match: re.Match[str]) -> bool:
    """Whether the punctuation ``match`` found does not end the sentence. Reads around it
    only (the next character, the word before): a text of thousands of sentences once cost
    seconds, each stop copying the rest of the text and searching it from the start."""
    after = _NEXT.match(text, match.end())
    following = after.group(1) if after else ""
    if following.islower():
        return True
    if match.group() != "." or not following:
        return False
    token = _TOKEN.search(text, max(0, match.start() - _LONGEST_TOKEN), match.start())
    word = token.group().lstrip(_OPENERS) if token else ""
    return (
        word in ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())
        or _DOTTED.fullmatch(word) is not None
    )


def sentence_ends(text: str) -> list[int]:
    """Offsets in ``text`` just after each sentence (its punctuation and closers)."""
    ends: list[int] = []
    start = 0
    for match in _END.finditer(text):
        if _continues(text, match) or not any(c.isalnum() for c in text[start : match.end()]):
            continue
        ends.append(match.end())
        start = match.end()
    if text[start:].strip():
        ends.append(len(text.rstrip()))
    return ends


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its punctuation, whitespace stripped."""
    out: list[str] = []
    start = 0
    for end in sentence_ends(text):
        out.append(text[start:end].strip())
        start = end
    return out


def _word_cut(text: str, limit: int) -> str:
    """The longest start of ``text`` ending at a word boundary, plus "…", in ``limit``."""
    room = limit - len(ELLIPSIS)
    if room < 1 or len(text) <= room:
        return ""
    cut = text[: _break(text, room)].rstrip(_TRIM)
    return cut + ELLIPSIS if any(c.isalnum() for c in cut) else ""


def _break(text: str, room: int) -> int:
    """Where to cut ``text`` to keep at most ``room`` characters: after its last space
    that fits, or, in Chinese or Japanese, after a comma in the second half of the room,
    else between two of their characters (module docs); 0 when there is no such place."""
    at = text.rfind(" ", 0, room + 1) + 1
    commas = [m.end() for m in _CJK_COMMA.finditer(text, at, room + 1)]
    if commas and commas[-1] > room // 2:
        return commas[-1]
    breaks = [m.start() for m in _CJK_BREAK.finditer(text, at, room + 1)]
    return max(at, breaks[-1]) if breaks else at


def _cut(paragraphs: list[str], max_chars: int) -> list[str]:
    several = len(paragraphs) > 1
    kept: list[str] = []
    total = 0
    for para in paragraphs[:-1] if several else paragraphs:
        room = max_chars - total
        if several and len(para) <= room:
            kept.append(para)
            total += len(para)
            continue
        all_ends = sentence_ends(para)
        ends = [end for end in all_ends if end <= room and end < len(para)]
        if ends:
            kept.append(para[: ends[-1]])
        elif not kept:
            limit = max_chars if several or len(all_ends) > 1 else min(max_chars, len(para) // 2)
            cut = _word_cut(para, limit)
            if cut:
                kept.append(cut)
        break
    return kept


_MIN_WORDS = 3
"""The fewest words a sentence of the lead has to be looked for in the body: a name or a
credit ("رويترز") alone is no repeat."""


def _core(sentence: str) -> str:
    return sentence.rstrip(TERMINALS + CLOSERS + CJK_CLOSERS + " ")


def _repeats_body(lead: str, paragraphs: list[str], shown: list[str]) -> bool:
    """Whether ``lead`` gives away body text the teaser does not show: it is a body
    paragraph the teaser does not show whole, or one of its sentences (of ``_MIN_WORDS``
    words or more, its final mark aside) stands in the body but not in what is shown."""
    lead = squash(lead)
    if not lead:
        return False
    if lead in paragraphs and lead not in shown:
        return True
    body, seen = "\n".join(paragraphs), "\n".join(shown)
    for sentence in sentences(lead):
        core = _core(sentence)
        if len(core.split()) >= _MIN_WORDS and core in body and core not in seen:
            return True
    return False


def teaser(item: NewsItem, max_chars: int = 600) -> NewsItem:
    """The public teaser of ``item``: its body cut to at most ``max_chars``, never whole,
    and its lead left out when it repeats body text the cut leaves out (a flash whose
    summary is its one paragraph: the lead was the whole story)."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    paragraphs = [squash(p) for p in item.body if p and not p.isspace()]
    shown = _cut(paragraphs, max_chars)
    lead = "" if item.lead and _repeats_body(item.lead, paragraphs, shown) else item.lead
    body, body_html = make_body(paragraphs=shown)
    # The agency's boilerplate and its notes to editors are not for the public either,
    # except a withdrawal's note: it says why the item was withdrawn.
    ednote = item.ednote if item.pubstatus == "canceled" else ""
    renditions = [r for r in item.renditions if r.name in TEASER_RENDITIONS]
    associations = [
        msgspec.structs.replace(
            a, renditions=[r for r in a.renditions if r.name in TEASER_RENDITIONS]
        )
        if any(r.name not in TEASER_RENDITIONS for r in a.renditions)
        else a
        for a in item.associations
    ]
    return msgspec.structs.replace(
        item,
        lead=lead,
        body=body,
        body_html=body_html,
        footer="",
        ednote=ednote,
        renditions=renditions,
        associations=associations,
    )
