"""``newswire blobs``: the blob store of a deployment as a whole (``newswire.blobs.upkeep``).

``sweep`` removes the files that no stored version refers to any more: the blobs of an
ingest refused after its files were put, of an upload never finished, of a file a
deployment was migrated away from. Nothing else removes a blob. It also removes what
interrupted writes left behind (``Blobs.leftovers``: a killed put's temporary file).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from newswire.blobs import blobs_for, upkeep
from newswire.cli.common import DB_DEFAULT, DbOption, err, fail, with_store
from newswire.errors import NewswireError
from newswire.settings import BY_NAME
from newswire.store import Store

blobs_app = typer.Typer(
    help="The deployment's blob store: pictures, video and their renditions.",
    no_args_is_help=True,
)

BlobsOption = Annotated[
    str, typer.Option("--blobs", envvar=BY_NAME["blobs"].env, help=BY_NAME["blobs"].help)
]


@blobs_app.command("sweep")
def sweep(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be removed; remove nothing.")
    ] = False,
    grace: Annotated[
        int,
        typer.Option(
            "--grace",
            min=0,
            metavar="SECONDS",
            help="Keep unreferenced blobs put less than this long ago: a file's blobs are"
            " put before its item is stored.",
        ),
    ] = int(upkeep.GRACE.total_seconds()),
    db: DbOption = DB_DEFAULT,
    blobs: BlobsOption = BY_NAME["blobs"].default,
) -> None:
    """Remove the blobs no version of any item refers to (every version counts, not only
    the latest) and that were last put more than --grace seconds ago, and the unfinished
    files of writes interrupted more than --grace seconds ago (a killed ingest's). Safe
    while the server runs: a write in progress is never touched. Prints what was, or with
    --dry-run would be, removed; names the blobs versions refer to that the store has not
    got, and then exits 1."""

    def run(store: Store) -> None:
        try:
            store_blobs = blobs_for(db, blobs)
        except NewswireError as exc:
            raise fail(str(exc), 2) from None
        try:
            done = upkeep.sweep(
                store.transfer, store_blobs, grace=timedelta(seconds=grace), dry_run=dry_run
            )
        finally:
            store_blobs.close()
        verb = "would remove" if dry_run else "removed"
        err.print(
            f"{done.stored} blobs, {done.referenced} referenced: {verb} {done.removed}"
            f" ({done.bytes / 1e6:.1f} MB); kept {done.kept_young} unreferenced younger than"
            f" {grace} s; {verb} {done.leftovers} unfinished files of interrupted writes"
            f" ({done.leftover_bytes / 1e6:.1f} MB)",
            highlight=False,
        )
        if done.missing:
            # Nothing else lists what the versions name against what the store holds:
            # said here, a node's NEWSWIRE_BLOBS that is not where a command put the
            # files is found by the weekly sweep, not by subscribers' 404s.
            count = len(done.missing)
            shown = ", ".join(done.missing[:5]) + (", …" if count > 5 else "")
            raise fail(
                f"{count} referenced blob{'s' if count > 1 else ''} missing from the blob"
                f" store: {shown}; subscribers are refused these files (404): is --blobs"
                " (NEWSWIRE_BLOBS) the one the servers use?"
            )

    with_store(db, run, create=False)
