"""One self-contained HTML page per State: its documents, grades, attrition and staffing, every number cited.

``torture-stats report KAZ`` writes ``reports/state/KAZ.html``. The page
fetches nothing: charts are inline SVG, styles are inline, and the only links
out are the public ``source_url`` of curated rows. Every number is a link to a
numbered note that gives its evidence (the words of the document, or the
curated row's source and note); hovering it shows the same in a tooltip.
"""

from __future__ import annotations

import html
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from torture_stats.errors import TortureStatsError

logger = logging.getLogger(__name__)

#: the processed tables a State report reads
REPORT_TABLES = (
    "documents",
    "figures",
    "grades",
    "grade_scores",
    "recommendation_scores",
    "attrition",
    "staffing",
    "denominators",
)


class StateReportError(TortureStatsError):
    """A State report cannot be made: the ISO3 is malformed, unknown, or has no data."""


_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;max-width:1100px;margin:2em auto;
padding:0 1.2em;line-height:1.45;font-size:15px}
h1{font-size:1.6em;margin-bottom:0.1em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:0.2em;
margin-top:2em}h3{font-size:1.05em}
p.lede{color:#555;margin-top:0.2em}
table{border-collapse:collapse;margin:0.6em 0 1.2em;font-size:0.88em;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:0.3em 0.5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
a.num{color:#0b4f8a;text-decoration:none;border-bottom:1px dotted #0b4f8a}
a.num sup{font-size:0.7em;color:#777;margin-left:1px}
figure{margin:1em 0}figure svg{width:100%;max-width:960px;height:auto;display:block}
figcaption{font-size:0.85em;color:#555}
ol.notes{font-size:0.85em;color:#333}ol.notes li{margin-bottom:0.35em}ol.notes li:target{background:#fff1c1}
q{font-style:italic;background:#fff1c1}
.flag{color:#b44f00;font-size:0.85em}
.muted{color:#777}
"""


class _Notes:
    """Numbered evidence notes; a note given twice (same key) keeps its first number."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self._numbers: dict[str, int] = {}

    def add(self, key: str, note_html: str, tooltip: str) -> int:
        if key not in self._numbers:
            self.items.append((note_html, tooltip))
            self._numbers[key] = len(self.items)
        return self._numbers[key]

    def tooltip(self, number: int) -> str:
        return self.items[number - 1][1]

    def link(self, text: str, number: int) -> str:
        return (
            f'<a class="num" href="#note-{number}" title="{html.escape(self.tooltip(number))}">'
            f"{html.escape(text)}<sup>[{number}]</sup></a>"
        )


def _e(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _number(value: object, digits: int = 0) -> str:
    if _missing(value):
        return ""
    value = float(value)
    return f"{value:,.{digits}f}" if digits or not value.is_integer() else f"{value:,.0f}"


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _source_link(url: object, label: object = None) -> str:
    if _missing(url):
        return ""
    text = label if not _missing(label) else "source"
    return f'<a href="{html.escape(str(url), quote=True)}">{html.escape(str(text))}</a>'


def _doc_label(documents: pd.DataFrame, doc_id: object) -> str:
    from torture_stats.plot import source_line

    if _missing(doc_id):
        return "document not recorded"
    try:
        return source_line(documents, str(doc_id))
    except TortureStatsError:
        return f"doc {doc_id}"


def check_state(iso3: str, tables: dict[str, pd.DataFrame]) -> str:
    """The ISO3, upper-cased, if it names a State with rows in *tables*; else raise naming it.

    Raises
    ------
    StateReportError
        When *iso3* is not three letters, not in ``vocab/states.csv``, or has
        no document, grade, figure or staffing row.
    """
    from torture_stats import vocab

    code = str(iso3).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise StateReportError(f"iso3={iso3!r} is not allowed; give an ISO 3166-1 alpha-3 code such as KAZ")
    known = set(vocab.states()["iso3"])
    if code not in known:
        raise StateReportError(f"iso3={code!r} is not a State in vocab/states.csv; give an ISO 3166-1 alpha-3 code")
    with_data = sorted(
        {str(s) for name in ("documents", "grades", "figures", "staffing") for s in tables[name]["iso3"].dropna()}
    )
    if code not in with_data:
        raise StateReportError(
            f"iso3={code!r} ({vocab.state_short_name(code)}) has no document, grade, figure or staffing row in "
            f"data/processed; States with data: {' '.join(with_data)}"
        )
    return code


def _svg_of(fig, salt: str) -> str:
    """Inline SVG of *fig*, with no XML prolog, DTD URL or metadata; closes the figure."""
    import matplotlib
    import matplotlib.pyplot as plt

    try:
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "torture_stats"})
    finally:
        plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return text.replace("<svg ", '<svg role="img" ', 1)


def _svg(draw: Callable, *, size: tuple[float, float], salt: str) -> str:
    """Inline SVG of the chart *draw(ax)* draws on a new themed figure."""
    import matplotlib.pyplot as plt

    from torture_stats import plot

    with plt.rc_context(plot.theme()):
        fig, ax = plt.subplots(figsize=size)
        try:
            draw(ax)
        except Exception:
            plt.close(fig)
            raise
        fig.tight_layout()
    return _svg_of(fig, salt)


def _figure_block(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table; a header starting with ``#`` marks a right-aligned number column (the ``#`` is dropped)."""
    numeric = [h.startswith("#") for h in headers]
    head = "".join(
        f'<th class="n">{h[1:]}</th>' if n else f"<th>{h}</th>" for h, n in zip(headers, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if n else f"<td>{c}</td>" for c, n in zip(r, numeric, strict=True))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Evidence:
    """Notes for the rows of one State, built from the figures, grades and denominators tables."""

    def __init__(self, tables: dict[str, pd.DataFrame], texts: dict[str, str]) -> None:
        self.tables, self.texts, self.notes = tables, texts, _Notes()

    def figure(self, row: pd.Series) -> int:
        from torture_stats.evidence import figure_title

        documents = self.tables["documents"]
        title = figure_title(row)
        if not _missing(row.get("evidence")):
            where = f"{_doc_label(documents, row['doc_id'])}, characters {_number(row['span_start'])}–"
            where += f"{_number(row['span_end'])}"
            if not _missing(row.get("page")):
                where += f", page {int(row['page'])}"
            note = f"<q>{_e(row['evidence'])}</q> — {html.escape(where)}. <span class='muted'>{_e(title)}</span>"
            tooltip = f"“{row['evidence']}” — {where}"
        else:
            link = _source_link(row.get("source_url"), row.get("doc_symbol"))
            note = f"Curated: {_e(title)}; {link or 'no source URL'}"
            if not _missing(row.get("note")):
                note += f" — {_e(row['note'])}"
            note += f" ({html.escape(_doc_label(documents, row['doc_id']))})."
            tooltip = f"curated from {row.get('source_url')}" + (
                f" — {row['note']}" if not _missing(row.get("note")) else ""
            )
        key = f"figure:{row['doc_id']}:{row['measure']}:{row['value']}:{row.get('span_start')}:{row.get('subject')}"
        return self.notes.add(key, note, tooltip)

    def grade(self, row: pd.Series) -> int:
        documents = self.tables["documents"]
        text = self.texts.get(str(row["doc_id"]))
        if text is not None and not _missing(row.get("span_start")):
            start, end = int(row["span_start"]), int(row["span_end"])
            before = _words(text[max(0, start - 220) : start])
            before = before[before.find(" ") + 1 :] if len(before) > 200 else before
            words = f"…{before} {_words(text[start:end])}"
            where = f"{_doc_label(documents, row['doc_id'])}, characters {start}–{end}"
            note = f"<q>{html.escape(words)}</q> — {html.escape(where)}."
            tooltip = f"“{words}” — {where}"
        else:
            link = _source_link(row.get("source_url"), row.get("doc_symbol"))
            note = f"Curated: grade {_e(row['grade'])} ({_e(row['scheme'])}), printed <q>{_e(row.get('grade_raw'))}</q>"
            note += f"; {link or 'no source URL'}"
            if not _missing(row.get("note")):
                note += f" — {_e(row['note'])}"
            note += "."
            tooltip = f"“{row.get('grade_raw')}” — {row.get('doc_symbol')}, {row.get('source_url')}"
        key = f"grade:{row['doc_id']}:{row['cycle']}:{row['paragraph']}"
        return self.notes.add(key, note, tooltip)

    def denominator(self, iso3: str, year: object, value: object, source: object) -> int:
        den = self.tables["denominators"]
        hit = den[(den["iso3"] == iso3) & (den["year"] == year)]
        extra = f" — {hit.iloc[0]['note']}" if len(hit) and not _missing(hit.iloc[0]["note"]) else ""
        note = (
            f"Prison population of {iso3} in {_e(year)}: {_number(value)} persons; {_source_link(source)}{_e(extra)}."
        )
        return self.notes.add(f"prisoners:{iso3}:{year}", note, f"prison population {year}: {source}{extra}")

    def derived(self, key: str, note: str) -> int:
        return self.notes.add(key, html.escape(note), note)


def render_state_report(iso3: str, tables: dict[str, pd.DataFrame], texts: dict[str, str] | None = None) -> str:
    """The HTML page of one State.

    Parameters
    ----------
    iso3 : str
        ISO 3166-1 alpha-3 code of the State.
    tables : dict of DataFrame
        The processed tables of :data:`REPORT_TABLES`, by name.
    texts : dict of str, optional
        ``doc_id`` -> the document's text as read, to quote the words a
        grade was read from; without it, extracted grades cite their offsets.

    Returns
    -------
    str
        A complete HTML document; no external resources.

    Raises
    ------
    StateReportError
        When the State is unknown or has no data (see :func:`check_state`).
    """
    from torture_stats import __version__, plot, vocab

    missing = [name for name in REPORT_TABLES if name not in tables]
    if missing:
        raise TortureStatsError(f"tables lacks {missing}; give all of {list(REPORT_TABLES)}")
    code = check_state(iso3, tables)
    name = vocab.state_short_name(code)
    ev = _Evidence(tables, texts or {})
    of = {k: (t[t["iso3"] == code] if "iso3" in t.columns else t) for k, t in tables.items()}
    sections = [
        _documents_section(code, of, tables),
        _grades_section(code, of, tables, ev),
        _attrition_section(code, of, tables, ev),
        _figures_section(of, ev),
        _staffing_section(code, of, tables, ev),
    ]
    notes = "".join(f'<li id="note-{i}">{n}</li>' for i, (n, _) in enumerate(ev.notes.items, start=1))
    counts = (
        f"{len(of['grades'])} graded paragraphs over {of['grades']['cycle'].nunique()} cycle(s), "
        f"{len(of['figures'])} reported figures, {len(of['attrition'])} attrition steps, "
        f"{len(of['staffing'])} staffing rows"
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)} ({code}) · torture_stats</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>'
        f"<h1>{html.escape(name)} ({code}): follow-up to the Convention against Torture</h1>"
        f'<p class="lede">{counts}. Built from <code>data/processed</code> by torture_stats {__version__}. '
        "Every number links to a numbered note with its evidence: the words of the document it was read from, "
        "or the public source of a curated row; hover a number to see the same.</p>"
        + "".join(s for s in sections if s)
        + f'<h2 id="notes">Evidence notes</h2><ol class="notes">{notes}</ol>'
        f'<p class="muted">Charts: {html.escape(plot.__name__)}; colours colour-blind safe (Okabe-Ito, viridis).</p>'
        "</body></html>\n"
    )


def _documents_section(code: str, of: dict, tables: dict) -> str:
    documents = tables["documents"]
    used = set()
    for name in ("grades", "figures", "staffing"):
        used |= {str(d) for d in of[name]["doc_id"].dropna()}
    if of["staffing"]["prisoners"].notna().any():
        used |= set(documents.loc[documents["source"].str.endswith("curated/denominators.csv"), "doc_id"])
    docs = documents[(documents["iso3"] == code) | documents["doc_id"].isin(used)].sort_values("doc_id")
    rows = [
        [
            f"<code>{_e(d['doc_id'])}</code>",
            _e(d["kind"]).replace("_", " "),
            _e(d["co_symbol"]),
            _e(d["doc_date"]),
            _e(d["reply_symbol"]),
            f"<code>{_e(d['source'])}</code>",
        ]
        for _, d in docs.iterrows()
    ]
    table = _table(
        ["doc_id", "kind", "concluding observations", "date", "reply", "file"],
        rows,
    )
    return f'<h2 id="documents">Documents</h2><p>The documents behind this page.</p>{table}'


def _grades_section(code: str, of: dict, tables: dict, ev: _Evidence) -> str:
    from torture_stats import plot

    grades, scores = of["grades"], of["grade_scores"]
    if grades.empty:
        return '<h2 id="grades">Grades</h2><p class="muted">No graded follow-up paragraph.</p>'
    merged = grades.merge(
        scores[["doc_id", "cycle", "paragraph", "meaning", "engages"]], on=["doc_id", "cycle", "paragraph"], how="left"
    ).sort_values(["cycle", "paragraph"], key=lambda s: s.map(plot._natural_key), kind="stable")
    rows = []
    for _, g in merged.iterrows():
        n = ev.grade(g)
        score = ev.notes.link(_number(g["score"], 3), n) if not _missing(g["score"]) else ev.notes.link("no score", n)
        rows.append(
            [
                _e(g["cycle"]),
                _e(g["paragraph"]),
                _e(g["topic"]),
                ev.notes.link(str(g["grade"]).replace("_", " "), n),
                _e(g["scheme"]),
                score,
                _e(g["assessed_on"]),
            ]
        )
    table = _table(
        ["#cycle", "paragraph", "topic", "grade", "scheme", "#score 0–1", "assessed on"],
        rows,
    )
    doc_ids = sorted(scores["doc_id"].dropna().unique())
    caption = html.escape(
        plot.source_caption(tables["documents"], doc_ids, note="Cell: score of the paragraph on the 0–1 crosswalk.")
    )
    n_rows = scores["paragraph"].nunique()
    svg = _svg(
        lambda ax: plot.grade_heatmap(scores, x="cycle", y="paragraph", ax=ax, legend=True),
        size=(plot.WIDTHS["double"], 1.9 + 0.3 * n_rows),
        salt=f"{code}-grades",
    )
    out = f'<h2 id="grades">Grades over cycles</h2>{_figure_block(svg, caption)}{table}'
    recs = of["recommendation_scores"]
    if recs["cycle"].nunique() >= 2:
        svg = _svg(
            lambda ax: plot.state_trajectories(recs, ax=ax, highlight=[code]),
            size=(plot.WIDTHS["double"], 3.0),
            salt=f"{code}-trajectory",
        )
        note = "Mean score of the recommendations per cycle; small dots: single recommendations."
        out += _figure_block(svg, html.escape(plot.source_caption(tables["documents"], recs["doc_id"], note=note)))
    return out


def _attrition_section(code: str, of: dict, tables: dict, ev: _Evidence) -> str:
    from torture_stats import plot

    attrition, figures = of["attrition"], of["figures"]
    if attrition.empty:
        return ""

    def count_link(doc_id: str, chain: str, measure: str, value: object) -> tuple[str, int | None]:
        hits = figures[(figures["doc_id"] == doc_id) & (figures["chain"] == chain) & (figures["measure"] == measure)]
        if hits.empty:
            return _number(value), None
        number = ev.figure(hits.iloc[0])
        return ev.notes.link(_number(value), number), number

    rows = []
    for _, s in attrition.sort_values(["doc_id", "chain", "step"]).iterrows():
        from_link, from_note = count_link(s["doc_id"], s["chain"], s["from_measure"], s["from_value"])
        to_link, to_note = count_link(s["doc_id"], s["chain"], s["to_measure"], s["to_value"])
        cited = [f"[{n}]" for n in (to_note, from_note) if n is not None]
        if s["comparable"] is True or (not _missing(s["comparable"]) and bool(s["comparable"])):
            n = ev.derived(
                f"rate:{s['doc_id']}:{s['chain']}:{s['step']}",
                f"{s['to_measure']} / {s['from_measure']} = {_number(s['to_value'])} / {_number(s['from_value'])} "
                f"= {float(s['rate']):.1%}; 95% {s['ci_method']} interval {float(s['ci_low']):.1%}–"
                f"{float(s['ci_high']):.1%} (both counts in {s['unit_from']}"
                + (f"; counts: notes {' and '.join(cited)}" if cited else "")
                + ").",
            )
            rate = ev.notes.link(f"{float(s['rate']):.1%}", n)
            interval = f"{float(s['ci_low']):.1%}–{float(s['ci_high']):.1%}"
        else:
            rate = f'<span class="flag">no rate: {_e(s["unit_to"])} cannot be a share of {_e(s["unit_from"])}</span>'
            interval = ""
        rows.append(
            [
                _e(s["chain"]),
                plot.measure_label(str(s["from_measure"])),
                from_link + f" {_e(s['unit_from'])}",
                plot.measure_label(str(s["to_measure"])) + (" (exit)" if bool(s["is_exit"]) else ""),
                to_link + f" {_e(s['unit_to'])}",
                rate,
                interval,
            ]
        )
    table = _table(
        ["chain", "from", "#count", "to", "#count", "#rate", "#95% interval"],
        rows,
    )
    doc_ids = sorted(figures.loc[figures["chain"].isin(attrition["chain"]), "doc_id"].dropna().unique())
    caption = plot.source_caption(tables["documents"], doc_ids, note="Rates with 95% Wilson intervals.")

    svg = _svg_of(plot.attrition_figure(attrition, figures=figures), f"{code}-attrition")
    return f'<h2 id="attrition">Attrition</h2>{_figure_block(svg, html.escape(caption))}{table}'


def _figures_section(of: dict, ev: _Evidence) -> str:
    figures = of["figures"]
    if figures.empty:
        return ""
    rows = []
    for _, f in figures.sort_values(["doc_id", "span_start", "measure"], na_position="last").iterrows():
        n = ev.figure(f)
        period = (
            ""
            if _missing(f["period_start"])
            else f"{int(f['period_start'])}" + ("" if _missing(f["period_end"]) else f"–{int(f['period_end'])}")
        )
        rows.append(
            [
                _e(f["paragraph"]),
                _e(str(f["measure"]).replace("_", " ")),
                ev.notes.link(str(f["value_raw"]), n),
                _e(f["unit"]) + (f" per {_e(f['per'])}" if not _missing(f["per"]) else ""),
                _e(f["subject"]),
                period,
                _e(f["reported_by"]).replace("_", " "),
                _e(f["method"]),
                f'<span class="flag">{_e(f["flag"])}</span>',
            ]
        )
    table = _table(
        ["para.", "measure", "#as printed", "unit", "subject", "period", "reported by", "method", "flag"],
        rows,
    )
    return f'<h2 id="figures">Reported figures</h2>{table}'


def _staffing_section(code: str, of: dict, tables: dict, ev: _Evidence) -> str:
    from torture_stats import plot

    staffing, figures = of["staffing"], of["figures"]
    if staffing.empty:
        return ""
    rows = []
    for _, s in staffing.iterrows():
        hits = figures[(figures["doc_id"] == s["doc_id"]) & (figures["measure"] == s["measure"])]
        hits = hits[hits["value"] == s["value"]]
        count_note = ev.figure(hits.iloc[0]) if len(hits) else None
        value = ev.notes.link(_number(s["value"]), count_note) if count_note else _number(s["value"])
        cited = f" Count: note [{count_note}]." if count_note else ""
        prisoners = ratio = per_1000 = share = ""
        if not _missing(s["prisoners"]):
            p = ev.denominator(code, s["prisoners_year"], s["prisoners"], s["prisoners_source"])
            prisoners = ev.notes.link(f"{_number(s['prisoners'])} ({int(s['prisoners_year'])})", p)
            cited += f" Prison population: note [{p}]."
        if not _missing(s["prisoners_per_staff"]):
            n = ev.derived(
                f"ratio:{code}:{s['year']}:{s['measure']}",
                f"{_number(s['prisoners'])} prisoners ({int(s['prisoners_year'])}) / {_number(s['value'])} "
                f"{s['measure']} ({s['year']}) = {float(s['prisoners_per_staff']):.1f}; per 1,000 prisoners "
                f"{float(s['per_1000_prisoners']):.1f}."
                + (f" {s['note']}." if not _missing(s["note"]) else "")
                + cited,
            )
            ratio = ev.notes.link(f"{float(s['prisoners_per_staff']):.1f}", n)
            per_1000 = ev.notes.link(f"{float(s['per_1000_prisoners']):.1f}", n)
        if not _missing(s["share_pct"]):
            n = ev.derived(
                f"share:{code}:{s['year']}:{s['measure']}",
                f"{_number(s['value'])} {s['measure']} / {_number(s['total_value'])} {s['total_measure']} "
                f"({s['total_basis']}) = {float(s['share_pct']):.1f}%." + cited,
            )
            share = ev.notes.link(f"{float(s['share_pct']):.1f}%", n)
        rows.append(
            [
                _e(s["year"]),
                _e(str(s["measure"]).replace("_", " ")),
                value + (f" per {_e(s['per'])}" if not _missing(s["per"]) else ""),
                share,
                prisoners,
                ratio,
                per_1000,
                f'<span class="flag">{_e(s["note"])}</span>',
            ]
        )
    table = _table(
        [
            "#year",
            "category",
            "#staff",
            "#share",
            "#prisoners (year)",
            "#prisoners per staff",
            "#per 1,000 prisoners",
            "note",
        ],
        rows,
    )
    documents = tables["documents"]
    doc_ids = sorted(staffing["doc_id"].dropna().unique())
    out = '<h2 id="staffing">Medical staffing in places of detention</h2>'
    if staffing["share_pct"].notna().any():
        bars = len(staffing.loc[staffing["share_pct"].notna(), ["year", "total_measure"]].drop_duplicates())
        svg = _svg(
            lambda ax: plot.staffing_composition(staffing, ax=ax),
            size=(plot.WIDTHS["double"], 1.2 + 0.7 * bars),
            salt=f"{code}-composition",
        )
        out += _figure_block(svg, html.escape(plot.source_caption(documents, doc_ids)))
    ratio_rows = staffing[staffing["measure"].isin(("doctors", "psychologists"))]
    if len(ratio_rows):
        den_ids = list(documents.loc[documents["source"].str.endswith("curated/denominators.csv"), "doc_id"])
        svg = _svg(
            lambda ax: plot.staffing_ratios(staffing, ax=ax),
            size=(plot.WIDTHS["double"], 1.0 + 0.55 * len(ratio_rows)),
            salt=f"{code}-ratios",
        )
        caption = plot.source_caption(documents, [*doc_ids, *den_ids], note="Prison population: nearest year.")
        out += _figure_block(svg, html.escape(caption))
    return out + table


def load_report_tables(root: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """The processed tables a State report needs (:data:`REPORT_TABLES`), by name."""
    from torture_stats.tables import load

    return {name: load(name, root) for name in REPORT_TABLES}


def state_report(iso3: str, *, root: str | Path | None = None, output: str | Path | None = None) -> Path:
    """Write the HTML page of one State; return its path.

    Parameters
    ----------
    iso3 : str
        ISO 3166-1 alpha-3 code, e.g. ``"KAZ"``.
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.
    output : path, optional
        Where to write; ``reports/state/<ISO3>.html`` under the root by default.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    StateReportError
        When *iso3* is malformed, unknown, or has no data.
    """
    import matplotlib

    from torture_stats.evidence import document_text
    from torture_stats.paths import project_paths

    matplotlib.use("Agg")
    tables = load_report_tables(root)
    code = check_state(iso3, tables)
    texts = {}
    documents = tables["documents"]
    for doc_id in sorted(tables["grades"].loc[tables["grades"]["iso3"] == code, "doc_id"].dropna().unique()):
        row = documents[documents["doc_id"] == doc_id]
        if len(row) and row.iloc[0]["kind"] != "curated":
            try:
                texts[doc_id] = document_text(doc_id, root=root)
            except TortureStatsError as exc:
                logger.warning("%s: cannot quote its grades: %s", doc_id, exc)
    page = render_state_report(code, tables, texts)
    path = Path(output) if output is not None else project_paths(root).root / "reports" / "state" / f"{code}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    logger.info("wrote %s", path)
    return path
