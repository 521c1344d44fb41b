"""The public HTML pages: an item's teaser, a language's home page, a subject's section,
how to subscribe, and the error pages (withdrawn, not found). Each function returns the
page's bytes.

An item page shows the teaser only (``newswire.text.teaser``: headline, lead and the first
paragraphs up to ``teaser_chars``), never the body, with its subjects (links to their
sections) and the places, people and organisations it names (the source's and those
enrichment found) as plain tags; its metadata (OpenGraph, schema.org ``NewsArticle`` as JSON-LD, whose ``about``,
``mentions`` and ``contentLocation`` are those subjects and tags) says no more than the
page does. Everything from an item is
escaped by the templates; the JSON-LD is JSON with ``<``, ``>`` and ``&`` written as
``\\u003c`` ... so that no ``</script>`` can end its element early.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from markupsafe import Markup

from newswire.access import taxonomy
from newswire.model import Entity, NewsItem, as_utc
from newswire.text.teaser import teaser
from newswire.web import i18n, urls
from newswire.web.i18n import Lang
from newswire.web.public import pictures
from newswire.web.public.site import TEMPLATES, Site
from newswire.web.public.visible import Page, main_subject

GROUP_SIZE = 8
SUMMARY_CHARS = 240
_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")
_OG_LOCALES = {
    "ar": "ar_AR", "en": "en_US", "fa": "fa_IR", "ur": "ur_PK", "he": "he_IL", "zh": "zh_CN",
    "ja": "ja_JP", "ko": "ko_KR", "el": "el_GR", "sv": "sv_SE", "da": "da_DK", "uk": "uk_UA",
    "hi": "hi_IN", "bn": "bn_IN", "cs": "cs_CZ", "sq": "sq_AL", "ku": "ku_TR", "ckb": "ckb_IQ",
    "ms": "ms_MY", "vi": "vi_VN", "nb": "nb_NO", "et": "et_EE", "ca": "ca_ES", "sl": "sl_SI",
    "sr": "sr_RS", "kk": "kk_KZ", "hy": "hy_AM", "ka": "ka_GE", "ps": "ps_AF", "sw": "sw_KE",
    "bs": "bs_BA", "kmr": "ku_TR",
}
"""Open Graph locales (``language_TERRITORY``) of languages whose usual territory is not
their own code doubled (``tr_TR``, ``fr_FR`` are; ``ja_JA``, ``zh_ZH`` are no locales)."""
_JSON_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
_SCHEMA_TYPES = {"place": "Place", "person": "Person", "organisation": "Organization"}
"""The entities a page names, by kind, and their schema.org type."""
_MEDIA_TOPIC = "http://cv.iptc.org/newscodes/mediatopic/"


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: nothing in it can close the
    element or open a comment (``</script>``, ``<!--`` become ``\\u003c/script\\u003e``...)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_JSON_UNSAFE))


def iso(when: datetime | None) -> str:
    return as_utc(when).isoformat().replace("+00:00", "Z") if when else ""


def absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path


def _common(
    site: Site,
    base: str,
    page: Lang,
    path: str | None,
    subject: str = "",
    here: Callable[[str], str] = urls.home_path,
) -> dict[str, Any]:
    """What every page's template uses; its feeds are the language's, or ``subject``'s;
    its language menu links each language's page at ``here`` (its home page, or this
    page's counterpart where every language has one: a subject's section)."""
    codes = list(site.languages)
    if page.code not in codes and page.code != urls.UNDETERMINED:
        codes.append(page.code)
    languages = [
        {
            "code": c,
            "name": i18n.autonym(c),
            "href": here(c),
            "dir": i18n.direction(c),
            # The page's own language: "page" where its link is this very page, else
            # "true", the current one of the set (an item page links the home page).
            "current": ("page" if here(c) == path else "true") if c == page.code else "",
        }
        for c in codes
    ]
    feeds = []
    if page.code != urls.UNDETERMINED:
        topic = f" {taxonomy.label(subject, page.ui)}" if subject else ""
        feeds = [
            {
                "type": f"application/{kind}+xml",
                "href": urls.feed_path(page.code, kind, subject),
                "title": f"{site.name} ({page.code}){topic} {label}",
                "label": label,
            }
            for kind, label in (("rss", "RSS"), ("atom", "Atom"))
        ]
    return {
        "site": site,
        "page": page,
        "ui": page.words,
        "ui_attrs": _ui_attrs(page),
        "home": urls.home_path(page.code),
        "subscribe": urls.subscribe_path(page.ui),
        "languages": languages,
        "canonical": absolute(base, path) if path else "",
        "og_locale": og_locale(page),
        "feeds": feeds,
    }


def _ui_attrs(page: Lang) -> Markup:
    """The ``lang`` and ``dir`` of the elements in the interface's words, where they are
    not the page's language (a German page's English ones); nothing where they are."""
    if page.ui == page.code:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(page.ui, page.ui_dir)


def topic_name(subject: str, page: Lang) -> tuple[str, Markup]:
    """A Media Topic's name on ``page`` and the attributes of the element that shows it
    (in place of ``ui_attrs``). The vocabulary names topics in Arabic and English only,
    so a French or Persian page (an Arabic one too, for the few topics IPTC gives no
    Arabic name) shows the English one: marked ``lang="en"`` for a screen reader to say
    it in English, and ``dir="ltr"`` on a right-to-left page, where it would otherwise be
    laid out right to left ("drama (theatre)" shown as "(drama (theatre")."""
    name, said = taxonomy.labelled(subject, page.ui)
    if said == page.ui:
        return name, _ui_attrs(page)
    attrs = Markup(' lang="{}"').format(said)
    if i18n.direction(said) != page.dir:
        attrs += Markup(' dir="{}"').format(i18n.direction(said))
    return name, attrs


def og_locale(page: Lang) -> str:
    """``og:locale`` of a page: the tag's own territory (``pt-BR`` -> ``pt_BR``; Arabic is
    ``ar_AR`` whatever the country, the one Arabic locale Facebook knows), else the
    language's usual one; ``""`` for no language."""
    if page.code in i18n.UNKNOWN:
        return ""
    subtags = page.tag.replace("_", "-").split("-")[1:]
    region = next((t.upper() for t in subtags if len(t) == 2 and t.isalpha()), "")
    if page.code == "zh" and not region and "hant" in (t.lower() for t in subtags):
        region = "TW"
    if region and page.code != "ar":
        return f"{page.code}_{region}"
    return _OG_LOCALES.get(page.code, f"{page.code}_{page.code.upper()}")


