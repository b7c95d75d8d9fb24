"""The agent scorecard: one agent, one period, drawn from a `ScorecardData` (never ORM rows).

Page 1 answers "where do I stand": critical failures first, the overall average with its band
beside the property and portfolio averages and the customer-experience rating, section
averages, the trend. Then "what do I work on": strengths and coaching points with what the
shoppers wrote (every comment whole), and the list of shops.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO

from shopper import scoring
from shopper.reports import charts, flow, fonts, pages, styles
from shopper.reports.pages import PageSize
from shopper.reports.styles import para
from shopper.reports.text import clean, isolate
from shopper.services.evaluations import CHANNEL_LABELS

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from shopper.services.aggregates import (
        Average,
        ItemStat,
        ScorecardData,
    )

AUTHOR = "Shopper"


def title_of(data: ScorecardData) -> str:
    return clean(f"Scorecard — {data.agent_name} — {data.period.label()}")


def render_scorecard(
    data: ScorecardData,
    target: str | os.PathLike[str] | BinaryIO,
    size: PageSize | None = None,
) -> int:
    """Write one agent's scorecard PDF to `target`; returns its number of pages."""
    chosen = size or pages.default_page_size()
    return pages.build_pdf(
        target,
        scorecard_story(data, chosen, bookmark=True),
        size=chosen,
        title=title_of(data),
        author=AUTHOR,
        subject=clean(f"Mystery-shop scorecard of {data.agent_name}, {data.property_name}"),
    )


def render_combined(
    cards: Sequence[ScorecardData],
    target: str | os.PathLike[str] | BinaryIO,
    size: PageSize | None = None,
    title: str = "Scorecards",
    on_agent: Callable[[], None] | None = None,
) -> int:
    """Every scorecard in one PDF, each starting on a new page with its own bookmark and
    its own "Page X of Y"."""
    from reportlab.platypus import PageBreak

    chosen = size or pages.default_page_size()
    story: list[Flowable] = [*_summary_page(cards, chosen, title)]
    previous_property: str | None = None
    for data in cards:
        story.append(PageBreak())
        first = data.property_id != previous_property
        previous_property = data.property_id
        story.extend(
            scorecard_story(
                data,
                chosen,
                bookmark=True,
                on_start=on_agent,
                parent=clean(data.property_name) if first else None,
                level=1,
            )
        )
    return pages.build_pdf(
        target, story, size=chosen, title=clean(title), author=AUTHOR, subject="Agent scorecards"
    )


def _summary_page(cards: Sequence[ScorecardData], size: PageSize, title: str) -> list[Any]:
    """The page a regional manager opens first: every agent, grouped by property, with the
    overall average, band, shops, critical failures and the change since the period before."""
    from reportlab.lib.colors import HexColor

    width = pages.frame_width(size)
    story: list[Any] = [
        pages.group_marker(
            "summary",
            header=para(title, "small", width=width),
            footer=para(f"{title} · summary", "small", width=width - 70),
            bookmark="Summary",
        ),
        para("SCORECARDS", "small"),
        para(title, "title", width=width),
        para(
            f"{len(cards)} agent{'' if len(cards) == 1 else 's'} · each scorecard follows, "
            "with a bookmark under its property",
            "subtitle",
            width=width,
        ),
        _gap(6),
    ]
    widths = [0.0, 60.0, 150.0, 40.0, 50.0, 80.0]
    widths[0] = width - sum(widths)
    rows: list[list[Any]] = [
        [
            para("Agent", "head"),
            para("Overall", "head_right"),
            para("Band", "head"),
            para("Shops", "head_right"),
            para("Critical", "head_right"),
            para("Since before", "head_right"),
        ]
    ]
    property_rows: list[int] = []
    current: str | None = None
    for card in cards:
        if card.property_id != current:
            current = card.property_id
            property_rows.append(len(rows))
            rows.append(
                [para(card.property_name, "cell_bold", width=width - 6), "", "", "", "", ""]
            )
        rows.append(
            [
                styles.cell(card.agent_name, widths[0] - 6),
                card.overall.text,
                styles.cell(card.band, widths[2] - 6),
                str(card.overall.count),
                str(card.critical_shops) if card.critical_shops else "—",
                _change(card),
            ]
        )
    table = flow.table(rows, colWidths=widths, repeatRows=1)
    style = styles.grid_style(len(rows))
    for command in styles.text_columns(
        [(0, "cell"), (1, "cell_right"), (2, "cell"), (3, "cell_right"), (4, "cell_right"),
         (5, "cell_right")]
    ):  # fmt: skip
        style.add(*command)
    for row in property_rows:
        style.add("SPAN", (0, row), (-1, row))
        style.add("BACKGROUND", (0, row), (-1, row), HexColor(styles.ACCENT_LIGHT))
    table.setStyle(style)
    story.append(table)
    return story


