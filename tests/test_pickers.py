"""Pickers: time zones grouped by region with their offset and the cities people look for, obsolete aliases
hidden (but a saved one kept); long multiple choices are checkboxes that work without JavaScript."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import force_locale

from app.i18n import zone_groups


def _zones(groups):
    return {zone: (region, label, words) for region, rows in groups.items() for zone, label, words in rows}


def test_zones_are_grouped_by_region_with_the_offset_now_and_cities(app):
    winter, summer = datetime(2027, 1, 10, tzinfo=timezone.utc), datetime(2027, 7, 10, tzinfo=timezone.utc)
    with app.test_request_context():
        zones = _zones(zone_groups(now=winter))
        region, label, words = zones["Europe/Zurich"]
        assert region == "Europe" and "UTC+01:00" in label and "Switzerland" in label
        assert "Geneva" in words  # "Geneva" finds Europe/Zurich
        assert "UTC+02:00" in _zones(zone_groups(now=summer))["Europe/Zurich"][1]
        assert "UTC−05:00" in zones["America/New_York"][1] and "Washington" in zones["America/New_York"][2]
        assert "UTC+05:30" in zones["Asia/Kolkata"][1]
        assert list(zone_groups(now=winter))[0] == "Universal time"


def test_obsolete_aliases_are_hidden_but_a_saved_one_is_kept(app):
    with app.test_request_context():
        zones = _zones(zone_groups())
        for alias in ("Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires", "Asia/Saigon", "Canada/Eastern"):
            assert alias not in zones
        assert 350 < len(zones) < 450  # not the ~600 raw names
        kept = _zones(zone_groups("Asia/Calcutta"))
        assert kept["Asia/Calcutta"][0] == "Other"


def test_zone_names_in_the_readers_language(app):
    with app.test_request_context(), force_locale("fr"):
        groups = zone_groups()
        assert "Afrique" in groups and "Europe" in groups
        assert "Suisse" in _zones(groups)["Europe/Zurich"][1]


def test_the_profile_offers_grouped_zones_with_the_saved_one_selected(client, login, make_user):
    person = make_user(timezone="Asia/Calcutta")
    login(person)
    page = client.get("/profile").text
    assert '<optgroup label="Europe">' in page
    assert 'data-search="Geneva' in page
    assert '<option data-search="Asia/Calcutta" selected value="Asia/Calcutta">' in page
    assert 'data-picker="select"' in page


def test_long_multiple_choices_are_checkboxes_with_a_filter_hook(client, login, make_user):
    login(make_user())
    page = client.get("/pledges/new").text
    assert 'data-picker="checkboxes"' in page
    assert 'type="checkbox" name="countries" id="countries-' in page
    assert '<select id="countries" multiple' not in page and 'name="countries" multiple' not in page
    assert "/static/js/picker.js" in page
