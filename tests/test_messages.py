"""What people typed is never lost or shown as Python (issue 14, item 7)."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from app.markdown import render_markdown
from tests.commitments.conftest import make_pledge, pledge_world  # noqa: F401  (fixtures)
from tests.commitments.test_routes import _form


@pytest.mark.parametrize("field", ["indicators-0-baseline", "indicators-0-target"])
def test_an_invalid_number_in_an_indicator_is_explained_next_to_it(client, login, pledge_world, field):
    login(pledge_world.people.coordinator)
    response = client.post("/pledges/new", data=_form(pledge_world, **{field: "about 50"}))
    page = response.text
    assert response.status_code == 200
    assert "{'" not in page and "{}" not in page and "[]" not in page  # no Python in the page
    error = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page)
    assert error and "is not a number" in htmllib.unescape(error.group(1))
    summary = page[page.index('id="error-summary"'):]
    assert f'href="#{field}"' in summary and "is not a number" in htmllib.unescape(summary)
    assert 'value="about 50"' in page  # what was typed is kept


def test_an_error_on_the_list_itself_is_shown_without_its_entries(client, login, pledge_world):
    login(pledge_world.people.coordinator)
    data = _form(pledge_world, **{"intent": "submit", "indicators-0-name": None, "indicators-0-unit": None,
                                  "indicators-0-baseline": "x", "indicators-0-target": None})
    page = client.post("/pledges/new", data=data).text
    assert "{'" not in page and "{}" not in page


@pytest.mark.parametrize("text, kept", [
    ("<div>Hello world</div> and more", ["Hello world", "and more"]),
    ("Hello <script>alert(1)</script> world", ["Hello", "world"]),
    ("Our plan <!-- draft and the rest of the line", ["Our plan", "draft and the rest of the line"]),
    ("<span>Partners</span> meet in <b>Geneva</b>\nNext line", ["Partners", "meet in", "Geneva", "Next line"]),
    ("<script> never closed\nThe next paragraph", ["never closed", "The next paragraph"]),
    ("Meet on <Monday> at noon, <Room 4>", ["Meet on <Monday> at noon, <Room 4>"]),
    ("<style>the whole line</style> goes", ["the whole line", "goes"]),
])
def test_raw_html_in_markdown_keeps_every_word(text, kept):
    html = str(render_markdown(text))
    visible = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
    for words in kept:
        assert words in visible, (text, html)
    assert "<script" not in html and "<div" not in html and "<span" not in html


def test_markdown_still_works_around_raw_html():
    html = str(render_markdown("**bold** and `<code>` and <https://example.org>"))
    assert "<strong>bold</strong>" in html and "<code>&lt;code&gt;</code>" in html
    assert 'href="https://example.org"' in html