def _render(name: str, context: dict[str, Any]) -> bytes:
    return TEMPLATES[name].render(context).encode("utf-8")


def summary(item: NewsItem, chars: int = SUMMARY_CHARS) -> str:
    """The lead, or else the start of the teaser: what a list shows under a headline."""
    if item.lead:
        return item.lead
    paragraphs = teaser(item, chars).body
    return paragraphs[0] if paragraphs else ""


def item_page(
    site: Site, base: str, item: NewsItem, key: bytes = b"", day: int = 0,
    picture: NewsItem | None = None,
) -> bytes:
    """An item's teaser page (``item`` dated as the public got it: ``visible.as_published``);
    with the preview of ``picture`` (the story's first picture the public may see) or, for
    a picture or video item, its own, through links signed with ``key`` for the window
    ``day`` (``newswire.web.public.pictures``)."""
    page = i18n.lang(item.language)
    path = urls.item_path(item)
    canonical = absolute(base, path)
    short = teaser(item, site.teaser_chars)
    paragraphs = short.body
    description = item.lead or (paragraphs[0] if paragraphs else "") or item.headline
    published = as_utc(item.firstcreated) if item.firstcreated else None
    when = item.versioncreated or item.firstcreated
    if when and published and as_utc(when) < published:  # public only since its embargo lift
        when = published
    subjects: list[dict[str, Any]] = []
    for concept in item.subjects:
        # A Media Topic's name is IPTC's, in Arabic or English, and says which (``topic_name``);
        # a source's own name for a subject is taken as written in the item's language,
        # the page's own.
        name, attrs = topic_name(concept.code or concept.uri, page)
        if not name:
            name, attrs = concept.name, Markup("")
        if name and name not in (s["label"] for s in subjects):
            code = taxonomy.qcode(concept.code)
            href = urls.section_path(urls.lang_code(item), code) if taxonomy.known(code) else ""
            subjects.append({"label": name, "code": code, "href": href, "attrs": attrs})
    dateline = item.dateline.text or item.dateline.place if item.dateline else ""
    named = [e for e in item.entities if e.kind in _SCHEMA_TYPES and e.name]
    tags: list[dict[str, str]] = []
    for entity in named:
        if entity.name not in (t["name"] for t in tags):
            tags.append({"name": entity.name, "kind": entity.kind})
    author: dict[str, str] = (
        {"@type": "Person", "name": item.byline}
        if item.byline
        else {"@type": "Organization", "name": item.provider or site.name}
    )
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.headline or item.description,
        "description": description,
        "url": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "datePublished": iso(published),
        "dateModified": iso(when),
        "author": author,
        "publisher": {"@type": "Organization", "name": site.name, "url": base},
    }
    # An item in no declared language (a picture taken in with no caption, its language
    # undecided) is not in the language of the page around it: say none rather than that.
    if item.language:
        ld["inLanguage"] = item.language
    for empty in [k for k in ("headline", "description") if not ld[k]]:
        del ld[empty]  # an empty text is no headline (schema.org, search engines)
    if dateline:
        ld["dateline"] = dateline
    if subjects:
        ld["articleSection"] = [s["label"] for s in subjects]
    about = [entity_ld(e) for e in named if e.rel == "about"] + [
        {"@type": "Thing", "name": s["label"], "sameAs": _MEDIA_TOPIC + s["code"].removeprefix("medtop:")}
        for s in subjects
        if s["code"]
    ]
    if about:
        ld["about"] = about
    if mentions := [entity_ld(e) for e in named if e.rel != "about"]:
        ld["mentions"] = mentions
    if located := [entity_ld(e) for e in named if e.kind == "place" and e.rel == "located"]:
        ld["contentLocation"] = located[0]
    if item.keywords:
        ld["keywords"] = list(item.keywords)
    shown = picture or (item if pictures.has_media(item) else None)
    figure = pictures.figure(key, day, short if shown is item else shown) if shown else None
    if figure is not None and shown is not None:
        ld = _media_ld(ld, base, shown, figure) if shown is item else ld
        if shown is not item and figure["video"]:
            ld["video"] = _video_ld(base, shown, figure)
        elif shown is not item:
            ld["image"] = _image_ld(base, figure)
    context = _common(site, base, page, path)
    context.update(
        item=short,
        paragraphs=paragraphs,
        description=description,
        subjects=subjects,
        tags=tags,
        dateline=dateline,
        date=i18n.moment(when, page.ui, site.zone) if when else "",
        hijri=i18n.hijri(when, site.zone) if when and page.ui == "ar" else "",
        published_iso=iso(published),
        modified_iso=iso(when),
        jsonld=json_ld(ld),
        figure=figure,
        # A video's still, never the clip itself: a page preview shows an image.
        image=_still(base, figure),
        own_media=shown is item,
    )
    return _render("item", context)


