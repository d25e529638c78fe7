"""Random input to the resource form and the indicator import never causes a server error, and what is
refused writes nothing."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.knowledge.indicators import import_indicators
from app.knowledge.models import IndicatorValue, Resource
from tests.strategies import any_text, fuzz, some_fields

FUZZ = fuzz(60)
anything = any_text(120)
FORM = {"title": "Brick kiln survey", "resource_type": "research", "summary": "Debt bondage.", "language": "en",
        "external_url": "https://example.org/kilns"}
FIELDS = {
    "title": anything, "resource_type": anything, "summary": anything, "external_url": anything,
    "areas": anything, "countries": anything, "language": anything, "publication_year": anything,
    "publisher_id": anything, "publisher_name": anything, "licence": anything,
}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


@FUZZ
@given(changes=some_fields(FIELDS))
def test_the_resource_form_survives_random_input(as_role, world, changes):
    client = world.__dict__.setdefault("client", None) or as_role("submitter")
    world.client = client
    before = _count(Resource)
    response = client.post("/library/new", data={**FORM, **changes})
    assert response.status_code in (200, 302), response.text[:300]
    db.session.expire_all()
    if response.status_code == 200:
        assert _count(Resource) == before
    else:
        resource = db.session.scalars(sa.select(Resource).order_by(Resource.id.desc())).first()
        assert resource.title.strip() and resource.external_url.startswith(("http://", "https://"))


@FUZZ
@given(cells=st.lists(anything, min_size=7, max_size=8))
def test_the_import_refuses_or_saves_whole_files(app, cells):
    header = "country_code,indicator_code,year,value,sex,age_group,source,illustrative\n"
    line = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    before = _count(IndicatorValue)
    result = import_indicators(header + "KEN,SL_TLF_CHLDEA,2019,8.5,total,5-17,Survey,no\n" + line + "\n",
                               now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    if result.ok:
        assert result.added + result.updated + result.unchanged == result.read == 2
    else:
        assert result.added == 0 and _count(IndicatorValue) == before
    db.session.rollback()
