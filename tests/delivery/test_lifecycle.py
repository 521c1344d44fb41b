"""An item's life end to end, on every channel: embargo and its lift, update, correction,
withdrawal; versions and teasers by ``GET /v1/items``; and the keys' life (scopes, unknown
and revoked keys, suspended subscribers).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import BACKENDS
from tests.delivery.wire import (
    ARABIC,
    ECONOMY,
    ENGLISH,
    NINJS,
    SPORT,
    WAIT,
    Stream,
    Wire,
    item_path,
    ninjs_doc,
    rfc3339,
    shared,
    ws_collect,
    ws_connect,
    ws_until_id,
)
from tests.helpers import make_key
from tests.helpers import newswire_here as newswire


@pytest.fixture(scope="module", params=BACKENDS)
def wire(request) -> Wire:
    return shared(request)


def of(entries: list[dict], uri: str) -> list[dict]:
    return [e for e in entries if e["id"] == uri]


# --- embargo ------------------------------------------------------------------------------


def test_an_embargoed_item_reaches_early_products_early_and_everyone_at_its_time(wire):
    uri = "urn:life:embargo"
    start = wire.last_seq()
    embargo = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    with contextlib.ExitStack() as stack:
        alpha = stack.enter_context(wire.stream("alpha", after=start))
        gamma = stack.enter_context(wire.stream("gamma", after=start))
        alpha_ws = stack.enter_context(wire.ws("alpha", after=start))
        gamma_ws = stack.enter_context(wire.ws("gamma", after=start))
        doc = ninjs_doc(uri, "حظر النشر", ARABIC, "ar", embargoedUntil=rfc3339(embargo))
        receipt = wire.publish(doc)
        # A marker for alpha after it: a channel that has the marker is past the item.
        marker = wire.publish(ninjs_doc("urn:life:marker:embargo", "علامة", ARABIC, "ar"))["id"]

        # Before its time: the early product has it, marked, on every channel...
        [early] = gamma.wait_count(1, prefix=uri)
        [early_ws] = of(ws_collect(gamma_ws, lambda r: len(of(r, uri)) >= 1), uri)
        [early_feed] = of(wire.feed("gamma", start)["items"], uri)
        for entry in (early, early_ws, early_feed):
            assert entry["sequence"] == receipt["sequence"] and entry["kind"] == "item"
            assert entry["embargoed"] is True and entry["access"] == "full"
            assert entry["item"]["embargoedUntil"] == rfc3339(embargo)
        seen = wire.client("gamma").get(item_path(uri))
        assert seen.status_code == 200 and seen.headers["x-newswire-embargoed"] == "true"
        # ... and the others nowhere: alpha's channels carried the marker, not the item.
        assert [e["id"] for e in alpha.wait_id(marker)] == [marker]
        assert [e["id"] for e in ws_until_id(alpha_ws, marker)] == [marker]
        page = wire.feed("alpha", start)
        assert of(page["items"], uri) == []
        past = int(page["next"])
        assert past >= receipt["sequence"]  # alpha's cursor is already beyond the item
        hidden = wire.client("alpha").get(item_path(uri))
        assert hidden.status_code == 404 and hidden.json()["field"] == "id"
        assert wire.client("alpha").get(item_path(uri), params={"version": 1}).status_code == 404
        assert wire.client("alpha").get(f"{item_path(uri)}/versions").status_code == 404
        assert datetime.now(UTC) < embargo, "too slow: the checks above ran after the lift"

        # At its time, not before: an embargo-lift with a sequence number of its own, on
        # every channel.
        [lift] = alpha.wait_count(1, prefix=uri)
        [(event, arrived)] = [
            (e, at) for e, at in zip(alpha.snapshot(), alpha.arrived, strict=True)
            if e.id == str(lift["sequence"])
        ]
        assert arrived >= embargo.timestamp(), "delivered before its embargo"
        assert lift["kind"] == "embargo-lift" and lift["embargoed"] is False
        assert lift["sequence"] > past > 0 and lift["sequence"] > receipt["sequence"]
        assert lift["access"] == "full" and lift["version"] == 1
        assert lift["item"]["uri"] == uri and lift["item"]["bodies"][0]["value"].endswith(
            ARABIC[-1]
        )
        assert event.event == "embargo-lift"
        [lift_ws] = ws_collect(alpha_ws, lambda r: len(r) >= 1)
        assert lift_ws == lift
        after_past = wire.feed("alpha", past, wait=5)["items"]
        assert after_past == [lift]
        shown = wire.client("alpha").get(item_path(uri))
        assert shown.status_code == 200 and "x-newswire-embargoed" not in shown.headers
        assert shown.json()["embargoedUntil"] == rfc3339(embargo)
        # A cursor from before the item replays the lift only, never the held version.
        assert of(wire.feed("alpha", start)["items"], uri) == [lift]


def test_an_item_withdrawn_under_embargo_never_reaches_the_others(wire):
    uri = "urn:life:killed-under-embargo"
    start = wire.last_seq()
    embargo = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    wire.publish(ninjs_doc(uri, "خبر سيسحب", ARABIC, "ar", embargoedUntil=rfc3339(embargo)))
    killed = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": "خطأ"})
    assert killed.status_code == 201
    # A sentinel under the same embargo, published after it: embargoes are lifted in one
    # go per moment, in order, so once alpha has the sentinel's lift, the item's time has
    # come and gone.
    sentinel = "urn:life:marker:killed-under-embargo"
    wire.publish(ninjs_doc(sentinel, "علامة", ARABIC, "ar", embargoedUntil=rfc3339(embargo)))
    lifted = wire.feed_all("alpha", start, wait=3 * WAIT,
                           until=lambda entries: of(entries, sentinel))
    assert [e["kind"] for e in of(lifted, sentinel)] == ["embargo-lift"]
    # Past its time: still nowhere for a product without early delivery...
    assert of(wire.feed("alpha", start)["items"], uri) == []
    assert wire.client("alpha").get(item_path(uri)).status_code == 404
    assert wire.client("alpha").get(f"{item_path(uri)}/versions").status_code == 404
    # ... while the early product had it and has its withdrawal.
    kinds = [e["kind"] for e in of(wire.feed("gamma", start)["items"], uri)]
    assert kinds == ["item", "withdraw"]
    assert wire.client("gamma").get(item_path(uri)).json()["pubStatus"] == "canceled"


def test_an_embargoed_update_reaches_whoever_had_the_item_at_its_time(wire):
    """Delta had the first version (economy); an update under embargo moves the item out of
    its product: at the lift delta gets it, as it would have got the update itself."""
    uri = "urn:life:embargoed-update"
    start = wire.last_seq()
    with wire.stream("delta", after=start) as delta, wire.stream("beta", after=start) as beta:
        v1 = ninjs_doc(uri, "Markets", ENGLISH, "en", subjects=[ECONOMY])
        first = wire.publish(v1)
        embargo = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        v2 = {**v1, "headlines": [{"role": "main", "value": "Markets: the statement"}],
              "subjects": [SPORT], "embargoedUntil": rfc3339(embargo)}
        update = wire.publish(v2)
        assert update["version"] == 2
        # Until its time the update is nowhere for them: the first version stands.
        assert [e["version"] for e in delta.wait_count(1, prefix=uri)] == [1]
        for who in ("delta", "beta"):
            assert wire.client(who).get(item_path(uri)).json()["version"] == "1", who
        assert datetime.now(UTC) < embargo, "too slow: the checks above ran after the lift"
        got = {"delta": delta.wait_count(2, timeout=10, prefix=uri),
               "beta": beta.wait_count(2, timeout=10, prefix=uri)}
    for who, access in (("delta", "full"), ("beta", "teaser")):
        entries = got[who]
        assert [e["kind"] for e in entries] == ["item", "embargo-lift"], who
        assert [e["version"] for e in entries] == [1, 2], who
        assert entries[0]["sequence"] == first["sequence"], who
        assert entries[1]["sequence"] > update["sequence"], who
        assert {e["access"] for e in entries} == {access}, who
        assert entries == of(wire.feed(who, start)["items"], uri), who
        assert wire.client(who).get(item_path(uri)).json()["version"] == "2", who


# --- update and correction ----------------------------------------------------------------


def correction_of(doc: dict, version: int) -> dict:
    return {
        **doc,
        "associations": [
            {"name": "correction", "rel": "previousVersion", "uri": doc["uri"],
             "version": str(version)}
        ],
    }


def test_updates_and_corrections_reach_whoever_got_the_old_version(wire):
    uri = "urn:life:update"
    start = wire.last_seq()
    names = ("alpha", "beta", "delta")
    with contextlib.ExitStack() as stack:
        streams = {n: stack.enter_context(wire.stream(n, after=start)) for n in names}
        sockets = {n: stack.enter_context(wire.ws(n, after=start)) for n in names}
        v1 = ninjs_doc(uri, "الفائدة", ARABIC, "ar", subjects=[ECONOMY])
        receipts = [wire.publish(v1)]
        # The update moves the item out of delta's product (sport, not economy): delta had
        # the first version, so it still gets the new one.
        v2 = {**v1, "headlines": [{"role": "main", "value": "الفائدة (محدث)"}],
              "subjects": [SPORT]}
        receipts.append(wire.publish(v2))
        # A correction of the update: delta got the update, so it gets the correction.
        v3 = correction_of({**v2, "headlines": [{"role": "main", "value": "الفائدة (مصحح)"}]}, 2)
        receipts.append(wire.publish(v3))
        assert [r["version"] for r in receipts] == [1, 2, 3]
        seqs = [r["sequence"] for r in receipts]
        # Markers last, one for alpha and delta (Arabic, the economy), one for beta
        # (English): a channel that has its marker has every entry published before it.
        both = wire.publish(ninjs_doc("urn:life:marker:update-ar", "علامة", ARABIC, "ar",
                                      subjects=[ECONOMY]))["id"]
        marker = wire.publish(ninjs_doc("urn:life:update-marker", "Marker", ENGLISH, "en"))
        streams["beta"].wait_id(marker["id"])
        channels = {}
        for n in ("alpha", "delta"):
            channels[n, "sse"] = of(streams[n].wait_id(both), uri)
            channels[n, "ws"] = of(ws_until_id(sockets[n], both), uri)
            channels[n, "feed"] = of(wire.feed(n, start)["items"], uri)
        for (n, channel), entries in channels.items():
            assert [e["sequence"] for e in entries] == seqs, (n, channel)
            assert [e["kind"] for e in entries] == ["item", "update", "update"], (n, channel)
            assert [e["version"] for e in entries] == [1, 2, 3], (n, channel)
            assert [e["item"]["headlines"][0]["value"] for e in entries] == [
                "الفائدة", "الفائدة (محدث)", "الفائدة (مصحح)"
            ]
            # The versions' own links (their signal), not the story threads enrichment
            # found to the other items published here (type text, another uri).
            signals = [
                [a["name"] for a in e["item"].get("associations", []) if a.get("uri") == uri]
                for e in entries
            ]
            assert signals == [[], ["update"], ["correction"]], (n, channel)
            assert all(e["access"] == "full" for e in entries)
        assert [e.event for e in streams["delta"].snapshot() if json.loads(e.data)["id"] == uri] == [
            "item", "update", "update"
        ]
        # Beta never had it: neither the item nor its new versions.
        assert of(streams["beta"].entries(), uri) == []
        assert of(wire.feed("beta", start)["items"], uri) == []
        assert [e["id"] for e in streams["beta"].entries()] == [marker["id"]]


# --- withdrawal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"", "application/json"),
        (b"{}", "application/json"),
        (b'{"reason": ""}', "application/json"),
        (b'{"reason": "   "}', "application/json"),
        (b'{"reason": 5}', "application/json"),
        (b"not json", "application/json"),
        (b"reason=legal", "application/x-www-form-urlencoded"),
        (json.dumps({"reason": "x" * 2001}).encode(), "application/json"),
    ],
    ids=["none", "no-reason", "empty", "blank", "number", "not-json", "form", "too-long"],
)
def test_a_withdrawal_needs_a_reason(wire, body, content_type):
    uri = "urn:life:withdraw-refused"
    wire.publish(ninjs_doc(uri, "باق", ARABIC, "ar"))
    response = wire.desk.post(
        f"{item_path(uri)}/withdraw", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "reason"
    assert wire.desk.get(item_path(uri)).json()["pubStatus"] == "usable"


def test_withdrawing_an_unknown_item_or_without_the_publish_scope(wire):
    unknown = wire.desk.post("/v1/items/urn:life:nothing/withdraw", json={"reason": "legal"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "id"
    uri = "urn:life:withdraw-scope"
    wire.publish(ninjs_doc(uri, "باق", ARABIC, "ar"))
    read = wire.client("alpha").post(f"{item_path(uri)}/withdraw", json={"reason": "legal"})
    assert read.status_code == 403 and read.json()["field"] == "Authorization"
    anonymous = wire.client().post(f"{item_path(uri)}/withdraw", json={"reason": "legal"})
    assert anonymous.status_code == 401
    assert wire.desk.get(item_path(uri)).json()["pubStatus"] == "usable"


def test_a_withdrawal_reaches_those_who_had_the_item_and_no_one_else(wire):
    uri = "urn:life:withdraw"
    reason = "سحب الخبر لأسباب قانونية"
    start = wire.last_seq()
    with contextlib.ExitStack() as stack:
        alpha = stack.enter_context(wire.stream("alpha", after=start))
        beta = stack.enter_context(wire.stream("beta", after=start))
        alpha_ws = stack.enter_context(wire.ws("alpha", after=start))
        published = wire.publish(ninjs_doc(uri, "خبر سيسحب", ARABIC, "ar"))
        response = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": reason})
        assert response.status_code == 201, response.text
        withdrawn = response.json()
        assert withdrawn["id"] == uri and withdrawn["version"] == 2
        assert withdrawn["sequence"] > published["sequence"]
        assert response.headers["location"] == withdrawn["href"]
        again = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": reason})
        assert again.status_code == 409 and again.json()["field"] == "id"
        marker = wire.publish(ninjs_doc("urn:life:withdraw-marker", "Marker", ENGLISH, "en"))
        beta.wait_count(1)

        got = {
            "sse": alpha.wait_count(2, prefix=uri),
            "ws": of(ws_collect(alpha_ws, lambda r: len(of(r, uri)) >= 2), uri),
            "feed": of(wire.feed("alpha", start)["items"], uri),
        }
        for channel, entries in got.items():
            assert [e["kind"] for e in entries] == ["item", "withdraw"], channel
            assert [e["sequence"] for e in entries] == [
                published["sequence"], withdrawn["sequence"]
            ], channel
            gone = entries[1]["item"]
            assert gone["pubStatus"] == "canceled" and gone["edNote"] == reason, channel
            # A kill notice: the reason, and nothing of the text withdrawn.
            body = gone["bodies"][0]["value"]
            assert reason in body and ARABIC[0] not in body, channel
        assert alpha.snapshot()[1].event == "withdraw"
        # Beta (English) never had the item: no withdrawal either.
        assert [e["id"] for e in beta.entries()] == [marker["id"]]
        assert of(wire.feed("beta", start)["items"], uri) == []
        # The item itself now says it is withdrawn.
        latest = wire.client("alpha").get(item_path(uri))
        assert latest.status_code == 200 and latest.json()["pubStatus"] == "canceled"
        assert wire.client("beta").get(item_path(uri)).status_code == 404


def test_a_withdrawn_item_is_its_kill_notice_in_every_format_and_version(wire):
    """Once withdrawn, an item is handed out as its withdrawal alone: the notice and the
    reason in ninjs, NewsML-G2 and NITF, never the text withdrawn; its earlier versions
    are 410 to those who had it (404 to the others, as before), and the versions list has
    the withdrawal only. The agency's own key still reads every version."""
    uri = "urn:life:withdraw-versions"
    reason = "لأسباب قانونية"
    text = "نص الخبر الذي سحبته الوكالة ولا ينبغي أن يصل إلى أحد بعد سحبه."
    wire.publish(ninjs_doc(uri, "خبر سيسحب كله", [text], "ar"))
    wire.publish(ninjs_doc(uri, "خبر سيسحب كله", [text, "فقرة التحديث"], "ar"))
    response = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": reason})
    assert response.status_code == 201, response.text
    alpha = wire.client("alpha")
    for fmt in ("ninjs", "ninjs2", "newsml", "nitf"):
        shown = alpha.get(item_path(uri), params={"format": fmt})
        assert shown.status_code == 200, (fmt, shown.text)
        assert reason in shown.text and text not in shown.text, fmt
        assert "canceled" in shown.text, fmt
    for version in (1, 2):
        earlier = alpha.get(item_path(uri), params={"version": version})
        assert earlier.status_code == 410, earlier.text
        problem = earlier.json()
        assert problem["field"] == "version" and "withdrawn (version 3)" in problem["detail"]
    assert alpha.get(item_path(uri), params={"version": 3}).json()["pubStatus"] == "canceled"
    history = alpha.get(f"{item_path(uri)}/versions")
    assert history.status_code == 200, history.text
    assert [v["version"] for v in history.json()["versions"]] == [3]
    assert text not in history.text
    # Beta never had the item: nothing tells it that the item or its versions exist.
    for params in ({}, {"version": 1}):
        assert wire.client("beta").get(item_path(uri), params=params).status_code == 404
    # The agency keeps the whole record.
    first = wire.desk.get(item_path(uri), params={"version": 1})
    assert first.status_code == 200 and text in first.text


