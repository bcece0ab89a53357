"""Reads for the self-assessment pages: results, progress over time, peers, road map."""

from __future__ import annotations

from functools import reduce

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import scoring
from .models import Answer, Assessment, Hub, Pillar, RoadmapStep


def pillars_of(assessment: Assessment) -> list[Pillar]:
    return list(assessment.questionnaire.pillars.order_by("position"))


def peer_scores(hub: Hub) -> list[dict]:
    """The latest shared, submitted assessment of each other hub of the same kind (scores only)."""
    rows = (
        Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, share_with_peers=True, hub__kind=hub.kind
        )
        .exclude(hub=hub)
        .order_by("hub_id", "-submitted_at")
        .distinct("hub_id")
        .values_list("scores", flat=True)
    )
    return list(rows)


def history(hub: Hub, user) -> list[Assessment]:
    return list(
        Assessment.objects.visible_to(user)
        .filter(hub=hub, status=Assessment.Status.SUBMITTED)
        .select_related("questionnaire")
        .order_by("submitted_at")
    )


def reading(scores: dict[str, dict], labels: dict[str, str]) -> list[str]:
    """A short plain-language reading of strengths and gaps."""
    scored = sorted(
        ((data["score"], code) for code, data in scores.items() if data["score"] is not None),
        reverse=True,
    )
    sentences = []
    strong = [labels[code] for score, code in scored if score >= 3]
    weak = [labels[code] for score, code in reversed(scored) if score < 2]
    if strong:
        sentences.append(
            _("Established: %(pillars)s. Build on these and share how you did it.")
            % {"pillars": ", ".join(strong)}
        )
    if weak:
        sentences.append(
            _("Most room to grow: %(pillars)s. The road map starts with these.")
            % {"pillars": ", ".join(weak)}
        )
    if scored and not strong and not weak:
        sentences.append(
            _(
                "All pillars are developing (between levels 2 and 3); the road map starts with the lowest."
            )
        )
    unanswered = sum(data["total"] - data["answered"] for data in scores.values())
    if unanswered:
        sentences.append(
            ngettext(
                "%(count)d question was left unanswered; the scores rest on the answers given.",
                "%(count)d questions were left unanswered; the scores rest on the answers given.",
                unanswered,
            )
            % {"count": unanswered}
        )
    return sentences


def result_context(assessment: Assessment, user) -> dict:
    pillars = pillars_of(assessment)
    codes = [p.code for p in pillars]
    labels = {p.code: p.translated("title") for p in pillars}
    earlier = (
        Assessment.objects.visible_to(user)
        .filter(
            hub=assessment.hub,
            status=Assessment.Status.SUBMITTED,
            submitted_at__lt=assessment.submitted_at,
        )
        .order_by("-submitted_at")
        .first()
    )
    peers = scoring.peer_statistics(peer_scores(assessment.hub), codes)
    rows = []
    for pillar in pillars:
        data = assessment.scores.get(pillar.code, {"score": None, "answered": 0, "total": 0})
        previous = earlier.scores.get(pillar.code, {}).get("score") if earlier else None
        rows.append(
            {
                "code": pillar.code,
                "label": labels[pillar.code],
                "kind": pillar.get_kind_display(),
                "score": data["score"],
                "answered": data["answered"],
                "total": data["total"],
                "previous": previous,
                "change": round(data["score"] - previous, 2)
                if data["score"] is not None and previous is not None
                else None,
                "peers": peers.get(pillar.code) if peers else None,
            }
        )
    series = [
        {
            "name": _("This assessment"),
            "css": "series-current",
            "points": scoring.radar_points([r["score"] for r in rows]),
        }
    ]
    if earlier:
        series.append(
            {
                "name": _("Previous assessment"),
                "css": "series-previous",
                "points": scoring.radar_points([r["previous"] for r in rows]),
            }
        )
    if peers:
        series.append(
            {
                "name": _("Peer median"),
                "css": "series-peers",
                "points": scoring.radar_points([(r["peers"] or {}).get("median") for r in rows]),
            }
        )
    return {
        "rows": rows,
        "earlier": earlier,
        "peers": peers,
        "peer_count": len(peer_scores(assessment.hub)),
        "radar": {
            "axes": scoring.radar_axes([r["label"] for r in rows]),
            "rings": scoring.rings(),
            "series": series,
        },
        "reading": reading(assessment.scores, labels),
    }


