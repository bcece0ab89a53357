"""Self-assessment arithmetic: pillar scores, peer statistics and the radar chart's geometry.

Scores are on the 0–4 maturity scale: the mean of the answered questions' levels in a
pillar. Unanswered questions are left out of the mean (and counted, so a reader sees how
many answers a score rests on); a pillar with no answer has no score.
"""

from __future__ import annotations

import math
import statistics

MIN_PEERS = 3


def pillar_scores(
    structure: dict[str, list[int]], levels: dict[int, int | None]
) -> dict[str, dict]:
    """structure: pillar code → question ids; levels: question id → level (None = unanswered)."""
    result = {}
    for code, question_ids in structure.items():
        answered = [levels[q] for q in question_ids if levels.get(q) is not None]
        result[code] = {
            "score": round(statistics.fmean(answered), 2) if answered else None,
            "answered": len(answered),
            "total": len(question_ids),
        }
    return result


def peer_statistics(
    peer_scores: list[dict[str, dict]], pillar_codes: list[str]
) -> dict[str, dict] | None:
    """Median and quartiles per pillar over peers' frozen scores; None with fewer than 3 peers.

    A pillar that fewer than 3 peers scored gets no statistics either, so a single hub's
    score can never be read back from the figures.
    """
    if len(peer_scores) < MIN_PEERS:
        return None
    result = {}
    for code in pillar_codes:
        values = sorted(
            scores[code]["score"]
            for scores in peer_scores
            if scores.get(code, {}).get("score") is not None
        )
        if len(values) < MIN_PEERS:
            result[code] = None
            continue
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        result[code] = {
            "q1": round(q1, 2),
            "median": round(median, 2),
            "q3": round(q3, 2),
            "peers": len(values),
        }
    return result


def radar_points(values: list[float | None], *, size: int = 320, maximum: float = 4.0) -> str:
    """SVG polygon points for values around a circle (None counts as 0)."""
    centre = size / 2
    radius = size / 2 - 40
    count = len(values)
    points = []
    for index, value in enumerate(values):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * (value or 0) / maximum
        points.append(
            f"{centre + distance * math.cos(angle):.1f},{centre + distance * math.sin(angle):.1f}"
        )
    return " ".join(points)


def radar_axes(labels: list[str], *, size: int = 320) -> list[dict]:
    centre = size / 2
    radius = size / 2 - 40
    axes = []
    for index, label in enumerate(labels):
        angle = -math.pi / 2 + 2 * math.pi * index / len(labels)
        cos, sin = math.cos(angle), math.sin(angle)
        anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
        axes.append(
            {
                "label": label,
                "x": f"{centre + radius * cos:.1f}",
                "y": f"{centre + radius * sin:.1f}",
                "label_x": f"{centre + (radius + 8) * cos:.1f}",
                "label_y": f"{centre + (radius + 14) * sin + 4:.1f}",
                "anchor": anchor,
            }
        )
    return axes


def rings(*, size: int = 320, maximum: int = 4) -> list[dict]:
    centre = size / 2
    radius = size / 2 - 40
    return [
        {"r": f"{radius * level / maximum:.1f}", "level": level, "cx": centre}
        for level in range(1, maximum + 1)
    ]
