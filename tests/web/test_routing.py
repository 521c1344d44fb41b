"""``newswire.web.routing.Router``: a path none of a router's routes takes is no match at
once; a path one takes is matched as FastAPI matches it (a wrong method: a partial match,
so that the answer is a 405 naming the methods)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from starlette.routing import Match

from newswire.web.routing import Router


def _router() -> Router:
    router = Router(prefix="/v1/things")

    @router.get("/{thing_id}")
    def one(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @router.post("")
    def add() -> dict[str, str]:
        return {"added": "yes"}

    @router.get("/{thing_id}/parts/{part:path}")
    def part(thing_id: int, part: str) -> dict[str, str]:
        return {"part": part}

    return router


def scope(path: str, method: str = "GET") -> dict[str, object]:
    return {"type": "http", "path": path, "method": method, "root_path": ""}


def answers(app: FastAPI, *requests: tuple[str, str]) -> list[httpx.Response]:
    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.request(method, path) for method, path in requests]

    return asyncio.run(ask())


def test_a_path_no_route_takes_is_no_match_and_one_a_route_takes_is() -> None:
    router = _router()
    app = FastAPI()
    app.include_router(router)
    for path in ("/v1/thing", "/v1/thingsX/1", "/v2/things/1", "/", "/v1/things/1/parts"):
        assert router.matches(scope(path))[0] is Match.NONE, path
    one, part, added, head, bad, none, refused = answers(
        app,
        ("GET", "/v1/things/7"),
        ("GET", "/v1/things/7/parts/a/b"),
        ("POST", "/v1/things"),
        ("HEAD", "/v1/things/7"),
        ("GET", "/v1/things/x"),
        ("GET", "/v1/thingsX/1"),
        ("DELETE", "/v1/things/7"),
    )
    assert one.json() == {"id": 7} and part.json() == {"part": "a/b"}
    assert added.json() == {"added": "yes"}
    assert head.status_code == 200 and head.content == b""
    assert bad.status_code == 422  # the parameter's validation, as without the shortcut
    assert none.status_code == 404
    assert refused.status_code == 405 and "GET" in refused.headers["allow"]


def test_routes_added_later_are_matched_too() -> None:
    router = _router()
    assert router.matches(scope("/v1/things/1/extra"))[0] is Match.NONE

    @router.get("/{thing_id}/extra")
    def extra(thing_id: int) -> dict[str, int]:
        return {"extra": thing_id}

    app = FastAPI()
    app.include_router(router)
    assert answers(app, ("GET", "/v1/things/3/extra"))[0].json() == {"extra": 3}
