"""The dashboard charts' geometry: numbers in, SVG coordinates out (drawn by the templates).

Colours are SVG presentation attributes (the content security policy forbids inline
styles); each chart also has a data table, so no figure depends on colour alone.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Distinct colours with at least 4.5:1 contrast against white.
PALETTE = [
    "#0b5563", "#b3541e", "#5b3f8c", "#1d6b3a", "#a4161a", "#6b5d00", "#2f5f9e", "#8c3f6b",
    "#4a5560", "#00695c", "#7a4a00", "#3d3d99",
]  # fmt: skip
GIVEN, RECEIVED, NOT_STATED = "#0b5563", "#b3541e", "#d5dbe0"
WIDTH = 640


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_maximum(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… ≥ value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return int(step * power)
    return int(10 * power)


def ticks(maximum: int, count: int = 4) -> list[int]:
    step = max(1, maximum // count)
    return list(range(0, maximum + 1, step))


def stacked_columns(series: dict, height: int = 300) -> dict:
    """One column per year, one segment per key (as built by dashboard._series)."""
    left, right, top, bottom = 44, 8, 12, 28
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    years = series["years"]
    top_value = nice_maximum(max((y["total"] for y in years), default=0))
    slot = plot_w / max(len(years), 1)
    bar_w = min(56.0, slot * 0.7)
    columns = []
    for index, year in enumerate(years):
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h
        segments, share_x = [], 0.0
        for key_index, count in enumerate(year["counts"]):
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            share = 100 * count / top_value
            segments.append(
                {
                    # The same segment in a horizontal bar of 0–100 (the small-screen list).
                    "share_x": _f(share_x),
                    "share": _f(share),
                    "x": _f(x),
                    "y": _f(y),
                    "width": _f(bar_w),
                    "height": _f(h),
                    "fill": colour(key_index),
                    "label": series["keys"][key_index]["label"],
                    "count": count,
                }
            )
            share_x += share
        columns.append(
            {
                "year": year["year"],
                "total": year["total"],
                "segments": segments,
                "label_x": _f(x + bar_w / 2),
                "label_y": _f(top + plot_h + 18),
                "total_y": _f(y - 4),
            }
        )
    return {
        "width": WIDTH,
        "height": height,
        "columns": columns,
        "axis_x1": left,
        "axis_x2": WIDTH - right,
        "grid": [
            {"value": t, "y": _f(top + plot_h - plot_h * t / top_value), "x": left - 6}
            for t in ticks(top_value)
        ],
        "legend": [
            {"label": key["label"], "fill": colour(i)} for i, key in enumerate(series["keys"])
        ],
    }


def flow_diagram(rows: list[dict], row_height: int = 26) -> dict:
    """Two columns, providers on the left and recipients on the right, joined by bands
    as wide as the number of exchanges between them."""
    if not rows:
        return {"width": WIDTH, "height": 0, "bands": [], "left": [], "right": []}
    left_totals: dict[str, int] = {}
    right_totals: dict[str, int] = {}
    names = {}
    for row in rows:
        left_totals[row["provider"]] = left_totals.get(row["provider"], 0) + row["count"]
        right_totals[row["recipient"]] = right_totals.get(row["recipient"], 0) + row["count"]
        names[row["provider"]] = row["provider_name"]
        names[row["recipient"]] = row["recipient_name"]
    rows_count = max(len(left_totals), len(right_totals))
    height = rows_count * row_height + 20
    unit = (row_height - 6) / max(max(left_totals.values()), max(right_totals.values()))
    x_left, x_right, node_w = 170, WIDTH - 170, 10

    def nodes(totals: dict[str, int], x: float, anchor: str, label_x: float) -> dict:
        placed = {}
        ordered = sorted(totals.items(), key=lambda item: (-item[1], names[item[0]]))
        for index, (code, total) in enumerate(ordered):
            h = max(total * unit, 2)
            y = 10 + index * row_height + (row_height - h) / 2
            placed[code] = {
                "code": code,
                "name": names[code],
                "total": total,
                "x": _f(x),
                "y": y,
                "y_text": _f(y),
                "height": _f(h),
                "label_x": _f(label_x),
                "label_y": _f(10 + index * row_height + row_height / 2 + 4),
                "anchor": anchor,
                "offset": 0.0,
            }
        return placed

    left = nodes(left_totals, x_left - node_w, "end", x_left - node_w - 6)
    right = nodes(right_totals, x_right, "start", x_right + node_w + 6)
    bands = []
    for index, row in enumerate(rows):
        source, target = left[row["provider"]], right[row["recipient"]]
        w = max(row["count"] * unit, 1)
        y0 = source["y"] + source["offset"] + w / 2
        y1 = target["y"] + target["offset"] + w / 2
        source["offset"] += w
        target["offset"] += w
        middle = (x_left + x_right) / 2
        bands.append(
            {
                "d": f"M{x_left},{_f(y0)} C{_f(middle)},{_f(y0)} {_f(middle)},{_f(y1)} {x_right},{_f(y1)}",
                "width": _f(w),
                "stroke": colour(index),
                "row": row,
            }
        )
    return {
        "width": WIDTH,
        "height": height,
        "bands": bands,
        "left": list(left.values()),
        "right": list(right.values()),
        "node_width": node_w,
    }


def financing_bars(data: dict) -> dict:
    """A 100% bar of the average shares, then one bar per source for the amounts in US$."""
    left, right, bar_h = 150, 90, 22
    plot_w = WIDTH - left - right
    share_segments, x = [], float(left)
    for index, source in enumerate(data["sources"]):
        share = source["average_share"] or 0
        if share <= 0:
            continue
        w = plot_w * share / 100
        share_segments.append({"x": _f(x), "width": _f(w), "fill": colour(index), "source": source})
        x += w
    if data["not_stated_share"]:
        share_segments.append(
            {
                "x": _f(x),
                "width": _f(plot_w * data["not_stated_share"] / 100),
                "fill": NOT_STATED,
                "source": None,
            }
        )
    top_amount = max((float(s["amount"]) for s in data["sources"]), default=0) or 1
    amount_bars = []
    for index, source in enumerate(data["sources"]):
        y = 70 + index * (bar_h + 8)
        amount_bars.append(
            {
                "y": _f(y),
                "text_y": _f(y + bar_h / 2 + 4),
                "width": _f(plot_w * float(source["amount"]) / top_amount),
                "value_x": _f(left + plot_w * float(source["amount"]) / top_amount + 6),
                "fill": colour(index),
                "source": source,
            }
        )
    return {
        "width": WIDTH,
        "height": 70 + len(amount_bars) * (bar_h + 8) + 8,
        "left": left,
        "bar_height": bar_h,
        "plot_width": plot_w,
        "shares": share_segments,
        "amounts": amount_bars,
    }


def diverging_bars(rows: list[dict], row_height: int = 24) -> dict:
    """Received to the left of the centre line, given to the right, one row per hub."""
    label_w = 150
    half = (WIDTH - label_w - 40) / 2
    centre = label_w + 20 + half
    top = max((max(r["given"], r["received"]) for r in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        y = 24 + index * row_height
        given_w = half * row["given"] / top
        received_w = half * row["received"] / top
        bars.append(
            {
                "row": row,
                "y": _f(y + 3),
                "text_y": _f(y + row_height / 2 + 4),
                "height": _f(row_height - 6),
                "given_x": _f(centre),
                "given_width": _f(given_w),
                "given_label_x": _f(centre + given_w + 4),
                "received_x": _f(centre - received_w),
                "received_width": _f(received_w),
                "received_label_x": _f(centre - received_w - 4),
            }
        )
    return {
        "width": WIDTH,
        "height": 24 + len(rows) * row_height + 8,
        "centre": _f(centre),
        "label_x": label_w,
        "given_fill": GIVEN,
        "received_fill": RECEIVED,
        "bars": bars,
        "heading_y": 14,
        "given_heading_x": _f(centre + 4),
        "received_heading_x": _f(centre - 4),
    }


# --- What each chart says, in a sentence (the SVG's accessible name) -------------------------


def summaries(figures) -> dict[str, str]:
    total = ngettext("%(count)s exchange", "%(count)s exchanges", figures.total) % {
        "count": figures.total
    }
    result = {}
    if figures.flows:
        top = figures.flows[0]
        result["flows"] = _(
            "%(total)s between %(pairs)s pairs of countries; the largest flow, "
            "%(provider)s to %(recipient)s, counts %(count)s."
        ) % {
            "total": total,
            "pairs": len(figures.flows),
            "provider": top["provider_name"],
            "recipient": top["recipient_name"],
            "count": top["count"],
        }
    for name, series in (("areas", figures.by_area), ("modalities", figures.by_modality)):
        if series["years"]:
            busiest = max(series["years"], key=lambda y: y["total"])
            result[name] = _(
                "%(total)s from %(first)s to %(last)s in %(groups)s groups; "
                "the busiest year, %(year)s, counts %(count)s."
            ) % {
                "total": total,
                "first": series["years"][0]["year"],
                "last": series["years"][-1]["year"],
                "groups": len(series["keys"]),
                "year": busiest["year"],
                "count": busiest["total"],
            }
    money = figures.financing
    if money["sources"]:
        largest = max(money["sources"], key=lambda s: s["amount"])
        result["financing"] = _(
            "US$ %(amount)s stated in %(sources)s sources; the largest is %(source)s "
            "with US$ %(largest)s."
        ) % {
            "amount": f"{money['total_amount']:,.0f}",
            "sources": len(money["sources"]),
            "source": largest["label"],
            "largest": f"{largest['amount']:,.0f}",
        }
    if figures.hub_balance:
        givers = sum(1 for row in figures.hub_balance if row["balance"] > 0)
        result["hubs"] = _(
            "%(hubs)s hubs: %(givers)s gave more than they received; %(first)s took part "
            "most often (%(given)s given, %(received)s received)."
        ) % {
            "hubs": len(figures.hub_balance),
            "givers": givers,
            "first": figures.hub_balance[0]["name"],
            "given": figures.hub_balance[0]["given"],
            "received": figures.hub_balance[0]["received"],
        }
    return result
