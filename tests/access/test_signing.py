"""Signed links: what was signed opens until it expires; nothing else ever does."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswire.access.signing import MAX_TTL, PUBLIC, check, sign
from newswire.errors import BadInput, Forbidden

SECRET = bytes(range(32))
NOW = 1_800_000_000.0
PATH = "/v1/items/urn:newsml:aa.com.tr:20250301:1/versions/1/renditions/original"


def parts(query: str) -> tuple[str, str, str]:
    q = {k: v[0] for k, v in parse_qs(query).items()}
    return q["expires"], q["by"], q["signature"]


def test_a_signed_link_opens_until_it_expires():
    expires, by, signature = parts(sign(SECRET, PATH, "k1abc", ttl=600, now=NOW))
    assert check(SECRET, PATH, expires, by, signature, now=NOW + 599) == ("k1abc", NOW + 600)
    with pytest.raises(Forbidden, match="expired") as err:
        check(SECRET, PATH, expires, by, signature, now=NOW + 600)
    assert err.value.field == "expires"


@given(
    path=st.sampled_from([PATH, PATH + "x", PATH.replace("original", "preview"), "/"]),
    later=st.integers(min_value=-3600, max_value=3600),
    by=st.sampled_from(["k1abc", "k1abd", PUBLIC]),
)
def test_no_part_of_a_signed_link_can_be_changed(path, later, by):
    expires, signed_by, signature = parts(sign(SECRET, PATH, "k1abc", ttl=3600, now=NOW))
    moved = str(int(expires) + later)
    if (path, moved, by) == (PATH, expires, signed_by):
        assert check(SECRET, path, moved, by, signature, now=NOW)
        return
    with pytest.raises(Forbidden) as err:
        check(SECRET, path, moved, by, signature, now=NOW)
    assert err.value.field == "signature"


def test_another_deployments_secret_signs_nothing_here():
    expires, by, signature = parts(sign(bytes(32), PATH, PUBLIC, now=NOW))
    with pytest.raises(Forbidden, match="not signed by newswire"):
        check(SECRET, PATH, expires, by, signature, now=NOW)


@pytest.mark.parametrize(
    ("expires", "by", "signature", "field"),
    [
        (None, "k1", "x", "expires"),
        ("1", None, "x", "by"),
        ("1", "k1", None, "signature"),
        ("soon", "k1", "x", "expires"),
        ("١٨٠٠٠٠٠٠٠٠", "k1", "x", "expires"),  # Arabic-Indic digits are not a time here
        ("9" * 40, "k1", "x", "expires"),
        ("1", "k1\nother", "x", "signature"),
    ],
)
def test_a_link_missing_or_mangling_a_part_is_refused_naming_it(expires, by, signature, field):
    with pytest.raises(Forbidden) as err:
        check(SECRET, PATH, expires, by, signature, now=NOW)
    assert err.value.field == field


@pytest.mark.parametrize("ttl", [0, -1, MAX_TTL + 1])
def test_a_lifetime_out_of_bounds_is_refused(ttl):
    with pytest.raises(BadInput) as err:
        sign(SECRET, PATH, PUBLIC, ttl=ttl, now=NOW)
    assert err.value.field == "ttl"
