"""Command-line tools of the knowledge gateway: ``flask search-reindex``, ``flask import-indicators FILE``."""
from __future__ import annotations

import click

from app.extensions import db


@click.command("search-reindex")
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (resource, pledge, group, ...); default all.")
def search_reindex(kinds: tuple[str, ...]):
    """Rebuild the global search's index from the database (safe to run at any time)."""
    from app.knowledge.search import KINDS, rebuild_index

    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}", param_hint="--kind")
    counts = rebuild_index(kinds or None)
    db.session.commit()
    click.echo("Search index rebuilt: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@click.command("import-indicators")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_indicators_command(file):
    """Load country indicator values from a CSV FILE (see app/knowledge/indicators.py for its columns).

    All or nothing: a bad row is reported with its line number and nothing is saved. Running it again with
    the same file changes nothing.
    """
    from app.knowledge.indicators import import_indicators

    try:
        text = file.read()
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text: save it as CSV UTF-8.") from None
    result = import_indicators(text)
    if not result.ok:
        db.session.rollback()
        for line, message in result.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s) in {result.read} row(s): nothing was imported.")
    db.session.commit()
    click.echo(f"{result.read} rows read: {result.added} added, {result.updated} updated, "
               f"{result.unchanged} unchanged.")


def register(app) -> None:
    app.cli.add_command(search_reindex)
    app.cli.add_command(import_indicators_command)