def entity_ld(entity: Entity) -> dict[str, Any]:
    """A place (with its coordinates and country when known), person or organisation as
    schema.org JSON-LD; its id as ``sameAs`` when a URL (GeoNames), else ``identifier``."""
    ld: dict[str, Any] = {"@type": _SCHEMA_TYPES[entity.kind], "name": entity.name}
    if entity.id.startswith(("https://", "http://")):
        ld["sameAs"] = entity.id
    elif entity.id:
        ld["identifier"] = entity.id
    if entity.kind == "place" and entity.latitude is not None and entity.longitude is not None:
        ld["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": entity.latitude,
            "longitude": entity.longitude,
        }
    if entity.kind == "place" and entity.country:
        ld["address"] = {"@type": "PostalAddress", "addressCountry": entity.country}
    return ld


def _image_ld(base: str, figure: dict[str, Any]) -> dict[str, Any]:
    ld: dict[str, Any] = {
        "@type": "ImageObject",
        "contentUrl": absolute(base, figure["src"]),
        "url": absolute(base, figure["src"]),
    }
    if figure["width"] and figure["height"]:
        ld.update(width=figure["width"], height=figure["height"])
    if figure["caption"]:
        ld["caption"] = figure["caption"]
    if figure["credit"]:
        ld["creditText"] = figure["credit"]
    return ld