def _change(card: ScorecardData) -> str:
    """ "▲ 3.2" / "▼ 1.0" points since the period of the same length before, "—" without."""
    if card.previous is None or card.previous.value is None or card.overall.value is None:
        return "—"
    return _arrow(card.overall.value - card.previous.value)


def _arrow(change: Fraction) -> str:
    """ "▲ 3.2", "▼ 1.0", or "= 0.0" when the change rounds to nothing."""
    shown = scoring.format_pct(abs(change)).rstrip("%")
    if scoring.round_pct(abs(change)) == 0:
        return f"= {shown}"
    return f"{'▲' if change > 0 else '▼'} {shown}"


def scorecard_story(
    data: ScorecardData,
    size: PageSize,
    bookmark: bool = False,
    on_start: Callable[[], None] | None = None,
    parent: str | None = None,
    level: int = 0,
) -> list[Any]:
    from reportlab.platypus import KeepTogether

    width = pages.frame_width(size)
    name, place = isolate(data.agent_name), isolate(data.property_name)
    context = f"{place} · {data.period.label()}"
    story: list[Any] = [
        pages.group_marker(
            data.agent_id,
            header=para(f"{name} · {context}", "small", width=width),
            footer=para(
                f"Agent scorecard · {name} · generated {data.generated_on}",
                "small",
                width=width - 70,
            ),
            bookmark=clean(f"{data.agent_name} ({data.property_name})") if bookmark else None,
            on_draw=on_start,
            parent=parent,
            level=level,
        ),
        para("AGENT SCORECARD", "small"),
        para(data.agent_name, "title", width=width),
        para(
            f"{place}  ·  {data.period.label()}  ·  generated {data.generated_on}",
            "subtitle",
            width=width,
        ),
    ]
    story.extend(_critical(data, width))
    story.append(_gap(8))
    story.append(_summary(data, width))
    story.append(para(_bands_text(data), "small"))
    story.append(
        KeepTogether([para("Section averages", "h2"), charts.section_bars(data.sections, width)])
    )
    story.append(_section_table(data, width))
    trend_heading = para("Overall score by shop", "h2")
    prop = data.property_overall.value
    story.append(KeepTogether([trend_heading, charts.trend(data.shops, width, prop)]))
    story.extend(_trend_figures(data, width))
    story.extend(_responses(data, width))
    story.extend(
        _items("Strengths", "What this agent gets right most often.", data.strengths, width)
    )
    story.extend(
        _items(
            "Coaching points",
            "The missed items that cost the most points, with what the shoppers wrote.",
            data.coaching,
            width,
        )
    )
    story.extend(_shops_table(data, width))
    story.extend(_narratives(data, width))
    story.extend(_critical_in_full(data, width))
    return story


