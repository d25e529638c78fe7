"""Random text sent to the registration and profile forms never causes a server error."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.members.models import Organisation, User
from tests.conftest import reload
from tests.members.test_routes import APPLICATION
from tests.strategies import any_text, fuzz

FUZZ = fuzz(40)
anything = any_text(300)


def _counts():
    return (db.session.scalar(sa.select(sa.func.count(User.id))),
            db.session.scalar(sa.select(sa.func.count(Organisation.id))))


@FUZZ
@given(field=st.sampled_from(sorted(APPLICATION)), value=anything)
def test_registration_survives_random_text(client, field, value):
    before = _counts()
    response = client.post("/apply/organisation", data={**APPLICATION, "email": "fuzz@example.org",
                                                        "name": "Fuzz Org", field: value})
    assert response.status_code == 200
    if "your application was sent" not in response.text:
        db.session.expire_all()
        assert _counts() == before  # refused: nothing written
    else:
        db.session.execute(sa.delete(User).where(User.email == "fuzz@example.org"))
        db.session.execute(sa.delete(Organisation))
        db.session.commit()


@FUZZ
@given(full_name=anything, job_title=anything, timezone=anything, locale=anything)
def test_profile_survives_random_text(client, login, make_user, full_name, job_title, timezone, locale):
    user = User.query.filter_by(email="fuzzer@example.org").first() or make_user("fuzzer@example.org")
    login(user)
    response = client.post("/profile", data={"full_name": full_name, "job_title": job_title,
                                             "timezone": timezone, "locale": locale})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        user = reload(user)
        assert user.timezone == timezone and user.locale == locale
