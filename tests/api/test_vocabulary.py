"""``/v1/admin/vocabulary`` through a real ``newswire serve``: the operations and refusals
of ``newswire vocab``, who may call them, and a change made by the CLI in another process
seen by the server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_admin import problem
from tests.helpers import Server, make_key, newswire, retry_until

URL = "/v1/admin/vocabulary"


@pytest.fixture(scope="module")
def db(module_store_url) -> str:
    return module_store_url


@pytest.fixture(scope="module")
def server(db):
    srv = Server(db)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def admin(server, db) -> Iterator[httpx.Client]:
    with server.client(make_key(db, "--scope", "admin", "--name", "desk")) as c:
        yield c


@pytest.fixture(scope="module")
def desk(server, db) -> Iterator[httpx.Client]:
    """A publish key: it publishes, and searches every item."""
    with server.client(make_key(db, "--scope", "publish", "--name", "wire")) as c:
        yield c


def found(desk: httpx.Client, entity: str) -> int:
    """How many items ``GET /v1/search?entity=`` finds."""
    answer = desk.get("/v1/search", params={"entity": entity, "facets": "false"})
    assert answer.status_code == 200, answer.text
    total: int = answer.json()["total"]
    return total


def test_list_filters_by_kind_and_search(admin):
    listed = admin.get(URL, params={"kind": "person", "search": "نتانياهو"})
    assert listed.status_code == 200, listed.text
    assert [e["id"] for e in listed.json()["entries"]] == ["nwv:benjamin-netanyahu"]
    everyone = admin.get(URL).json()["entries"]
    assert len(everyone) >= 300 and {e["kind"] for e in everyone} == {"person", "organisation"}
    organisations = admin.get(URL, params={"kind": "organisation", "search": "حماس"}).json()
    assert "nwv:hamas" in [e["id"] for e in organisations["entries"]]
    problem(admin.get(URL, params={"kind": "thing"}), 400, "kind")


def test_add_get_change_merge_and_remove(admin):
    made = admin.post(
        URL,
        json={
            "kind": "person",
            "name": "سامي أبو زهري",
            "names": {"en": ["Sami Abu Zuhri"]},
            "short": {"ar": ["أبو زهري"]},
        },
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["id"] == "nwv:sami-abu-zuhri"
    assert made.headers["location"] == f"{URL}/nwv:sami-abu-zuhri"
    assert entry["names"] == {"en": ["Sami Abu Zuhri"], "ar": ["سامي أبو زهري", "أبو زهري"]}
    assert admin.get(made.headers["location"]).json() == entry

    entry["names"]["fr"] = ["Sami Abou Zouhri"]
    changed = admin.put(f"{URL}/{entry['id']}", json={k: v for k, v in entry.items() if k != "id"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["names"]["fr"] == ["Sami Abou Zouhri"]

    dup = admin.post(
        URL, json={"kind": "person", "name": "سامي ابو زهري الناطق", "id": "nwv:zuhri-2"}
    )
    assert dup.status_code == 201, dup.text
    named = admin.post("/v1/admin/products", json={"name": "zuhri", "access": "full",
                                                     "entities": ["nwv:zuhri-2"]})
    assert named.status_code == 201, named.text
    merged = admin.post(f"{URL}/nwv:zuhri-2/merge", json={"into": entry["id"]})
    assert merged.status_code == 200, merged.text
    # The product naming the merged entry names the one it went into too: items tagged
    # from now on carry that id alone.
    assert entry["id"] in admin.get("/v1/admin/products/zuhri").json()["entities"]
    assert "سامي ابو زهري الناطق" in merged.json()["names"]["ar"]
    assert admin.get(URL).json()["merged"]["nwv:zuhri-2"] == entry["id"]
    # A merged id shows the entry it lives on in, as ``newswire vocab show`` does, with
    # that entry's own URL; it is no entry to change or remove (404 saying where it went).
    moved = admin.get(f"{URL}/nwv:zuhri-2")
    assert moved.status_code == 200, moved.text
    assert moved.json() == merged.json() and moved.json()["id"] == entry["id"]
    assert moved.headers["content-location"] == f"{URL}/{entry['id']}"
    assert "content-location" not in admin.get(f"{URL}/{entry['id']}").headers
    assert entry["id"] in problem(admin.delete(f"{URL}/nwv:zuhri-2"), 404, "id")["detail"]

    assert admin.delete(f"{URL}/{entry['id']}").status_code == 204
    problem(admin.get(f"{URL}/{entry['id']}"), 404, "id")
    problem(admin.delete(f"{URL}/{entry['id']}"), 404, "id")

    # Added again, by its name alone, it has its id back; the merged id stays taken.
    again = admin.post(URL, json={"kind": "person", "name": "سامي أبو زهري",
                                  "names": {"en": ["Sami Abu Zuhri"]}})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == entry["id"]
    problem(admin.post(URL, json={"kind": "person", "name": "x", "id": "nwv:zuhri-2"}), 409, "id")


def test_a_change_with_if_match_is_written_only_over_the_entry_it_was_made_from(admin):
    """Two editors each change an entry from what they read: the later, with ``If-Match``
    naming the ``ETag`` it read, is refused (412 naming ``If-Match``, nothing written)
    rather than undoing the earlier's change; read again, its change goes through."""
    made = admin.post(URL, json={"kind": "person", "name": "Editor Race", "id": "nwv:race"})
    assert made.status_code == 201, made.text
    read = admin.get(f"{URL}/nwv:race")
    tag = read.headers["etag"]
    assert tag == made.headers["etag"] and tag.startswith('"')
    body = {k: v for k, v in read.json().items() if k != "id"}
    first = admin.put(f"{URL}/nwv:race", json={**body, "names": {"fr": ["Course"]}},
                      headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != tag
    assert first.headers["etag"] == admin.get(f"{URL}/nwv:race").headers["etag"]
    second = admin.put(f"{URL}/nwv:race", json={**body, "names": {"de": ["Rennen"]}},
                       headers={"If-Match": tag})
    assert "changed since" in problem(second, 412, "If-Match")["detail"]
    assert admin.get(f"{URL}/nwv:race").json()["names"]["fr"] == ["Course"]
    weak = admin.put(f"{URL}/nwv:race", json=body, headers={"If-Match": f"W/{first.headers['etag']}"})
    problem(weak, 412, "If-Match")  # compared strongly (RFC 9110)
    for given in (f'"x", {first.headers["etag"]}', "*"):
        again = admin.put(f"{URL}/nwv:race", json={**body, "names": {"de": ["Rennen"]}},
                          headers={"If-Match": given})
        assert again.status_code == 200, again.text
    assert admin.get(f"{URL}/nwv:race").json()["names"] == {"en": ["Editor Race"], "de": ["Rennen"]}
    assert admin.delete(f"{URL}/nwv:race").status_code == 204


def test_an_id_is_made_from_the_name_shown(admin):
    made = admin.post(URL, json={"kind": "person", "name": "Some Body", "names": {"en": ["Other"]}})
    assert made.status_code == 201, made.text
    assert made.json()["id"] == "nwv:some-body"
    assert made.json()["names"] == {"en": ["Some Body", "Other"]}


def test_a_removed_entry_added_again_by_its_arabic_name_has_its_id_back(admin):
    assert admin.delete(f"{URL}/nwv:mohammad-darwish").status_code == 204
    again = admin.post(URL, json={"kind": "person", "name": "محمد درويش"})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == "nwv:mohammad-darwish"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "person"}, 400, "name"),
        ({"kind": "person", "name": "x", "colour": "red"}, 400, "colour"),
        ({"kind": "person", "name": 7}, 400, "name"),
        (b"not json", 400, "body"),
        ({"kind": "thing", "name": "x"}, 422, "kind"),
        ({"kind": "person", "name": "a\u202eb"}, 422, "name"),
        ({"kind": "person", "name": "x", "names": {"arabic": ["y"]}}, 422, "names"),
        ({"kind": "person", "name": "x", "country": "TR"}, 422, "country"),
        ({"kind": "person", "name": "x", "id": "Hamas"}, 422, "id"),
        ({"kind": "organisation", "name": "حماس"}, 409, "name"),
        ({"kind": "organisation", "name": "x", "id": "nwv:hamas"}, 409, "id"),
    ],
)
def test_a_bad_entry_is_a_problem_naming_the_field(admin, body, status, field):
    sent = admin.post(URL, content=body) if isinstance(body, bytes) else admin.post(URL, json=body)
    problem(sent, status, field)