def _critical(data: ScorecardData, width: float) -> list[Any]:
    """The callout at the top: a boxed heading, then each failure with the shopper's comment
    as flowing paragraphs (a long comment breaks across pages), closed by a rule."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import HRFlowable, Table, TableStyle

    failures = data.critical_failures
    if not failures:
        return []
    shops = len({f.evaluation_id for f in failures})
    heading = Table(
        [
            [
                para(
                    f"CRITICAL FAILURE{'S' if len(failures) > 1 else ''}: {shops} shop"
                    f"{'s' if shops > 1 else ''} in this period scored 0 because a critical "
                    "item was answered\u00a0No.",
                    "alert",
                )
            ]
        ],
        colWidths=[width],
    )
    heading.setStyle(
        TableStyle(
            [
                *styles.TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), 1.5, HexColor(styles.ALERT)),
                ("BACKGROUND", (0, 0), (-1, -1), HexColor(styles.ALERT_LIGHT)),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    out: list[Any] = [_gap(6), flow.tag(heading, flow.HEADING), _gap(3)]
    for failure in failures:
        brief = _brief(failure.comment)
        whole = brief == clean(failure.comment or "").strip()
        out.append(
            para(
                f"{failure.visited_on} · {isolate(failure.shopper)} — {isolate(failure.prompt)}"
                + (f": {isolate(brief)}" if brief else "")
                + ("" if whole else " (in full under “Critical failures in full”)"),
                "critical_item",
                width=width - 6,
            )
        )
    out.append(HRFlowable(width="100%", thickness=1.5, color=HexColor(styles.ALERT)))
    return out


BRIEF_CHARS = 140
"""How much of a critical failure's comment the page-1 box shows, in Latin letters (a
Chinese character counts as two: it is twice as wide)."""


def _brief(comment: str | None) -> str:
    """The start of a comment, cut at a word, for the page-1 box."""
    import unicodedata

    cleaned = " ".join(clean(comment or "").split())
    used, cut = 0, len(cleaned)
    for index, ch in enumerate(cleaned):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > BRIEF_CHARS:
            cut = index
            break
    if cut == len(cleaned):
        return cleaned
    brief = cleaned[:cut]
    if " " in brief[cut // 2 :]:
        brief = brief.rsplit(" ", 1)[0]
    return brief.rstrip(" ,.;:，。、") + "…"


def _critical_in_full(data: ScorecardData, width: float) -> list[Any]:
    """Every critical failure with its whole comment, after page 1 (only when a comment was
    shortened in the box)."""
    failures = [
        f for f in data.critical_failures if _brief(f.comment) != clean(f.comment or "").strip()
    ]
    if not failures:
        return []
    out: list[Any] = []
    for failure in failures:
        label = f"{failure.visited_on} · {isolate(failure.shopper)} — {isolate(failure.prompt)}"
        out.append(
            _commented(label, failure.comment or "", "critical_item", "quote_indented", width - 14)
        )
    heading = _heading("Critical failures in full")
    return [_room_for(heading, out[0]), heading, *out]


def _commented(label: str, comment: str, label_style: str, body_style: str, width: float) -> Any:
    """A comment's header line and its text as one flowable that breaks only inside the text
    and says "(continued)" on the next page."""
    head = flow.tag(para(label, label_style, width=width), flow.COMMENT_HEADER)
    again = para(f"{label} (continued)", label_style, width=width)
    body = para(comment, body_style, width=width, own_direction=True)
    return flow.continued(head, body, again)


def _room_for(*flowables: Any) -> Any:
    """Room for the given headings and the first lines of what follows them (a `continued`
    block counts its header and two lines)."""
    measure: list[Any] = []
    extra = 0.0
    for f in flowables:
        if hasattr(f, "head") and hasattr(f, "body"):
            measure.append(f.head)
            extra += 2 * float(f.body.style.leading) + 2
        else:
            measure.append(f)
    return flow.keep_room(measure, extra)


def _heading(title: str) -> Any:
    return flow.tag(para(title, "h2"), flow.HEADING)


def _tagged(role: str, *args: Any, **kwargs: Any) -> Any:
    return flow.tag(para(*args, **kwargs), role)


def _gap(height: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, height)


def _count(average: Average, noun: str = "shop") -> str:
    """Like "12 shops"; "3 shops · small sample" under `SMALL_SAMPLE` (an average of a few
    shops moves a lot with one more)."""
    from shopper.services.aggregates import SMALL_SAMPLE

    text = f"{average.count} {noun}{'' if average.count == 1 else 's'}"
    if 0 < average.count < SMALL_SAMPLE:
        text += " · small sample"
    return text


def _summary(data: ScorecardData, width: float) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    cells: list[list[Any]] = [
        [para("Overall average", "metric_label"), para(data.overall.text, "metric")],
        [para("Property average", "metric_label"), para(data.property_overall.text, "metric")],
        [para("Portfolio average", "metric_label"), para(data.portfolio_overall.text, "metric")],
    ]
    rank = (
        f" · {_ordinal(data.rank)} of {data.ranked} agents at the property"
        if data.rank is not None and data.ranked > 1
        else ""
    )
    cells[0] += [para(data.band_label, "band"), para(_count(data.overall) + rank, "small")]
    cells[1] += [para(data.property_name, "small"), para(_count(data.property_overall), "small")]
    cells[2] += [para("All properties", "small"), para(_count(data.portfolio_overall), "small")]
    for rating in data.experience[:1]:
        detail = (
            f"average rating {scoring.round_pct(rating.scale_mean, 1)} of {rating.scale_max} · "
            if rating.scale_mean is not None
            else ""
        )
        cells.append(
            [
                para(rating.title, "metric_label"),
                para(rating.agent.text, "metric"),
                para(f"{detail}{_count(rating.agent)}", "small"),
                para(
                    f"property {rating.property.text} ({rating.property.count}) · "
                    f"portfolio {rating.portfolio.text} ({rating.portfolio.count})",
                    "small",
                ),
            ]
        )
    column = width / len(cells)
    table = Table([cells], colWidths=[column] * len(cells))
    table.setStyle(
        TableStyle(
            [
                *styles.TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 1.5, HexColor(styles.ACCENT)),
                ("BACKGROUND", (0, 0), (0, 0), HexColor(styles.ACCENT_LIGHT)),
                ("LINEBEFORE", (1, 0), (-1, 0), 0.5, HexColor(styles.RULE)),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _trend_figures(data: ScorecardData, width: float) -> list[Any]:
    """This period against the one of the same length before it, and the monthly averages
    with their counts and a three-month rolling average."""

    from shopper.services.aggregates import previous_period

    out: list[Any] = []
    before = previous_period(data.period)
    if data.previous is not None and before is not None:
        days = (before.end - before.start).days + 1 if before.start and before.end else 0
        text = (
            f"This period {data.overall.text} ({_count(data.overall)}) · the {days} days "
            f"before ({before.label()}): "
        )
        if data.previous.value is None:
            text += "no shops"
        else:
            text += f"{data.previous.text} ({_count(data.previous)})"
            if data.overall.value is not None:
                text += f" · {_arrow(data.overall.value - data.previous.value)} points"
        out.append(para(text, "body", width=width))
    if len(data.months) >= 2:
        parts = [
            f"{m.month}: {m.average.text} ({m.average.count}; 3-month rolling {m.rolling.text})"
            for m in data.months
        ]
        out.append(para("By month: " + " · ".join(parts), "body", width=width))
    return out


NARRATIVE_SHOPS = 2
"""How many shops' written answers the scorecard quotes (the most recent)."""


