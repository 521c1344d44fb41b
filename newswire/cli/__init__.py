"""The ``newswire`` command: one group, sub-commands registered from their modules."""

from __future__ import annotations

import typer

from newswire.cli import (
    access,
    accounts,
    blobs,
    enrich,
    items,
    migrate,
    ops,
    search,
    subjects,
    usage,
    vocab,
    webhooks,
)

app = typer.Typer(
    help="newswire — a news agency's news flow system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in items.app.registered_commands:
    app.registered_commands.append(command)
app.add_typer(access.product_app, name="product")
app.add_typer(access.subscriber_app, name="subscriber")
app.add_typer(access.key_app, name="key")
app.add_typer(accounts.account_app, name="account")
app.add_typer(webhooks.webhook_app, name="webhook")
app.add_typer(vocab.vocab_app, name="vocab")
app.add_typer(blobs.blobs_app, name="blobs")
app.command("usage")(usage.usage)
app.command("search")(search.search)
app.command("reindex")(search.reindex)
app.command("migrate")(migrate.migrate)
app.command("backup")(ops.backup)
app.command("enrich")(enrich.enrich)
app.command("train-subjects")(subjects.train_subjects)


def main() -> None:
    app()
