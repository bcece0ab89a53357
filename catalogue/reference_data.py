"""Reference data for the catalogue: the 17 SDGs, the vetting criteria, the Reviewers group.

Idempotent functions taking an app registry; called by a migration and after every
migrate and flush (see apps.py), so they are always present.
"""

from core.roles import Perm, ensure_group

SDGS = [
    (1, "No poverty"),
    (2, "Zero hunger"),
    (3, "Good health and well-being"),
    (4, "Quality education"),
    (5, "Gender equality"),
    (6, "Clean water and sanitation"),
    (7, "Affordable and clean energy"),
    (8, "Decent work and economic growth"),
    (9, "Industry, innovation and infrastructure"),
    (10, "Reduced inequalities"),
    (11, "Sustainable cities and communities"),
    (12, "Responsible consumption and production"),
    (13, "Climate action"),
    (14, "Life below water"),
    (15, "Life on land"),
    (16, "Peace, justice and strong institutions"),
    (17, "Partnerships for the goals"),
]

CRITERIA = [
    (
        "relevance",
        "Relevance to a development challenge",
        "The solution addresses a clearly stated development challenge that peer countries share.",
    ),
    (
        "evidence",
        "Evidence of results",
        "Results are stated with figures and backed by evidence that a reader can check.",
    ),
    (
        "replicability",
        "Replicability and adaptability",
        "The solution, or some of its building blocks, can be adapted elsewhere; the conditions are stated.",
    ),
    (
        "sustainability",
        "Sustainability",
        "The solution has lasted, or can last, beyond a project: financing, ownership and institutions.",
    ),
    (
        "lessons",
        "Documented lessons, including failures",
        "What worked, what did not and why is written down honestly.",
    ),
    (
        "capacity",
        "Capacity of the provider to share",
        "The provider hub has the people, time and means to share the solution with peers.",
    ),
]


def ensure_sdgs(apps) -> None:
    SDG = apps.get_model("catalogue", "SDG")
    if SDG.objects.count() == len(SDGS):
        return
    for number, title in SDGS:
        SDG.objects.get_or_create(number=number, defaults={"title": title})  # edits are kept


def ensure_criteria(apps) -> None:
    Criterion = apps.get_model("catalogue", "Criterion")
    if Criterion.objects.exists():
        return
    for position, (slug, title, description) in enumerate(CRITERIA):
        Criterion.objects.create(slug=slug, title=title, description=description, position=position)


def ensure_reviewers_group(apps) -> None:
    ensure_group(
        "Reviewers",
        [Perm("catalogue", "solution", "review_solution", "Can review submitted solutions")],
        apps=apps,
    )


def ensure_all(apps) -> None:
    ensure_sdgs(apps)
    ensure_criteria(apps)
    ensure_reviewers_group(apps)
