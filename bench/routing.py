"""How long finding a request's route takes in newswire's application, against FastAPI's
own matching of the same routes, side by side in one run.

    .venv/bin/python bench/routing.py                 # 2,000 lookups a path, best of 7
    .venv/bin/python bench/routing.py -n 500 --rounds 3

The application is ``create_app`` over a fresh temporary SQLite store (no server, no
lifespan: routing needs neither). For each path, the top-level routes are tried in order
as Starlette's router does (``route.matches(scope)`` until a full match), with:

- **newswire**: the routers as shipped (``newswire.web.routing.Router``: a path none of a
  router's routes takes is refused by one match of their patterns' union);
- **FastAPI**: the same routers with that shortcut off (``APIRouter.matches``), so FastAPI
  tries each route of each router in turn, as it does for a plain ``APIRouter``.

µs a lookup (``time.perf_counter``, the best round): CPU-bound, in one thread, so the
ratio is what matters on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match

PATHS = [
    ("GET", "/ar/"),
    ("GET", "/ar/news/urn:newswire:item:0"),
    ("GET", "/v1/feed"),
    ("GET", "/v1/items/urn:newswire:item:0"),
    ("POST", "/v1/items"),
    ("GET", "/v1/search"),
    ("GET", "/v1/admin/subscribers"),
    ("GET", "/portal"),
    ("GET", "/console"),
    ("GET", "/no/such/page"),
]


def lookup_us(routes: list[Any], method: str, path: str, n: int, rounds: int) -> float:
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            for route in routes:
                if route.matches(scope)[0] is Match.FULL:
                    break
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


@contextmanager
def fastapi_matching() -> Iterator[None]:
    from newswire.web.routing import Router

    shortcut = Router.matches
    Router.matches = APIRouter.matches  # type: ignore[method-assign]
    try:
        yield
    finally:
        Router.matches = shortcut  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="lookups a path and round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["NEWSWIRE_DB"] = f"sqlite:///{folder}/bench.db"
        from newswire.api.app import create_app
        from newswire.settings import Settings

        routes = create_app(Settings()).router.routes
        print(f"{'request':<42} {'newswire µs':>12} {'FastAPI µs':>11} {'ratio':>6}")
        for method, path in PATHS:
            ours = lookup_us(routes, method, path, args.n, args.rounds)
            with fastapi_matching():
                theirs = lookup_us(routes, method, path, args.n, args.rounds)
            print(f"{method + ' ' + path:<42} {ours:>12.1f} {theirs:>11.1f} {ours / theirs:>6.2f}")


if __name__ == "__main__":
    main()