def test_bad_changes_and_merges_are_problems(admin):
    problem(admin.put(f"{URL}/nwv:nobody", json={"kind": "person", "name": "x"}), 404, "id")
    problem(
        admin.put(f"{URL}/nwv:fatah", json={"kind": "organisation", "name": "فتح", "id": "nwv:x"}),
        422,
        "id",
    )
    # An entry keeps its kind: items and products name its id as an organisation's.
    kind = problem(admin.put(f"{URL}/nwv:fatah", json={"kind": "person", "name": "فتح"}), 422, "kind")
    assert "nwv:fatah is an organisation" in kind["detail"]
    assert admin.get(f"{URL}/nwv:fatah").json()["kind"] == "organisation"
    # A name another entry of the kind has: refused as when an entry is added under it.
    fatah = admin.get(f"{URL}/nwv:fatah").json()
    del fatah["id"]
    for name, names, field in (
        ("حركة فتح", {**fatah["names"], "en": ["Fatah", "Hamas"]}, "names"),
        ("حماس", fatah["names"], "name"),
    ):
        taken = problem(admin.put(f"{URL}/nwv:fatah", json={**fatah, "name": name, "names": names}),
                        409, field)  # fmt: skip
        assert "nwv:hamas (organisation) is named" in taken["detail"], taken
    assert admin.get(f"{URL}/nwv:fatah").json()["names"] == fatah["names"]
    problem(admin.post(f"{URL}/nwv:fatah/merge", json={"into": "nwv:fatah"}), 422, "into")
    problem(admin.post(f"{URL}/nwv:fatah/merge", json={"into": "nwv:nobody"}), 422, "into")
    problem(admin.post(f"{URL}/nwv:fatah/merge", json={"into": "nwv:donald-trump"}), 422, "into")
    problem(admin.post(f"{URL}/nwv:nobody/merge", json={"into": "nwv:fatah"}), 404, "id")


