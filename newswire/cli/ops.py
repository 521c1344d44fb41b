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
from newswire.store import Store, older_schema, open_store


def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    link_dest: Annotated[
        Path | None,
        typer.Option(
            "--link-dest",
            metavar="FOLDER",
            help="An earlier backup's files folder (EARLIER.blobs): files it has are hard"
            " links to it rather than copies. Default: the newest *.blobs folder beside FILE"
            " on the same file system.",
        ),
    ] = None,
    no_link: Annotated[
        bool, typer.Option("--no-link", help="Copy every file; link none to an earlier backup.")
    ] = False,
    db: DbOption = DB_DEFAULT,
    blobs: BlobsOption = BY_NAME["blobs"].default,
) -> None:
    """Copy the database to FILE while the server keeps running (SQLite; for PostgreSQL
    use pg_dump, see docs/deployment.md), and the pictures' and videos' files its items
    refer to into the folder beside it, FILE.blobs (what is there already is kept: a
    copy made again adds only the new files). A file an earlier backup's folder has is a
    hard link to it, not a copy (files never change): a daily backup takes only the new
    files' room, and removing an earlier backup leaves the later ones whole. The copy opens
    as a deployment of its own: to restore, stop the server and put FILE and FILE.blobs in
    the database's place."""
    file = file.expanduser()
    if not file.parent.is_dir():
        raise fail(f"the folder {file.parent} does not exist", 2)
    if file.is_dir():
        raise fail(f"{file} is a folder: name the backup file", 2)
    if file.exists() and not force:
        raise fail(f"{file} exists: choose another name, or --force to replace it", 2)
    own = file.with_name(file.name + ".blobs")
    if no_link and link_dest is not None:
        raise fail("--link-dest and --no-link exclude each other: give one", 2)
    earlier = None if no_link else _earlier(file, own, link_dest)
    if (schemas := older_schema(db)) is not None:
        # Opening it would migrate it first: the database the running (older) release
        # serves would change under it, and the copy, of the new schema, would be refused
        # by that release when restored to go back.
        raise fail(
            f"the database is of an older newswire (schema {schemas[0]}; this release's is"
            f" {schemas[1]}): back it up with the release that serves it, before upgrading"
            " (docs/deployment.md, 'Upgrading'); nothing was changed",
            2,
        )

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
        _copy_files(db, blobs, file, earlier)

    with_store(db, run, create=False)


def _earlier(file: Path, own: Path, given: Path | None) -> Path | None:
    """The earlier backup's files folder to link from: ``given`` (checked), else the
    newest ``*.blobs`` folder beside ``file`` on its file system, if any."""
    if given is not None:
        given = given.expanduser()
        if not given.exists():
            raise fail(f"--link-dest {given} does not exist", 2)
        if not given.is_dir():
            hint = (f": give its files' folder, {given.name}.blobs"
                    if given.with_name(given.name + ".blobs").is_dir() else "")
            raise fail(f"--link-dest {given} is not a folder{hint}", 2)
        if given.resolve() == own.resolve():
            raise fail(f"--link-dest {given} is this backup's own folder: give an earlier one", 2)
        return given
    device = file.parent.stat().st_dev

    def when(folder: Path) -> float:  # its backup's time: the database beside it, if kept
        beside = folder.with_name(folder.name.removesuffix(".blobs"))
        return (beside if beside.is_file() else folder).stat().st_mtime

    candidates = []
    for folder in file.parent.glob("*.blobs"):
        try:
            if folder.is_dir() and folder != own and folder.stat().st_dev == device:
                candidates.append((when(folder), folder.name, folder))
        except OSError:  # removed meanwhile, or not readable
            continue
    return max(candidates)[2] if candidates else None


def _copy_files(db: str, blobs: str, file: Path, earlier: Path | None) -> None:
    """The blobs the copy's items refer to (read from the copy: the files of exactly the
    versions it holds, each put before its version was stored) into the copy's own blob
    store, ``FILE.blobs``: hard links to those of the folder ``earlier`` has, else
    copies."""
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
        link_to = getattr(stores[1], "link", None)  # the copy's store is a files one
        link = None
        if earlier is not None and link_to is not None:
            folder = earlier

            def link(key: str, size: int) -> bool:
                return bool(link_to(key, folder, size))

        files = upkeep.copy(keys, stores[0], stores[1], link=link)
    finally:
        copy.close()
        for each in stores:
            each.close()
    err.print(
        f"files: {files.referenced} referenced, {files.copied} copied"
        f" ({files.bytes / 1e6:.1f} MB), {files.linked} linked"
        f"{f' to {earlier}' if earlier else ''}, {files.present} already there,"
        f" into {file}.blobs",
        highlight=False,
    )
    if files.missing:
        raise fail(
            f"{len(files.missing)} files the items refer to are not in the blob store"
            f" (give --blobs if it is kept elsewhere): {', '.join(files.missing[:5])}"
        )