def _still(base: str, figure: dict[str, Any] | None) -> str:
    if figure is None or (figure["video"] and not figure["poster"]):
        return ""
    return absolute(base, figure["poster"] or figure["src"])


def _video_ld(base: str, item: NewsItem, figure: dict[str, Any]) -> dict[str, Any]:
    """A story's video as schema.org's ``VideoObject``: what the page plays of it."""
    ld: dict[str, Any] = {"@type": "VideoObject", "contentUrl": absolute(base, figure["src"])}
    if name := item.headline or item.description:
        ld.update(name=name, description=item.description or item.headline)
    if figure["poster"]:
        ld["thumbnailUrl"] = absolute(base, figure["poster"])
    if item.firstcreated:
        ld["uploadDate"] = iso(item.firstcreated)
    if figure["duration"]:
        ld["duration"] = f"PT{figure['duration']:.0f}S"
    if figure["credit"]:
        ld["creditText"] = figure["credit"]
    return ld


def _media_ld(article: dict[str, Any], base: str, item: NewsItem, figure: dict[str, Any]) -> dict[str, Any]:
    """A picture's (``ImageObject``) or a video's (``VideoObject``) JSON-LD: what the page
    shows of it, the preview (never the original)."""
    ld = {k: v for k, v in article.items() if k not in ("@type", "dateline", "articleSection")}
    if name := item.headline or item.description:
        ld["name"] = name
    if item.byline:
        ld["creator"] = {"@type": "Person", "name": item.byline}
    if item.contentcreated:
        ld["dateCreated"] = iso(item.contentcreated)
    if not figure["video"]:
        ld.update(_image_ld(base, figure))
        return ld
    ld["@type"] = "VideoObject"
    ld["description"] = item.description or item.headline
    ld["contentUrl"] = absolute(base, figure["src"])
    ld["uploadDate"] = ld["datePublished"]
    if figure["poster"]:
        ld["thumbnailUrl"] = absolute(base, figure["poster"])
    if figure["duration"]:
        ld["duration"] = f"PT{figure['duration']:.0f}S"
    if figure["credit"]:
        ld["creditText"] = figure["credit"]
    return ld


def home_page(
    site: Site, base: str, code: str, items: list[NewsItem], key: bytes = b"", day: int = 0
) -> bytes:
    """The latest teasers of a language (``visible.listing``'s: dated as the public got
    them), grouped by top-level Media Topic (at most
    ``GROUP_SIZE`` each; items without a topic under "more news"), groups in the order of
    their latest item; a picture or video item with its thumbnail (links signed with
    ``key`` for the window ``day``)."""
    page = i18n.lang(code)
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        subject = main_subject(item)
        group = groups.get(subject)
        if group is None:
            if subject:
                label, attrs = topic_name(subject, page)
            else:
                label, attrs = page.words["other"], _ui_attrs(page)
            group = groups[subject] = {
                "code": subject,
                "label": label,
                "attrs": attrs,
                "feed": urls.feed_path(code, "rss", subject) if subject else "",
                "href": urls.section_path(code, subject) if subject else "",
                "entries": [],
            }
        if subject and len(group["entries"]) >= GROUP_SIZE:
            continue  # a subject shows its latest; "more news" all the rest
        group["entries"].append(_entry(site, page, code, item, key, day))
    # The first picture of the page, in the order the groups show them (not the order of
    # the items: a later item's group may come first), is fetched at once.
    _eager_first([e for g in groups.values() for e in g["entries"]])
    context = _common(site, base, page, urls.home_path(code))
    context["groups"] = list(groups.values())
    return _render("home", context)


