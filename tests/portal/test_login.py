"""Logging in and out of the portal: passwords, the session cookie, CSRF, rate limits,
sessions that end (logout, suspension, removal, a new password), and the CLI."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote

import httpx
import lxml.html
import pytest

from tests.helpers import Server, everything_stored, newswire
from tests.portal.conftest import ACCOUNTS, PASSWORD, World, cli, csrf_of, login


@pytest.mark.any_store
def test_the_login_page_is_arabic_first_and_carries_a_csrf_token(world: World):
    with world.client() as c:
        page = c.get("/login")
        assert page.status_code == 200
        assert '<html lang="ar" dir="rtl">' in page.text
        assert 'for="email"' in page.text and 'for="password"' in page.text
        token = csrf_of(page.text)
        assert page.cookies.get("nw_login") == token
        english = c.get("/login", params={"lang": "en"})
        assert '<html lang="en" dir="ltr">' in english.text and "Log in" in english.text


def test_a_wrong_password_is_a_401_page_with_a_message_and_no_session(world: World):
    with world.client() as c:
        refused = login(c, "reader@daily.example", "not-the-password")
        assert refused.status_code == 401
        assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in refused.text
        assert "nw_session" not in refused.headers.get("set-cookie", "")
        assert "nw_session" not in c.cookies
        assert c.get("/portal").status_code == 303
        # An unknown email gets the very same answer (and takes as long: a dummy hash).
        unknown = login(c, "nobody@daily.example", PASSWORD)
        assert unknown.status_code == 401 and "غير صحيحة" in unknown.text


@pytest.mark.any_store
def test_a_login_without_the_forms_token_is_refused(world: World):
    with world.client() as c:
        c.get("/login")
        data = {"email": "reader@daily.example", "password": PASSWORD, "next": "/portal"}
        assert c.post("/login", data=data).status_code == 403
        assert c.post("/login", data={**data, "csrf": "forged"}).status_code == 403
        assert "nw_session" not in c.cookies


def test_the_session_cookie_is_httponly_lax_and_stored_hashed(world: World):
    with world.client() as c:
        answer = login(c, "reader@daily.example", PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/portal"
        cookie = next(
            h for h in answer.headers.get_list("set-cookie") if h.startswith("nw_session=")
        )
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path", "samesite"} <= flags
        assert "samesite=lax" in cookie.lower() and "path=/;" in cookie.lower() + ";"
        assert "secure" not in flags  # plain http here; https adds Secure
        token = c.cookies["nw_session"]
        assert len(token) >= 43  # 32 random bytes
        hashes = [r[0] for r in world.sql("SELECT hash FROM sessions")]
        assert hashlib.sha256(token.encode()).hexdigest() in hashes
        assert token not in repr(world.sql("SELECT * FROM sessions"))


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/portal/search?q=x", "/portal/search?q=x"),
        ("https://evil.example/", "/portal"),
        ("//evil.example/x", "/portal"),
        ("/\\evil.example", "/portal"),
        ("javascript:alert(1)", "/portal"),
    ],
)
@pytest.mark.any_store
def test_after_login_only_paths_of_this_site_are_followed(world: World, asked, lands):
    with world.client() as c:
        answer = login(c, "reader@daily.example", PASSWORD, next=asked)
        assert answer.status_code == 303
        assert answer.headers["location"] == lands


@pytest.mark.any_store
def test_pages_need_a_login_and_come_back_after_it(world: World):
    with world.client() as c:
        first = c.get("/portal/search", params={"q": "غزة"})
        assert first.status_code == 303
        location = first.headers["location"]
        assert location.startswith("/login?next=")
        back_to = unquote(location.split("next=", 1)[1])
        assert back_to.startswith("/portal/search?q=")
        answer = login(c, "reader@daily.example", PASSWORD, next=back_to)
        assert answer.headers["location"] == back_to


@pytest.mark.any_store
def test_a_state_changing_form_without_the_sessions_token_is_403(world: World):
    with world.login("reader@daily.example") as c:
        page = c.get("/portal/topics")
        token = csrf_of(page.text)
        for data in ({"name": "no-token", "q": "غزة"}, {"name": "no-token", "q": "غزة", "csrf": "x"}):
            assert c.post("/portal/topics", data=data).status_code == 403
        # Another session's token is no good either.
        with world.login("reader@daily.example") as other:
            theirs = csrf_of(other.get("/portal/topics").text)
        assert theirs != token
        data = {"name": "no-token", "q": "غزة", "csrf": theirs}
        assert c.post("/portal/topics", data=data).status_code == 403
        assert "no-token" not in c.get("/portal/topics").text
        assert c.post("/logout", data={"csrf": "wrong"}).status_code == 403
        assert c.get("/portal").status_code == 200


def test_logout_ends_the_session(world: World):
    with world.login("reader@daily.example") as c:
        token = c.cookies["nw_session"]
        page = c.get("/portal")
        assert page.status_code == 200
        out = c.post("/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"].startswith("/login")
        hashed = hashlib.sha256(token.encode()).hexdigest()
        assert world.sql("SELECT 1 FROM sessions WHERE hash = ?", (hashed,)) == []
    # The old cookie, replayed, opens nothing.
    with world.client() as c:
        c.cookies.set("nw_session", token)
        assert c.get("/portal").status_code == 303
        assert c.get("/portal/stream").status_code == 401


def test_a_suspended_subscribers_session_is_refused_and_its_stream_closed(world: World):
    c = world.login("reader@gone.example")
    try:
        assert c.get("/portal").status_code == 200
        with c.stream("GET", "/portal/stream", timeout=15) as stream:
            assert stream.status_code == 200
            cli(world.db, "subscriber", "suspend", "gone")
            closed = None
            for line in stream.iter_lines():
                if line.startswith("event: close"):
                    closed = line
                    break
            assert closed is not None
        assert c.get("/portal").status_code == 303
        again = login(c, "reader@gone.example", PASSWORD)
        assert again.status_code == 403 and "nw_session" not in again.headers.get("set-cookie", "")
        cli(world.db, "subscriber", "activate", "gone")
        assert login(c, "reader@gone.example", PASSWORD).status_code == 303
    finally:
        c.close()


def test_passwords_are_stored_as_argon2id_hashes_only(world: World):
    rows = world.sql("SELECT email, password FROM accounts")
    assert {r[0] for r in rows} >= set(ACCOUNTS)
    for _, stored in rows:
        assert stored.startswith("$argon2id$")
        assert PASSWORD not in stored
    assert PASSWORD not in everything_stored(world.db)


def test_an_agency_account_reads_everything_but_a_reader_cannot_manage_accounts(world: World):
    with world.login("editor@agency.example") as c:
        wire = c.get("/portal").text
        assert world.english_id in wire and world.long_id in wire
        assert c.get("/portal/accounts").status_code == 403
    with world.login("reader@daily.example") as c:
        refused = c.get("/portal/accounts")
        assert refused.status_code == 403
        # The refusal is in Arabic words, and said to be Arabic (it was marked English).
        detail = lxml.html.fromstring(refused.text).xpath("//p[@class='error']")[0]
        assert re.search("[\u0600-\u06ff]", detail.text_content())
        assert (detail.get("lang"), detail.get("dir")) == ("ar", "rtl")


def test_a_portal_admin_manages_its_subscribers_accounts(world: World):
    with world.login("boss@daily.example") as c:
        page = c.get("/portal/accounts")
        assert page.status_code == 200
        assert "reader@daily.example" in page.text and "reader@teasers.example" not in page.text
        made = c.post(
            "/portal/accounts", data={"csrf": csrf_of(page.text), "email": "New@Daily.example"}
        )
        assert made.status_code == 201
        password = re.search(r'class="password" dir="ltr">([^<]+)<', made.text).group(1)
        assert len(password) >= 10
        with world.login("new@daily.example", password) as newcomer:
            assert newcomer.get("/portal").status_code == 200
            assert newcomer.get("/portal/accounts").status_code == 403
        account_id = world.sql("SELECT id FROM accounts WHERE email = 'new@daily.example'")[0][0]
        teaser_id = world.sql("SELECT id FROM accounts WHERE email = 'reader@teasers.example'")[0][0]
        token = csrf_of(c.get("/portal/accounts").text)
        # Another subscriber's account is not this admin's to remove.
        assert c.post(f"/portal/accounts/{teaser_id}/remove", data={"csrf": token}).status_code == 404
        gone = c.post(f"/portal/accounts/{account_id}/remove", data={"csrf": token})
        assert gone.status_code == 303
        with world.client() as stranger:
            assert login(stranger, "new@daily.example", password).status_code == 401


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"email": "not-an-email"}, "email", "اكتب عنوان بريد إلكتروني صحيحًا"),
        ({"email": "READER@daily.example"}, "email", "يوجد حساب بهذا البريد الإلكتروني"),
        ({"email": "kept@daily.example", "account_lang": "zz"}, "account_lang", "اختر العربية"),
    ],
)
@pytest.mark.any_store
def test_a_bad_new_account_is_said_beside_its_field_in_the_readers_words(
    world: World, form, field, said
):
    with world.login("boss@daily.example") as c:
        token = csrf_of(c.get("/portal/accounts").text)
        refused = c.post("/portal/accounts", data={"csrf": token, **form})
    assert refused.status_code == 400
    error = re.search(rf'<span class="field-error" id="err-{field}" role="alert">([^<]+)<', refused.text)
    assert error and said in error.group(1)
    control = re.search(rf'<(?:input|select) id="new-[a-z]+" name="{field}"[^>]*>', refused.text).group(0)
    assert 'aria-invalid="true"' in control and f'aria-describedby="err-{field}"' in control
    assert f'value="{form["email"]}"' in refused.text  # as typed, to be put right
    assert world.sql("SELECT 1 FROM accounts WHERE email = 'kept@daily.example'") == []


# --- the CLI -------------------------------------------------------------------------------


@pytest.mark.any_store
def test_account_add_refuses_bad_input(world: World):
    cases = [
        (("account", "add", "not-an-email", "--subscriber", "daily"), 2, "email"),
        (("account", "add", "x@daily.example", "--subscriber", "nobody"), 1, "subscriber"),
        (("account", "add", "x@daily.example"), 2, "subscriber"),
        (("account", "add", "x@daily.example", "--scope", "root"), 2, "scope"),
        (("account", "add", "x@agency.example", "--scope", "publish", "--subscriber", "daily"), 2, "agency"),
        (("account", "add", "READER@daily.example", "--subscriber", "daily"), 1, "exists"),
    ]
    for args, code, word in cases:
        result = newswire(*args, db=world.db)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.decode().startswith("newswire:") and word in result.stderr.decode()
    short = newswire(
        "account", "add", "x@daily.example", "--subscriber", "daily", "--password-stdin",
        db=world.db, input=b"short\n",
    )
    assert short.returncode == 2 and "10 characters" in short.stderr.decode()
    assert world.sql("SELECT 1 FROM accounts WHERE email = 'x@daily.example'") == []


def test_a_generated_password_is_printed_once_and_works(world: World):
    out = cli(world.db, "account", "add", "made@daily.example", "--subscriber", "daily",
              process=True)
    password = out.strip().splitlines()[-1]
    assert len(password) >= 10
    c = world.login("made@daily.example", password)
    listed = cli(world.db, "account", "list", "--subscriber", "daily", process=True)
    assert "made@daily.example" in listed and password not in listed
    # A new password ends the account's sessions; the old one no longer logs in.
    cli(world.db, "account", "password", "made@daily.example", "--password-stdin",
        input=b"another-long-password\n", process=True)
    assert c.get("/portal").status_code == 303
    with world.client() as stranger:
        assert login(stranger, "made@daily.example", password).status_code == 401
    c.close()
    with world.login("made@daily.example", "another-long-password") as c:
        cli(world.db, "account", "remove", "made@daily.example", process=True)
        assert c.get("/portal").status_code == 303
    assert "made@daily.example" not in cli(world.db, "account", "list", process=True)
    assert newswire("account", "remove", "made@daily.example", db=world.db).returncode == 1


def test_failed_logins_are_limited_per_email_and_per_address(store_url):
    db = store_url
    cli(db, "product", "add", "p", "--access", "full")
    cli(db, "subscriber", "add", "s", "--product", "p")
    for email in ("a@s.example", "b@s.example"):
        cli(db, "account", "add", email, "--subscriber", "s", "--password-stdin",
            input=PASSWORD.encode() + b"\n")
    server = Server(db)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            for _ in range(10):
                assert login(c, "a@s.example", "wrong-password").status_code == 401
            limited = login(c, "a@s.example", PASSWORD)  # even the right password, now
            assert limited.status_code == 429
            assert "محاولات فاشلة كثيرة" in limited.text
            assert int(limited.headers["retry-after"]) > 0  # when to try again, in seconds
            # The page's minutes are never sooner than that (88 s was "after 1 minute").
            said = re.search(r"بعد (دقيقة واحدة|دقيقتين|\d+ دقائق|\d+ دقيقة)\.", limited.text)
            assert said is not None, limited.text  # the count's noun as Arabic agrees it
            count = {"دقيقة واحدة": 1, "دقيقتين": 2}.get(said.group(1)) or int(said.group(1).split()[0])
            assert count * 60 >= int(limited.headers["retry-after"])
            # The address has had its ten failures too: another email from it waits.
            assert login(c, "b@s.example", PASSWORD).status_code == 429
    finally:
        server.close()


@pytest.mark.parametrize(
    "lang,n,said",
    [("ar", 1, "دقيقة واحدة"), ("ar", 2, "دقيقتين"), ("ar", 3, "3 دقائق"), ("ar", 10, "10 دقائق"),
     ("ar", 11, "11 دقيقة"), ("ar", 15, "15 دقيقة"), ("ar", 103, "103 دقائق"),
     ("en", 1, "1 minute"), ("en", 2, "2 minutes")],
)
def test_minutes_are_counted_as_each_language_counts(lang, n, said):
    # "بعد 2 دقيقة" was said for two minutes: Arabic has a dual, and 3 to 10 a plural.
    from newswire.web.portal.words import minutes

    assert minutes(lang, n) == said
