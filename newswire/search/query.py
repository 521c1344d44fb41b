"""The subscriber's search query: a journalist's query language, parsed into a small AST.

A query is typed the way journalists type into a search box, Arabic first::

    "وزارة الصحة" غزة OR رفح -"خان يونس" -مؤتمر

* words: every one must match (``غزة مساعدات`` is غزة AND مساعدات);
* ``"exact phrases"`` (or ``«…»``, ``“…”``, as Arabic and typeset text quote): the words in order; a phrase of one word is just that word (so
  ``"OR"`` searches for the word OR), an empty phrase ``""`` is ignored, and an
  unbalanced quote runs the phrase to the end of the query (never an error);
* ``-word`` and ``-"a phrase"``: none may match. The ``-`` excludes only where it starts
  a token: at the start of the query or after a character that is not a word character,
  and directly before a word or a quote. Inside a word (``COVID-19``) it separates two
  words, alone (``a - b``, ``--``) it is a separator;
* ``OR``, the bare uppercase word, between two clauses: ``غزة OR رفح مساعدات`` is
  (غزة OR رفح) AND مساعدات. ``OR`` binds tighter than the implicit AND and chains
  (``a OR b OR c``). Lowercase ``or`` is a plain word, and so is ``OR`` in a phrase.
* the bare uppercase ``AND`` and ``NEAR`` of other search boxes are what a space is
  (``غزة AND رفح`` is ``غزة رفح``), ``NOT`` before a clause excludes it as ``-`` does
  (``غزة NOT رفح`` is ``غزة -رفح``), and another engine's field name before a colon is
  dropped (``headline:غزة`` is ``غزة``): typed from habit, each would otherwise be one
  more word every hit must hold, and find nothing. Lowercase, or in a phrase, each is a
  word.

**Dangling OR is ignored, never an error**: an ``OR`` at the start or end of the query, a
doubled ``OR`` (``a OR OR b`` is ``a OR b``) or an ``OR`` next to an exclusion
(``a OR -b`` is ``a -b``) is dropped, the way search engines forgive a stray operator.

Words are split as a word tokenizer splits them: a word is a run of letters, digits and
combining marks (Unicode categories L*, N*, M*, so Arabic harakat, superscript alef and
tatweel stay inside a word) and the zero-width joiner and non-joiner (dropped at the
ends of a word). A run with no letter or digit in it (lone marks, the joiners and
variation selectors of emoji sequences) is no word. Every other character is a
separator, never syntax: punctuation, emoji, control characters, NUL, and the operators
of other query languages (``* : ^ ( ) { } [ ] ~ + && ||``, FTS5's ``title:x*``,
tsquery's ``a & !b | c:*``, SQL's ``'; DROP TABLE items; --``), so what
the parser hands to an index is only ever words. Bidi controls (LRM, RLM, ALM, the
embeddings, overrides and isolates) and the BOM are removed before parsing, so a mark
pasted inside a word does not split it.

Words are kept as typed (the surface form, not normalised: the index analyses them).
Duplicated clauses are kept once (an OR group regardless of the order of its options).
A query longer than ``max_length`` characters (counted as given) or with more than
``max_clauses`` words in all (phrase words, OR options and exclusions each counted,
duplicated clauses once) is refused; so is a query with nothing to search for and one with only
exclusions. Every string either parses or raises ``QueryError``, whose ``reason`` is an
English sentence for the 400 response.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TypeVar

import msgspec

from newswire.errors import BadInput

__all__ = ["AnyOf", "Phrase", "Query", "QueryError", "Word", "parse", "words"]

OR = "OR"
NOT = "NOT"
_OPERATORS = frozenset((OR, NOT, "AND", "NEAR"))
"""The bare uppercase words that are operators here: ``OR``; ``NOT`` (``-``); ``AND`` and
``NEAR``, of other query languages, what a space is."""
QUOTE = '"'
QUOTES = {QUOTE: QUOTE, "«": "»", "“": "”"}
"""Phrase quotes, opening to closing: Arabic writers quote with guillemets «…»."""
MINUS = "-"
JOINERS = "\u200c\u200d"
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_STRIP = str.maketrans(dict.fromkeys(BIDI_CONTROLS))
_T = TypeVar("_T")


class QueryError(BadInput, ValueError):
    """A query that cannot be searched for; ``reason`` says why, in English (a 400)."""

    title = "Bad query"

    def __init__(self, reason: str, *, field: str | None = "q"):
        super().__init__(reason, field=field)
        self.reason = reason


class Word(msgspec.Struct, frozen=True, tag="word"):
    """A word as typed."""

    text: str

    def __str__(self) -> str:
        return f'"{OR}"' if self.text == OR else self.text


class Phrase(msgspec.Struct, frozen=True, tag="phrase"):
    """The words of a quoted phrase (two or more), in order."""

    words: tuple[str, ...]

    def __str__(self) -> str:
        return f'"{" ".join(self.words)}"'


class AnyOf(msgspec.Struct, frozen=True, tag="any_of"):
    """An OR group: at least one of two or more distinct options must match."""

    options: tuple[Word | Phrase, ...]

    def __str__(self) -> str:
        return f" {OR} ".join(map(str, self.options))


class Query(msgspec.Struct, frozen=True):
    """A parsed query: every ``must`` clause matches and no ``must_not`` clause does.

    ``str(query)`` writes it back in the query language; parsing that gives it again.
    """

    must: tuple[Word | Phrase | AnyOf, ...]
    must_not: tuple[Word | Phrase, ...] = ()

    def __str__(self) -> str:
        return " ".join([*map(str, self.must), *(f"-{c}" for c in self.must_not)])


def is_word_char(ch: str) -> bool:
    """Whether ``ch`` belongs inside a word: a letter, digit, combining mark or joiner."""
    return ch in JOINERS or unicodedata.category(ch)[0] in "LMN"


def _is_word(run: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in run)


def _word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and is_word_char(text[end]):
        end += 1
    return end


def _split(text: str) -> Iterator[str]:
    """The words of ``text``, in order."""
    i = 0
    while i < len(text):
        if is_word_char(text[i]):
            end = _word_end(text, i)
            run = text[i:end].strip(JOINERS)
            if _is_word(run):
                yield run
            i = end
        else:
            i += 1


def _clause(found: list[str]) -> Word | Phrase | None:
    if not found:
        return None
    return Word(found[0]) if len(found) == 1 else Phrase(tuple(found))


# A token is a clause with whether it is excluded, or the OR operator (None).
_Token = tuple[Word | Phrase, bool] | None


def _field_name(text: str, start: int, end: int) -> bool:
    """Whether the word ``text[start:end]`` is another engine's field name: ASCII letters
    right before a ``:`` that a word or a quote follows (``headline:غزة``, ``title:"…"``),
    not a time (``10:30``) nor a colon ending a phrase (``القدس: …``)."""
    return (
        end + 1 < len(text)
        and text[end] == ":"
        and (text[end + 1] in QUOTES or is_word_char(text[end + 1]))
        and all("a" <= c.lower() <= "z" for c in text[start:end])
    )


def _tokens(text: str) -> Iterator[_Token]:
    i, n = 0, len(text)
    excluding = False  # after a bare NOT, or a field name excluded: the next clause is
    while i < n:
        ch = text[i]
        minus = (
            ch == MINUS
            and i + 1 < n
            and (i == 0 or not is_word_char(text[i - 1]))
            and (text[i + 1] in QUOTES or is_word_char(text[i + 1]))
        )
        if minus:
            i += 1
            ch = text[i]
        negated = minus or excluding
        if ch in QUOTES:
            close = text.find(QUOTES[ch], i + 1)
            end = n if close == -1 else close
            clause = _clause(list(_split(text[i + 1 : end])))
            if clause is not None:
                yield clause, negated
            excluding = False
            i = end + 1
        elif is_word_char(ch):
            end = _word_end(text, i)
            run = text[i:end].strip(JOINERS)
            if _field_name(text, i, end):
                excluding = negated  # ``-headline:غزة`` is ``-غزة``, ``headline:غزة`` ``غزة``
            elif minus or run not in _OPERATORS:  # ``-OR``, ``-AND``: the words, excluded
                if _is_word(run):
                    yield Word(run), negated
                excluding = False
            elif run == OR:
                yield None  # (``a NOT OR b``: the NOT before it stands for nothing)
                excluding = False
            elif run == NOT:
                excluding = True  # ``NOT b`` is ``-b``
            # ``AND``, ``NEAR``: what a space is (a NOT before one is for the next clause)
            i = end
        else:
            i += 1


def _dedupe(items: list[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


def _size(clause: Word | Phrase | AnyOf) -> int:
    if isinstance(clause, Word):
        return 1
    if isinstance(clause, Phrase):
        return len(clause.words)
    return sum(map(_size, clause.options))


def parse(q: str, *, max_length: int = 1000, max_clauses: int = 32) -> Query:
    """Parse the query ``q``; raise ``QueryError`` when it cannot be searched for."""
    if not isinstance(q, str):
        raise QueryError("query must be text")
    if len(q) > max_length:
        raise QueryError(f"query is longer than {max_length} characters")

    groups: list[list[Word | Phrase]] = []
    must_not: list[Word | Phrase] = []
    after_clause = joining = False
    for token in _tokens(q.translate(_STRIP)):
        if token is None:
            joining = after_clause
            continue
        clause, negated = token
        if negated:
            must_not.append(clause)
            after_clause = joining = False
            continue
        if joining:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        after_clause, joining = True, False

    must: dict[Word | Phrase | AnyOf | frozenset[Word | Phrase], Word | Phrase | AnyOf] = {}
    for group in groups:
        options = _dedupe(group)
        if len(options) == 1:
            must.setdefault(options[0], options[0])
        else:
            must.setdefault(frozenset(options), AnyOf(tuple(options)))
    query = Query(must=tuple(must.values()), must_not=tuple(_dedupe(must_not)))

    if not query.must:
        if query.must_not:
            raise QueryError("a query needs at least one word that must match")
        raise QueryError("query has no words to search for")
    count = sum(map(_size, query.must + query.must_not))
    if count > max_clauses:
        raise QueryError(f"query has {count} words, more than the {max_clauses} allowed")
    return query


def words(query: Query) -> list[str]:
    """Every word the query searches for (not the excluded ones), once each, for highlighting."""
    found: list[str] = []
    for clause in query.must:
        for option in clause.options if isinstance(clause, AnyOf) else (clause,):
            found.extend([option.text] if isinstance(option, Word) else option.words)
    return _dedupe(found)


def marked(query: Query) -> list[str]:
    """What the query searches for (not the excluded), once each, as snippets mark it: each
    word, and each phrase whole (its words joined by spaces), whose words are marked only
    where they stand together, in order, as the phrase matched."""
    found: list[str] = []
    for clause in query.must:
        for option in clause.options if isinstance(clause, AnyOf) else (clause,):
            found.append(option.text if isinstance(option, Word) else " ".join(option.words))
    return _dedupe(found)
