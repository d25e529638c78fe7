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


def register(app) -> None:
    app.cli.add_command(search_reindex)
