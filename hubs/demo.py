"""Demonstration data: the knowledge hubs the source study describes, with only the facts it states.

Fields the source says nothing about stay empty (the completeness indicator shows them).
Only adds what is missing: a hub is matched on its slug and, once it exists, never changed
again by ``load_demo`` (people edit hubs); ``load_demo --reset`` puts these values back.
"""

from __future__ import annotations

from core.demo_support import creating

from .models import Hub, PriorityArea

HUBS = [
    # --- National hubs ---
    {
        "slug": "abc-brazil",
        "kind": "national",
        "name": "Brazilian Cooperation Agency",
        "acronym": "ABC",
        "country": "BR",
        "year_established": 1987,
        "host_institution": "Ministry of Foreign Affairs",
        "organisational_model": "mfa_agency",
        "institutions_coordinated": 39,
        "original_language": "pt-br",
        "description": "At least 39 central government entities are active in knowledge exchange through ABC.",
    },
    {
        "slug": "amexcid",
        "kind": "national",
        "name": "Mexican Agency for International Development Cooperation",
        "acronym": "AMEXCID",
        "country": "MX",
        "year_established": 2011,
        "host_institution": "Ministry of Foreign Affairs",
        "organisational_model": "mfa_agency",
        "institutions_coordinated": 26,
        "areas": ["agriculture", "education", "environment", "health", "public-security"],
        "partner_organisations": ["Joint Fund with Chile", "Joint Fund with Uruguay"],
        "original_language": "es",
        "description": (
            "AMEXCID was launched in 2011 with a catalogue of solutions from 26 institutions in "
            "agriculture, education, environment, health and public security. It runs Joint Funds "
            "with Chile and Uruguay."
        ),
    },
    {
        "slug": "indonesia-coordinating-team",
        "kind": "national",
        "name": "Coordinating Team for South-South and Triangular Cooperation",
        "acronym": "NCT",
        "country": "ID",
        "year_established": 2010,
        "host_institution": "BAPPENAS (Ministry of National Development Planning)",
        "organisational_model": "coordinating_team",
        "institutions_coordinated": 4,
        "original_language": "id",
        "description": (
            "Indonesia's Coordinating Team was set up in 2010 and is hosted at BAPPENAS. It brings "
            "together four ministries: development planning, finance, foreign affairs and the state "
            "secretariat. Between 2000 and 2010, more than 400 projects were carried out across 15 "
            "ministries and agencies."
        ),
    },
    {
        "slug": "singapore-cooperation-enterprise",
        "kind": "national",
        "name": "Singapore Cooperation Enterprise",
        "acronym": "SCE",
        "country": "SG",
        "year_established": 2006,
        "host_institution": "Ministry of Foreign Affairs and Ministry of Trade and Industry",
        "organisational_model": "public_company",
        "institutions_coordinated": 81,
        "financing": [{"source": "fees_for_service", "share": None}],
        "financing_note": "Works on a paid-for basis.",
        "original_language": "en",
        "description": (
            "Set up in 2006 by the ministries of foreign affairs and of trade and industry as a "
            "limited guarantee company. It works on a paid-for basis and connects 15 ministries and "
            "66 statutory boards."
        ),
    },
    {
        "slug": "dafc-mofcom",
        "kind": "national",
        "name": "Department of Aid to Foreign Countries",
        "acronym": "DAFC",
        "country": "CN",
        "host_institution": "Ministry of Commerce (MOFCOM)",
        "original_language": "zh-hans",
    },
    {
        "slug": "apc-colombia",
        "kind": "national",
        "name": "Presidential Agency for International Cooperation of Colombia",
        "acronym": "APC-Colombia",
        "country": "CO",
        "original_language": "es",
    },
    {
        "slug": "fo-ar",
        "kind": "national",
        "name": "Argentine Fund for South-South and Triangular Cooperation",
        "acronym": "FO-AR",
        "country": "AR",
        "original_language": "es",
    },
    {
        "slug": "tika",
        "kind": "national",
        "name": "Turkish Cooperation and Coordination Agency",
        "acronym": "TIKA",
        "country": "TR",
        "original_language": "tr",
    },
    # --- Sector hubs ---
    {
        "slug": "embrapa",
        "kind": "sector",
        "name": "Brazilian Agricultural Research Corporation",
        "acronym": "EMBRAPA",
        "country": "BR",
        "organisational_model": "research",
        "areas": ["agriculture"],
        "original_language": "pt-br",
    },
    {
        "slug": "fiocruz",
        "kind": "sector",
        "name": "Oswaldo Cruz Foundation",
        "acronym": "FIOCRUZ",
        "country": "BR",
        "areas": ["health"],
        "partner_organisations": ["ALAESP network"],
        "original_language": "pt-br",
        "description": "Shares Brazil's experience with human milk banks; works with the ALAESP network.",
    },
    {
        "slug": "sedesol",
        "kind": "sector",
        "name": "Ministry of Social Development",
        "acronym": "SEDESOL",
        "country": "MX",
        "areas": ["social-protection"],
        "original_language": "es",
    },
    {
        "slug": "semarnat",
        "kind": "sector",
        "name": "Ministry of Environment and Natural Resources",
        "acronym": "SEMARNAT",
        "country": "MX",
        "areas": ["environment"],
        "partner_organisations": ["UN-REDD+"],
        "original_language": "es",
    },
    {
        "slug": "cabri",
        "kind": "sector",
        "name": "Collaborative Africa Budget Reform Initiative",
        "acronym": "CABRI",
        "country": "ZA",
        "host_institution": "National Treasury of South Africa",
        "organisational_model": "platform",
        "areas": ["public-finance"],
        "financing": [
            {"source": "membership_fees", "share": 40},
            {"source": "international_partners", "share": None},
        ],
        "financing_note": "Membership fees cover 40% of the annual budget; support from GIZ and DFID.",
        "partner_organisations": ["GIZ", "DFID"],
        "original_language": "en",
        "description": "An African budget-reform network hosted at South Africa's National Treasury.",
    },
    {
        "slug": "aibo",
        "kind": "sector",
        "name": "AIBO",
        "acronym": "AIBO",
        "original_language": "en",
    },
    {
        "slug": "gscass",
        "kind": "sector",
        "name": "Graduate School of the Chinese Academy of Social Sciences",
        "acronym": "GSCASS",
        "country": "CN",
        "original_language": "zh-hans",
    },
    {
        "slug": "kdi",
        "kind": "sector",
        "name": "Korea Development Institute",
        "acronym": "KDI",
        "country": "KR",
        "original_language": "ko",
    },
    {
        "slug": "teri",
        "kind": "sector",
        "name": "The Energy and Resources Institute",
        "acronym": "TERI",
        "country": "IN",
        "areas": ["energy"],
        "original_language": "en",
    },
]


def _values(record: dict) -> tuple[str, dict, list[str]]:
    record = dict(record)
    slug = record.pop("slug")
    areas = record.pop("areas", [])
    return slug, {"is_published": True, "is_sample": False, **record}, areas


def load() -> None:
    existing = set(
        Hub.objects.filter(slug__in=[r["slug"] for r in HUBS]).values_list("slug", flat=True)
    )
    for record in HUBS:
        slug, values, areas = _values(record)
        if slug in existing:
            continue
        with creating(f"hub {slug}"):
            hub = Hub(slug=slug, **values)
            hub.full_clean()
            hub.save()
            hub.priority_areas.set(PriorityArea.objects.filter(slug__in=areas))


def reset() -> None:
    """Put the demonstration hubs' values back (in place: members' rows hang on hubs)."""
    for record in HUBS:
        slug, values, areas = _values(record)
        hub = Hub.objects.filter(slug=slug).first()
        if hub is None:
            continue  # load() creates it again
        with creating(f"restoring hub {slug}"):
            for field, value in values.items():
                setattr(hub, field, value)
            hub.full_clean()
            hub.save()
            hub.priority_areas.set(PriorityArea.objects.filter(slug__in=areas))
