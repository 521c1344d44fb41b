"""The editors' console over real HTTP: who may use it, preview, publish, update, correct,
withdraw, each checked through the API and the public site."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

from newswire.formats.text import CODEC
from tests.conftest import SEED
from tests.console.conftest import (
    EDITOR,
    OPERATOR,
    PASSWORD,
    READER,
    Desk,
    api_path,
    console_path,
    csrf_of,
    post_form,
    public_path,
)

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_ITEM = CODEC.parse(SEED.read_bytes())[0]
FIRST = SEED_ITEM.body[0]
LAST = SEED_ITEM.body[-1]
"""The last paragraph of the seed's body: never in a teaser, always in the full text."""


def pane(html: str, name: str) -> str:
    """One preview pane's HTML: ``public`` (the teaser) or ``full`` (subscribers')."""
    start = html.index(f'id="preview-{name}"')
    end = html.index('id="preview-full"') if name == "public" else html.index('id="item-form"')
    return html[start:end]


def composed(headline: str, paragraphs: list[str], **more) -> dict:
    return {
        "headline": headline,
        "lead": "",
        "dateline": "القدس/ الأناضول",
        "body": "\n".join(paragraphs),
        **more,
    }


PARAGRAPHS = [
    "قال مسؤولون في وزارة الصحة إن فرق الإغاثة وصلت إلى المناطق المتضررة في شمال البلاد.",
    "وأضافوا أن عمليات توزيع المساعدات الإنسانية ستستمر خلال الأيام المقبلة رغم صعوبة الطرق.",
    "وفي الختام أكد المتحدث أن العمل مستمر حتى وصول المساعدات إلى كل القرى.",
]


# --- who may use it -------------------------------------------------------------------------


def test_no_login_is_sent_to_the_login_page(desk: Desk):
    with desk.browser() as c:
        for path in ("/console", "/console/items/urn:x:1", "/console/items/urn:x:1/edit"):
            answer = c.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/login?next=" + quote(path, safe="/"), path
        answer = c.post("/console/items", data={"action": "preview", "text": SEED_TEXT})
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=/console")


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page(desk: Desk):
    # The form's own path answers no GET: after logging in again the editor must land on
    # the page the form was on (a 405 problem or a 404 page before), never another site.
    page = console_path("urn:x:1")
    with desk.login() as c:
        token = csrf_of(c.get("/console").text)
        assert c.post("/logout", data={"csrf": token}).status_code == 303
        for path, referer, back in (
            ("/console/items", f"{desk.server.url}/console?lang=en", "/console?lang=en"),
            (f"{page}/withdraw", f"{desk.server.url}{page}", page),
            (f"{page}/withdraw", "https://elsewhere.example/console", f"{page}/withdraw"),
            ("/console/items", "", "/console/items"),
        ):
            headers = {"Referer": referer} if referer else {}
            data = {"csrf": token, "reason": "r", "action": "publish"}
            answer = c.post(path, data=data, headers=headers)
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/login?next=" + quote(back, safe="/"), path
        form = c.get("/login", params={"next": "/console?lang=en"})
        login = {"csrf": csrf_of(form.text), "email": EDITOR, "password": PASSWORD}
        done = c.post("/login", data={**login, "next": "/console?lang=en"})
        assert done.headers["location"] == "/console?lang=en"
        assert c.get(done.headers["location"]).status_code == 200


def test_a_subscriber_account_is_forbidden(desk: Desk):
    with desk.login(READER) as c:
        page = c.get("/console")
        assert page.status_code == 403
        assert '<html lang="ar" dir="rtl">' in page.text
        # Why, as the API says it: an English sentence on an Arabic page, marked English.
        assert re.search(r'<p class="error" dir="auto" lang="en">[^<]*[a-z]', page.text)
        assert 'name="text"' not in page.text  # no form, no list
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # logout form
        posted = c.post(
            "/console/items", data={"csrf": token, "action": "publish", "text": SEED_TEXT}
        )
        assert posted.status_code == 403
    with desk.api() as api:
        assert api.get(api_path(SEED_ITEM.id)).status_code == 404


def test_an_operator_may_use_the_console(desk: Desk):
    with desk.login(OPERATOR) as c:
        assert c.get("/console").status_code == 200


def test_the_interface_is_arabic_first_and_english_when_asked(desk: Desk):
    with desk.login() as c:
        arabic = c.get("/console")
        assert '<html lang="ar" dir="rtl">' in arabic.text
        assert "لوحة التحرير" in arabic.text and "UTC" in arabic.text
        english = c.get("/console", params={"lang": "en"})
        assert '<html lang="en" dir="ltr">' in english.text and "Editor console" in english.text
        assert "In UTC time; it is" in english.text  # the deployment's zone, named


