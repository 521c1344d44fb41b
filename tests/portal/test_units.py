"""The portal's small parts, without a server: topic matching, the diff, where a login may
send the browser, the failed-login limiter, the interface strings."""

from __future__ import annotations

import pytest

from newswire.access.accounts import (
    LoginLimiter,
    Session,
    Topic,
    check_email,
    new_session,
    verify_password,
)
from newswire.access.accounts import hash_password as hashed
from newswire.errors import BadInput
from newswire.model import Concept, NewsItem
from newswire.store import open_store
from newswire.web.portal.items import diff
from newswire.web.portal.live import Filters, matches
from newswire.web.portal.words import WORDS
from newswire.web.sessions import safe_next
from tests.helpers import query

ITEM = NewsItem(
    id="urn:x",
    language="ar",
    headline="المساعدات الإنسانية تصل إلى قطاع غزة",
    body=["وصلت شاحنات المساعدات عبر معبر رفح.", "وقال مسؤولون إن الوضع صعب."],
    urgency=2,
    subjects=[Concept(code="medtop:20000053")],  # within conflict (16000000)
)


def topic(query: str, **filters) -> Topic:
    return Topic(id="t", account="a", name="n", query=query, **filters)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("مساعدات", True),  # المساعدات, analysed alike
        ("بالمساعدات", True),
        ('"قطاع غزة"', True),
        ('"غزة قطاع"', False),  # a phrase keeps its order
        ("غزة رفح", True),
        ("غزة لبنان", False),  # every word must match
        ("لبنان OR رفح", True),
        ("غزة -رفح", False),
        ("غزة -لبنان", True),
        ("مسؤولون", True),
        ("\"معبر رفح\" OR سوريا", True),
    ],
)
def test_a_topic_matches_as_the_search_engine_would(query, found):
    assert matches(topic(query), ITEM) is found


def test_a_topics_filters_apply_too():
    assert matches(topic("غزة", lang="ar", subject="medtop:16000000", urgency="1-2"), ITEM)
    assert not matches(topic("غزة", lang="en"), ITEM)
    assert not matches(topic("غزة", subject="medtop:15000000"), ITEM)
    assert not matches(topic("غزة", urgency="1"), ITEM)
    assert not matches(topic("-غزة"), ITEM)  # a query that cannot be searched matches nothing


def test_filters_are_checked():
    assert Filters.of("ar", "16000000", "1-2") == Filters(
        "ar", "medtop:16000000", "1-2"
    )
    for bad in (("a r", "", ""), ("", "medtop:1", ""), ("", "", "0")):
        with pytest.raises(BadInput):
            Filters.of(*bad)


def test_the_diff_marks_changed_words_and_whole_paragraphs():
    pieces = diff(["a b c", "same", "gone"], ["a x c", "same", "new one"])
    assert pieces[0] == [("same", "a"), ("del", "b"), ("ins", "x"), ("same", "c")]
    assert pieces[1] == [("same", "same")]
    assert pieces[2] == [("del", "gone"), ("ins", "new one")]
    added = diff(["one"], ["one", "two", "three"])
    assert added == [[("same", "one")], [("ins", "two")], [("ins", "three")]]
    removed = diff(["one", "two"], ["two"])
    assert removed == [[("del", "one")], [("same", "two")]]


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/portal/items/urn:x?version=2", "/portal/items/urn:x?version=2"),
        ("/console", "/console"),
        (None, "/portal"),
        ("", "/portal"),
        ("portal", "/portal"),
        ("//evil.example", "/portal"),
        ("/\\evil.example", "/portal"),
        ("https://evil.example/portal", "/portal"),
        ("/portal\r\nSet-Cookie: x=1", "/portal"),
    ],
)
def test_only_paths_of_this_site_are_followed(target, lands):
    assert safe_next(target) == lands