def test_a_withdrawal_under_an_embargoed_update_reaches_everyone_now(wire):
    """Out, then an update held until 2030, then withdrawn: the withdrawal goes to
    whoever had the item now (not in 2030), and is of the version out, so the held
    update's text reaches no one early through it."""
    uri = "urn:life:withdraw-held-update"
    start = wire.last_seq()
    first = ninjs_doc(uri, "خبر منشور", ARABIC, "ar")
    wire.publish(first)
    held = {**first, "headlines": [{"role": "main", "value": "تحديث محجوب"}],
            "embargoedUntil": "2030-01-01T00:00:00Z"}
    wire.publish(held)
    response = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": "خطأ"})
    assert response.status_code == 201, response.text
    entries = of(wire.feed("alpha", start)["items"], uri)
    assert [e["kind"] for e in entries] == ["item", "withdraw"]
    gone = entries[1]["item"]
    assert gone["pubStatus"] == "canceled" and "embargoedUntil" not in gone
    assert gone["headlines"][0]["value"] == "خبر منشور"
    shown = wire.client("alpha").get(item_path(uri))
    assert shown.status_code == 200 and shown.json()["pubStatus"] == "canceled"
    # The early product had the held update too, and has the withdrawal now.
    kinds = [e["kind"] for e in of(wire.feed("gamma", start)["items"], uri)]
    assert kinds == ["item", "update", "withdraw"]