def test_an_unknown_item_is_a_404_page_in_the_editors_language(desk: Desk):
    """The store's "no item 'x'" is English for the API: an editor reads their own."""
    with desk.login() as c:
        for path in (console_path("urn:test:nothing"), console_path("urn:test:nothing") + "/edit"):
            arabic = c.get(path)
            assert arabic.status_code == 404 and '<html lang="ar" dir="rtl">' in arabic.text
            assert "لا يوجد خبر بهذا المعرّف" in arabic.text
            assert "no item" not in arabic.text
        english = c.get(console_path("urn:test:nothing"), params={"lang": "en"})
        assert english.status_code == 404 and "There is no item with this id" in english.text


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.h1 = 0
        self.landmarks: set[str] = set()
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.controls.append(a.get("id") or f"<{tag} name={a.get('name')}> without id")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        if tag == "h1":
            self.h1 += 1
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.add(tag)
        if tag == "a" and a.get("class") == "skip" and a.get("href") == "#main":
            self.skip = True


def test_every_control_has_a_label_and_the_page_has_landmarks(desk: Desk):
    with desk.login() as c:
        for page in (c.get("/console"), post_form(c, "/console/items", {"action": "preview"})):
            found = _Labels()
            found.feed(page.text)
            assert found.controls, "no form controls"
            assert [i for i in found.controls if i not in found.labelled] == []
            assert found.h1 == 1 and found.skip
            assert found.landmarks == {"header", "nav", "main", "footer"}


# --- preview and publish ----------------------------------------------------------------------


def test_preview_then_publish_the_pasted_seed(desk: Desk):
    with desk.login() as c:
        before = desk.item_count()
        preview = post_form(c, "/console/items", {"action": "preview", "text": SEED_TEXT})
        assert preview.status_code == 200, preview.text
        public, full = pane(preview.text, "public"), pane(preview.text, "full")
        assert SEED_ITEM.headline in public and FIRST in public
        assert LAST not in public  # the teaser never carries the whole body
        assert "نظام تدفق الأخبار" in public  # the public site's subscription notice
        assert LAST in full and FIRST in full
        assert SEED_ITEM.id in preview.text
        assert SEED_ITEM.headline in preview.text.split('id="item-form"', 1)[1]  # still filled
        assert desk.item_count() == before  # nothing stored
        with desk.api() as api:
            assert api.get(api_path(SEED_ITEM.id)).status_code == 404

        published = post_form(c, "/console/items", {"action": "publish", "text": SEED_TEXT})
        assert published.status_code == 303, published.text
        assert published.headers["location"] == console_path(SEED_ITEM.id) + "?stored=1"
        page = c.get(published.headers["location"])
        assert page.status_code == 200
        assert SEED_ITEM.id in page.text and LAST in page.text
        seq = desk.item_count()  # one version stored: its sequence is the count here
        assert desk.item_count() == before + 1
        assert re.search(rf"(النسخة|Version) 1 .*\({'رقم التسلسل'} {seq}\)", page.text)
        assert f'href="{public_path(SEED_ITEM.id)}"' in page.text
        assert api_path(SEED_ITEM.id) in page.text
        with desk.api() as api:
            stored = api.get(api_path(SEED_ITEM.id))
            assert stored.status_code == 200
            doc = stored.json()
            assert doc["headlines"][0]["value"] == SEED_ITEM.headline and doc["language"] == "ar"
        with desk.browser() as public_site:
            assert public_site.get(public_path(SEED_ITEM.id)).status_code == 200
        listed = c.get("/console").text
        assert console_path(SEED_ITEM.id) in listed

        # The same item again is not a new item: it is updated from its page.
        again = post_form(c, "/console/items", {"action": "publish", "text": SEED_TEXT})
        assert again.status_code == 409
        assert f'href="{console_path(SEED_ITEM.id)}"' in again.text
        assert desk.item_count() == before + 1


