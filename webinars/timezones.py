"""Times in two zones: the viewer's and the host's, labelled, with the date difference."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from core.middleware import valid_time_zone


@dataclass(frozen=True)
class LocalTimes:
    zone: str
    starts_at: datetime
    ends_at: datetime

    @property
    def start_date(self) -> date:
        return self.starts_at.date()

    @property
    def ends_another_day(self) -> bool:
        return self.ends_at.date() != self.starts_at.date()


@dataclass(frozen=True)
class DualTimes:
    viewer: LocalTimes
    host: LocalTimes

    @property
    def same_zone(self) -> bool:
        return self.viewer.starts_at.utcoffset() == self.host.starts_at.utcoffset() and (
            self.viewer.zone == self.host.zone
        )

    @property
    def date_differs(self) -> bool:
        """The viewer's start date is not the host's (across the date line, or near midnight)."""
        return self.viewer.start_date != self.host.start_date

    @property
    def day_offset(self) -> int:
        """+1 when the viewer's date is the day after the host's, -1 the day before."""
        return (self.viewer.start_date - self.host.start_date).days


def _local(zone_name: str, starts_at: datetime, ends_at: datetime) -> LocalTimes:
    zone = zoneinfo.ZoneInfo(zone_name)
    return LocalTimes(zone_name, starts_at.astimezone(zone), ends_at.astimezone(zone))


def dual_times(webinar, viewer_zone: str | None = None) -> DualTimes:
    """``viewer_zone`` defaults to the active zone (the middleware sets it per request)."""
    viewer_zone = valid_time_zone(viewer_zone) or timezone.get_current_timezone_name()
    host_zone = valid_time_zone(webinar.host_time_zone) or "UTC"
    return DualTimes(
        viewer=_local(viewer_zone, webinar.starts_at, webinar.ends_at),
        host=_local(host_zone, webinar.starts_at, webinar.ends_at),
    )
