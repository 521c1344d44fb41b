"""What every ``newswire`` command shares: consoles, errors, the store, output helpers.

Output that scripts read (ids, rendered items, exports, keys) goes to stdout; progress
bars, tables of errors and messages go to stderr. Failures print ``newswire: <reason>``
and exit non-zero (2 for usage errors, 1 for everything else).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from newswire.errors import NewswireError
from newswire.settings import BY_NAME, int_setting
from newswire.store import Store, open_store

# rich's progress bars and tables are imported where one is made: most commands show
# neither, and every command imports this module.
if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

# Everything printed is data (ids, names, headlines, the reasons an error gives, which
# echo what the user typed): no rich markup (`[/]` in a subscriber's name raised a
# MarkupError) and no emoji codes (`urn:x:long` was shown as `urn❌long`). Styles are
# given as Text spans.
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False)
out = Console(soft_wrap=True, markup=False, emoji=False)

DbOption = Annotated[
    str,
    typer.Option("--db", envvar=BY_NAME["db"].env, help=BY_NAME["db"].help, show_default=True),
]
DB_DEFAULT = BY_NAME["db"].default


def counted(n: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``0 files``: the nouns the commands count take an s."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(Text.assemble(("newswire:", "red"), f" {message}"), highlight=False)
    return typer.Exit(code)


def with_store(db: str, action: Callable[[Store], object], *, create: bool = True) -> None:
    """Run ``action`` on the store at ``db`` (made if missing, unless ``create`` is False).
    When the action fails, a database file made for it and left untouched is removed
    again (the SQLite store's ``discard``): a command refused stores nothing, and leaves
    no empty database behind."""
    try:
        store = open_store(db, create=create)
    except NewswireError as exc:
        raise fail(str(exc), 2) from None
    done = False
    try:
        action(store)
        done = True
    except NewswireError as exc:
        raise fail(str(exc)) from None
    except BrokenPipeError:  # `newswire export - | head`: the reader has all it wanted
        sys.stderr.close()
        raise typer.Exit(0) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise fail(f"{where}{exc.strerror or exc}") from None
    finally:
        discard = None if done else getattr(store, "discard", None)
        (discard or store.close)()


def progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def int_setting_or_fail(name: str) -> int:
    try:
        return int_setting(name)
    except NewswireError as exc:
        raise fail(exc.detail, 2) from None


def print_rows(
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    *,
    whole: tuple[int, ...] = (),
    cut: tuple[int, ...] = (),
    fold: tuple[int, ...] = (),
) -> None:
    """A table on a terminal (columns in ``whole`` never wrap, those in ``cut`` end in an
    ellipsis, those in ``fold`` go on on the next line, a long URL whole all the same);
    tab-separated lines, nothing cut, when piped.

    On a terminal a time (``when``: ``2026-12-05T15:22Z``) is shown ``2026-12-05 15:22Z``,
    or its time under its date when the table is wider than the terminal, and never cut:
    ``key list`` on 80 columns showed its three times as ``2026-12-0…``."""
    if out.is_terminal:
        table = _table(header, rows, whole, cut, fold, narrow=False)
        # The table's own measure, not Measurement.get, which clamps it to the terminal.
        if table.__rich_measure__(out, out.options).maximum > out.width:
            table = _table(header, rows, whole, cut, fold, narrow=True)
        out.print(table)
    else:
        # A cell never breaks the line or the columns: a receiver's error text, an item's
        # headline may hold a tab or a line break, which would make rows of its own.
        sys.stdout.write(
            "".join("\t".join(c.translate(_ONE_LINE) for c in row) + "\n" for row in rows)
        )


_ONE_LINE = {ord(c): " " for c in "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
"""What ``str.splitlines`` and a tab-separated reader split on, each made a space."""


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
"""A time as ``when`` writes it."""


def _table(
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    whole: tuple[int, ...],
    cut: tuple[int, ...],
    fold: tuple[int, ...],
    *,
    narrow: bool,
) -> Table:
    from rich.table import Table

    table = Table(*header, box=None, padding=(0, 1), collapse_padding=True, pad_edge=False)
    times = {i for row in rows for i, cell in enumerate(row) if _TIME.fullmatch(cell)}
    for i in times:
        table.columns[i].overflow = "fold"  # never an ellipsis
        table.columns[i].min_width = len("2026-12-05")  # a date on a line of its own
    for i in fold:
        table.columns[i].overflow = "fold"
    for i in whole:
        table.columns[i].no_wrap = True
    for i in cut:
        table.columns[i].no_wrap, table.columns[i].overflow = True, "ellipsis"
    space = "\n" if narrow else " "
    for row in rows:
        table.add_row(*(Text(cell.replace("T", space, 1) if _TIME.fullmatch(cell) else cell)
                        for cell in row))
    return table


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ") if moment else ""