def test_a_withdrawal_reaches_whoever_got_an_update_of_the_item(wire):
    """Delta had the first version (economy); an update moved the item out of its product,
    and delta got the update all the same; the withdrawal must reach it too."""
    uri = "urn:life:withdraw-moved"
    start = wire.last_seq()
    with wire.stream("delta", after=start) as delta:
        v1 = ninjs_doc(uri, "Markets", ENGLISH, "en", subjects=[ECONOMY])
        wire.publish(v1)
        wire.publish({**v1, "subjects": [SPORT]})
        response = wire.desk.post(f"{item_path(uri)}/withdraw", json={"reason": "wrong"})
        assert response.status_code == 201
        entries = delta.wait_count(3, prefix=uri)
    assert [e["kind"] for e in entries] == ["item", "update", "withdraw"]
    assert [e["kind"] for e in of(wire.feed("delta", start)["items"], uri)] == [
        "item", "update", "withdraw"
    ]
    # What it fetches is the withdrawal, not the first version as if it stood.
    latest = wire.client("delta").get(item_path(uri))
    assert latest.status_code == 200 and latest.json()["pubStatus"] == "canceled"


# --- versions and teasers by GET ----------------------------------------------------------


def test_versions_are_listed_in_any_format_as_the_caller_may_see_them(wire):
    uri = "urn:life:versions"
    v1 = ninjs_doc(uri, "Rates held", ENGLISH, "en", subjects=[ECONOMY])
    first = wire.publish(v1)
    second = wire.publish({**v1, "headlines": [{"role": "main", "value": "Rates held again"}]})
    listing = wire.desk.get(f"{item_path(uri)}/versions")
    assert listing.status_code == 200
    body = listing.json()
    assert body["id"] == uri
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert [v["sequence"] for v in body["versions"]] == [first["sequence"], second["sequence"]]
    assert [v["signal"] for v in body["versions"]] == [None, "update"]
    assert [v["replaces"] for v in body["versions"]] == [None, 1]
    assert [v["item"]["headlines"][0]["value"] for v in body["versions"]] == [
        "Rates held", "Rates held again"
    ]
    assert body["versions"][1]["href"] == f"{item_path(uri)}?version=2"
    for v in body["versions"]:
        assert v["access"] == "full" and v["format"] == "ninjs" and v["pubstatus"] == "usable"
        assert v["item"]["bodies"][0]["value"].endswith(ENGLISH[-1])
    nitf = wire.desk.get(f"{item_path(uri)}/versions", params={"format": "nitf"}).json()
    assert [v["format"] for v in nitf["versions"]] == ["nitf", "nitf"]
    assert all("<nitf" in v["content"] and "item" not in v for v in nitf["versions"])
    assert "Rates held again" in nitf["versions"][1]["content"]
    # A teaser subscriber's listing is teasers; a subscriber without the item has none.
    teasers = wire.client("beta").get(f"{item_path(uri)}/versions").json()["versions"]
    assert [v["access"] for v in teasers] == ["teaser", "teaser"]
    assert all(ENGLISH[-1] not in v["item"]["bodies"][0]["value"] for v in teasers)
    assert wire.client("alpha").get(f"{item_path(uri)}/versions").status_code == 404
    bad = wire.desk.get(f"{item_path(uri)}/versions", params={"format": "docx"})
    assert bad.status_code == 400 and bad.json()["field"] == "format"
    assert wire.desk.get("/v1/items/urn:life:none/versions").status_code == 404


