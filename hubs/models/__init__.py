"""Hub profiles and their curation (profiles.py); the self-assessment and road map (assessment.py)."""

from .assessment import (  # noqa: F401
    Answer,
    Assessment,
    Level,
    Pillar,
    Question,
    Questionnaire,
    RoadmapStep,
)
from .profiles import (  # noqa: F401
    LOGO_MAX_BYTES,
    Hub,
    HubChange,
    HubProposal,
    HubQuerySet,
    PriorityArea,
    clean_financing,
    validate_year_established,
)
