"""Hostile XML is refused by every XML codec, with the reason, never expanded or fetched."""

from __future__ import annotations

import pytest

from newswire.errors import ParseError
from newswire.formats import detect, newsml, nitf
from tests.conftest import FIXTURES

HOSTILE = ["billion_laughs.xml", "xxe.xml", "xxe_parameter_entity.xml", "doctype.xml"]
CODECS = {"newsml": newsml.CODEC, "nitf": nitf.CODEC}


@pytest.mark.parametrize("fmt", CODECS)
@pytest.mark.parametrize("name", HOSTILE)
def test_doctype_and_entities_are_refused(fmt, name):
    codec = CODECS[fmt]
    data = (FIXTURES / fmt / name).read_bytes()
    assert detect(data) is codec  # recognised past the DOCTYPE, so the refusal says why
    with pytest.raises(ParseError, match="DOCTYPE"):
        codec.parse(data)