def test_compose_with_urgency_subjects_and_an_embargo(desk: Desk):
    lift = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    form = composed(
        "زلزال قوي يضرب شمال البلاد",
        PARAGRAPHS,
        lead="شعر السكان بهزة قوية فجر اليوم.",
        urgency="1",
        embargo=lift.strftime("%Y-%m-%dT%H:%M:%S"),
        topic_11000000="on",
        subjects="medtop:20000574, 06000000",
        action="publish",
    )
    with desk.login() as c:
        published = post_form(c, "/console/items", form)
        assert published.status_code == 303, published.text
        href = published.headers["location"]
        page = c.get(href)
        item_id = re.search(r'<code dir="ltr">([^<]+)</code>', page.text).group(1)
        assert href == console_path(item_id) + "?stored=1"
        assert (
            'id="public-state"' in page.text
            and "404" in page.text.split('id="public-state"')[1][:400]
        )
        listed = c.get("/console").text
        row = listed.split(f'data-id="{item_id}"', 1)[1].split("</li>", 1)[0]
        assert 'class="badge embargoed"' in row and lift.strftime("%Y-%m-%d %H:%M") in row
        assert 'class="badge flash"' in row
    with desk.api() as api:
        doc = api.get(api_path(item_id), params={"format": "ninjs"}).json()
    assert doc["urgency"] == 1
    assert doc["embargoedUntil"] == lift.isoformat() + "Z"
    assert [s["literal"] for s in doc["subjects"]] == [
        "medtop:11000000",
        "medtop:20000574",
        "medtop:06000000",
    ]
    assert doc["language"] == "ar" and doc["located"] == "القدس"
    assert doc["descriptions"][0]["value"] == "شعر السكان بهزة قوية فجر اليوم."
    with desk.browser() as public_site:
        assert public_site.get(public_path(item_id)).status_code == 404  # until the lift


# --- update, correct, withdraw ------------------------------------------------------------------


def _versions(desk: Desk, item_id: str) -> list[dict]:
    with desk.api() as api:
        answer = api.get(api_path(item_id) + "/versions")
    assert answer.status_code == 200, answer.text
    return answer.json()["versions"]


def based_on(html: str) -> str:
    found = re.search(r'name="based_on" value="(\d*)"', html)
    assert found, "no based_on field in the form"
    return found.group(1)


def test_two_editors_updating_one_item_the_second_is_told_before_undoing_the_first(desk: Desk):
    """Two editors open the same item's form; the first stores an update. The second's
    form, made from the version before it, is refused (409) with its text kept and the
    latest version named, so the first's change is not silently undone; pressed again,
    after comparing, it is stored as it stands."""
    with desk.login() as first, desk.login() as second:
        made = post_form(
            first, "/console/items", {**composed("اجتماع وزراء الخارجية", PARAGRAPHS), "action": "publish"}
        )
        assert made.status_code == 303, made.text
        item_id = re.search(r'<code dir="ltr">([^<]+)</code>', first.get(made.headers["location"]).text).group(1)
        item = console_path(item_id)
        seen_first = first.get(f"{item}/edit").text
        seen_second = second.get(f"{item}/edit").text
        assert based_on(seen_first) == based_on(seen_second) == "1"

        mine = composed("اجتماع وزراء الخارجية في أنقرة", PARAGRAPHS, signal="update", based_on="1")
        stored = post_form(first, f"{item}/edit", {**mine, "action": "publish"}, page=f"{item}/edit")
        assert stored.status_code == 303, stored.text

        fixed = [PARAGRAPHS[0].replace("الصحة", "الداخلية"), *PARAGRAPHS[1:]]
        theirs = composed("اجتماع وزراء الخارجية", fixed, signal="correction", based_on="1")
        for action in ("preview", "publish"):
            refused = post_form(second, f"{item}/edit", {**theirs, "action": action}, page=f"{item}/edit")
            assert refused.status_code == 409, refused.text
            assert 'id="err-based_on"' in refused.text and "النسخة 2" in refused.text
            assert based_on(refused.text) == "2"  # compared, pressed again: stored as it is
            assert "الداخلية" in refused.text  # the second editor's text is kept
        assert [v["version"] for v in _versions(desk, item_id)] == [1, 2]

        again = post_form(
            second, f"{item}/edit", {**theirs, "based_on": "2", "action": "publish"}, page=f"{item}/edit"
        )
        assert again.status_code == 303, again.text
        versions = _versions(desk, item_id)
        assert [(v["version"], v["signal"]) for v in versions] == [(1, None), (2, "update"), (3, "correction")]


