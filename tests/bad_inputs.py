"""Hostile and broken inputs every way in must refuse: (file name, bytes, reason pattern)."""

from __future__ import annotations

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x">&lol4;</newsItem>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE nitf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<nitf><head><title>&xxe;</title></head><body><body.content><p>&xxe;</p></body.content></body></nitf>
"""
DOCTYPE = b"""<?xml version="1.0"?>
<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">
<nitf><head><title>t</title></head><body><body.content><p>p</p></body.content></body></nitf>
"""
OTHER_XML = (
    b"""<?xml version="1.0"?><catalog><book id="1"><title>not news</title></book></catalog>"""
)
OTHER_JSON = b'{"name": "not ninjs", "values": [1, 2, 3]}'
NOT_UTF8 = "رئيس الاستخبارات\n\nنص الخبر".encode("cp1256")
HEADLINE_ONLY = "رئيس الاستخبارات التركي يلتقي وفدا من حماس\n".encode()

BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("not-utf8.txt", NOT_UTF8, "UTF-8"),
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n \n", "empty"),
    ("headline-only.txt", HEADLINE_ONLY, "body"),
    ("doctype.xml", DOCTYPE, "DOCTYPE"),
    ("xxe.xml", XXE, "DOCTYPE"),
    ("billion-laughs.xml", BILLION_LAUGHS, "DOCTYPE"),
    ("other.xml", OTHER_XML, "catalog|format"),
    ("other.json", OTHER_JSON, "ninjs|format"),
]