def _narratives(data: ScorecardData, width: float) -> list[Any]:
    """The shoppers' own words: the written answers of the most recent shops."""
    shown = data.narratives[:NARRATIVE_SHOPS]
    if not shown:
        return []
    heading = _heading("In the shoppers' words")
    more = len(data.narratives) - len(shown)
    note_text = "The written answers of the most recent shops"
    note_text += f"; {more} earlier in their shop reports." if more > 0 else "."
    note = flow.tag(para(note_text, "small"), flow.HEADING)
    blocks = [
        _commented(
            f"{n.visited_on} · {isolate(n.shopper)}",
            " · ".join(f"{question}: {answer}" for question, answer in n.answers),
            "comment_head",
            "comment",
            width - 10,
        )
        for n in shown
    ]
    return [_room_for(heading, note, blocks[0]), heading, note, *blocks]


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _responses(data: ScorecardData, width: float) -> list[Any]:
    """How fast the agent answered and followed up: each timing item's answers with their
    counts, and the shops still waiting for (or overdue on) a follow-up."""
    lines: list[Any] = []
    for dist in data.response_times:
        parts = " · ".join(f"{label}: {n} of {dist.total}" for label, n in dist.counts)
        lines.append(para(f"{isolate(dist.prompt)} — {parts}", "body", width=width))
    waiting = data.follow_ups
    if waiting.waiting:
        text = (
            f"Awaiting follow-up: {waiting.waiting} shop{'' if waiting.waiting == 1 else 's'} "
            "of this period"
        )
        if waiting.overdue:
            text += f", {waiting.overdue} overdue"
            if waiting.oldest_due is not None:
                text += f" (due since {waiting.oldest_due.isoformat()})"
        lines.append(para(text + ".", "alert" if waiting.overdue else "body", width=width))
    if not lines:
        return []
    heading = _heading("Response and follow-up")
    return [flow.keep_room([heading, *lines[:1]]), heading, *lines]


def _bands_text(data: ScorecardData) -> str:
    ordered = sorted(data.bands, key=lambda b: b[0], reverse=True)
    parts = [f"{label} ≥ {scoring.round_pct(t, 1)}" for t, label in ordered[:-1]]
    if ordered:
        parts.append(f"{ordered[-1][1]} below")
    overall_note = (
        "Averages are means of the scores of submitted shops in the period (a critical "
        "failure scores 0); n = number of shops."
    )
    return f"Bands: {' · '.join(parts)}. {overall_note}"


def _section_table(data: ScorecardData, width: float) -> Any:

    number = (width * 0.55) / 3
    widths = [width - 3 * number, number, number, number]
    rows: list[list[Any]] = [
        [
            para("Section", "head"),
            para("Agent", "head_right"),
            para("Property", "head_right"),
            para("Portfolio", "head_right"),
        ]
    ]
    lines = [(s.title, s.agent, s.property, s.portfolio) for s in data.sections]
    lines += [
        (f"{r.title} (not in overall)", r.agent, r.property, r.portfolio) for r in data.experience
    ]
    for title, agent, prop, portfolio in lines:
        rows.append(
            [
                styles.cell(title, widths[0] - 6),
                f"{agent.text} ({agent.count})",
                f"{prop.text} ({prop.count})",
                f"{portfolio.text} ({portfolio.count})",
            ]
        )
    table = flow.table(rows, colWidths=widths, repeatRows=1)
    style = styles.grid_style(len(rows))
    for command in styles.text_columns(
        [(0, "cell"), (1, "cell_right"), (2, "cell_right"), (3, "cell_right")]
    ):
        style.add(*command)
    style.add("FONTNAME", (1, 1), (1, -1), fonts.BOLD)
    table.setStyle(style)
    return table