def test_versions_have_an_etag_answered_304_until_a_version_is_stored(wire):
    """``/versions`` has a strong ETag, as an item has: ``If-None-Match`` with it is a 304
    (no body) until a new version is stored; it differs by access and by format."""
    uri = "urn:life:versions-etag"
    v1 = ninjs_doc(uri, "Rates held", ENGLISH, "en", subjects=[ECONOMY])
    wire.publish(v1)
    path = f"{item_path(uri)}/versions"
    full = wire.client("delta").get(path)
    assert full.status_code == 200
    etag = full.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    again = wire.client("delta").get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert wire.client("delta").get(path, headers={"If-None-Match": "*"}).status_code == 304
    # Another access (beta has the teaser) or another format: other bytes, another ETag.
    teaser = wire.client("beta").get(path, headers={"If-None-Match": etag})
    assert teaser.status_code == 200 and teaser.headers["etag"] != etag
    assert [v["access"] for v in teaser.json()["versions"]] == ["teaser"]
    nitf = wire.client("delta").get(path, params={"format": "nitf"}, headers={"If-None-Match": etag})
    assert nitf.status_code == 200 and nitf.headers["etag"] != etag
    # A new version: the old ETag gets the new listing.
    wire.publish({**v1, "headlines": [{"role": "main", "value": "Rates held again"}]})
    fresh = wire.client("delta").get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert [v["version"] for v in fresh.json()["versions"]] == [1, 2]
    revalidated = wire.client("delta").get(path, headers={"If-None-Match": fresh.headers["etag"]})
    assert revalidated.status_code == 304