def test_only_an_admin_key_may_call_it(server, db):
    with server.client(make_key(db, "--scope", "publish", "--name", "editors")) as publisher:
        assert publisher.get(URL).status_code == 403
    with server.client(None) as anonymous:
        assert anonymous.get(URL).status_code == 401


def test_a_change_by_the_cli_in_another_process_is_seen_by_the_server(admin, db):
    assert admin.get(f"{URL}/nwv:zamalek").status_code == 200
    result = newswire("vocab", "remove", "nwv:zamalek", db=db)
    assert result.returncode == 0, result.stderr.decode()
    retry_until(lambda: admin.get(f"{URL}/nwv:zamalek").status_code == 404, "the removal seen")


def test_a_search_by_an_entry_takes_a_merge_into_it_made_after_it_was_searched(admin, desk, db):
    """Search keeps the queries it compiled, and what an ``entity`` filter names is the
    vocabulary's: a change to it, made over the API or by the CLI in another process,
    reaches a query compiled before it. Here, after a merge, the story tagged with the
    merged id is found by the id of the entry it went into (until ``enrich --all``)."""
    story = (
        "بوتين يستقبل أردوغان في موسكو\n"
        "استقبل الرئيس الروسي فلاديمير بوتين نظيره التركي رجب طيب أردوغان في موسكو.\n\n"
        "وبحث فلاديمير بوتين ورجب طيب أردوغان العلاقات بين البلدين.\n"
    )
    sent = desk.post(
        "/v1/items", content=story.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    assert sent.status_code in (200, 201), sent.text
    retry_until(
        lambda: found(desk, "nwv:vladimir-putin") == found(desk, "nwv:recep-tayyip-erdogan") == 1,
        "the story searchable by the ids it is tagged with",
    )
    merges = (
        ("nwv:vladimir-putin", "nwv:putin-target", "فلاديمير بوتين الرئيس", "api"),
        ("nwv:recep-tayyip-erdogan", "nwv:erdogan-target", "رجب طيب أردوغان الرئيس", "cli"),
    )
    for source, target, name, by in merges:
        added = admin.post(URL, json={"kind": "person", "name": name, "id": target})
        assert added.status_code == 201, added.text
        assert found(desk, target) == 0  # compiled now, naming no item
        if by == "api":
            merged = admin.post(f"{URL}/{source}/merge", json={"into": target})
            assert merged.status_code == 200, merged.text
        else:
            result = newswire("vocab", "merge", source, target, db=db)
            assert result.returncode == 0, result.stderr.decode()
        retry_until(lambda t=target: found(desk, t) == 1, f"{target} to find the story ({by})")
        assert found(desk, source) == found(desk, name) == 1