def test_failed_logins_through_one_process_count_against_another(store_url):
    """Two handles on one database stand for two processes (or nodes): the failures
    either sees are counted in the same buckets, in the store."""
    one, two = open_store(store_url), open_store(store_url)
    try:
        a = LoginLimiter(one.coordination, limit=3, window=60.0)
        b = LoginLimiter(two.coordination, limit=3, window=60.0)
        keys = ["email:a@b.c", "ip:1.2.3.4"]
        now = 1_000_000.0
        for limiter, at in ((a, now), (b, now + 1), (a, now + 2)):
            assert a.wait(keys, at) == 0 and b.wait(keys, at) == 0
            limiter.failed(keys, at)
        # Three failures (two through one, one through the other): both refuse, until
        # the bucket has refilled one (3 a minute: one every 20 s, 0.15 back by now+3).
        assert b.wait(keys, now + 3) == a.wait(keys, now + 3) == 18
        assert b.wait(["ip:1.2.3.4"], now + 3) > 0  # the address, whatever the email
        assert b.wait(["email:a@b.c", "ip:5.6.7.8"], now + 3) > 0
        assert b.wait(["email:other", "ip:5.6.7.8"], now + 3) == 0
        assert a.wait(keys, now + 20) == 0  # one more try is due...
        b.failed(keys, now + 20)
        assert a.wait(keys, now + 21) > 0  # ... and it was spent through the other
        assert a.wait(keys, now + 120) == 0  # a quiet while refills the buckets
        # Asking does not take: only failures count.
        for _ in range(10):
            assert b.wait(["email:patient@b.c"], now) == 0
        # The store keeps a hash of each key, never the email or the address.
        rows = query(store_url, "SELECT who FROM rate_buckets")
        assert rows and all(who.startswith("login:") for (who,) in rows)
        assert not any("a@b.c" in who or "1.2.3.4" in who for (who,) in rows)
    finally:
        one.close()
        two.close()


def test_failed_logins_leave_no_row_once_their_buckets_are_full_again(store_url):
    """Made-up emails flooding a login form leave rows only while they could still
    refuse someone: once refilled, the server's sweep removes them; a lockout still
    running stays and still refuses; asking whether one may try writes nothing."""
    store = open_store(store_url)
    try:
        limiter = LoginLimiter(store.coordination, limit=3, window=60.0)
        now = 1_000_000.0
        for n in range(30):  # one failure each: full again 20 s later (3 a minute)
            limiter.failed([f"email:made-up-{n}@x.y", f"ip:10.0.{n}.1"], now)
        victim = ["email:victim@b.c", "ip:5.6.7.8"]
        for n in range(3):
            limiter.failed(victim, now + 15 + n)
        assert limiter.wait(victim, now + 20) == 16  # locked out
        assert store.coordination.forget_full_buckets(now + 20) == 60
        assert len(query(store_url, "SELECT who FROM rate_buckets")) == 2  # the victim's
        assert limiter.wait(victim, now + 20) == 16  # still locked out
        assert limiter.wait(["email:made-up-0@x.y", "ip:10.0.0.1"], now + 20) == 0
        for n in range(10):
            assert limiter.wait([f"email:asking-{n}@x.y", "ip:9.9.9.9"], now + 20) == 0
        assert len(query(store_url, "SELECT who FROM rate_buckets")) == 2
    finally:
        store.close()


def test_passwords_and_sessions():
    stored = hashed("a-good-long-password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a-good-long-password")
    assert not verify_password(stored, "a-good-long-passworD")
    assert not verify_password(None, "a-good-long-password")  # unknown email: dummy hash
    assert not verify_password("not a hash", "x")
    token, session = new_session("acct")
    assert isinstance(session, Session) and token not in (session.id, session.csrf)
    assert not session.expired(session.created_at)
    assert session.expired(session.expires_at)
    assert check_email("  Ali@Example.COM ") == "ali@example.com"
    for bad in ("ali", "ali@", "@x.y", "a b@c.d", "a@b"):
        with pytest.raises(BadInput):
            check_email(bad)


def test_every_string_is_in_both_languages():
    assert set(WORDS["ar"]) == set(WORDS["en"])
    for lang, words in WORDS.items():
        for key, text in words.items():
            assert text.strip(), (lang, key)