def test_a_teaser_subscriber_gets_the_teaser_by_get(wire):
    uri = "urn:life:teaser"
    wire.publish(ninjs_doc(uri, "Rates held", ENGLISH, "en", subjects=[ECONOMY]))
    teaser = wire.client("beta").get(item_path(uri))
    assert teaser.status_code == 200
    assert teaser.headers["x-newswire-access"] == "teaser"
    text = teaser.json()["bodies"][0]["value"]
    assert text.startswith(ENGLISH[0]) and ENGLISH[-1] not in text
    as_text = wire.client("beta").get(item_path(uri), params={"format": "text"})
    assert as_text.headers["x-newswire-access"] == "teaser" and ENGLISH[-1] not in as_text.text
    full = wire.client("delta").get(item_path(uri))
    assert full.headers["x-newswire-access"] == "full"
    assert full.json()["bodies"][0]["value"].endswith(ENGLISH[-1])
    # Different bytes for different access: the ETags differ too.
    assert teaser.headers["etag"] != full.headers["etag"]


# --- keys and subscribers -----------------------------------------------------------------


def test_keys_and_scopes(wire):
    doc = json.dumps(ninjs_doc("urn:life:scopes", "Scopes", ENGLISH, "en"))
    read = wire.client("beta").post("/v1/items", content=doc, headers=NINJS)
    assert read.status_code == 403 and read.json()["field"] == "Authorization"
    for headers, why in [
        ({}, "no key"),
        ({"Authorization": "Bearer nw_abcdefghij_" + "x" * 43}, "unknown key"),
        ({"Authorization": "Bearer not-a-key"}, "not a key"),
        ({"Authorization": f"Basic {wire.keys['desk']}"}, "not Bearer"),
    ]:
        for method, path in (("POST", "/v1/items"), ("GET", "/v1/feed"),
                             ("GET", "/v1/items/urn:life:scopes")):
            response = wire.client().request(method, path, headers={**NINJS, **headers},
                                             content=doc if method == "POST" else None)
            assert response.status_code == 401, (why, method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["field"] == "Authorization"
    assert wire.client().get("/health").status_code == 200  # no key needed there
    assert wire.desk.get(item_path("urn:life:scopes")).status_code == 404  # nothing stored


def test_a_revoked_keys_open_streams_are_closed(wire):
    key_id = wire.key_id("alpha2")
    start = wire.last_seq()
    with (
        wire.stream("alpha2", after=start) as stream,
        wire.ws("alpha2", after=start) as ws,
    ):
        assert stream.status == 200
        result = newswire("key", "revoke", key_id, db=wire.db)
        assert result.returncode == 0, result.stderr.decode()
        # Another process revoked it: the server finds out by itself, with no request.
        assert stream.wait_closed() == f"API key {key_id} was revoked"
        assert stream.snapshot()[-1].event == "close"
        assert stream.done.wait(WAIT), "the server did not end the stream"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=WAIT)
        assert closed.value.rcvd.code == 4401
        assert closed.value.rcvd.reason == f"API key {key_id} was revoked"
    response = wire.client("alpha2").get("/v1/feed")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert wire.client("alpha").get("/v1/feed").status_code == 200  # its other key works


