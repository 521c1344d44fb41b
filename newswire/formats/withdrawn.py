"""What a withdrawn item (pubstatus ``canceled``) shows in a format that has no envelope
to say ``withdraw``: feed entries (``newswire.formats.feeds.as_entry``) and the agency
text layout (``newswire.formats.text``). Shown as the item, it reads as one more update to
publish; shown as this notice, as what wire services send for a kill."""

from __future__ import annotations

from newswire.model import NewsItem

WITHDRAWN = "WITHDRAWN"
"""What a withdrawn item's headline begins with (wire services' own word for it)."""
WITHDRAWN_NOTICE = "Withdrawn by the agency: do not publish."


def headline(item: NewsItem) -> str:
    """``WITHDRAWN: <headline>`` (``WITHDRAWN`` alone when it has none)."""
    return f"{WITHDRAWN}: {item.headline}" if item.headline else WITHDRAWN


def notice(item: NewsItem) -> str:
    """The notice and the reason (the withdrawal's editorial note)."""
    return f"{WITHDRAWN_NOTICE} {item.ednote}".strip()


def is_withdrawn_headline(text: str) -> bool:
    """Whether a headline is marked as a withdrawal's (``WITHDRAWN`` or ``WITHDRAWN: …``)."""
    return text == WITHDRAWN or text.startswith(f"{WITHDRAWN}:")
