"""Operations commands: ``backup``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newswire.blobs import blobs_for, upkeep
from newswire.cli.blobs import BlobsOption
from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, with_store
from newswire.errors import NewswireError
from newswire.settings import BY_NAME
from newswire.store import Store, open_store


def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    db: DbOption = DB_DEFAULT,
    blobs: BlobsOption = BY_NAME["blobs"].default,
) -> None:
    """Copy the database to FILE while the server keeps running (SQLite; for PostgreSQL
    use pg_dump, see docs/deployment.md), and the pictures' and videos' files its items
    refer to into the folder beside it, FILE.blobs (what is there already is kept: a
    copy made again adds only the new files). The copy opens as a deployment of its own:
    to restore, stop the server and put FILE and FILE.blobs in the database's place."""
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
        _copy_files(db, blobs, file)

    with_store(db, run, create=False)


def _copy_files(db: str, blobs: str, file: Path) -> None:
    """The blobs the copy's items refer to (read from the copy: the files of exactly the
    versions it holds, each put before its version was stored) into the copy's own blob
    store, ``FILE.blobs``."""
    copy_url = f"sqlite:///{file.resolve()}"
    copy = open_store(copy_url, create=False)
    stores = []
    try:
        keys = upkeep.referenced(copy.transfer)
        if not keys:  # text alone: no folder made
            return
        try:
            stores = [blobs_for(db, blobs), blobs_for(copy_url)]
        except NewswireError as exc:
            raise fail(str(exc), 2) from None
        files = upkeep.copy(keys, stores[0], stores[1])
    finally:
        copy.close()
        for each in stores:
            each.close()
    err.print(
        f"files: {files.referenced} referenced, {files.copied} copied"
        f" ({files.bytes / 1e6:.1f} MB), {files.present} already there,"
        f" into {file}.blobs",
        highlight=False,
    )
    if files.missing:
        raise fail(
            f"{len(files.missing)} files the items refer to are not in the blob store"
            f" (give --blobs if it is kept elsewhere): {', '.join(files.missing[:5])}"
        )
