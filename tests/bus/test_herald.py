"""A writer never waits for the bus: a version is stored and acknowledged, then announced.

The server here is given a NATS URL where nothing listens (each try to reach it takes
seconds): publishing through it still answers at once, and its own subscribers still
receive everything, from the store."""

from __future__ import annotations

import json

import httpx

from tests.delivery.wire import ARABIC, NINJS, Stream, ninjs_doc
from tests.helpers import Server, free_port, make_key, newswire

ITEMS = 20
GUARD = 60.0


def test_publishing_answers_and_streams_deliver_while_the_bus_is_unreachable(store_url, tmp_path):
    db = store_url
    for args in (
        ("product", "add", "ar-full", "--access", "full", "--lang", "ar"),
        ("subscriber", "add", "alpha", "--product", "ar-full"),
    ):
        assert newswire(*args, db=db).returncode == 0
    reader = make_key(db, "--subscriber", "alpha")
    desk = make_key(db, "--scope", "publish", "--name", "DESK")
    nowhere = f"nats://127.0.0.1:{free_port()}"
    server = Server(db, "--bus", nowhere, env={"NEWSWIRE_SEARCH_INDEX": str(tmp_path / "i")})
    try:
        stream = Stream(server.url, reader, after=0)
        assert stream.status == 200
        # A guard, not a measure: one try to reach the bus takes longer than this, so a
        # writer that waited for it would fail here.
        headers = {**NINJS, "Authorization": f"Bearer {desk}"}
        with httpx.Client(base_url=server.url, timeout=1.5, headers=headers) as client:
            seqs = []
            for n in range(ITEMS):
                doc = ninjs_doc(f"urn:test:herald:{n}", f"خبر {n}", ARABIC, "ar")
                response = client.post("/v1/items", content=json.dumps(doc).encode())
                assert response.status_code == 201, response.text
                seqs.append(response.json()["sequence"])
        assert stream.wait_for(lambda _: len(stream.seqs()) >= ITEMS, GUARD)
        assert stream.seqs() == seqs
        stream.close()
    finally:
        server.close()
