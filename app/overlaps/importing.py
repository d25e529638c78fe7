"""Importing external activities: IATI activity files (2.0x, streamed) and CSV files.

Both are idempotent on the activity's identifier (``iati-identifier``): importing the same file again
changes nothing; a changed record updates the activity; an older version (by the publisher's
``last-updated-datetime``) than the one already imported is skipped. A record that cannot be used is
skipped with its reason and the import goes on; the report lists every one.

IATI files are read with ``lxml.etree.iterparse`` one activity at a time, each element cleared once
read, so a file of any size takes little memory; the XML declaration's encoding is honoured (UTF-8,
UTF-16, ISO-8859-1...), entities and the network are never resolved, and libxml2's recovery mode
reads past broken markup where it can (the records it cannot make sense of are skipped).

Which 8.7 areas and target groups an imported activity works on is not something IATI says: they are
found from words in its title and description (in English, French and Spanish; see AREA_WORDS), and
an activity tagged with SDG target 8.7 (tag vocabulary 3, code 8.7) without any such word is counted
under "area not given" in the gap view.

The links publishers make between activities are kept (:class:`ActivityLink`), each with what the other
activity is to this one (:data:`LINK_SOURCES`, :data:`RELATED_ACTIVITY_KINDS`): the provider's activity
of a transaction (``funding``), the receiver's (``implementing``), a participating organisation's own
activity (``participating``), and related activities (``parent``, ``child``, ``sibling``, ``co_funded``,
``third_party``). The other side is kept by its identifier (it may not be imported yet); an activity's
links are replaced whenever the activity is. They are never shown to the detector as text or structure:
the overlap services add them as their own reason (:mod:`app.overlaps.publisher_links`).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import pycountry
import sqlalchemy as sa
from lxml import etree

from app.extensions import db
from app.overlaps.models import ACTIVITY_STATUS_LABELS, ActivityLink, ActivityLinkKind, ExternalActivity
from app.overlaps.services import record_change
from app.taxonomy import AREAS, TARGET_GROUPS
from app.utils import date_in_range, fold, one_line, utcnow

logger = logging.getLogger(__name__)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BATCH = 500
TITLE_MAX = 500
DESCRIPTION_MAX = 20000
IDENTIFIER_MAX = 250
LINKS_MAX = 500  # distinct links kept per activity (a pooled fund's activity may list hundreds of partners)

# Where an IATI activity names another activity, and what the other is to it.
LINK_SOURCES = (
    ("transaction/provider-org", "provider-activity-id", ActivityLinkKind.funding),
    ("transaction/receiver-org", "receiver-activity-id", ActivityLinkKind.implementing),
    ("participating-org", "activity-id", ActivityLinkKind.participating),
)
# related-activity/@type (IATI RelatedActivityType codelist).
RELATED_ACTIVITY_KINDS = {"1": ActivityLinkKind.parent, "2": ActivityLinkKind.child, "3": ActivityLinkKind.sibling,
                          "4": ActivityLinkKind.co_funded, "5": ActivityLinkKind.third_party}

# Words that say which 8.7 area an activity works on (folded: lower case, no accents).
AREA_WORDS = {
    "child_labour": ("child labour", "child labor", "working children", "travail des enfants", "trabajo infantil",
                     "enfants travailleurs", "ninos trabajadores"),
    "worst_forms": ("worst forms of child labour", "worst forms of child labor", "hazardous child labour",
                    "hazardous child labor", "pires formes de travail des enfants",
                    "peores formas de trabajo infantil"),
    "child_soldiers": ("child soldier", "children associated with armed", "enfants soldats", "enfants associes aux",
                       "ninos soldados", "reclutamiento de ninos", "recruitment of children"),
    "forced_labour": ("forced labour", "forced labor", "bonded labour", "bonded labor", "debt bondage",
                      "travail force", "trabajo forzoso", "servitude pour dettes", "servidumbre por deudas"),
    "trafficking": ("trafficking", "traite des personnes", "traite des etres humains", "trata de personas",
                    "trata de seres humanos"),
    "modern_slavery": ("modern slavery", "slavery", "esclavage", "esclavitud"),
}
TARGET_GROUP_WORDS = {
    "children": ("child", "children", "enfant", "nino", "nina", "infancia"),
    "adolescents": ("adolescent", "youth", "jeunes", "jovenes"),
    "migrants": ("migrant", "migration", "refugee", "refugie", "refugiado"),
    "domestic_workers": ("domestic worker", "travailleurs domestiques", "trabajadoras del hogar",
                         "trabajadores domesticos"),
    "indigenous_peoples": ("indigenous", "autochtone", "indigena"),
    "women": ("women", "girls", "femmes", "filles", "mujeres", "ninas"),
}


# -- what a record says --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """Another activity that a record's publisher names: its identifier, what it is to the record
    (an :class:`ActivityLinkKind` value) and the element it was read from."""

    identifier: str
    kind: str
    source: str


@dataclass
class Record:
    """One activity as read from a file, before it is stored."""

    identifier: str
    title: str
    description: str = ""
    reporting_org_ref: str = ""
    reporting_org_name: str = ""
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    status: str = ""
    areas: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    participating_orgs: list[dict[str, str]] = field(default_factory=list)
    contact: dict[str, str] = field(default_factory=dict)
    url: str = ""
    language: str = ""
    last_updated_at: datetime | None = None
    links: list[Link] = field(default_factory=list)

    def content_hash(self) -> str:
        data = asdict(self)
        data.pop("last_updated_at")
        if not data["links"]:  # as before links were read: an activity without any is not changed by an upgrade
            data.pop("links")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class SkipRecord(Exception):
    """A record that cannot be imported; the message says why (shown in the report)."""


@dataclass
class ImportReport:
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0  # publishers' links stored with the activities created or updated
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (where, why)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (where, what was left out)
    changed_ids: list[str] = field(default_factory=list)
    # What became of each stored record, (where, outcome, identifier) with outcome "created", "updated" or
    # "unchanged", in the order read; kept only when a caller asks (a list), not by the command line.
    outcomes: list[tuple[str, str, str]] | None = None

    @property
    def read(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)


# -- shared helpers ------------------------------------------------------------------------------------------
def _alpha3(code: str) -> str | None:
    code = (code or "").strip().upper()
    if len(code) == 3:
        return code if pycountry.countries.get(alpha_3=code) else None
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
        return country.alpha_3 if country else None
    return None


def _date(value: str | None) -> date | None:
    """A date, or None when empty. :raises ValueError: not a date, or outside the accepted range (1900–2200)."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = date.fromisoformat(value[:10])
    if not date_in_range(parsed):
        raise ValueError(f"year {parsed.year} out of range")
    return parsed