def _item_line(stat: ItemStat, *, coaching: bool) -> str:
    """The item's share of points beside the property's and portfolio's, the gap, and for a
    coaching point what fixing it would add to the agent's overall."""
    pct = scoring.format_pct
    parts = [
        f"{stat.section_title} · {pct(stat.share * 100)} of the points, full marks in "
        f"{stat.full_marks} of {stat.answered} shop{'' if stat.answered == 1 else 's'}"
    ]
    if stat.property_share is not None:
        gap = (stat.share - stat.property_share) * 100
        sign = "+" if gap > 0 else ("−" if gap < 0 else "±")
        parts.append(
            f"property {pct(stat.property_share * 100)} (gap {sign}{pct(abs(gap)).rstrip('%')} "
            "points)"
        )
    if stat.portfolio_share is not None:
        parts.append(f"portfolio {pct(stat.portfolio_share * 100)}")
    if coaching and stat.stake > 0:
        parts.append(f"fixing it adds about {pct(stat.stake).rstrip('%')} points to the overall")
    return " · ".join(parts)


def _items(heading: str, note: str, stats: Sequence[ItemStat], width: float) -> list[Any]:
    intro = [_heading(heading), flow.tag(para(note, "small"), flow.HEADING)]
    if not stats:
        return [*intro, para("Nothing to show for this period.", "body")]
    out: list[Any] = []
    for number, stat in enumerate(stats, start=1):
        head = [
            _gap(4),
            para(stat.prompt, "h3", prefix=f"{number}. "),
            para(_item_line(stat, coaching=heading == "Coaching points"), "small", width=width),
        ]
        comments = [
            _commented(
                f"{comment.visited_on} · {isolate(comment.shopper)} · "
                f"answered {isolate(comment.answer)}",
                comment.comment,
                "comment_head",
                "comment",
                width - 10,
            )
            for comment in stat.comments
        ]
        if comments:  # an item without comments is complete: its lines head nothing
            for flowable in head[1:]:
                flow.tag(flowable, flow.HEADING)
        keep = [*(intro if number == 1 else []), *head, *comments[:1]]
        out += [_room_for(*keep), *keep, *comments[1:]]
    return out


def _shops_table(data: ScorecardData, width: float) -> list[Any]:
    from reportlab.lib.colors import HexColor

    shops_label = f"Shops in this period ({len(data.shops)})"
    widths = [56.0, 50.0, 0.0, 44.0, 48.0, 56.0, 146.0]
    widths[2] = width - sum(widths)
    rows: list[list[Any]] = [
        [
            para("Date", "head"),
            para("Channel", "head"),
            para("Shopper", "head"),
            para("Overall", "head_right"),
            para("Cust. exp.", "head_right"),
            para("Critical", "head"),
            para("Evaluation id (shop report)", "head"),
        ]
    ]
    critical_rows: list[int] = []
    for shop in data.shops:
        if shop.critical_failure:
            critical_rows.append(len(rows))
        rows.append(
            [
                shop.visited_on.isoformat(),
                CHANNEL_LABELS.get(shop.channel, shop.channel),
                styles.cell(shop.shopper or "—", widths[2] - 6),
                scoring.format_pct(shop.overall),
                shop.experience_rating or scoring.format_pct(shop.experience),
                "✖ CRITICAL" if shop.critical_failure else "",
                shop.evaluation_id,
            ]
        )
    table = flow.table(rows, colWidths=widths, repeatRows=1)
    style = styles.grid_style(len(rows))
    columns = [(0, "cell"), (1, "cell"), (2, "cell"), (3, "cell_right"), (4, "cell_right")]
    for command in styles.text_columns([*columns, (5, "cell_bold"), (6, "id")]):
        style.add(*command)
    for row in critical_rows:
        style.add("BOX", (0, row), (-1, row), 1.2, HexColor(styles.ALERT))
    table.setStyle(style)
    heading = _heading(shops_label)
    return [flow.keep_room([heading, (table, 3)]), heading, table]
