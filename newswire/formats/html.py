"""Body HTML: sanitising untrusted markup and keeping paragraphs and HTML in step.

Every body that enters newswire goes through ``canonical_html``: nh3 (ammonia) removes
everything not on the allow-list below (scripts, event handlers, styles, unknown tags),
then lxml re-serialises the fragment as XHTML so the same markup always yields the same
string (``<br/>``, quoted attributes, loose text wrapped in ``<p>``). That makes the
canonical form idempotent, which is what lets round trips through NITF and NewsML-G2
(which embed the body as XML) compare equal.
"""

from __future__ import annotations

import html as _html
import re

import nh3
from lxml import etree
from lxml import html as lxml_html

from newswire.errors import ParseError

ALLOWED_TAGS = set(
    "p br h2 h3 h4 h5 h6 blockquote ul ol li a strong em b i u sub sup q cite abbr span"
    " table caption thead tbody tfoot tr th td pre code hr".split()
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"dir", "lang"},
}
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "caption", "td", "th")
CONTAINER_TAGS = frozenset(
    "div section article main header footer aside nav address figure figcaption"
    " dl dt dd details summary center hgroup h1".split()
)
"""Blocks a body is not kept with, whose content is: each is a paragraph boundary (a
provider's ``<div>`` paragraphs, a definition list's term and definition), not dropped
as a tag like any other, which ran the text on each side into one word
(``<div>One.</div><div>Two.</div>`` read as ``One.Two.``). ``h1`` is the headline's."""


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    # Most text is already squashed: checking (in C) is cheaper than rebuilding it.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


