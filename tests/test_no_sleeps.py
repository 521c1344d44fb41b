"""Tests wait for events, not for time (issue 11): no test sleeps, and none asserts a
duration. Durations belong in ``bench/``.

A test that must know something happened waits for what tells it: a stream's frame, a
long poll's answer, a receiver of its own, a sentinel item published after what must not
come, a metric. Where nothing announces the condition (a server's port opening, a row a
periodic flush writes, the search index taking an item in), the one shared bounded retry
loop, ``tests.helpers.retry_until``, waits for it; that is the only place allowed to sleep.

This module reads every test file's syntax tree and fails on:

- a call to ``time.sleep``, ``asyncio.sleep``, ``anyio.sleep``, ``trio.sleep`` or a bare
  ``sleep`` (whatever the argument), Playwright's ``wait_for_timeout``, or ``.wait(...)``
  on an ``Event`` made on the spot (a sleep in disguise), outside ``ALLOWED``;
- an ``assert`` comparing a clock reading (``time.monotonic()``, ``perf_counter()``,
  ``time.time()``, ``datetime.now()``..., or a name computed from one in the same
  function) with a number or a ``timedelta``: ``assert took < 2``,
  ``assert time.monotonic() - started < 8``, ``assert late <= 1.5``. Comparing two
  instants (``assert arrived >= embargo.timestamp()``: not before its time) is an order,
  not a duration, and passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ALLOWED = {("helpers.py", "retry_until")}
"""(file under tests/, function) where sleeping is the point: the one bounded retry."""

SLEEPERS = {"time", "asyncio", "anyio", "trio"}
CLOCKS = {
    ("time", "monotonic"), ("time", "monotonic_ns"), ("time", "perf_counter"),
    ("time", "perf_counter_ns"), ("time", "time"), ("time", "time_ns"),
    ("datetime", "now"), ("datetime", "utcnow"), ("loop", "time"),
}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _dotted(node: ast.AST) -> tuple[str, str] | None:
    """``(owner, attribute)`` of a call's function ``owner.attribute``; ``("", name)``
    of a bare name."""
    if isinstance(node, ast.Attribute):
        owner = node.value
        name = owner.id if isinstance(owner, ast.Name) else (
            owner.attr if isinstance(owner, ast.Attribute) else ""
        )
        return name, node.attr
    if isinstance(node, ast.Name):
        return "", node.id
    return None


def _is_clock(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _dotted(node.func) in CLOCKS


class Taint:
    """What holds a clock reading or arithmetic on one: names assigned from one in a
    function (``took = time.monotonic() - began``), lists appended one, attributes set to
    one anywhere in the file (``self.finished_at = time.monotonic()``)."""

    def __init__(self, names: set[str] | None = None, attrs: set[str] | None = None):
        self.names, self.attrs = names or set(), attrs or set()

    def __or__(self, other: Taint) -> Taint:
        return Taint(self.names | other.names, self.attrs | other.attrs)

    def reads(self, node: ast.AST | None) -> bool:
        """Whether ``node`` is a time, or arithmetic on times."""
        match node:
            case ast.Call() if _is_clock(node):
                return True
            case ast.Name(id=name):
                return name in self.names
            case ast.Attribute(attr=attr):
                return attr in self.attrs
            case ast.BinOp(left=left, right=right):
                return self.reads(left) or self.reads(right)
            case ast.UnaryOp(operand=operand):
                return self.reads(operand)
            case ast.Subscript(value=value):
                return self.reads(value)
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                return any(self.reads(e) for e in elts)
            case ast.Call(func=ast.Attribute(value=owner)):  # (a - b).total_seconds()
                return self.reads(owner)
            case ast.Call(func=ast.Name(id="max" | "min" | "abs" | "round" | "float"), args=args):
                return any(self.reads(a) for a in args)
        return False

    def learn(self, scope: ast.AST) -> Taint:
        """This taint grown by what ``scope`` assigns from times, until nothing more."""
        taint = Taint(set(self.names), set(self.attrs))
        nodes = list(ast.walk(scope))
        while True:
            before = len(taint.names) + len(taint.attrs)
            for node in nodes:
                if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
                    if not taint.reads(node.value):
                        continue
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        for n in ast.walk(target):
                            if isinstance(n, ast.Name):
                                taint.names.add(n.id)
                            elif isinstance(n, ast.Attribute):
                                taint.attrs.add(n.attr)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("append", "extend", "insert", "add")
                    and isinstance(node.func.value, ast.Name)
                    and any(taint.reads(a) for a in node.args)
                ):
                    taint.names.add(node.func.value.id)
            if len(taint.names) + len(taint.attrs) == before:
                return taint


def _has_amount(node: ast.AST) -> bool:
    """A number or a ``timedelta(...)`` in ``node``: what a duration is compared with."""
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            return True
        if isinstance(n, ast.Call) and _dotted(n.func) in (("", "timedelta"),
                                                           ("datetime", "timedelta")):
            return True
    return False


def _is_sleep(call: ast.Call) -> bool:
    name = _dotted(call.func)
    if name is None:
        return False
    owner, attr = name
    if attr == "sleep" and (owner in SLEEPERS or owner == ""):
        return True
    if attr == "wait_for_timeout":
        return True
    # threading.Event().wait(0.5), asyncio.Event().wait(): made only to time out
    return (
        attr == "wait"
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Call)
        and (_dotted(call.func.value.func) or ("", ""))[1] == "Event"
    )


def findings(source: str, filename: str = "<test>") -> list[str]:
    """What in ``source`` waits by sleeping or asserts a duration (``file:line: why``)."""
    tree = ast.parse(source)
    found: list[str] = []
    # Attributes are followed across the file; names within a function (and the module).
    attrs = Taint().learn(tree).attrs
    top = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.ClassDef))]
    module = Taint(attrs=attrs).learn(ast.Module(body=top, type_ignores=[]))

    def visit(node: ast.AST, function: str, taint: Taint) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function, taint = node.name, taint.learn(node)
        if (
            isinstance(node, ast.Call)
            and _is_sleep(node)
            and (filename, function) not in ALLOWED
        ):
            found.append(f"{filename}:{node.lineno}: sleeps ({ast.unparse(node)})")
        if isinstance(node, ast.Assert):
            for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
                operands = [compare.left, *compare.comparators]
                if (
                    any(isinstance(op, ORDERING) for op in compare.ops)
                    and any(taint.reads(o) for o in operands)
                    and any(_has_amount(o) for o in operands)
                ):
                    found.append(
                        f"{filename}:{node.lineno}: asserts a duration ({ast.unparse(compare)})"
                    )
        for child in ast.iter_child_nodes(node):
            visit(child, function, taint)

    visit(tree, "", module)
    return found


def test_no_test_sleeps_or_asserts_a_duration():
    found = [
        finding
        for path in sorted(TESTS.rglob("*.py"))
        for finding in findings(path.read_text(encoding="utf-8"),
                                path.relative_to(TESTS).as_posix())
    ]
    assert not found, "wait for an event instead (see this module's docstring):\n" + "\n".join(
        found
    )


# --- the checker itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import time\ntime." "sleep(0.2)",  # (split: a grep for sleeps finds none here)
        "import asyncio\nasync def f():\n    await asyncio." "sleep(0.05)",
        "import anyio\nasync def f():\n    await anyio.sleep(0.02)",
        "from time import sleep\ndef f():\n    sleep(1)",
        "def f(page):\n    page.wait_for_timeout(500)",
        "import threading\ndef f():\n    threading.Event().wait(0.5)",
        "import time\ndef f():\n    began = time.monotonic()\n    took = time.monotonic() - began"
        "\n    assert took < 2",
        "import time\ndef f():\n    started = time.monotonic()\n"
        "    assert time.monotonic() - started < 8, 'no heartbeats'",
        "import time\ndef f(arrived):\n    sent = time.monotonic()\n    assert arrived - sent < 1.5",
        "from datetime import UTC, datetime\ndef f(embargo):\n"
        "    late = (datetime.now(UTC) - embargo).total_seconds()\n    assert late <= 1.5",
        "from datetime import UTC, datetime, timedelta\ndef f(lift):\n"
        "    assert datetime.now(UTC) < lift + timedelta(seconds=2)",
        "import time\ndef f(t):\n    assert (time.perf_counter() - t) * 1000 < 50",
        "import time\ndef f():\n    beats, started = [], time.monotonic()\n"
        "    beats.append(time.monotonic() - started)\n    assert beats[-1] < 4",
        "import time\ndef f(result, published):\n    began = time.monotonic()\n"
        "    result['took'], result['at'] = time.monotonic() - began, time.monotonic()\n"
        "    assert result['at'] - published < 2.0",
        "import time\nclass Burst:\n    def run(self):\n        self.finished_at = time.monotonic()\n"
        "def f(burst, reconnected):\n    assert burst.finished_at - reconnected < 1",
    ],
)
def test_the_checker_finds_sleeps_and_durations(source):
    assert findings(source)


@pytest.mark.parametrize(
    "source",
    [
        "def f(stream):\n    assert stream.done.wait(10)",
        "def f(entries):\n    assert len(entries) < 5",
        "from datetime import UTC, datetime, timedelta\ndef f():\n"
        "    embargo = datetime.now(UTC) + timedelta(seconds=4)\n"
        "    assert datetime.now(UTC) < embargo, 'too slow: the checks ran after the lift'",
        "def f(arrived, embargo):\n    assert arrived >= embargo.timestamp()",
        "import time\ndef f(check):\n    deadline = time.monotonic() + 40\n"
        "    while time.monotonic() < deadline:\n        check()",
        "import anyio.lowlevel\nasync def f():\n    await anyio.lowlevel.checkpoint()",
    ],
)
def test_the_checker_lets_events_and_orders_be(source):
    assert findings(source) == []


def test_only_the_shared_retry_may_sleep():
    allowed = "import time\ndef retry_until(check):\n    time." "sleep(0.05)"
    assert findings(allowed, "helpers.py") == []
    assert findings(allowed, "delivery/wire.py")
