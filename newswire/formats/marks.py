"""What a version's title begins with when it corrects or withdraws an item, in the item's
own language, and the IPTC terms that say the same to a machine.

Agencies' feeds mark a correction and a kill in the headline (``CORRECTION:``,
``WITHDRAWN:``; AFP's ``CORRECTIF :``, AA's ``DÜZELTME:``), as the title is all a feed
reader or a newsroom's wire list shows: an entry keeping its id reads as a silent edit
otherwise, and a kill as one more update to publish. The word is the item's language's
(its primary subtag; English for any language not here), so an Arabic feed does not
carry an English word in an Arabic title. The languages are the desks' that the public
site has interface words for (``newswire.web.words``; a test keeps the two together).

Beside the word, an entry carries the marks a feed reader can act on (``SIGNAL_SCHEME``
``correction``, ``PUBSTATUS_SCHEME`` ``canceled``): IPTC's own schemes, so a reader that
knows them needs no word list. Read back, every language's word is recognised, and the
English ``WITHDRAWN`` stays one, so what newswire wrote is read as what it was.

The words depend only on a version's language and signal: a version's rendering is still
made once and its bytes kept (``newswire.delivery.renderer``).
"""

from __future__ import annotations

import re
from typing import Literal

Mark = Literal["correction", "withdrawn"]

SIGNAL_SCHEME = "http://cv.iptc.org/newscodes/signal/"
"""IPTC's signal scheme: the term ``correction`` says a version corrects the one before."""
PUBSTATUS_SCHEME = "http://cv.iptc.org/newscodes/pubstatusg2/"
"""IPTC's publishing status scheme: the term ``canceled`` says an item is withdrawn."""

WORDS: dict[str, tuple[str, str, str]] = {
    # language: (correction, withdrawal, what follows the word before the headline)
    "en": ("CORRECTION", "WITHDRAWN", ": "),
    "ar": ("تصحيح", "مسحوب", ": "),
    "tr": ("DÜZELTME", "GERİ ÇEKİLDİ", ": "),
    "bs": ("ISPRAVKA", "POVUČENO", ": "),
    "ru": ("ИСПРАВЛЕНИЕ", "ОТОЗВАНО", ": "),
    "ku": ("RASTKIRIN", "VEKIŞANDIN", ": "),
    "fa": ("اصلاحیه", "پس گرفته شد", ": "),
    "fr": ("CORRECTIF", "RETRAIT", "\u00a0: "),  # French sets a no-break space before a colon
    "es": ("CORRECCIÓN", "RETIRADA", ": "),
    "sq": ("KORRIGJIM", "TËRHEQUR", ": "),
    "mk": ("ИСПРАВКА", "ПОВЛЕЧЕНО", ": "),
    "id": ("KOREKSI", "DITARIK", ": "),
    "zh": ("更正", "撤稿", "："),
}
"""Each desk language's words, as its agencies write them in a wire headline."""

NOTICES: dict[str, str] = {
    # The sentence a kill's body opens with, before the reason, as the desk writes it.
    "en": "Withdrawn by the agency: do not publish.",
    "ar": "سحبت الوكالة هذا الخبر: يرجى عدم نشره.",
    "tr": "Bu haber ajans tarafından geri çekilmiştir: yayımlamayınız.",
    "bs": "Agencija je povukla ovu vijest: ne objavljivati.",
    "ru": "Сообщение отозвано агентством: не публиковать.",
    "ku": "Ajansê ev nûçe vekişand: neweşînin.",
    "fa": "این خبر از سوی خبرگزاری پس گرفته شد: منتشر نشود.",
    "fr": "Dépêche retirée par l’agence\u00a0: ne pas publier.",
    "es": "Noticia retirada por la agencia: no publicar.",
    "sq": "Lajmi u tërhoq nga agjencia: mos e publikoni.",
    "mk": "Веста е повлечена од агенцијата: не објавувајте.",
    "id": "Berita ini ditarik oleh kantor berita: jangan disiarkan.",
    "zh": "本稿已由本社撤销，请勿刊发。",
}
"""Each desk language's kill notice (a language not here has English's)."""
_INDEX: dict[Mark, int] = {"correction": 0, "withdrawn": 1}


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _words(language: str) -> tuple[str, str, str]:
    return WORDS.get(_primary(language), WORDS["en"])


def notice(language: str) -> str:
    """The kill notice's sentence in ``language`` (English for one not in ``NOTICES``)."""
    return NOTICES.get(_primary(language), NOTICES["en"])


def word(mark: Mark, language: str) -> str:
    """The word alone (``CORRECTION``, ``تصحيح``), for a version with no headline."""
    return _words(language)[_INDEX[mark]]


def marked(mark: Mark, language: str, headline: str) -> str:
    """``headline`` as a ``mark`` version's title in ``language``: ``CORRECTION: …``,
    ``تصحيح: …``, ``CORRECTIF : …``, ``更正：…``; the word alone with no headline."""
    words = _words(language)
    return f"{words[_INDEX[mark]]}{words[2]}{headline}" if headline else words[_INDEX[mark]]


def _pattern(mark: Mark) -> re.Pattern[str]:
    # Longest first, so that no word is cut by one it begins with; any spaces before the
    # colon (a French no-break one, or one a feed reader's squashing made plain).
    found = sorted({w[_INDEX[mark]] for w in WORDS.values()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in found)
    return re.compile(rf"^(?:{alternatives})(?:$|\s*[:：]\s*)")


_PATTERNS: dict[Mark, re.Pattern[str]] = {mark: _pattern(mark) for mark in _INDEX}


def is_marked(mark: Mark, title: str) -> bool:
    """Whether ``title`` begins with any language's word for ``mark`` (or is the word)."""
    return _PATTERNS[mark].match(title) is not None


def unmarked(mark: Mark, title: str) -> str:
    """``title`` without its ``mark`` word (any language's), else as it is."""
    found = _PATTERNS[mark].match(title)
    return title[found.end() :] if found else title