MAX_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def nesting_depth(fragment: str) -> int:
    """How deeply the tags of ``fragment`` nest (unclosed tags count as open: an upper bound)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(fragment):
        if closing:
            depth -= 1
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def sanitize(fragment: str) -> str:
    """Untrusted HTML in, HTML with only the allowed tags and attributes out.

    The sanitiser's time grows with the square of the nesting depth, so a body nested
    absurdly deep (no article is) is refused before it gets there.
    """
    if nesting_depth(fragment) > MAX_DEPTH:
        raise ParseError(
            f"the body's HTML is nested deeper than {MAX_DEPTH} elements", field="body"
        )
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS | CONTAINER_TAGS,  # for _fragments to take apart, never kept
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _fragments(fragment: str) -> list[lxml_html.HtmlElement]:
    """Top-level nodes of a fragment: loose text and inline runs wrapped in ``<p>``."""
    if not fragment.strip():
        return []
    nodes = lxml_html.fragments_fromstring(fragment)
    blocks: list[lxml_html.HtmlElement] = []
    loose: list[lxml_html.HtmlElement | str] = []
    stray_lists: list[lxml_html.HtmlElement] = []

    def flush() -> None:
        if not loose:
            return
        while loose and isinstance(loose[-1], str) and not loose[-1].strip():
            loose.pop()  # trailing space before a block: no text of the paragraph
        p = lxml_html.Element("p")
        for node in loose:
            if isinstance(node, str):
                if len(p):
                    p[-1].tail = (p[-1].tail or "") + node
                else:
                    p.text = (p.text or "") + node
            else:
                p.append(node)
        if squash(p.text_content()):
            blocks.append(p)
        loose.clear()

    def visit(node: lxml_html.HtmlElement | str) -> None:
        if isinstance(node, str):
            loose.append(node)
            return
        tail, node.tail = node.tail, None
        if node.tag in CONTAINER_TAGS:
            flush()
            if node.text and node.text.strip():
                loose.append(node.text)
            for child in list(node):
                visit(child)
            flush()
        elif node.tag == "li":
            # A list item out of any list (a fragment cut from one) goes in a list: in a
            # paragraph it made XHTML and NITF no schema takes (NITF's p holds no li).
            flush()
            if not (blocks and any(blocks[-1] is ul for ul in stray_lists)):
                stray_lists.append(lxml_html.Element("ul"))
                blocks.append(stray_lists[-1])
            blocks[-1].append(node)
        elif node.tag in (
            "p",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "ul",
            "ol",
            "table",
            "pre",
            "hr",
        ):
            flush()
            blocks.append(node)
        else:
            loose.append(node)
        if tail and (tail.strip() or loose):
            # A space between two loose inline elements (``<b>a</b> <i>b</i>``) separates
            # words; one between blocks, or before the first inline, is no text.
            loose.append(tail)

    for node in nodes:
        visit(node)
    flush()
    for block in blocks:  # a container inside a kept block (a list item's div): its text
        for inner in list(block.iter(*CONTAINER_TAGS)):
            if inner.getnext() is not None or (inner.tail and inner.tail.strip()):
                inner.tail = " " + (inner.tail or "")
            inner.drop_tag()
    return blocks


def _table_in_order(table: lxml_html.HtmlElement) -> None:
    """A table's parts in HTML's order, one of each: ``caption``, ``thead``, one ``tbody``
    with every other row (a second ``tbody``, loose ``tr``), ``tfoot``. The formats that
    embed the body as XML (NITF's table takes one ``tbody``, its ``tfoot`` before it)
    can then each write it in their own order, and read it back to the same body."""
    caption, head, foot = (table.find(tag) for tag in ("caption", "thead", "tfoot"))
    body = lxml_html.Element("tbody")
    for child in list(table):
        table.remove(child)
        if child is caption or child is head or child is foot:
            continue
        if child.tag in ("thead", "tbody", "tfoot"):
            body.extend(list(child.iterchildren("tr")))
        elif child.tag == "tr":
            body.append(child)
    table.text = None
    for part in (caption, head, body if len(body) else None, foot):
        if part is not None:
            part.tail = None
            table.append(part)


def canonical_html(fragment: str) -> str:
    """Sanitised, XHTML-serialised body; ``canonical_html(canonical_html(x)) == ...(x)``."""
    parts = []
    for block in _fragments(sanitize(fragment)):
        if block.tag != "hr" and not squash(block.text_content()) and not len(block):
            continue
        for table in list(block.iter("table")):
            _table_in_order(table)
        parts.append(etree.tostring(block, method="xml", encoding="unicode", with_tail=False))
    return "\n".join(parts)


def paragraphs_from_html(fragment: str) -> list[str]:
    """The plain text of each innermost block (paragraph, heading, list item, ...)."""
    out: list[str] = []
    for block in _fragments(fragment):
        inner = [
            el
            for el in block.iter(*BLOCK_TAGS)
            if not any(True for _ in el.iterdescendants(*BLOCK_TAGS))
        ]
        for el in inner or [block]:
            for br in el.iter("br"):  # a line break separates words
                br.tail = " " + (br.tail or "")
            text = squash(el.text_content())
            if text:
                out.append(text)
    return out


def html_from_paragraphs(paragraphs: list[str]) -> str:
    return "\n".join(
        f"<p>{_html.escape(p, quote=False)}</p>" for p in paragraphs if p and not p.isspace()
    )


def make_body(
    *, paragraphs: list[str] | None = None, html: str | None = None
) -> tuple[list[str], str]:
    """(paragraphs, canonical html) from whichever of the two a format carries.

    When both are given the HTML wins for rich text and the paragraphs are derived from
    it, so the two can never disagree. When the HTML is exactly what ``html_from_paragraphs``
    makes of the paragraphs (escaped text in ``<p>``, as newswire itself renders it), it is
    safe and canonical by construction and the sanitiser is skipped: ingest's hot path.
    """
    if html is not None and paragraphs is not None:
        paras = [squash(p) for p in paragraphs if p and not p.isspace()]
        simple = html_from_paragraphs(paras)
        if html == simple or html.strip() == simple:
            return paras, simple
    if html is not None and html.strip():
        clean = canonical_html(html)
        return paragraphs_from_html(clean), clean
    paras = [squash(p) for p in (paragraphs or []) if p and p.strip()]
    return paras, html_from_paragraphs(paras)


def xhtml_elements(fragment: str, namespace: str | None = None) -> list[etree._Element]:
    """A canonical body as XML elements, optionally in ``namespace`` (XHTML, NITF)."""
    if not fragment.strip():
        return []
    wrapper = etree.fromstring(f"<div>{fragment}</div>")
    children = list(wrapper)
    if namespace:
        for el in [wrapper, *wrapper.iterdescendants()]:
            if isinstance(el.tag, str):
                el.tag = f"{{{namespace}}}{etree.QName(el).localname}"
    return children


def xml_to_fragment(elements: list[etree._Element]) -> str:
    """Serialise XML body elements (any namespace) back into an HTML fragment string."""
    parts = []
    for el in elements:
        el = _strip_ns(el)
        parts.append(etree.tostring(el, method="xml", encoding="unicode", with_tail=False))
    return "".join(parts)


def _strip_ns(el: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(el, with_tail=False))
    for node in copy.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(copy)
    return copy
