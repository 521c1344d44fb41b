"""What a withdrawn item (pubstatus ``canceled``) carries to subscribers: a kill notice.

In every format its content is the notice and the reason, nothing of the text or files
withdrawn (``as_kill``): an item is withdrawn because it must not be published (a legal
complaint, a wrong story), and sending its text again with the withdrawal would hand it
to every system that archives what it receives. ninjs, NewsML-G2 and NITF say
``canceled`` in their own envelope; the formats with no envelope to say it, feed entries
(``newswire.formats.feeds.as_entry``) and the agency text layout
(``newswire.formats.text``), also mark the headline ``WITHDRAWN:``, in the item's own
language (Arabic ``مسحوب:``, Turkish ``GERİ ÇEKİLDİ:``: ``newswire.formats.marks``):
shown as the item, it reads as one more update to publish; shown so, as what wire
services send for a kill. The notice itself is the item's language's too
(``marks.NOTICES``). Any language's word is read as a kill's when taken back in.

A withdrawal carries no signal (``signal``): IPTC's signals (``sig:update``,
``sig:correction``) say how a version's content changed, and a kill is said by its
publishing status alone (``stat:canceled``, ninjs ``pubStatus: canceled``); labelled
``update`` as well, a receiving system that acts on the signal took the kill notice for
new text to publish over the story. Its link to the version it ends stays (NewsML-G2
``link rel="irel:previousVersion"``, a ninjs association of that rel)."""

from __future__ import annotations

import msgspec

from newswire.formats import marks
from newswire.formats.html import html_from_paragraphs
from newswire.model import NewsItem, Signal
from newswire.validation import clean_text

WITHDRAWN = marks.word("withdrawn", "en")
"""What a withdrawn English item's headline begins with (wire services' own word for it);
other languages' are in ``marks.WORDS``."""
WITHDRAWN_NOTICE = marks.notice("en")
"""The English kill notice; other languages' are in ``marks.NOTICES``."""


def signal(item: NewsItem) -> Signal | None:
    """The signal a version carries to subscribers: its own, none for a withdrawal (a
    version stored before withdrawals dropped theirs still says ``update``)."""
    return None if item.pubstatus == "canceled" else item.signal


def headline(item: NewsItem) -> str:
    """``WITHDRAWN: <headline>`` in the item's language (``مسحوب: …``), the word alone
    when it has none."""
    return marks.marked("withdrawn", item.language, item.headline)


def notice(item: NewsItem) -> str:
    """The notice in the item's language and the reason (the withdrawal's editorial note):
    an English sentence in an Arabic or Turkish kill under a title in its own language
    left a desk with no English to guess what it was told."""
    return f"{marks.notice(item.language)} {item.ednote}".strip()


def is_withdrawn_headline(text: str) -> bool:
    """Whether a headline is marked as a withdrawal's (``WITHDRAWN`` or ``WITHDRAWN: …``,
    in any language newswire writes one in)."""
    return marks.is_marked("withdrawn", text)


def as_kill(item: NewsItem) -> NewsItem:
    """A withdrawal as subscribers receive it: its id, version, headline and metadata (so
    that a receiving system finds what to take down), the notice and the reason as its
    body, no lead, caption or files (nor its associations' files). Any other item is
    returned as it is."""
    if item.pubstatus != "canceled":
        return item
    # A reason stored before every way in checked it may hold a character no XML format
    # can carry: the XML formats failed on it, for every subscriber of the feed.
    item = msgspec.structs.replace(item, ednote=clean_text(item.ednote))
    text = notice(item)
    return msgspec.structs.replace(
        item,
        lead="",
        description="",
        body=[text],
        body_html=html_from_paragraphs([text]),
        footer="",
        renditions=[],
        associations=[
            msgspec.structs.replace(a, renditions=[]) if a.renditions else a
            for a in item.associations
        ],
    )
