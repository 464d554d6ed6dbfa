"""When an invoice whose answer was lost is sent again: a pure schedule, no Odoo.

An *unknown outcome* (timeout, dropped connection, unreadable answer) is re-sent
automatically as an update of the same number, after growing intervals: 5 min, 15 min,
1 h, 4 h, then daily. After ``limit`` lost answers in a row the invoice needs a person:
the job stops re-sending it and says what was tried.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["DEFAULT_INTERVALS", "DEFAULT_LIMIT", "next_retry", "parse_intervals"]

#: Seconds to wait after the 1st, 2nd, ... lost answer in a row; the last one repeats.
DEFAULT_INTERVALS = (300, 900, 3600, 4 * 3600, 24 * 3600)
#: Lost answers in a row after which the invoice needs attention.
DEFAULT_LIMIT = 8


def parse_intervals(text: str | None) -> tuple[int, ...]:
    """``"300, 900,3600"`` → ``(300, 900, 3600)``; anything unreadable → the default."""
    try:
        intervals = tuple(int(part) for part in (text or "").split(",") if part.strip())
    except ValueError:
        return DEFAULT_INTERVALS
    if not intervals or any(seconds < 0 for seconds in intervals):
        return DEFAULT_INTERVALS
    return intervals


def next_retry(
    lost_in_a_row: int,
    now: dt.datetime,
    intervals: tuple[int, ...] = DEFAULT_INTERVALS,
    limit: int = DEFAULT_LIMIT,
) -> dt.datetime | None:
    """When to re-send after ``lost_in_a_row`` (≥ 1) lost answers in a row; ``None`` once
    ``limit`` is reached (a person decides; a limit of 0 never stops)."""
    if lost_in_a_row < 1:
        raise ValueError("next_retry is for an invoice whose answer was lost")
    if limit and lost_in_a_row >= limit:
        return None
    seconds = intervals[min(lost_in_a_row, len(intervals)) - 1]
    return now + dt.timedelta(seconds=seconds)