def _datetime(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _clean(text: str | None, limit: int) -> str:
    text = (text or "").replace("\x00", "").strip()
    return text[:limit]


def words_found(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """The codes of ``table`` whose words occur in ``text`` (case and accents ignored), in table order."""
    folded = f" {' '.join(fold(text).replace('-', ' ').split())} "
    return [code for code, words in table.items() if any(f" {w}" in folded for w in words)]


def _finish(record: Record, where: str, report: ImportReport) -> Record:
    """Checks common to both formats; fills what can be found from the text."""
    if not record.identifier:
        raise SkipRecord("no identifier")
    if len(record.identifier) > IDENTIFIER_MAX:
        raise SkipRecord(f"identifier longer than {IDENTIFIER_MAX} characters")
    if not record.title:
        raise SkipRecord("no title")
    if record.start_date and record.end_date and record.end_date < record.start_date:
        report.warnings.append((where, "end date before start date: end date left out"))
        record.end_date = None
    if record.url and urlsplit(record.url).scheme not in ("http", "https"):
        record.url = ""
    text = f"{record.title}\n{record.description}"
    if not record.areas:
        record.areas = words_found(text, AREA_WORDS)
    if not record.target_groups:
        record.target_groups = words_found(text, TARGET_GROUP_WORDS)
    record.language = (record.language or "")[:10]
    return record


# -- storing -------------------------------------------------------------------------------------------------
def store(batch: list[tuple[Record, str]], *, source: str, source_name: str, report: ImportReport,
          seen: dict[str, str], now: datetime) -> None:
    """Create or update the activities of a batch (one query to find those that exist). Flushes.

    :param seen: identifier → where it was first read in this import (a repeat is skipped and said).
    """
    unique: dict[str, tuple[Record, str]] = {}
    for record, where in batch:
        first = seen.get(record.identifier)
        if first is not None:
            report.skipped.append((where, f"the same identifier {record.identifier!r} was already read "
                                          f"in this import ({first})"))
            continue
        seen[record.identifier] = where
        unique[record.identifier] = (record, where)
    if not unique:
        return
    existing = {a.identifier: a for a in db.session.scalars(
        sa.select(ExternalActivity).where(ExternalActivity.identifier.in_(list(unique))))}
    new_rows = []
    stored: list[tuple[ExternalActivity, Record]] = []  # created or updated: their links are replaced
    for identifier, (record, where) in unique.items():
        digest = record.content_hash()
        activity = existing.get(identifier)
        if activity is not None:
            if activity.content_hash == digest:
                report.unchanged += 1
                _outcome(report, where, "unchanged", identifier)
                continue
            if (activity.last_updated_at and record.last_updated_at
                    and record.last_updated_at < activity.last_updated_at):
                report.skipped.append((where, "an older version than the one already imported "
                                              f"(last updated {record.last_updated_at:%Y-%m-%d})"))
                continue
            report.updated += 1
            _outcome(report, where, "updated", identifier)
        else:
            activity = ExternalActivity(identifier=identifier, imported_at=now)
            db.session.add(activity)
            new_rows.append(activity)
            report.created += 1
            _outcome(report, where, "created", identifier)
        for name in ("title", "description", "reporting_org_ref", "reporting_org_name", "countries", "regions",
                     "start_date", "end_date", "status", "areas", "target_groups", "sdg_targets",
                     "participating_orgs", "contact", "url", "language", "last_updated_at"):
            setattr(activity, name, getattr(record, name))
        activity.source, activity.source_name = source, source_name[:300]
        activity.content_hash, activity.updated_at = digest, now
        stored.append((activity, record))
        if activity not in new_rows:
            record_change(activity.initiative_id)
            report.changed_ids.append(activity.initiative_id)
    if new_rows:
        db.session.flush()
        for activity in new_rows:
            record_change(activity.initiative_id)
            report.changed_ids.append(activity.initiative_id)
    db.session.flush()
    if stored:
        report.links += replace_links(stored, new_ids={a.id for a in new_rows})


def _outcome(report: ImportReport, where: str, outcome: str, identifier: str) -> None:
    if report.outcomes is not None:
        report.outcomes.append((where, outcome, identifier))


def replace_links(stored: list[tuple[ExternalActivity, Record]], *, new_ids: set[int] = frozenset()) -> int:
    """Replace the publishers' links of these (flushed) activities by their records' (two statements per
    batch); return how many were stored. Activities in ``new_ids`` have none to delete."""
    old = [a.id for a, _r in stored if a.id not in new_ids]
    if old:
        db.session.execute(sa.delete(ActivityLink).where(ActivityLink.activity_id.in_(old)))
    rows = [{"activity_id": activity.id, "other_identifier": link.identifier, "kind": ActivityLinkKind(link.kind),
             "source": link.source} for activity, record in stored for link in record.links]
    if rows:
        db.session.execute(sa.insert(ActivityLink), rows)
    return len(rows)


def expand_paths(paths: Iterable[str | os.PathLike], suffixes: tuple[str, ...]) -> list[Path]:
    """Files, and the files with these suffixes in folders (recursively), in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes))
        else:
            found.append(path)
    return found


_repairs = threading.local()


def _cp1252_fallback(error: UnicodeDecodeError):
    """Decode bytes that are not UTF-8 as Windows-1252 (a record pasted from an old spreadsheet)."""
    _repairs.count = getattr(_repairs, "count", 0) + 1
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("hub-cp1252-fallback", _cp1252_fallback)


class _RepairUTF8(io.RawIOBase):
    """A UTF-8 byte stream in which bytes that are not UTF-8 are read as Windows-1252, so that a file
    declared UTF-8 with a few records in another encoding ("mixed encodings") loses no letter."""

    def __init__(self, raw, on_repair: Callable[[], None]):
        self.raw, self.on_repair = raw, on_repair
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="hub-cp1252-fallback")
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending and not self.done:
            chunk = self.raw.read(65536)
            self.done = not chunk
            before = getattr(_repairs, "count", 0)
            self.pending = self.decoder.decode(chunk, final=self.done).encode("utf-8")
            if getattr(_repairs, "count", 0) != before:
                self.on_repair()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _declares_utf8(head: bytes) -> bool:
    """Whether a file starts as UTF-8 (no byte-order mark of another encoding, no other declared encoding)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return False
    match = re.match(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", head)
    return match is None or match.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8")


class _Counting(io.RawIOBase):
    """A file that reports how many bytes were read (for a progress bar)."""

    def __init__(self, raw, on_read: Callable[[int], None] | None):
        self.raw, self.on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n and self.on_read:
            self.on_read(n)
        return n or 0


# -- IATI ----------------------------------------------------------------------------------------------------
def _narratives(element) -> list[tuple[str, str]]:
    """(language, text) of an element's narratives; the element's own text for IATI 1.0x files."""
    if element is None:
        return []
    found = [(n.get(XML_LANG, ""), " ".join("".join(n.itertext()).split())) for n in element.iter("narrative")]
    found = [(lang, text) for lang, text in found if text]
    if not found and element.text and element.text.strip():
        found = [(element.get(XML_LANG, ""), " ".join(element.text.split()))]
    return found


def _pick(narratives: list[tuple[str, str]], lang: str) -> str:
    """The narrative in the activity's language, else in English, else the first."""
    for wanted in ("", lang, "en"):
        for got, text in narratives:
            if got == wanted or (wanted == lang and got.lower().startswith(lang)):
                return text
    return narratives[0][1] if narratives else ""


def parse_activity(element, default_lang: str, where: str, report: ImportReport) -> Record:
    """One ``<iati-activity>`` as a Record. :raises SkipRecord: it cannot be imported."""
    lang = (element.get(XML_LANG) or default_lang or "en").lower()
    identifier = one_line(element.findtext("iati-identifier"))
    title = _clean(_pick(_narratives(element.find("title")), lang), TITLE_MAX)
    descriptions = {}
    for description in element.findall("description"):
        descriptions.setdefault(description.get("type") or "1", _pick(_narratives(description), lang))
    description = descriptions.get("1") or next(iter(descriptions.values()), "")
    if descriptions.get("2") and descriptions.get("2") != description:
        description = f"{description}\n\n{descriptions['2']}".strip()
    reporting = element.find("reporting-org")
    record = Record(identifier=identifier, title=title, description=_clean(description, DESCRIPTION_MAX),
                    language=lang)
    if reporting is not None:
        record.reporting_org_ref = one_line(reporting.get("ref"))[:250]
        record.reporting_org_name = _clean(_pick(_narratives(reporting), lang), 300)
    for org in element.findall("participating-org"):
        name, ref = _clean(_pick(_narratives(org), lang), 300), one_line(org.get("ref"))[:250]
        if name or ref:
            record.participating_orgs.append({"ref": ref, "name": name, "role": one_line(org.get("role"))[:5]})
    for country in element.findall("recipient-country"):
        code = _alpha3(country.get("code", ""))
        if code is None:
            report.warnings.append((where, f"unknown country code {country.get('code', '')!r} left out"))
        elif code not in record.countries:
            record.countries.append(code)
    record.regions = [one_line(r.get("code"))[:10] for r in element.findall("recipient-region") if r.get("code")]
    dates: dict[str, date] = {}
    for activity_date in element.findall("activity-date"):
        kind, value = activity_date.get("type", ""), activity_date.get("iso-date", "")
        try:
            parsed = _date(value)
        except ValueError:
            report.warnings.append((where, f"date {value!r} is not a date: left out"))
            continue
        if parsed is not None:
            dates.setdefault(kind, parsed)
    record.start_date = dates.get("2") or dates.get("1")
    record.end_date = dates.get("4") or dates.get("3")
    status = element.find("activity-status")
    if status is not None and status.get("code") in ACTIVITY_STATUS_LABELS:
        record.status = status.get("code")
    for tag in element.findall("tag"):
        if tag.get("vocabulary") in ("2", "3") and tag.get("code"):
            record.sdg_targets.append(one_line(tag.get("code"))[:10])
    contact = element.find("contact-info")
    if contact is not None:
        info = {"organisation": _pick(_narratives(contact.find("organisation")), lang),
                "person": _pick(_narratives(contact.find("person-name")), lang),
                "email": one_line(contact.findtext("email")), "telephone": one_line(contact.findtext("telephone")),
                "website": one_line(contact.findtext("website"))}
        record.contact = {k: v[:300] for k, v in info.items() if v}
    record.last_updated_at = _datetime(element.get("last-updated-datetime"))
    record.links = read_links(element, identifier, where, report)
    if identifier:
        record.url = f"https://d-portal.org/ctrack.html#view=act&aid={quote(identifier, safe='')}"
    return _finish(record, where, report)


def read_links(element, identifier: str, where: str, report: ImportReport) -> list[Link]:
    """The other activities an ``<iati-activity>`` names (see :data:`LINK_SOURCES`), each identifier and
    kind once, in the order of the file; never the activity itself."""
    found: dict[tuple[str, str], Link] = {}
    left_out = {"too_long": 0, "too_many": 0}

    def add(other: str | None, kind: ActivityLinkKind, source: str) -> None:
        other = one_line(other)
        if not other or other == identifier or (other, kind.value) in found:
            return
        if len(other) > IDENTIFIER_MAX:
            left_out["too_long"] += 1
        elif len(found) >= LINKS_MAX:
            left_out["too_many"] += 1
        else:
            found[other, kind.value] = Link(other, kind.value, source)

    for path, attribute, kind in LINK_SOURCES:
        for org in element.iterfind(path):
            add(org.get(attribute), kind, path)
    for related in element.iterfind("related-activity"):
        kind = RELATED_ACTIVITY_KINDS.get(one_line(related.get("type")))
        if kind is None:
            if related.get("ref"):
                report.warnings.append((where, f"related activity {one_line(related.get('ref'))[:80]!r} of unknown "
                                               f"type {one_line(related.get('type'))[:10]!r} left out"))
            continue
        add(related.get("ref"), kind, "related-activity")
    if left_out["too_long"]:
        report.warnings.append((where, f"{left_out['too_long']} linked activity identifiers longer than "
                                       f"{IDENTIFIER_MAX} characters left out"))
    if left_out["too_many"]:
        report.warnings.append((where, f"only the first {LINKS_MAX} links to other activities were kept "
                                       f"({left_out['too_many']} more left out)"))
    return list(found.values())


def iati_records(path: Path, report: ImportReport, on_read=None) -> Iterator[tuple[Record, str]]:
    """Each activity of an IATI file as ``(Record, where)``, streamed; unreadable ones go to ``report.skipped``.

    Traceability links (provider/receiver activity ids, participating organisations' activity ids,
    related activities) are in ``Record.links``, apart from what the detector compares."""
    default_lang = "en"
    position = 0
    repaired = []
    with open(path, "rb") as raw:
        source = io.BufferedReader(_Counting(raw, on_read))
        if _declares_utf8(source.peek(256)[:256]):
            source = io.BufferedReader(_RepairUTF8(source, lambda: repaired.append(True)))
        parser = etree.iterparse(source, events=("start", "end"), tag=("iati-activities", "iati-activity"),
                                 recover=True, huge_tree=True, resolve_entities=False, no_network=True,
                                 remove_comments=True, remove_pis=True)
        try:
            for event, element in parser:
                if element.tag == "iati-activities":
                    if event == "start":
                        default_lang = element.get(XML_LANG) or default_lang
                    continue
                if event != "end":
                    continue
                position += 1
                identifier = one_line(element.findtext("iati-identifier"))
                where = f"{path.name}, activity {position}" + (f" ({identifier})" if identifier else "")
                try:
                    yield parse_activity(element, default_lang, where, report), where
                except SkipRecord as exc:
                    report.skipped.append((where, str(exc)))
                except Exception as exc:  # noqa: BLE001  a record we cannot read never stops the import
                    logger.exception("Could not read %s", where)
                    report.skipped.append((where, f"could not be read ({type(exc).__name__}: {exc})"))
                finally:
                    # Free what was read: the element, and the finished siblings before it.
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
        except etree.XMLSyntaxError as exc:
            report.skipped.append((f"{path.name}, after activity {position}",
                                   f"the rest of the file is not readable XML ({exc})"))
    if repaired:
        report.warnings.append((path.name, "some bytes were not UTF-8 as the file says: read as Windows-1252"))
    if position == 0:
        report.warnings.append((path.name, "no <iati-activity> found in this file"))


# -- CSV -----------------------------------------------------------------------------------------------------
CSV_COLUMNS = ("identifier", "title", "description", "countries", "start_date", "end_date", "status", "areas",
               "target_groups", "organisation", "organisation_ref", "partners", "contact_name", "contact_email",
               "url", "language", "last_updated")
_AREA_BY_LABEL = {fold(str(label)): code for code, label in AREAS.items()}
_GROUP_BY_LABEL = {fold(str(label)): code for code, label in TARGET_GROUPS.items()}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace("|", ";").replace(",", ";").split(";") if part.strip()]


def _codes(values: list[str], vocabulary: dict, by_label: dict, where: str, what: str, report: ImportReport):
    out = []
    for value in values:
        code = value if value in vocabulary else by_label.get(fold(value))
        if code is None:
            report.warnings.append((where, f"unknown {what} {value!r} left out"))
        elif code not in out:
            out.append(code)
    return out


def _decode(data: bytes, name: str, report: ImportReport) -> str:
    """CSV text: UTF-8 (with or without a byte-order mark), UTF-16 with a mark, else Windows-1252 (said)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.warnings.append((name, "not UTF-8: read as Windows-1252 (Western European)"))
        return data.decode("cp1252", errors="replace")


def parse_csv_row(row: dict[str, str], where: str, report: ImportReport) -> Record:
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    record = Record(identifier=one_line(get("identifier")), title=_clean(one_line(get("title")), TITLE_MAX),
                    description=_clean(get("description"), DESCRIPTION_MAX), language=get("language").lower()[:10])
    for code in _split(get("countries")):
        alpha3 = _alpha3(code)
        if alpha3 is None:
            report.warnings.append((where, f"unknown country code {code!r} left out"))
        elif alpha3 not in record.countries:
            record.countries.append(alpha3)
    for name in ("start_date", "end_date"):
        try:
            setattr(record, name, _date(get(name)))
        except ValueError:
            report.warnings.append((where, f"{name} {get(name)!r} is not a date (YYYY-MM-DD): left out"))
    status = get("status")
    if status in ACTIVITY_STATUS_LABELS:
        record.status = status
    elif status:
        report.warnings.append((where, f"unknown status {status!r} left out (use the IATI codes 1 to 6)"))
    record.areas = _codes(_split(get("areas")), AREAS, _AREA_BY_LABEL, where, "8.7 area", report)
    record.target_groups = _codes(_split(get("target_groups")), TARGET_GROUPS, _GROUP_BY_LABEL, where,
                                  "target group", report)
    record.reporting_org_name = _clean(one_line(get("organisation")), 300)
    record.reporting_org_ref = one_line(get("organisation_ref"))[:250]
    record.participating_orgs = [{"ref": "", "name": name[:300], "role": ""} for name in _split(get("partners"))]
    record.contact = {k: v[:300] for k, v in (("person", get("contact_name")), ("email", get("contact_email")))
                      if v}
    record.url = get("url")[:500]
    record.last_updated_at = _datetime(get("last_updated"))
    return _finish(record, where, report)


REQUIRED_CSV_COLUMNS = ("identifier", "title")


def missing_columns(fields: Iterable[str]) -> list[str]:
    """The required CSV columns that a header (names in lower case) lacks."""
    fields = set(fields)
    return [c for c in REQUIRED_CSV_COLUMNS if c not in fields]


def csv_header(data: bytes, name: str) -> list[str] | None:
    """The column names (lower case) of a CSV file's first line, read as the import reads them, from the
    file's first bytes; None when it is not readable CSV."""
    text = _decode(data[:4096], name, ImportReport())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        row = next(csv.reader(io.StringIO(text.replace("\x00", ""), newline=""), dialect=dialect), [])
    except csv.Error:
        return None
    return [(f or "").strip().lower() for f in row]


def _csv_records(path: Path, report: ImportReport, on_read) -> Iterator[tuple[Record, str]]:
    data = path.read_bytes()
    if on_read:
        on_read(len(data))
    text = _decode(data, path.name, report)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.replace("\x00", ""), newline=""), dialect=dialect)
    try:
        fields = [(f or "").strip().lower() for f in reader.fieldnames or []]
    except csv.Error as exc:
        report.skipped.append((path.name, f"not a readable CSV file ({exc})"))
        return
    reader.fieldnames = fields
    missing = missing_columns(fields)
    if missing:
        report.skipped.append((path.name, f"no column {', '.join(missing)}: the file was not read "
                                          f"(columns: {', '.join(CSV_COLUMNS)})"))
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a broken line: the reader cannot go on after it
            report.skipped.append((f"{path.name}, line {reader.line_num}",
                                   f"the rest of the file is not readable CSV ({exc})"))
            return
        where = f"{path.name}, line {reader.line_num}"
        try:
            yield parse_csv_row(row, where, report), where
        except SkipRecord as exc:
            report.skipped.append((where, str(exc)))