def test_update_correct_then_withdraw(desk: Desk):
    with desk.login() as c:
        made = post_form(
            c, "/console/items", {**composed("وصول قوافل الإغاثة", PARAGRAPHS), "action": "publish"}
        )
        assert made.status_code == 303, made.text
        page = c.get(made.headers["location"]).text
        item_id = re.search(r'<code dir="ltr">([^<]+)</code>', page).group(1)
        item = console_path(item_id)
        assert f'href="{item}/edit?signal=update">حدّث الخبر</a>' in page
        assert f'href="{item}/edit?signal=correction">صحّح الخبر</a>' in page

        edit = c.get(f"{item}/edit", params={"signal": "update"})
        assert edit.status_code == 200
        assert 'value="وصول قوافل الإغاثة"' in edit.text  # the form holds the latest version
        assert re.search(r'value="update" checked', edit.text)
        updated = composed("وصول قوافل الإغاثة إلى الشمال", PARAGRAPHS, signal="update")

        preview = post_form(
            c, f"{item}/edit", {**updated, "action": "preview"}, page=f"{item}/edit"
        )
        assert preview.status_code == 200 and "إلى الشمال" in pane(preview.text, "full")
        assert len(_versions(desk, item_id)) == 1  # a preview stores nothing

        stored = post_form(c, f"{item}/edit", {**updated, "action": "publish"}, page=f"{item}/edit")
        assert stored.status_code == 303, stored.text
        assert stored.headers["location"] == f"{item}?stored=2"
        versions = _versions(desk, item_id)
        assert [(v["version"], v["signal"]) for v in versions] == [(1, None), (2, "update")]
        assert versions[-1]["item"]["headlines"][0]["value"] == "وصول قوافل الإغاثة إلى الشمال"

        old = c.get(item, params={"version": 1}).text
        assert "<h1>وصول قوافل الإغاثة</h1>" in old and "أحدث نسخة هي 2" in old

        same = post_form(c, f"{item}/edit", {**updated, "action": "publish"}, page=f"{item}/edit")
        assert same.status_code == 422 and 'id="err-text"' in same.text  # nothing changed
        # The form as a browser sends it, with its status radio as it stands: the same.
        as_sent = {**updated, "pubstatus": "usable", "action": "publish"}
        same = post_form(c, f"{item}/edit", as_sent, page=f"{item}/edit")
        assert same.status_code == 422 and 'id="err-text"' in same.text
        assert len(_versions(desk, item_id)) == 2

        fixed = [PARAGRAPHS[0].replace("الصحة", "الداخلية"), *PARAGRAPHS[1:]]
        correction = composed(
            "وصول قوافل الإغاثة إلى الشمال", fixed, signal="correction", ednote="صُحّح اسم الوزارة."
        )
        corrected = post_form(
            c, f"{item}/edit", {**correction, "action": "publish"}, page=f"{item}/edit"
        )
        assert corrected.status_code == 303, corrected.text
        versions = _versions(desk, item_id)
        assert [(v["version"], v["signal"]) for v in versions][-1] == (3, "correction")
        assert versions[-1]["item"]["edNote"] == "صُحّح اسم الوزارة."
        with desk.browser() as public_site:
            assert public_site.get(public_path(item_id)).status_code == 200

        no_reason = post_form(c, f"{item}/withdraw", {"reason": "  "}, page=item)
        assert no_reason.status_code == 400
        assert 'id="err-reason"' in no_reason.text and 'aria-invalid="true"' in no_reason.text
        assert len(_versions(desk, item_id)) == 3
        # Marks no one sees are no reason; a control character no XML format can carry
        # (the kill notice went out as NewsML-G2 and NITF: every such feed answered 500).
        for bad, says in (("\u200b\u200f", "اذكر سبب السحب"), ("خطأ \x07 هنا", "U+0007")):
            refused = post_form(c, f"{item}/withdraw", {"reason": bad}, page=item)
            assert refused.status_code == 400 and says in refused.text, bad
        assert len(_versions(desk, item_id)) == 3

        withdrawn = post_form(c, f"{item}/withdraw", {"reason": "نُشر خطأً."}, page=item)
        assert withdrawn.status_code == 303, withdrawn.text
        assert withdrawn.headers["location"] == f"{item}?stored=4"
        versions = _versions(desk, item_id)
        assert versions[-1]["pubstatus"] == "canceled" and versions[-1]["version"] == 4
        assert versions[-1]["item"]["edNote"] == "نُشر خطأً."
        with desk.browser() as public_site:
            assert public_site.get(public_path(item_id)).status_code == 410

        page = c.get(item).text
        assert 'class="badge withdrawn"' in page and 'action="' + item + '/withdraw"' not in page
        assert c.get(f"{item}/edit").status_code == 409  # a withdrawn item is not edited
        again = post_form(c, f"{item}/withdraw", {"reason": "مرة أخرى"}, page="/console")
        assert again.status_code == 409
        assert len(_versions(desk, item_id)) == 4
