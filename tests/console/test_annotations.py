"""What the machine added to an item, in the console: its places, people, organisations
and subjects shown, each marked as the machine's or the source's/editor's; an editor
takes some off and adds their own, a new version; what they took off stays off, through
``newswire enrich`` too, even when they take off every machine annotation of a kind."""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Iterator

import pytest

from newswire.enrich.pipeline import key
from newswire.model import MACHINE, NewsItem
from newswire.store import open_store
from tests.conftest import BACKENDS, SEED, fresh_database, use_backend
from tests.console.conftest import Desk, _desk, cli, console_path, csrf_of, post_form
from tests.console.test_media import upload
from tests.media.conftest import media_tools  # noqa: F401  (the tools, installed if missing)
from tests.media.files import picture

SEED_TEXT = SEED.read_text(encoding="utf-8")
GAZA = "https://sws.geonames.org/281133/"  # غزة, as the gazetteer names it
RAFAH = "https://sws.geonames.org/281102/"  # رفح
SPORT = "medtop:15000000"


@pytest.fixture(scope="module", params=BACKENDS)
def desk(request, tmp_path_factory) -> Iterator[Desk]:
    """A desk of its own (the package's has the seed item already), enrichment on: the
    server's default runs every step."""
    with fresh_database(use_backend(request), tmp_path_factory.mktemp("annotate")) as db:
        yield from _desk(db)


def stored(desk: Desk, item_id: str) -> NewsItem:
    store = open_store(desk.db, create=False)
    try:
        return store.get(item_id).item
    finally:
        store.close()


def publish_seed(desk: Desk, c) -> str:
    """The seed item published from the console: its id."""
    answer = post_form(c, "/console/items", {"action": "publish", "text": SEED_TEXT})
    if answer.status_code == 409:  # published by an earlier test of this module
        return re.search(r'href="/console/items/([^"?]+)"', answer.text).group(1)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("/console/items/")[1].split("?")[0]


def remove_boxes(html: str) -> dict[str, str]:
    """The edit form's ``remove_{n}`` boxes: their key by name."""
    found = re.findall(r'name="(remove_\d+)" value="([^"]+)"', html)
    return {name: html_text.unescape(value) for name, value in found}