# -- running an import ---------------------------------------------------------------------------------------
def run_import(paths: Iterable[str | os.PathLike], *, kind: str, on_read: Callable[[int], None] | None = None,
               on_batch: Callable[[], None] | None = None, now: datetime | None = None,
               report: ImportReport | None = None) -> ImportReport:
    """Import IATI (``kind="iati"``) or CSV (``kind="csv"``) files and folders.

    :param on_read: called with the number of bytes read (a progress bar).
    :param on_batch: called after each batch is stored (the CLI commits there, so memory stays flat).
    :param report: the report to fill (one whose ``outcomes`` is a list keeps each record's outcome);
        a new one by default.
    """
    now = now or utcnow()
    suffixes = (".xml",) if kind == "iati" else (".csv", ".txt")
    records_of = iati_records if kind == "iati" else _csv_records
    report = ImportReport() if report is None else report
    seen: dict[str, str] = {}
    for path in expand_paths(paths, suffixes):
        if not path.is_file():
            report.skipped.append((str(path), "no such file"))
            continue
        report.files += 1
        batch: list[tuple[Record, str]] = []
        for item in records_of(path, report, on_read):
            batch.append(item)
            if len(batch) >= BATCH:
                store(batch, source=kind, source_name=path.name, report=report, seen=seen, now=now)
                batch = []
                if on_batch:
                    on_batch()
        if batch:
            store(batch, source=kind, source_name=path.name, report=report, seen=seen, now=now)
            if on_batch:
                on_batch()
    logger.info("Import of %s files: %d created, %d updated, %d unchanged, %d skipped", kind, report.created,
                report.updated, report.unchanged, len(report.skipped))
    return report


def refresh_statistics() -> None:
    """Let the database's query planner know how large the imported tables have grown."""
    for table in (ExternalActivity.__tablename__, "initiative_change"):
        db.session.execute(sa.text(f"ANALYZE {table}"))


def total_bytes(paths: Iterable[str | os.PathLike], kind: str) -> int:
    suffixes = (".xml",) if kind == "iati" else (".csv", ".txt")
    return sum(p.stat().st_size for p in expand_paths(paths, suffixes) if p.is_file())