def test_a_stream_ends_when_its_keys_products_change_and_resumes_under_the_new_ones(wire):
    """An SSE or WebSocket stream is one request that may stay open for days: when the
    operator gives its subscriber other products (or changes one of their definitions),
    another process doing it, the stream ends (``event: close``, WebSocket 4409) naming
    its cursor, and the client connecting again from it gets what the key gives now: a
    subscriber moved from the full text to teasers is not sent one more full text."""
    for name, args in (("life-full", ("--access", "full", "--lang", "ar")),
                       ("life-teaser", ("--access", "teaser", "--lang", "ar"))):
        result = newswire("product", "add", name, *args, db=wire.db)
        assert result.returncode == 0, result.stderr.decode()
    result = newswire("subscriber", "add", "life-moved", "--product", "life-full",
                      "--rate-limit", "100000", db=wire.db)
    assert result.returncode == 0, result.stderr.decode()
    key = make_key(wire.db, "--subscriber", "life-moved")
    start = wire.last_seq()
    with Stream(wire.server.url, key, after=start) as stream, ws_connect(
        wire.server.url, key, after=start
    ) as ws:
        wire.publish(ninjs_doc("urn:life:moved:1", "قبل", ARABIC, "ar"))
        assert stream.wait_id("urn:life:moved:1")[-1]["access"] == "full"
        cursor = stream.seqs()[-1]
        assert ws_until_id(ws, "urn:life:moved:1")[-1]["access"] == "full"
        result = newswire("subscriber", "change", "life-moved", "--product", "life-teaser",
                          "--rate-limit", "100000", db=wire.db)
        assert result.returncode == 0, result.stderr.decode()
        reason = stream.wait_closed()
        assert reason.startswith("this key's products changed"), reason
        assert f"cursor {cursor}" in reason
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=WAIT)
        assert closed.value.rcvd.code == 4409
    with Stream(wire.server.url, key, after=cursor) as again:
        wire.publish(ninjs_doc("urn:life:moved:2", "بعد", ARABIC, "ar"))
        [after] = again.wait_id("urn:life:moved:2")
        assert after["access"] == "teaser" and after["product"] == "life-teaser"
        # A change of the product's own definition ends it too.
        result = newswire("product", "change", "life-teaser", "--access", "teaser",
                          "--lang", "en", db=wire.db)
        assert result.returncode == 0, result.stderr.decode()
        assert again.wait_closed().startswith("this key's products changed")