# What each pillar is about, as search words: the vetted solutions, blog posts and webinars that
# mention them are offered beside the road-map steps of that pillar.
PILLAR_TOPICS = {
    "organisation": ("institutional", "mandate", "governance"),
    "partnerships": ("partnership", "triangular", "partners"),
    "coordination": ("coordination", "coordinating", "inter-ministerial"),
    "people": ("staff", "training", "skills"),
    "financing": ("financing", "budget", "fund"),
    "knowledge": ("validation", "documentation", "packaging"),
    "exchange": ("exchange", "field visit", "secondment"),
    "results": ("monitoring", "evaluation", "results"),
}
RESOURCES_PER_KIND = 2


def learning_resources(pillar_codes) -> dict[str, dict[str, list]]:
    """Per pillar: a few vetted solutions, blog posts and webinars on its topic (newest first).

    Three short indexed queries per pillar, for at most the eight pillars of a questionnaire.
    """
    from django.contrib.postgres.search import SearchQuery

    from catalogue.models import SolutionSearch
    from community.models import BlogPost
    from webinars.models import Webinar

    resources: dict[str, dict[str, list]] = {}
    for code in dict.fromkeys(pillar_codes):
        words = PILLAR_TOPICS.get(code)
        if not words:
            continue
        query = " or ".join(f'"{w}"' for w in words)
        text = reduce(
            lambda a, b: a | b,
            (SearchQuery(query, search_type="websearch", config=c) for c in ("simple", "english")),
        )
        mentions = reduce(
            lambda a, b: a | b,
            (Q(title__icontains=w) | Q(summary__icontains=w) for w in words),
        )
        described = reduce(
            lambda a, b: a | b, (Q(title__icontains=w) | Q(description__icontains=w) for w in words)
        )
        resources[code] = {
            "solutions": list(
                SolutionSearch.objects.filter(document=text)
                .only("slug", "title", "translations")
                .order_by("-vetted_at")[:RESOURCES_PER_KIND]
            ),
            "posts": list(
                BlogPost.objects.published()
                .filter(mentions)
                .only("slug", "title")
                .order_by("-published_at")[:RESOURCES_PER_KIND]
            ),
            "webinars": list(
                Webinar.objects.listed()
                .filter(described)
                .only("slug", "title", "starts_at")
                .order_by("-starts_at")[:RESOURCES_PER_KIND]
            ),
        }
    return resources


def roadmap(hub: Hub) -> list[dict]:
    """The hub's steps, each with hubs that have published a high level on the same question."""
    steps = list(
        RoadmapStep.objects.filter(hub=hub)
        .select_related("question__pillar")
        .order_by("position", "pk")
    )
    codes = {step.question.code for step in steps if step.question}
    examples: dict[str, list[tuple[str, str]]] = {}
    if codes:
        rows = (
            Answer.objects.filter(
                assessment__is_published=True,
                assessment__status=Assessment.Status.SUBMITTED,
                assessment__hub__is_published=True,
                level__gte=3,
                question__code__in=codes,
            )
            .exclude(assessment__hub=hub)
            .values_list("question__code", "assessment__hub__slug", "assessment__hub__name")
            .distinct()
            .order_by("assessment__hub__name")
        )
        for code, slug, name in rows:
            examples.setdefault(code, []).append((slug, name))
    resources = learning_resources(step.question.pillar.code for step in steps if step.question)
    return [
        {
            "step": step,
            "examples": examples.get(step.question.code, [])[:3] if step.question else [],
            "resources": resources.get(step.question.pillar.code) if step.question else None,
        }
        for step in steps
    ]
