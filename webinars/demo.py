"""Demonstration webinars, after the source: experts from Tecnológico de Monterrey, the
Asia-Pacific Finance and Development Center in Shanghai and NASA, and private-sector
knowledge managers from 3M, Caterpillar and ConocoPhillips.

The organisations are the source's; the people, titles, dates and links are invented, so
every record is marked ``is_sample``. Dates are relative to the day a sample is first created:
some past with recordings, some upcoming. Only adds what is missing (matched on the slug, the
speaker's name and organisation): an existing webinar is never changed, so its date is not
moved either, and sample webinars that were upcoming become past ones as time goes by.
``load_demo --reset`` puts the sample webinars back to their values, dates relative to that
day, in place through ``webinar_save`` (SEQUENCE bumped, registrants told).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from core.demo_support import creating

from . import services
from .models import Speaker, Webinar, WebinarSpeaker

SPEAKERS = {
    "tec": ("Knowledge-exchange expert", "Tecnológico de Monterrey", Speaker.Sector.ACADEMIA),
    "afdc": (
        "Capacity-building expert",
        "Asia-Pacific Finance and Development Center, Shanghai",
        Speaker.Sector.PUBLIC,
    ),
    "nasa": ("Lessons-learned expert", "NASA", Speaker.Sector.PUBLIC),
    "3m": ("Knowledge manager", "3M", Speaker.Sector.PRIVATE),
    "caterpillar": ("Knowledge manager", "Caterpillar", Speaker.Sector.PRIVATE),
    "conocophillips": ("Knowledge manager", "ConocoPhillips", Speaker.Sector.PRIVATE),
}

WEBINARS = [
    {
        "slug": "sample-private-sector-knowledge-management",
        "title": "How companies manage knowledge: 3M, Caterpillar and ConocoPhillips",
        "description": (
            "Knowledge managers from three companies explain how communities of practice, "
            "expert directories and lessons-learned reviews keep know-how moving between "
            "teams, and what public knowledge hubs can borrow from them."
        ),
        "host_organisation": "Knowledge Hubs Community of Practice",
        "host_time_zone": "America/Chicago",
        "language": "en",
        "days": -45,
        "hour": 15,
        "capacity": 200,
        "speakers": ["3m", "caterpillar", "conocophillips"],
        "recording": True,
    },
    {
        "slug": "sample-lessons-learned-nasa",
        "title": "Learning from failure: capturing lessons learned",
        "description": (
            "An expert from NASA on how lessons from missions, including failures, are "
            "captured, reviewed and found again when the next project needs them."
        ),
        "host_organisation": "Knowledge Hubs Community of Practice",
        "host_time_zone": "America/New_York",
        "language": "en",
        "days": -20,
        "hour": 14,
        "capacity": None,
        "speakers": ["nasa"],
        "recording": True,
    },
    {
        "slug": "sample-finance-and-development-asia-pacific",
        "title": "Building capacity for finance and development in Asia-Pacific",
        "description": (
            "The Asia-Pacific Finance and Development Center in Shanghai shares how it "
            "designs learning programmes for officials from across the region, in the "
            "Asia-Pacific chapter's own time zone."
        ),
        "host_organisation": "Asia-Pacific Finance and Development Center",
        "host_time_zone": "Asia/Shanghai",
        "language": "en",
        "days": 7,
        "hour": 6,
        "capacity": 100,
        "speakers": ["afdc"],
        "recording": False,
    },
    {
        "slug": "sample-universidades-centros-de-conocimiento",
        "title": "Universidades como centros de conocimiento: la experiencia del Tecnológico de Monterrey",
        "description": (
            "Cómo una universidad organiza, valida y comparte soluciones con instituciones "
            "públicas de otros países."
        ),
        "host_organisation": "Tecnológico de Monterrey",
        "host_time_zone": "America/Mexico_City",
        "language": "es",
        "days": 14,
        "hour": 16,
        "capacity": 50,
        "speakers": ["tec"],
        "recording": False,
    },
    {
        "slug": "sample-public-private-knowledge-exchange",
        "title": "Public meets private: what knowledge hubs can learn from industry",
        "description": (
            "A conversation between a university expert and company knowledge managers on "
            "packaging practice-proven solutions so that peers can adapt them."
        ),
        "host_organisation": "Knowledge Hubs Community of Practice",
        "host_time_zone": "America/Santiago",
        "language": "en",
        "days": 21,
        "hour": 13,
        "capacity": 3,
        "speakers": ["tec", "3m", "caterpillar"],
        "recording": False,
    },
]


def _at(days: int, hour: int) -> datetime:
    today = timezone.now().date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)


def _speaker_values(key: str) -> tuple[dict, dict]:
    name, organisation, sector = SPEAKERS[key]
    return {"name": name, "organisation": organisation}, {
        "sector": sector,
        "is_sample": True,
        "bio": f"A sample speaker standing for the experts of {organisation}.",
    }


def _webinar_values(data: dict) -> dict:
    starts_at = _at(data["days"], data["hour"])
    past = data["days"] < 0
    return {
        "title": data["title"],
        "description": data["description"],
        "host_organisation": data["host_organisation"],
        "host_time_zone": data["host_time_zone"],
        "language": data["language"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=90),
        "capacity": data["capacity"],
        "join_url": f"https://meet.example.org/{data['slug']}",
        "status": Webinar.Status.FINISHED if past else Webinar.Status.SCHEDULED,
        "recording_url": f"https://video.example.org/{data['slug']}" if data["recording"] else "",
        "materials": "- Slides (sample)\n- Reading list (sample)" if past else "",
        "is_sample": True,
        "is_published": True,
        **_links(data["slug"]),
    }


def _speakers() -> dict[str, Speaker]:
    speakers = {}
    for key in SPEAKERS:
        lookup, defaults = _speaker_values(key)
        speakers[key], _created = Speaker.objects.get_or_create(**lookup, defaults=defaults)
    return speakers


def load() -> None:
    existing = set(
        Webinar.objects.filter(slug__in=[w["slug"] for w in WEBINARS]).values_list(
            "slug", flat=True
        )
    )
    if len(existing) == len(WEBINARS):
        return
    speakers = _speakers()
    for data in WEBINARS:
        if data["slug"] in existing:
            continue
        with creating(f"sample webinar {data['slug']}"):
            webinar = services.webinar_save(
                webinar=Webinar(slug=data["slug"], **_webinar_values(data)), changed_fields=[]
            )
            WebinarSpeaker.objects.bulk_create(
                WebinarSpeaker(webinar=webinar, speaker=speakers[key], order=order)
                for order, key in enumerate(data["speakers"])
            )


def reset() -> None:
    """Sample webinars back to their values in place: members' registrations hang on them."""
    for key in SPEAKERS:
        lookup, defaults = _speaker_values(key)
        Speaker.objects.filter(**lookup).update(**defaults)
    speakers = _speakers()
    for data in WEBINARS:
        webinar = Webinar.objects.filter(slug=data["slug"], is_sample=True).first()
        if webinar is None:
            continue  # load() creates it again
        with creating(f"restoring sample webinar {data['slug']}"):
            values = _webinar_values(data)
            for field, value in values.items():
                setattr(webinar, field, value)
            services.webinar_save(webinar=webinar, changed_fields=list(values))
            WebinarSpeaker.objects.filter(webinar=webinar).delete()
            WebinarSpeaker.objects.bulk_create(
                WebinarSpeaker(webinar=webinar, speaker=speakers[key], order=order)
                for order, key in enumerate(data["speakers"])
            )


# Which community pages and hub each sample webinar belongs to (when those records exist).
LINKS = {
    "sample-lessons-learned-nasa": {"theme": "2013-06"},
    "sample-finance-and-development-asia-pacific": {"chapter": "asia-pacific"},
    "sample-universidades-centros-de-conocimiento": {
        "chapter": "latin-america-caribbean",
        "host_hub": "amexcid",
    },
    "sample-public-private-knowledge-exchange": {"theme": "current"},
}


def _links(slug: str) -> dict:
    from django.utils import timezone

    from community.models import Chapter, Theme
    from hubs.models import Hub

    wanted = LINKS.get(slug, {})
    links = {}
    if "theme" in wanted:
        month = (
            timezone.now().strftime("%Y-%m") if wanted["theme"] == "current" else wanted["theme"]
        )
        links["theme"] = Theme.objects.filter(month=month).first()
    if "chapter" in wanted:
        links["chapter"] = Chapter.objects.filter(slug=wanted["chapter"]).first()
    if "host_hub" in wanted:
        links["host_hub"] = Hub.objects.filter(slug=wanted["host_hub"]).first()
    return links
