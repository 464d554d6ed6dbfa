"""The re-send schedule of invoices whose answer was lost (xmldirect.retry)."""

import datetime as dt

import pytest

from xmldirect.retry import (
    DEFAULT_INTERVALS,
    DEFAULT_LIMIT,
    next_retry,
    parse_intervals,
)

NOW = dt.datetime(2026, 12, 7, 10, 0)


def test_growing_intervals_then_daily():
    waits = [next_retry(n, NOW, limit=0) - NOW for n in range(1, 9)]
    assert waits == [
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=15),
        dt.timedelta(hours=1),
        dt.timedelta(hours=4),
        dt.timedelta(days=1),
        dt.timedelta(days=1),
        dt.timedelta(days=1),
        dt.timedelta(days=1),
    ]


def test_limit_hands_over_to_a_person():
    assert next_retry(DEFAULT_LIMIT - 1, NOW) is not None
    assert next_retry(DEFAULT_LIMIT, NOW) is None
    assert next_retry(3, NOW, limit=3) is None
    assert next_retry(50, NOW, limit=0) == NOW + dt.timedelta(seconds=DEFAULT_INTERVALS[-1])


def test_only_for_lost_answers():
    with pytest.raises(ValueError):
        next_retry(0, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,4, 8", (2, 4, 8)),
        ("60", (60,)),
        ("", DEFAULT_INTERVALS),
        (None, DEFAULT_INTERVALS),
        ("five,ten", DEFAULT_INTERVALS),
        ("-1,5", DEFAULT_INTERVALS),
    ],
)
def test_intervals_from_a_parameter(text, expected):
    assert parse_intervals(text) == expected
    assert next_retry(1, NOW, parse_intervals(text), limit=0) == NOW + dt.timedelta(
        seconds=expected[0]
    )
