"""Reference data the portal needs in every database: priority areas, the Curators group,
the first self-assessment questionnaire.

Each function takes an app registry (a migration's historical apps, or the live one) and is
idempotent. Migrations call them once; the post_migrate handler in apps.py calls them again
after every migrate and flush, so the data is always there (tests that flush included).
"""

from core.roles import Perm, ensure_group

AREAS = [
    (
        "agriculture",
        "Agriculture and food security",
        {
            "es": "Agricultura y seguridad alimentaria",
            "pt-br": "Agricultura e segurança alimentar",
            "fr": "Agriculture et sécurité alimentaire",
            "id": "Pertanian dan ketahanan pangan",
        },
    ),
    (
        "education",
        "Education",
        {"es": "Educación", "pt-br": "Educação", "fr": "Éducation", "id": "Pendidikan"},
    ),
    (
        "environment",
        "Environment and climate",
        {
            "es": "Medio ambiente y clima",
            "pt-br": "Meio ambiente e clima",
            "fr": "Environnement et climat",
            "id": "Lingkungan dan iklim",
        },
    ),
    ("health", "Health", {"es": "Salud", "pt-br": "Saúde", "fr": "Santé", "id": "Kesehatan"}),
    (
        "public-security",
        "Public security",
        {
            "es": "Seguridad pública",
            "pt-br": "Segurança pública",
            "fr": "Sécurité publique",
            "id": "Keamanan publik",
        },
    ),
    (
        "disaster-risk",
        "Disaster risk management",
        {
            "es": "Gestión del riesgo de desastres",
            "pt-br": "Gestão de riscos de desastres",
            "fr": "Gestion des risques de catastrophe",
            "id": "Manajemen risiko bencana",
        },
    ),
    (
        "public-finance",
        "Public finance and budget",
        {
            "es": "Finanzas públicas y presupuesto",
            "pt-br": "Finanças públicas e orçamento",
            "fr": "Finances publiques et budget",
            "id": "Keuangan publik dan anggaran",
        },
    ),
    (
        "governance",
        "Governance and public administration",
        {
            "es": "Gobernanza y administración pública",
            "pt-br": "Governança e administração pública",
            "fr": "Gouvernance et administration publique",
            "id": "Tata kelola dan administrasi publik",
        },
    ),
    (
        "social-protection",
        "Social protection",
        {
            "es": "Protección social",
            "pt-br": "Proteção social",
            "fr": "Protection sociale",
            "id": "Perlindungan sosial",
        },
    ),
    (
        "statistics",
        "Statistics and data",
        {
            "es": "Estadística y datos",
            "pt-br": "Estatística e dados",
            "fr": "Statistiques et données",
            "id": "Statistik dan data",
        },
    ),
    (
        "urban-transport",
        "Urban development and transport",
        {
            "es": "Desarrollo urbano y transporte",
            "pt-br": "Desenvolvimento urbano e transporte",
            "fr": "Développement urbain et transports",
            "id": "Pembangunan perkotaan dan transportasi",
        },
    ),
    (
        "water-sanitation",
        "Water and sanitation",
        {
            "es": "Agua y saneamiento",
            "pt-br": "Água e saneamento",
            "fr": "Eau et assainissement",
            "id": "Air dan sanitasi",
        },
    ),
    (
        "science-technology",
        "Science, technology and innovation",
        {
            "es": "Ciencia, tecnología e innovación",
            "pt-br": "Ciência, tecnologia e inovação",
            "fr": "Science, technologie et innovation",
            "id": "Sains, teknologi, dan inovasi",
        },
    ),
    (
        "trade-investment",
        "Trade and investment",
        {
            "es": "Comercio e inversión",
            "pt-br": "Comércio e investimento",
            "fr": "Commerce et investissement",
            "id": "Perdagangan dan investasi",
        },
    ),
    ("energy", "Energy", {"es": "Energía", "pt-br": "Energia", "fr": "Énergie", "id": "Energi"}),
]


def ensure_priority_areas(apps) -> None:
    PriorityArea = apps.get_model("hubs", "PriorityArea")
    if PriorityArea.objects.exists():
        return
    for position, (slug, name, translations) in enumerate(AREAS):
        PriorityArea.objects.get_or_create(
            slug=slug, defaults={"name": name, "translations": translations, "position": position}
        )


def ensure_curators_group(apps) -> None:
    ensure_group(
        "Curators",
        [Perm("hubs", "hub", "curate_hub", "Can review proposals and publish hub profiles")],
        apps=apps,
    )


def ensure_questionnaire_v1(apps) -> None:
    from .assessment_questionnaire import QUESTIONNAIRE_V1

    Questionnaire = apps.get_model("hubs", "Questionnaire")
    Pillar = apps.get_model("hubs", "Pillar")
    Question = apps.get_model("hubs", "Question")
    Level = apps.get_model("hubs", "Level")
    if Questionnaire.objects.filter(version=1).exists():
        return
    questionnaire = Questionnaire.objects.create(
        version=1, title="Knowledge hub self-assessment", is_active=True
    )
    for pillar_position, data in enumerate(QUESTIONNAIRE_V1):
        pillar = Pillar.objects.create(
            questionnaire=questionnaire,
            code=data["code"],
            kind=data["kind"],
            title=data["title"],
            summary=data.get("summary", ""),
            position=pillar_position,
        )
        for question_position, item in enumerate(data["questions"]):
            question = Question.objects.create(
                pillar=pillar,
                code=item["code"],
                text=item["text"],
                help=item.get("help", ""),
                position=question_position,
            )
            Level.objects.bulk_create(
                Level(question=question, value=value, description=description)
                for value, description in enumerate(item["levels"])
            )


def ensure_all(apps) -> None:
    ensure_priority_areas(apps)
    ensure_curators_group(apps)
    ensure_questionnaire_v1(apps)
