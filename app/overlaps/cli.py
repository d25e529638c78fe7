"""Commands: ``flask dedup-rebuild``, ``flask import-iati PATH...``, ``flask import-activities PATH...``."""
from __future__ import annotations

import click

from app.extensions import db

# An import that changed more initiatives than this rebuilds the index at the end (web workers then load
# the new generation instead of replaying every change one by one).
REBUILD_AFTER = 1000


def register(app) -> None:
    app.cli.add_command(dedup_rebuild)
    app.cli.add_command(import_iati)
    app.cli.add_command(import_activities)


def rebuild_index(label: str = "Indexing initiatives") -> int:
    """Build and save the index with a progress bar; return how many initiatives it holds."""
    from app.overlaps import initiatives
    from app.overlaps.index import ensure_state, get_index, reader

    ensure_state()
    db.session.commit()
    with reader() as session:
        total = initiatives.count_compared(session)
    done = [0]
    with click.progressbar(length=max(total, 1), label=label, show_pos=True) as bar:
        def progress(n: int) -> None:
            bar.update(max(0, n - done[0]))
            done[0] = n

        reported = [0]

        def encoded(n: int, of: int) -> None:  # the sentence model: the long part (about 100,000 texts in minutes)
            if n == of or n - reported[0] >= 5000:
                reported[0] = n
                click.echo(f"\n  sentence model: {n}/{of} texts encoded", err=True)

        detector = get_index().rebuild(progress=progress, embedding_progress=encoded)
    return len(detector)


@click.command("dedup-rebuild")
@click.option("--scan", is_flag=True, help="Also look for overlapping pairs across the whole registry "
                                           "(the review queue); otherwise the nightly job does it for changes.")
def dedup_rebuild(scan: bool):
    """Build the duplication detector's index from the database and save it.

    Web workers load the new index at their next query; changes made meanwhile are replayed from the
    change log, so nothing is lost.
    """
    from flask import current_app

    count = rebuild_index()
    where = current_app.config.get("DEDUP_INDEX_DIR")
    click.echo(f"Overlap index: {count} initiatives, " + (f"saved under {where}" if where else
                                                          "kept in memory (DEDUP_INDEX_DIR is not set)"))
    if scan:
        from app.overlaps.jobs import scan_everything

        flags = scan_everything(rebuild=False)
        db.session.commit()
        click.echo(f"Overlapping pairs above the line: {flags}")


def _run(paths: tuple[str, ...], kind: str, verbose: bool, rebuild: bool) -> None:
    from app.overlaps import importing

    if not paths:
        raise click.UsageError("Give at least one file or folder.")
    total = importing.total_bytes(paths, kind)
    with click.progressbar(length=max(total, 1), label="Reading", show_percent=True) as bar:
        report = importing.run_import(paths, kind=kind, on_read=bar.update, on_batch=db.session.commit)
    db.session.commit()
    if report.created:
        # Fresh table statistics: SQLite keeps the ones of the last ANALYZE, and with a small table's
        # statistics it scans a large one for "id IN (...)" (80 ms instead of 1 ms at 150,000 rows).
        importing.refresh_statistics()
        db.session.commit()
    click.echo(f"Files read: {report.files}; activities created: {report.created}, updated: {report.updated}, "
               f"unchanged: {report.unchanged}, skipped: {len(report.skipped)}.")
    if report.links:
        click.echo(f"Links to other activities made by the publishers, stored with them: {report.links}.")
    for where, why in report.skipped:
        click.echo(f"  skipped  {where}: {why}")
    if report.warnings:
        click.echo(f"Left out of records that were imported: {len(report.warnings)}" +
                   ("" if verbose else " (--verbose lists them)"))
        if verbose:
            for where, what in report.warnings:
                click.echo(f"  note     {where}: {what}")
    changed = report.created + report.updated
    if rebuild and changed >= REBUILD_AFTER:
        click.echo(f"Rebuilding the overlap index ({changed} activities changed)...")
        rebuild_index()


@click.command("import-iati")
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--verbose", is_flag=True, help="List what was left out of imported records (unknown codes...).")
@click.option("--no-rebuild", is_flag=True, help="Do not rebuild the overlap index after a large import.")
def import_iati(paths: tuple[str, ...], verbose: bool, no_rebuild: bool):
    """Import IATI activity files (XML 2.0x): files, or folders of .xml files.

    Idempotent on iati-identifier: importing a file again changes nothing. A record that cannot be used
    is skipped with its reason; the import goes on.
    """
    _run(paths, "iati", verbose, not no_rebuild)


@click.command("import-activities")
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--verbose", is_flag=True, help="List what was left out of imported records (unknown codes...).")
@click.option("--no-rebuild", is_flag=True, help="Do not rebuild the overlap index after a large import.")
def import_activities(paths: tuple[str, ...], verbose: bool, no_rebuild: bool):
    """Import external activities from CSV files (columns in the README: identifier, title, description,
    countries, start_date, end_date, status, areas, ...). Idempotent on identifier."""
    _run(paths, "csv", verbose, not no_rebuild)
