"""Operations commands: ``backup``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, with_store
from newswire.store import Store


def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Copy the database to FILE while the server keeps running (SQLite; for PostgreSQL
    use pg_dump, see docs/deployment.md). The copy opens as a database of its own: to
    restore, stop the server and put the copy in the database's place."""
    file = file.expanduser()
    if not file.parent.is_dir():
        raise fail(f"the folder {file.parent} does not exist", 2)
    if file.is_dir():
        raise fail(f"{file} is a folder: name the backup file", 2)
    if file.exists() and not force:
        raise fail(f"{file} exists: choose another name, or --force to replace it", 2)

    def run(store: Store) -> None:
        take = getattr(store, "backup", None)
        if take is None:  # a server database is copied by its own tools, consistently
            tool = "pg_dump -Fc" if store.url.startswith("postgres") else "its own tools"
            raise fail(
                f"newswire backup copies SQLite databases; back this one up with {tool}"
                " (docs/deployment.md)"
            )
        take(str(file))
        size = file.stat().st_size / 1e6
        err.print(f"backed up to {file} ({size:.1f} MB)", highlight=False)

    with_store(db, run, create=False)
