"""The console's forms refuse what they must: no CSRF token, bad input (each message beside
its field, nothing stored); and the pieces that need no server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from newswire.errors import BadInput
from newswire.settings import timezone_setting
from newswire.web.console import routes as console
from newswire.web.console import words as console_words
from tests.console.conftest import Desk, console_path, csrf_of, post_form

GOOD = {
    "headline": "افتتاح معرض الكتاب في العاصمة",
    "dateline": "عمان/ الأناضول",
    "body": "افتُتح اليوم معرض الكتاب بمشاركة مئات الناشرين.\nويستمر المعرض عشرة أيام.",
}


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` (its control says so: aria-describedby)."""
    found = re.search(rf'<p class="field-error" id="err-{field}"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no error beside {field}"
    assert re.search(rf'id="f-{field}"[^>]*aria-describedby="[^"]*err-{field}"', html), field
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.any_store
def test_a_form_without_the_session_token_is_refused(desk: Desk):
    with desk.login() as c:
        before = desk.item_count()
        for data in ({}, {"csrf": "forged"}):
            answer = c.post("/console/items", data={**data, **GOOD, "action": "publish"})
            assert answer.status_code == 403, answer.text
        answer = c.post(
            "/console/items",
            content=b"{}",
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 403
        # Another session's token is no better.
        with desk.login() as other:
            token = csrf_of(other.get("/console").text)
        answer = c.post("/console/items", data={"csrf": token, **GOOD, "action": "publish"})
        assert answer.status_code == 403
        assert desk.item_count() == before


@pytest.mark.parametrize(
    ("data", "status", "field", "words"),
    [
        ({}, 422, "text", "لا يوجد خبر"),
        ({**GOOD, "headline": "   "}, 422, "headline", "العنوان مطلوب"),
        ({**GOOD, "body": "\n \n"}, 422, "body", "نص الخبر مطلوب"),
        ({"text": "عنوان وحيد بلا نص"}, 422, "text", "تعذّرت قراءة النص"),
        ({"text": '{"uri": "x"}'}, 422, "text", "JSON"),
        ({**GOOD, "text": "عنوان\n\nنص"}, 400, "text", "لا الاثنين معًا"),
        ({**GOOD, "urgency": "12"}, 400, "urgency", "من 1 إلى 9"),
        ({**GOOD, "urgency": "عاجل"}, 400, "urgency", "من 1 إلى 9"),
        ({**GOOD, "subjects": "medtop:99999999"}, 400, "subjects", "medtop:99999999"),
        ({**GOOD, "subjects": "politics"}, 400, "subjects", "politics"),
        ({**GOOD, "embargo": "tomorrow"}, 400, "embargo", "وقت غير مفهوم"),
        ({**GOOD, "embargo": "2020-01-01T10:00"}, 400, "embargo", "هذا الوقت مضى"),
        ({**GOOD, "urgency": "²"}, 400, "urgency", "من 1 إلى 9"),
        ({**GOOD, "urgency": "1" * 5000}, 400, "urgency", "من 1 إلى 9"),
        ({**GOOD, "embargo": "9999-12-31T23:59:59.5"}, 400, "embargo", "وقت غير مفهوم"),
        ({**GOOD, "embargo": "0001-01-01T00:00+01:00"}, 400, "embargo", "وقت غير مفهوم"),
        ({**GOOD, "embargo": "9999-12-31T23:59:59-01:00"}, 400, "embargo", "وقت غير مفهوم"),
        ({**GOOD, "language": "not a tag"}, 400, "language", "BCP 47"),
        # Refused by the checks the API shares, said in Arabic all the same.
        ({**GOOD, "headline": "\u200f"}, 422, "headline", "لا يكفي عنوان من مسافات"),
        ({**GOOD, "headline": "ع" * 2001}, 422, "headline", "العنوان 2000 حرف على الأكثر"),
        ({**GOOD, "language": "xx"}, 422, "language", "لا لغة بهذا الرمز في ISO 639: xx"),
    ],
)
@pytest.mark.any_store
def test_bad_input_shows_the_form_again_and_stores_nothing(desk, data, status, field, words):
    with desk.login() as c:
        before = desk.item_count()
        for action in ("preview", "publish"):
            answer = post_form(c, "/console/items", {**data, "action": action})
            assert answer.status_code == status, answer.text
            assert words in field_error(answer.text, field)
            assert 'role="alert"' in answer.text  # the summary, linking to the field
            assert f'href="#f-{field}"' in answer.text
            for name in ("headline", "body"):  # what was typed stays in the form
                if data.get(name, "").strip():
                    assert data[name].split("\n")[0] in answer.text
        assert desk.item_count() == before


@pytest.mark.any_store
def test_errors_are_english_in_the_english_interface(desk: Desk):
    with desk.login() as c:
        c.get("/console", params={"lang": "en"})  # the choice is kept in a cookie
        answer = post_form(c, "/console/items", {**GOOD, "urgency": "0", "action": "publish"})
        assert answer.status_code == 400
        assert "Urgency is a number from 1 to 9." in field_error(answer.text, "urgency")
        c.get("/console", params={"lang": "ar"})


@pytest.mark.any_store
def test_unknown_items_and_versions_are_error_pages(desk: Desk):
    with desk.login() as c:
        for path, status in (
            ("/console/items/urn:test:nothing", 404),
            ("/console/items/urn:test:nothing/edit", 404),
        ):
            answer = c.get(path)
            assert answer.status_code == status, path
            assert '<html lang="ar" dir="rtl">' in answer.text and 'href="/console"' in answer.text
        answer = post_form(c, "/console/items/urn:test:nothing/withdraw", {"reason": "x"})
        assert answer.status_code == 404
        assert post_form(c, "/console/items", {**GOOD, "action": "store"}).status_code == 400


@pytest.mark.any_store
def test_every_field_at_fault_is_named_at_once(desk: Desk):
    with desk.login() as c:
        data = {"headline": "", "body": "نص", "urgency": "99", "subjects": "x"}
        answer = post_form(c, "/console/items", {**data, "action": "preview"})
        assert answer.status_code == 422
        for field in ("headline", "urgency", "subjects"):
            field_error(answer.text, field)


def test_an_embargo_is_utc_and_its_past_is_refused():
    w = console_words.EN
    soon = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(hours=2)
    assert console._embargo(soon.isoformat(), w, None) == soon.replace(tzinfo=UTC)
    assert console._embargo(soon.strftime("%Y-%m-%dT%H:%M"), w, None).minute == soon.minute
    later = soon + timedelta(hours=5)
    typed = later.isoformat() + "+03:00"  # an offset typed with it is honoured
    assert console._embargo(typed, w, None) == later.replace(tzinfo=UTC) - timedelta(hours=3)
    past = datetime(2020, 1, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(console.FormErrors) as refused:
        console._embargo("2020-01-01T10:00", w, None)
    assert "embargo" in refused.value.errors
    # An update keeps the stored version's own embargo, even once lifted.
    assert console._embargo("2020-01-01T10:00:00", w, past) == past


def test_subjects_are_media_topics_ticked_or_typed():
    form = {"topic_15000000": "on", "subjects": "medtop:20000574،04000000, 15000000"}
    concepts = console._subjects(form, console_words.AR)
    assert [c.code for c in concepts] == ["medtop:15000000", "medtop:20000574", "medtop:04000000"]
    assert concepts[0].name == "sport"


def test_the_words_are_the_same_in_both_languages():
    assert console_words.AR.keys() == console_words.EN.keys()
    assert not set(console_words.AR) & set(dir(dict))  # w.update would be dict.update
    for key in console_words.AR:
        fields = set(re.findall(r"{(\w+)}", console_words.AR[key]))
        assert fields == set(re.findall(r"{(\w+)}", console_words.EN[key])), key


# --- the editor's time zone ------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> int:
    last = (datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return max(d for d in range(last - 6, last + 1) if datetime(year, month, d).weekday() == 6)


def test_an_embargo_is_read_and_shown_in_the_editors_time_zone(desk: Desk):
    """09:00 typed by an editor in Istanbul is stored as 06:00Z and shown back as 09:00
    with the zone; the zone chosen is kept for the browser."""
    year = datetime.now(UTC).year + 1
    with desk.login() as c:
        home = c.get("/console", params={"tz": "europe/istanbul"})  # written as IANA writes it
        assert home.status_code == 200
        assert re.search(r'<label for="f-embargo">[^<]*\(<bdi dir="ltr">Europe/Istanbul<', home.text)
        data = {**GOOD, "headline": "حظر بتوقيت إسطنبول", "embargo": f"{year}-03-01T09:00"}
        stored = post_form(c, "/console/items", {**data, "action": "publish"})
        assert stored.status_code == 303, stored.text
        page = c.get(stored.headers["location"]).text
        item_id = re.search(r'<code dir="ltr">([^<]+)</code>', page).group(1)
        assert f"{year}-03-01 09:00:00 UTC+03:00 Europe/Istanbul" in page
        listed = c.get("/console").text.split(f'data-id="{item_id}"', 1)[1].split("</li>", 1)[0]
        assert f"{year}-03-01 09:00:00 UTC+03:00 Europe/Istanbul" in listed
        edit = c.get(stored.headers["location"].split("?")[0] + "/edit").text
        assert f'value="{year}-03-01T09:00:00"' in edit
        assert 'name="embargo_zone" value="Europe/Istanbul"' in edit
    with desk.api() as api:
        doc = api.get(f"/v1/items/{quote(item_id, safe='')}", params={"format": "ninjs"}).json()
    assert doc["embargoedUntil"] == f"{year}-03-01T06:00:00Z"
    with desk.login() as other:  # another browser: the deployment's zone, UTC
        seen = other.get("/console").text
        assert 'name="embargo_zone" value="UTC"' in seen
        assert f"{year}-03-01 06:00:00 UTC" in seen.split(f'data-id="{item_id}"', 1)[1]


@pytest.mark.any_store
def test_an_embargo_at_the_calendars_end_is_shown_east_of_utc(desk: Desk):
    """The API takes an embargo up to 9999-12-31T23:59:59Z, which Istanbul's clocks would
    show in the year 10000, past Python's last date: the console shows it in UTC (its
    pages answered 500 to every editor east of UTC while it was among the latest)."""
    uri = "urn:test:console:embargo-calendar-end"
    doc = {
        "uri": uri, "language": "ar", "embargoed": "9999-12-31T23:59:59Z",
        "headlines": [{"role": "main", "value": "حظر إلى آخر التقويم"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "فقرة.\n\nثانية."}],
    }
    with desk.api() as api:
        made = api.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"})
        assert made.status_code == 201, made.text
    shown = "9999-12-31 23:59:59 UTC"
    with desk.login() as c:
        home = c.get("/console", params={"tz": "Europe/Istanbul"})
        assert home.status_code == 200, home.text
        assert shown in home.text.split(f'data-id="{uri}"', 1)[1].split("</li>", 1)[0]
        page = c.get(console_path(uri))
        assert page.status_code == 200 and shown in page.text
        edit = c.get(console_path(uri) + "/edit")
        assert edit.status_code == 200, edit.text
        # The form holds it in UTC, its zone said: sent back, the same embargo.
        assert 'value="9999-12-31T23:59:59"' in edit.text
        assert 'name="embargo_zone" value="UTC"' in edit.text
        # Typed in Berlin, previewed to an editor in Istanbul.
        data = {**GOOD, "embargo": "9999-12-31T23:59:59", "embargo_zone": "Europe/Berlin"}
        preview = post_form(c, "/console/items", {**data, "action": "preview"})
        assert preview.status_code == 200 and "9999-12-31 22:59:59 UTC" in preview.text


@pytest.mark.any_store
def test_a_time_the_clock_skips_is_refused_beside_the_field(desk: Desk):
    year = datetime.now(UTC).year + 1
    gap = f"{year}-03-{_last_sunday(year, 3):02d}T02:30"  # Berlin: 02:00 -> 03:00
    with desk.login() as c:
        before = desk.item_count()
        data = {**GOOD, "embargo": gap, "embargo_zone": "Europe/Berlin", "action": "publish"}
        answer = post_form(c, "/console/items", data)
        assert answer.status_code == 400
        assert "لا وجود لها في Europe/Berlin" in field_error(answer.text, "embargo")
        c.get("/console", params={"lang": "en"})
        answer = post_form(c, "/console/items", data)
        assert "does not exist in Europe/Berlin" in field_error(answer.text, "embargo")
        assert desk.item_count() == before
    # The hour shown twice when clocks go back is the later one: never lifted early.
    twice = datetime(year, 10, _last_sunday(year, 10), 2, 30)
    berlin = console.ZoneInfo("Europe/Berlin")
    assert console.zones.to_utc(twice, berlin) == twice.replace(tzinfo=UTC) - timedelta(hours=1)
    kept = twice.replace(tzinfo=UTC) - timedelta(hours=2)  # the earlier, stored: kept
    assert console.zones.to_utc(twice, berlin, kept) == kept


@pytest.mark.any_store
def test_a_zone_that_does_not_exist_is_refused(desk: Desk, monkeypatch):
    with desk.login() as c:
        answer = c.get("/console", params={"tz": "Mars/Olympus"})
        assert answer.status_code == 400
        assert "لا توجد منطقة زمنية بهذا الاسم: Mars/Olympus" in answer.text
        assert "nw_tz" not in answer.headers.get("set-cookie", "")
        data = {**GOOD, "embargo": "2099-01-01T09:00", "embargo_zone": "../../etc/passwd"}
        answer = post_form(c, "/console/items", {**data, "action": "preview"})
        assert answer.status_code == 400
        assert "../../etc/passwd" in field_error(answer.text, "embargo")
    monkeypatch.setenv("NEWSWIRE_TIMEZONE", "Asia/Ryadh")
    with pytest.raises(BadInput) as refused:
        timezone_setting()
    assert refused.value.field == "timezone" and "Asia/Ryadh" in refused.value.detail
    monkeypatch.setenv("NEWSWIRE_TIMEZONE", "asia/riyadh")
    assert timezone_setting() == "Asia/Riyadh"


def _checked(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="(\w+)" checked', html)
    assert found, f"nothing checked for {name}"
    return found.group(1)


def test_an_update_keeps_a_withheld_story_withheld_unless_the_editor_releases_it(desk: Desk):
    """The update form always sent usable, so updating a withheld story released it to
    everyone with no one having chosen to. The form holds the story's status, the item
    page says it is withheld, an update keeps it, only the editor's choice releases it,
    and withheld with an embargo is refused beside the status, in the editor's words."""
    uri = "urn:test:console:withheld"
    doc = {
        "uri": uri, "type": "text", "language": "ar", "pubStatus": "withheld",
        "headlines": [{"role": "main", "value": GOOD["headline"]}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": GOOD["body"]}],
    }
    with desk.api() as api:
        assert api.post("/v1/items", json=doc, headers={"Content-Type": "application/ninjs+json"}).status_code == 201

        def status() -> list[str]:
            versions = api.get(f"/v1/items/{quote(uri, safe='')}/versions").json()["versions"]
            return [v["item"].get("pubStatus", "usable") for v in versions]

    item = f"/console/items/{quote(uri, safe=':@')}"
    with desk.login() as c:
        shown = c.get(item).text
        assert 'class="badge withheld"' in shown and 'id="public-state"' in shown
        assert console_words.AR["state_withheld"] in shown
        edit = c.get(f"{item}/edit").text
        assert _checked(edit, "pubstatus") == "withheld"
        form = {**GOOD, "body": GOOD["body"] + "\nفقرة جديدة.", "signal": "update"}
        sent = {**form, "pubstatus": _checked(edit, "pubstatus"), "action": "publish"}
        stored = post_form(c, f"{item}/edit", sent, page=f"{item}/edit")
        assert stored.status_code == 303, stored.text
        with desk.api() as api:
            assert status() == ["withheld", "withheld"]
        # A form without the field (opened before it was there) keeps the status too.
        form["body"] += "\nفقرة ثالثة."
        stored = post_form(c, f"{item}/edit", {**form, "action": "publish"}, page=f"{item}/edit")
        assert stored.status_code == 303, stored.text
        with desk.api() as api:
            assert status()[-1] == "withheld"

        before = desk.item_count()
        later = f"{datetime.now(UTC).year + 1}-03-01T09:00"
        timed = {**form, "body": form["body"] + "\nرابعة.", "embargo": later, "pubstatus": "withheld"}
        refused = post_form(c, f"{item}/edit", {**timed, "action": "publish"}, page=f"{item}/edit")
        assert refused.status_code == 422
        assert field_error(refused.text, "pubstatus").endswith(console_words.AR["item_withheld_embargo"])
        assert _checked(refused.text, "pubstatus") == "withheld"  # the form as it was sent
        c.get("/console", params={"lang": "en"})
        refused = post_form(c, f"{item}/edit", {**timed, "action": "publish"}, page=f"{item}/edit")
        assert field_error(refused.text, "pubstatus").endswith(console_words.EN["item_withheld_embargo"])
        bad = post_form(c, f"{item}/edit", {**timed, "pubstatus": "canceled", "action": "publish"}, page=f"{item}/edit")
        assert bad.status_code == 400
        assert field_error(bad.text, "pubstatus").endswith(console_words.EN["err_pubstatus"])
        c.get("/console", params={"lang": "ar"})
        assert desk.item_count() == before

        released = {**timed, "pubstatus": "usable", "action": "publish"}
        stored = post_form(c, f"{item}/edit", released, page=f"{item}/edit")
        assert stored.status_code == 303, stored.text
        with desk.api() as api:
            assert status()[-1] == "usable"
        assert 'class="badge withheld"' not in c.get(item).text.split('id="versions-title"')[0]
