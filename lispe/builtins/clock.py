"""Time: `chrono` and the dates of the reference's system module.

`(chrono)` is a time point; subtracting two gives the milliseconds between them:

    (setq start (chrono))
    ...
    (println (- (chrono) start))      ; e.g. 12.417

`(date)` is the current date, printed `2025/11/29 10:30:00`; `year`, `month`, `day`, `hour`,
`minute`, `second` read one field, or with a second argument set it (giving the date back);
`weekday` (0 is Sunday) and `yearday` (0 is January 1st) read; `(setdate y (m) (d) (H) (M) (S))`
makes a date from today with the given fields changed (-1 or absent: left as it is).
"""

import time

from ..errors import LispError
from ..printer import register_printer
from ..registry import builtin
from ..values import register_type_name
from ._common import check_int


class Chrono(float):
    """A time point, in milliseconds since the epoch; `a - b` is the milliseconds between."""

    __slots__ = ()


register_type_name(Chrono, "chrono_")


@builtin("chrono")
def chrono():
    """The current time point; (- (chrono) start) is the elapsed milliseconds."""
    return Chrono(time.time_ns() / 1e6)


class Date:
    """A date of the system module: seconds since the epoch, read in local time."""

    __slots__ = ("seconds",)

    def __init__(self, seconds=None):
        self.seconds = time.time() if seconds is None else seconds

    def fields(self):
        return list(time.localtime(self.seconds))

    def change(self, index, value):
        fields = self.fields()
        fields[index] = value
        fields[8] = -1                          # let mktime decide about daylight saving
        self.seconds = time.mktime(tuple(fields))
        return self

    def __str__(self):
        return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(self.seconds))


register_type_name(Date, "date_")
register_printer(Date, str)


@builtin("date")
def date():
    """The current date."""
    return Date()


def _date(value, fname):
    if not isinstance(value, Date):
        raise LispError(f"Error: wrong type for '{fname}'", fname)
    return value


_FIELDS = ("year", "month", "day", "hour", "minute", "second")    # time.struct_time's order


def _field_function(name, index):
    def field(adate, d=-1):
        value = _date(adate, name)
        d = check_int(d, name)
        if d == -1:
            return value.fields()[index]
        return value.change(index, d)
    field.__doc__ = f"The {name} of a date; with a value, sets it and gives the date."
    return field


for _index, _name in enumerate(_FIELDS):
    builtin(_name, signature=f"({_name} adate (d -1))")(_field_function(_name, _index))


@builtin("weekday")
def weekday(adate):
    """The day of the week of a date, 0 for Sunday."""
    return (_date(adate, "weekday").fields()[6] + 1) % 7


@builtin("yearday")
def yearday(adate):
    """The day of the year of a date, 0 for January 1st."""
    return _date(adate, "yearday").fields()[7] - 1


@builtin("setdate")
def setdate(y, m=-1, d=-1, H=-1, M=-1, S=-1):
    """Today's date with the given year, month, day, hour, minute, second (-1: unchanged)."""
    value = Date()
    for index, field in enumerate((y, m, d, H, M, S)):
        field = check_int(field, "setdate")
        if field != -1:
            value.change(index, field)
    return value