def edit_form(c, item_id: str) -> tuple[str, dict[str, str]]:
    """The edit page and the form it holds, as a browser would send it unchanged."""
    page = c.get(console_path(item_id) + "/edit", params={"signal": "update"})
    assert page.status_code == 200, page.text
    html = page.text
    form = {"csrf": csrf_of(html), "signal": "update"}
    for name in ("headline", "dateline", "subjects"):
        form[name] = re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
    for name in ("lead", "body"):
        found = re.search(rf'name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
        form[name] = found.group(1)
    form.update({name: "on" for name in re.findall(r'name="(topic_\d+)" value="on" checked', html)})
    form = {k: html_text.unescape(v) for k, v in form.items()}
    form["language"] = "ar"
    return html, form


def test_the_item_page_shows_what_the_machine_added(desk: Desk):
    with desk.login() as c:
        item_id = publish_seed(desk, c)
        item = stored(desk, item_id)
        places = [e for e in item.entities if e.kind == "place"]
        assert GAZA in [e.id for e in places]
        assert all(e.creator == MACHINE for e in places)
        assert item.subjects and all(s.creator == MACHINE for s in item.subjects)
        page = c.get(console_path(item_id))
        assert page.status_code == 200, page.text
        html = page.text
        section = html[html.index('id="annotations"') :]
        assert "الأماكن" in section and "غزة" in section and "أنقرة" in section
        assert "أضافته الآلة، بثقة 90٪" in section  # each with its confidence
        assert "الموضوعات" in section and "medtop:11000000" in section
        english = c.get(console_path(item_id), params={"lang": "en"}).text
        assert "added by the machine, 90% sure" in english and "Places" in english
        # The edit form lists them too, each with a "remove" box carrying its key.
        html, _ = edit_form(c, item_id)
        boxes = remove_boxes(html)
        assert GAZA in boxes.values()
        assert {s.code for s in item.subjects} <= set(boxes.values())
        # The machine's subjects are not ticked as the editor's own.
        assert not re.search(r'name="topic_11000000" value="on" checked', html)


def test_an_editor_removes_a_place_and_adds_a_subject_and_it_sticks(desk: Desk):
    with desk.login() as c:
        item_id = publish_seed(desk, c)
        before = stored(desk, item_id)
        html, form = edit_form(c, item_id)
        boxes = remove_boxes(html)
        gaza = next(name for name, value in boxes.items() if value == GAZA)
        form.update(
            {
                gaza: GAZA,
                "topic_15000000": "on",
                "add_person": "أحمد  يوسف\n\n",
                "add_organisation": "الجامعة العربية",
            }
        )
        form["action"] = "publish"
        answer = c.post(console_path(item_id) + "/edit", data=form)
        assert answer.status_code == 303, answer.text
        item = stored(desk, item_id)
        assert item.version == before.version + 1
        assert GAZA not in [e.id for e in item.entities]
        assert GAZA in item.rejected
        assert [(s.code, s.creator) for s in item.subjects] == [(SPORT, "")]
        # The places the editor left on are still the machine's.
        others = [e for e in item.entities if e.kind == "place"]
        assert others and all(e.creator == MACHINE for e in others)
        added = [e for e in item.entities if e.kind == "person" and e.creator != MACHINE]
        assert [(e.name, e.creator, e.id) for e in added] == [("أحمد يوسف", "", "")]
        # A name the vocabulary knows is given its id, and stays the editor's.
        league = [e for e in item.entities if e.kind == "organisation" and e.creator != MACHINE]
        assert [(e.name, e.id) for e in league] == [("الجامعة العربية", "nwv:arab-league")]
        # The page says so: the editor's subject and person, not the machine's.
        page = c.get(console_path(item_id)).text
        section = page[page.index('id="annotations"') :]
        assert "أحمد يوسف" in section and "من المصدر أو المحرر" in section
        assert "غزة" not in section
    # Enrichment run again over the item does not put the place back.
    cli(desk.db, "enrich", item_id)
    again = stored(desk, item_id)
    assert GAZA not in [e.id for e in again.entities] and GAZA in again.rejected
    assert [s.code for s in again.subjects] == [SPORT]


def test_removing_every_machine_place_sticks(desk: Desk):
    with desk.login() as c:
        item_id = publish_seed(desk, c)
        before = stored(desk, item_id)
        machine = [key(e) for e in before.entities if e.kind == "place" and e.creator == MACHINE]
        assert machine
        html, form = edit_form(c, item_id)
        for name, value in remove_boxes(html).items():
            if value in machine:
                form[name] = value
        form["action"] = "publish"
        answer = c.post(console_path(item_id) + "/edit", data=form)
        assert answer.status_code == 303, answer.text
        item = stored(desk, item_id)
        assert [e for e in item.entities if e.kind == "place"] == []
        assert set(machine) <= set(item.rejected)
    cli(desk.db, "enrich", item_id)
    again = stored(desk, item_id)
    assert [e for e in again.entities if e.kind == "place"] == []


def test_a_name_too_long_is_refused_beside_its_field(desk: Desk):
    with desk.login() as c:
        item_id = publish_seed(desk, c)
        before = stored(desk, item_id)
        _, form = edit_form(c, item_id)
        form.update({"action": "publish", "add_place": "م" * 201, "add_person": "<b>x</b>"})
        answer = c.post(console_path(item_id) + "/edit", data=form)
        assert answer.status_code == 400, answer.text
        assert 'id="err-add_place"' in answer.text and "200" in answer.text
        assert "&lt;b&gt;x&lt;/b&gt;" in answer.text  # what was typed, escaped
        assert stored(desk, item_id).version == before.version


def test_the_same_story_again_links_to_the_first_and_the_link_comes_off(desk: Desk):
    with desk.login() as c:
        first = publish_seed(desk, c)
        lines = SEED_TEXT.splitlines()
        again = "\n".join(["رئيس الاستخبارات التركية يلتقي وفد حماس", *lines[1:]])
        answer = post_form(c, "/console/items", {"action": "publish", "text": again})
        assert answer.status_code == 303, answer.text
        second = answer.headers["location"].split("/console/items/")[1].split("?")[0]
        item = stored(desk, second)
        links = [a for a in item.associations if a.creator == MACHINE and a.type == "text"]
        assert [a.id for a in links] == [first]
        page = c.get(console_path(second)).text
        section = page[page.index('id="annotations-threads"') :]
        assert f'href="{console_path(first)}"' in section
        assert 'id="later-in-story"' not in page  # nothing links to the later one
        # The first one's page lists the later one, which links to it.
        page = c.get(console_path(first)).text
        later = page[page.index('id="later-in-story"') :]
        assert f'href="{console_path(second)}"' in later.split("</ul>")[0]
        assert "رئيس الاستخبارات التركية يلتقي وفد حماس" in later.split("</ul>")[0]
        html, form = edit_form(c, second)
        name = next(n for n, v in remove_boxes(html).items() if v == first)
        form.update({name: first, "action": "publish"})
        answer = c.post(console_path(second) + "/edit", data=form)
        assert answer.status_code == 303, answer.text
        item = stored(desk, second)
        assert first not in [a.id for a in item.associations] and first in item.rejected
        assert 'id="later-in-story"' not in c.get(console_path(first)).text


@pytest.mark.usefixtures("media_tools")
def test_a_pictures_places_come_off_on_its_caption_page(desk: Desk, tmp_path):
    caption = "أطفال فلسطينيون في مدينة غزة ينتظرون المساعدات الإنسانية"
    with desk.login() as c:
        done = upload(
            c,
            picture(tmp_path / "gaza.jpg", 90, 60),
            {
                "headline": "انتظار المساعدات في غزة",
                "caption": caption,
                "language": "ar",
            },
        )
        assert done.status_code == 303, done.text
        item_id = done.headers["location"].split("?")[0].removeprefix("/console/items/")
        assert GAZA in [e.id for e in stored(desk, item_id).entities]
        path = console_path(item_id) + "/caption"
        html = c.get(path, params={"signal": "update"}).text
        name = next(n for n, v in remove_boxes(html).items() if v == GAZA)
        form = {
            "csrf": csrf_of(html),
            "signal": "update",
            "headline": "انتظار المساعدات في غزة",
            "caption": caption,
            "language": "ar",
            name: GAZA,
            "add_place": "رفح",
        }
        answer = c.post(path, data=form)
        assert answer.status_code == 303, answer.text
        item = stored(desk, item_id)
        assert GAZA not in [e.id for e in item.entities] and GAZA in item.rejected
        rafah = [e for e in item.entities if e.kind == "place" and e.name == "رفح"]
        # The editor's, named by name: given the gazetteer's id and coordinates.
        assert [(e.creator, e.id, e.country) for e in rafah] == [("", RAFAH, "PS")]
        assert rafah[0].latitude is not None
