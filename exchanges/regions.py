"""World regions for the exchanges dashboard filter (the World Bank's seven regions).

A country belongs to exactly one region; a code that is not listed (a new or disputed
territory) simply matches no region filter.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    AFRICA = "africa", _("Sub-Saharan Africa")
    EAST_ASIA_PACIFIC = "east-asia-pacific", _("East Asia and Pacific")
    EUROPE_CENTRAL_ASIA = "europe-central-asia", _("Europe and Central Asia")
    LATIN_AMERICA = "latin-america-caribbean", _("Latin America and the Caribbean")
    MIDDLE_EAST = "middle-east-north-africa", _("Middle East and North Africa")
    NORTH_AMERICA = "north-america", _("North America")
    SOUTH_ASIA = "south-asia", _("South Asia")


_MEMBERS = {
    Region.AFRICA: (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM LR LS MG ML MR MU MW "
        "MZ NA NE NG RW SC SD SL SN SO SS ST SZ TD TG TZ UG YT RE ZA ZM ZW SH"
    ),
    Region.EAST_ASIA_PACIFIC: (
        "AS AU BN CN FJ FM GU HK ID JP KH KI KP KR LA MH MM MN MO MP MY NC NR NZ PF PG PH PW SB "
        "SG TH TL TO TV TW VN VU WS CK NU TK WF"
    ),
    Region.EUROPE_CENTRAL_ASIA: (
        "AD AL AM AT AZ BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GE GI GL GR HR HU IE IM IS "
        "IT KG KZ LI LT LU LV MC MD ME MK NL NO PL PT RO RS RU SE SI SK SM TJ TM TR UA UZ XK "
        "AX GG JE VA"
    ),
    Region.LATIN_AMERICA: (
        "AG AR AW BB BO BR BS BZ CL CO CR CU CW DM DO EC GD GT GY HN HT JM KN KY LC MF MX NI PA "
        "PE PR PY SR SV SX TC TT UY VC VE VG VI AI BL BQ FK GF GP MQ MS"
    ),
    Region.MIDDLE_EAST: "AE BH DZ EG IL IQ IR JO KW LB LY MA MT OM PS QA SA SY TN YE EH",
    Region.NORTH_AMERICA: "BM CA US PM",
    Region.SOUTH_ASIA: "AF BD BT IN LK MV NP PK",
}
COUNTRY_REGION: dict[str, str] = {
    code: region.value for region, codes in _MEMBERS.items() for code in codes.split()
}


def countries_in(region: str) -> list[str]:
    return sorted(code for code, value in COUNTRY_REGION.items() if value == region)


def region_of(country: str) -> str:
    return COUNTRY_REGION.get(str(country or "").upper(), "")
