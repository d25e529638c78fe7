"""The programme's time grid (issue 16): rooms as columns, time as rows, parallel sessions side by side."""
from __future__ import annotations

import re
from datetime import datetime, time, timezone
from types import SimpleNamespace

from app.forums.timetable import day_grid


def _s(name, start, end, room, day=4):
    return SimpleNamespace(title=name, room_id=room, starts_at=datetime(2027, 3, day, *start, tzinfo=timezone.utc),
                           ends_at=datetime(2027, 3, day, *end, tzinfo=timezone.utc))


def _layout(grid):
    return [[(c.session.title if c.session else "", c.rowspan) for c in row.cells] for row in grid.rows]


def test_parallel_sessions_sit_side_by_side_and_span_their_duration():
    sessions = [_s("Plenary", (9, 0), (10, 30), 1), _s("Panel", (9, 30), (10, 0), 2), _s("Lunch talk", (12, 0), (13, 0), 1)]
    grid = day_grid(sessions, [(1, "Room XVII"), (2, "Room XX"), (3, "Empty room")])
    assert [c.name for c in grid.columns] == ["Room XVII", "Room XX"]          # a room with nothing is left out
    assert grid.step == 30 and len(grid.rows) == 8                              # 09:00 to 13:00 by half hours
    assert _layout(grid)[:4] == [[("Plenary", 3), ("", 1)],                      # 09:00
                                 [("Panel", 1)],                                 # 09:30: the plenary goes on
                                 [("", 1)],                                      # 10:00
                                 [("", 1), ("", 1)]]                             # 10:30
    assert _layout(grid)[6] == [("Lunch talk", 2), ("", 1)]


def test_overlapping_sessions_in_one_room_get_their_own_lane():
    sessions = [_s("Online A", (9, 0), (10, 0), None), _s("Online B", (9, 0), (9, 30), None)]
    grid = day_grid(sessions, [(None, "Online")])
    assert grid.columns[0].lanes == 2
    assert _layout(grid) == [[("Online B", 1), ("Online A", 2)], [("", 1)]]


def test_odd_times_keep_rows_few():
    sessions = [_s("Early", (7, 3), (8, 0), 1), _s("Late", (20, 0), (21, 1), 1)]
    grid = day_grid(sessions, [(1, "Room")])
    assert len(grid.rows) <= 120 and grid.rows[0].cells[0].session.title == "Early"
    assert sum(c.rowspan for r in grid.rows for c in r.cells) == len(grid.rows)  # one lane, every row filled once


def test_an_empty_day_is_an_empty_grid():
    assert day_grid([], [(1, "Room")]).rows == []


def test_the_programme_shows_a_table_with_rooms_as_columns_and_the_list_for_phones(client, forum, make_session):
    make_session("Opening plenary", start=time(10, 0), end=time(11, 30))
    make_session("Parallel panel", start=time(10, 0), end=time(11, 0), room_id=forum.rooms[1].id, kind="panel")
    page = client.get(f"/forums/{forum.slug}").text
    table = re.search(r'<table class="table[^"]*timetable-grid.*?</table>', page, re.S).group(0)
    assert '<th scope="col">Room XVII</th>' in table and '<th scope="col">Room XX</th>' in table
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    assert '<th scope="row"' in first_row and "10:00" in first_row
    assert "Opening plenary" in first_row and "Parallel panel" in first_row       # side by side in one row
    assert 'rowspan="3"' in first_row and 'rowspan="2"' in first_row              # 90 and 60 minutes by 30
    assert 'class="timetable-list' in page and page.count("Parallel panel") >= 2   # the list is there for phones
    assert 'id="session-' in page and len(re.findall(r'id="(session-\d+)"', page)) == len(
        set(re.findall(r'id="(session-\d+)"', page)))                              # no id twice
    listed = client.get(f"/forums/{forum.slug}?view=list").text
    assert "timetable-grid" not in listed
