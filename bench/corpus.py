"""The vocabulary of the synthetic catalogue: what makes generated solutions read like real ones.

A real catalogue entry is written in one language (sometimes with its title and summary
translated), is about one priority area and mentions that area's subjects again and
again, and is otherwise ordinary prose: stop words, the common words of development
work and a long tail of rarer words, in Zipf proportions. So a subject word such as
"water" is in most water-and-sanitation entries of its language and in a few others,
and the commonest words are in nearly every entry.

Each language ranks its words: its stop words, its common words, the subjects (at lower
frequency) and a long tail of pseudo-words; the word of rank r is drawn with weight 1 / r.
"""

from __future__ import annotations

import random
from itertools import accumulate

LANGUAGE_CODES = {
    "english": "en",
    "spanish": "es",
    "portuguese": "pt-br",
    "french": "fr",
    "indonesian": "id",
}
CONFIGS = list(LANGUAGE_CODES)

# (priority area, english, spanish, portuguese, french, indonesian). Within an area the order
# matters: titles take two neighbours, so "human milk", "milk bank", "community network" occur.
SUBJECTS = [
    ("health", "health", "salud", "saúde", "santé", "kesehatan"),
    ("health", "human", "humana", "humano", "humain", "manusia"),
    ("health", "milk", "leche", "leite", "lait", "susu"),
    ("health", "bank", "banco", "banco", "banque", "bank"),
    ("health", "nutrition", "nutrición", "nutrição", "nutrition", "gizi"),
    ("health", "clinic", "clínica", "clínica", "clinique", "klinik"),
    ("health", "vaccine", "vacuna", "vacina", "vaccin", "vaksin"),
    ("water-sanitation", "water", "agua", "água", "eau", "air"),
    ("water-sanitation", "sanitation", "saneamiento", "saneamento", "assainissement", "sanitasi"),
    ("education", "education", "educación", "educação", "éducation", "pendidikan"),
    ("education", "school", "escuela", "escola", "école", "sekolah"),
    ("education", "teachers", "maestros", "professores", "enseignants", "guru"),
    ("education", "training", "formación", "formação", "formation", "pelatihan"),
    ("agriculture", "farmers", "agricultores", "agricultores", "agriculteurs", "petani"),
    ("agriculture", "market", "mercado", "mercado", "marché", "pasar"),
    ("agriculture", "irrigation", "riego", "irrigação", "irrigation", "irigasi"),
    ("environment", "forest", "bosque", "floresta", "forêt", "hutan"),
    ("environment", "fire", "incendio", "incêndio", "incendie", "kebakaran"),
    ("environment", "climate", "clima", "clima", "climat", "iklim"),
    ("public-finance", "budget", "presupuesto", "orçamento", "budget", "anggaran"),
    ("public-finance", "reform", "reforma", "reforma", "réforme", "reformasi"),
    ("public-finance", "finance", "finanzas", "finanças", "finances", "keuangan"),
    ("urban-transport", "road", "camino", "estrada", "route", "jalan"),
    ("urban-transport", "transport", "transporte", "transporte", "transport", "transportasi"),
    (
        "urban-transport",
        "planning",
        "planificación",
        "planejamento",
        "planification",
        "perencanaan",
    ),
    ("urban-transport", "housing", "vivienda", "habitação", "logement", "perumahan"),
    ("energy", "energy", "energía", "energia", "énergie", "energi"),
    ("disaster-risk", "disaster", "desastre", "desastre", "catastrophe", "bencana"),
    ("disaster-risk", "risk", "riesgo", "risco", "risque", "risiko"),
    ("disaster-risk", "community", "comunidad", "comunidade", "communauté", "komunitas"),
    ("social-protection", "community", "comunidad", "comunidade", "communauté", "komunitas"),
    ("social-protection", "network", "red", "rede", "réseau", "jaringan"),
    ("social-protection", "women", "mujeres", "mulheres", "femmes", "perempuan"),
    ("social-protection", "youth", "jóvenes", "jovens", "jeunes", "pemuda"),
    ("statistics", "statistics", "estadística", "estatística", "statistique", "statistik"),
    ("statistics", "data", "datos", "dados", "données", "data"),
    ("governance", "reform", "reforma", "reforma", "réforme", "reformasi"),
    ("governance", "network", "red", "rede", "réseau", "jaringan"),
    ("public-security", "police", "policía", "polícia", "police", "polisi"),
    ("public-security", "prevention", "prevención", "prevenção", "prévention", "pencegahan"),
]
AREAS = sorted({row[0] for row in SUBJECTS})