def test_a_revoked_key_is_refused_by_the_fast_paths_that_knew_it(wire):
    """The feed and items answer a known ``Authorization`` header from memory: the
    revocation (by another process) reaches that memory too."""
    key = make_key(wire.db, "--subscriber", "alpha")
    paths = ("/v1/feed", "/v1/items/urn:life:never", "/v1/items/urn:life:never/versions/1/renditions/web")
    with wire.server.client(key) as client:
        assert [client.get(p).status_code for p in paths] == [200, 404, 404]  # known now
        with Stream(wire.server.url, key) as stream:
            result = newswire("key", "revoke", key.split("_")[1], db=wire.db)
            assert result.returncode == 0, result.stderr.decode()
            assert stream.wait_closed().endswith("was revoked")  # the server knows
        for path in paths:
            response = client.get(path)
            assert response.status_code == 401, path
            assert "revoked" in response.json()["detail"]


def test_a_suspended_subscriber_is_refused_and_its_streams_closed(wire):
    start = wire.last_seq()
    with wire.stream("epsilon", after=start) as stream:
        result = newswire("subscriber", "suspend", "epsilon", db=wire.db)
        assert result.returncode == 0, result.stderr.decode()
        assert stream.wait_closed() == "subscriber epsilon is suspended"
    for path in ("/v1/feed", "/v1/stream", "/v1/items/urn:life:scopes"):
        response = wire.client("epsilon").get(path)
        assert response.status_code == 403, path
        assert response.json()["field"] == "Authorization"
        assert "suspended" in response.json()["detail"]
    with pytest.raises(InvalidStatus) as refused, wire.ws("epsilon"):
        pass
    assert refused.value.response.status_code == 403