def section_page(
    site: Site,
    base: str,
    code: str,
    subject: str,
    found: Page,
    before: int | None = None,
    key: bytes = b"",
    day: int = 0,
) -> bytes:
    """A language's section of Media Topic ``subject``: a page of the teasers of it and
    of the topics under it (``visible.paged``'s: the latest, or those below ``before``),
    as the home page shows them, headed by the topic's name, with its feeds and the
    subscription notice; its language menu links the same section in each language.
    When there are older ones, a link to their page (``rel="next"``, in the head too); an
    older page links the first one too (not as ``prev``: which page came before it is not
    known, the cursors only go down) and is its own canonical address."""
    page = i18n.lang(code)
    entries = [_entry(site, page, code, item, key, day) for item in found.items]
    _eager_first(entries)
    path = urls.section_path(code, subject, before)
    context = _common(site, base, page, path, subject, lambda c: urls.section_path(c, subject))
    label, label_attrs = topic_name(subject, page)
    context.update(
        code=taxonomy.qcode(subject),
        label=label,
        label_attrs=label_attrs,
        entries=entries,
        older=urls.section_path(code, subject, found.older) if found.older else "",
        newest=urls.section_path(code, subject) if before is not None else "",
    )
    return _render("section", context)


def _entry(
    site: Site, page: Lang, code: str, item: NewsItem, key: bytes, day: int
) -> dict[str, Any]:
    """An item's teaser in a list (``public_teasers.html``), with its thumbnail through a
    link signed with ``key`` for the window ``day`` (none without a key)."""
    when = item.versioncreated or item.firstcreated
    return {
        "href": urls.item_path(item),
        "headline": item.headline or item.id,
        "summary": summary(item),
        "lang": item.language or code,
        "dir": i18n.text_dir(item.language),
        "date": i18n.gregorian(when, page.ui, site.zone) if when else "",
        "hijri": i18n.hijri(when, site.zone) if when and page.ui == "ar" else "",
        "iso": iso(when),
        "thumb": pictures.thumbnail(key, day, item) if key else None,
        "lazy": True,
    }


def _eager_first(entries: list[dict[str, Any]]) -> None:
    """The first picture of a page (``entries`` in the order it shows them) is fetched at
    once, the others when scrolled to."""
    first = next((e for e in entries if e["thumb"]), None)
    if first is not None:
        first["lazy"] = False


def subscribe_page(site: Site, base: str, code: str) -> bytes:
    page = i18n.lang(code)
    contact = site.contact.strip()
    href = ""
    if contact.startswith(("https://", "http://")):
        href = contact
    elif _EMAIL.fullmatch(contact):
        href = f"mailto:{contact}"
    context = _common(site, base, page, urls.subscribe_path(page.ui))
    context.update(contact=contact, contact_href=href)
    return _render("subscribe", context)


def message_page(site: Site, base: str, code: str, kind: str) -> bytes:
    """``gone`` (a withdrawn item: nothing of it is shown) or ``missing`` (404)."""
    page = i18n.lang(code)
    words = page.words
    prefix = "withdrawn" if kind == "gone" else "not_found"
    context = _common(site, base, page, None)
    context.update(heading=words[f"{prefix}_title"], text=words[f"{prefix}_text"])
    return _render("message", context)
