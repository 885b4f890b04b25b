"""Working days and hours in the province: when the bot may remind people."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

# No reminders at night (DESIGN §5): only from 07:00 to 21:00 local time.
EARLIEST, LATEST = time(7, 0), time(21, 0)


class WorkCalendar:
    """Viet Nam's working days (Monday to Friday, public holidays excluded) in a time zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        """Use the holidays of Viet Nam as the maintained `holidays` package knows them."""
        self.tz = tz
        self._holidays = holidays.country_holidays("VN")

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday (nor a day off moved from one)."""
        return day.weekday() < 5 and day not in self._holidays

    def may_send(self, now: datetime) -> bool:
        """Whether a reminder may go out now: a working day, between 07:00 and 21:00."""
        local = now.astimezone(self.tz)
        return self.is_working_day(local.date()) and EARLIEST <= local.time() < LATEST

    def working_at(self, day: date, at: time) -> datetime:
        """`at` o'clock (local) on the first working day from `day` on, as UTC."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, at, self.tz).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        """The local calendar date of a moment."""
        return moment.astimezone(self.tz).date()
