"""Financial years and the lengths of days, weeks, months and years: the one place for both.

Children's figures count financial years (1 April to 31 March), written ``2019-20``; the
model counts time in days from its start date. Every layer (scenario, model, experiment,
outputs) takes its labels and constants from here, so a label is formatted one way only.
"""

from __future__ import annotations

import datetime as dt

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25  # the mean calendar year, leap years included
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
FY_START_MONTH = 4  # April

ASSESSMENT_LIMIT_DAYS = 63.0
"""45 working days, the limit for an assessment (DfE's timeliness measure), in calendar
days: 45 working days are 9 weeks of 5 days, so 63 days. Bank holidays are ignored: 45
working days over one are 64 calendar days (over Christmas, 66), which this does not count.
A referral-to-end time of at most 63 days is within the limit."""


def fy_label(start_year: int) -> str:
    """The financial year that starts in April of ``start_year``.

    >>> fy_label(2019), fy_label(1999)
    ('2019-20', '1999-00')
    """
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def fy_ending(year: int) -> str:
    """The financial year that ends on 31 March of ``year`` (DfE's 'year ending 31 March').

    >>> fy_ending(2020)
    '2019-20'
    """
    return fy_label(year - 1)


def fy_of(d: dt.date) -> str:
    """The financial year containing date ``d``.

    >>> fy_of(dt.date(2020, 3, 31)), fy_of(dt.date(2020, 4, 1))
    ('2019-20', '2020-21')
    """
    return fy_label(d.year if d.month >= FY_START_MONTH else d.year - 1)


def fy_start_year(label: str) -> int:
    """The calendar year in which financial year ``label`` starts.

    >>> fy_start_year("2019-20")
    2019
    """
    return int(label[:4])


def next_fy(label: str) -> str:
    """The financial year after ``label``.

    >>> next_fy("2019-20"), next_fy("1999-00")
    ('2020-21', '2000-01')
    """
    return fy_label(fy_start_year(label) + 1)


def is_fy_label(label: str) -> bool:
    """Whether ``label`` is a well-formed financial year (``2020-21``, not ``2020-22``).

    >>> is_fy_label("2020-21"), is_fy_label("2020-22"), is_fy_label("2020/21")
    (True, False, False)
    """
    return (len(label) == 7 and label[:4].isdigit() and label[4] == "-"
            and label[5:].isdigit() and fy_label(int(label[:4])) == label)