STOP_WORDS = {
    "english": "the of and to in for with on by a is that from as",
    "spanish": "de la el en y los las del para con una por que se",
    "portuguese": "de da do em e os as para com uma por no que se",
    "french": "de la le les des et en du pour avec une par que sur",
    "indonesian": "dan yang di ke dari untuk dengan pada dalam ini itu oleh",
}
COMMON = {
    "english": (
        "programme project government local national results institution capacity support "
        "model service policy public ministry approach country partners knowledge exchange "
        "experience implementation municipalities access quality coverage cost evaluation "
        "management system strategy pilot scale"
    ),
    "spanish": (
        "programa proyecto gobierno local nacional resultados institución capacidad apoyo "
        "modelo servicio política pública ministerio enfoque país socios conocimiento intercambio "
        "experiencia implementación municipios acceso calidad cobertura costo evaluación "
        "gestión sistema estrategia piloto escala"
    ),
    "portuguese": (
        "programa projeto governo local nacional resultados instituição capacidade apoio "
        "modelo serviço política pública ministério abordagem país parceiros conhecimento "
        "intercâmbio experiência implementação municípios acesso qualidade cobertura custo "
        "avaliação gestão sistema estratégia piloto escala"
    ),
    "french": (
        "programme projet gouvernement local national résultats institution capacité appui "
        "modèle service politique publique ministère approche pays partenaires connaissances "
        "échange expérience mise œuvre communes accès qualité couverture coût évaluation "
        "gestion système stratégie pilote échelle"
    ),
    "indonesian": (
        "program proyek pemerintah lokal nasional hasil lembaga kapasitas dukungan model "
        "layanan kebijakan publik kementerian pendekatan negara mitra pengetahuan pertukaran "
        "pengalaman pelaksanaan kabupaten akses mutu cakupan biaya evaluasi pengelolaan sistem "
        "strategi percontohan skala"
    ),
}
SYLLABLES = {
    "english": "an ber con dal el fen gar hol in jun ker lan mor nel or pen quin ros sel tan ur ven wil yar",
    "spanish": "ca de ma ri to lo ne sa ción ven al bu ce di fo gu ja mi no pa que ro te vi",
    "portuguese": "ção ba ce di fa gue lha mo nu pe qui ra so tu va xe ze ar em os lu ne ri go",
    "french": "ain beau cha dé er fi gne hau ie jo lon mé noi ou pré que rai sion tel un vé ment",
    "indonesian": "ba ci da ga ha ja ka la ma na pa ra sa ta wa ya ng kan an in un ke be me",
}
TAIL_WORDS = 4_000  # pseudo-words per language: the long tail of the vocabulary
SUBJECT_RANK = 400  # where the subjects sit among a language's words (about 3% of entries each)


def subjects_by_area(config: str) -> dict[str, list[str]]:
    column = 1 + CONFIGS.index(config)
    found: dict[str, list[str]] = {area: [] for area in AREAS}
    for row in SUBJECTS:
        found[row[0]].append(row[column])
    return found


def _tail(config: str, rng: random.Random, known: set[str]) -> list[str]:
    syllables = SYLLABLES[config].split()
    words: list[str] = []
    while len(words) < TAIL_WORDS:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in known:
            known.add(word)
            words.append(word)
    return words


def ranked_words(config: str) -> list[str]:
    """The language's words, commonest first: stop words, common words, then the long tail
    with the subjects inserted at SUBJECT_RANK."""
    rng = random.Random(f"bench-corpus-{config}")  # noqa: S311 - reproducible, not secret
    subjects = list(dict.fromkeys(row[1 + CONFIGS.index(config)] for row in SUBJECTS))
    head = [*STOP_WORDS[config].split(), *COMMON[config].split()]
    known = {*head, *subjects}
    tail = _tail(config, rng, known)
    cut = SUBJECT_RANK - len(head)
    return [*head, *tail[:cut], *subjects, *tail[cut:]]


class Writer:
    """Writes the texts of generated solutions in one language, reproducibly."""

    def __init__(self, config: str, seed: int):
        self.words = ranked_words(config)
        self.weights = list(accumulate(1 / rank for rank in range(1, len(self.words) + 1)))
        self.subjects = subjects_by_area(config)
        self.rng = random.Random(seed)  # noqa: S311 - reproducible, not secret

    def prose(self, count: int, area: str, share: float) -> list[str]:
        """`count` words, about `share` of them the area's subjects, the rest Zipf-drawn."""
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.weights, k=count)
        subjects = self.subjects[area]
        for position in rng.sample(range(count), rng.binomialvariate(count, share)):
            words[position] = rng.choice(subjects)
        return words

    def title(self, area: str, pick: int) -> str:
        subjects = self.subjects[area]
        first, second = subjects[pick % len(subjects)], subjects[(pick + 1) % len(subjects)]
        return " ".join([first.capitalize(), second, *self.prose(4, area, 0)])

    def summary(self, area: str) -> str:
        return " ".join(self.prose(30, area, 0.13))

    def body(self, area: str) -> str:
        return " ".join(self.prose(110, area, 0.07))
