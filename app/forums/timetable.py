"""The programme's time grid: one table per day, rooms as columns and time as rows, each session spanning
as many rows as it lasts, so parallel sessions sit side by side (the "timetable by room").

Pure: sessions in, a grid out (no Flask, no database), so the layout is tested on its own. Rows are UTC
instants a fixed step apart, labelled in the venue's zone when shown: a day on which the clocks change keeps
every session in its place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil, gcd
from typing import Any

MIN_STEP = 5        # minutes: the finest row
MAX_ROWS = 120      # a day's table stays readable: the step doubles until the rows fit


@dataclass
class GridColumn:
    key: Any            # the room's id (None: online or to be announced)
    name: str
    lanes: int = 1      # sub-columns, when sessions overlap in the same room (a clash, or several online)


@dataclass
class GridCell:
    session: Any = None  # None: an empty cell
    rowspan: int = 1


@dataclass
class GridRow:
    at: datetime                    # the row's first instant (UTC)
    cells: list[GridCell] = field(default_factory=list)  # the cells that start in this row, left to right


@dataclass
class DayGrid:
    columns: list[GridColumn]
    rows: list[GridRow]
    step: int                       # minutes per row


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def day_grid(sessions: list, columns: list[tuple[Any, str]], *, room_of=lambda s: s.room_id) -> DayGrid:
    """Lay one day's sessions out on a grid.

    :param sessions: objects with ``starts_at`` and ``ends_at`` (aware datetimes) and a room (``room_of``).
    :param columns: (room key, name) in the order the rooms are shown; rooms without a session are left out.
    :return: the grid; its rows start at the first session and end with the last.
    """
    sessions = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at))
    if not sessions:
        return DayGrid([], [], 60)
    first = sessions[0].starts_at
    last = max(s.ends_at for s in sessions)
    step = 60
    for s in sessions:
        step = gcd(step, _minutes(s.starts_at - first), _minutes(s.ends_at - first))
    step = max(step, MIN_STEP)
    while ceil(_minutes(last - first) / step) > MAX_ROWS and step < 24 * 60:
        step *= 2
    n_rows = max(1, ceil(_minutes(last - first) / step))

    def span(s) -> tuple[int, int]:
        """The rows a session covers, [top, bottom)."""
        top = min(n_rows - 1, _minutes(s.starts_at - first) // step)
        return top, min(n_rows, max(top + 1, ceil(_minutes(s.ends_at - first) / step)))

    # Lanes: within a room, a session goes in the first sub-column whose rows it does not overlap.
    by_room: dict[Any, list[list]] = {}
    for s in sessions:
        lanes = by_room.setdefault(room_of(s), [])
        lane = next((lane for lane in lanes if span(lane[-1])[1] <= span(s)[0]), None)
        if lane is None:
            lanes.append([s])
        else:
            lane.append(s)
    shown = [GridColumn(key, name, len(by_room[key])) for key, name in columns if by_room.get(key)]
    known = {key for key, _name in columns}
    for key, lanes in by_room.items():  # a room missing from ``columns`` still shows its sessions
        if key not in known:
            shown.append(GridColumn(key, str(key), len(lanes)))

    # The matrix: per row, per lane, the session starting there, "covered" by one above, or empty.
    covered = object()
    matrix: list[list[Any]] = [[None] * sum(c.lanes for c in shown) for _ in range(n_rows)]
    position = 0
    for column in shown:
        for lane in by_room[column.key]:
            for s in lane:
                top, bottom = span(s)
                matrix[top][position] = GridCell(s, bottom - top)
                for r in range(top + 1, bottom):
                    matrix[r][position] = covered
            position += 1
    rows = [GridRow(first + timedelta(minutes=r * step),
                    [cell if cell is not None else GridCell() for cell in line if cell is not covered])
            for r, line in enumerate(matrix)]
    return DayGrid(shown, rows, step)
