"""A document's text with the evidence of its figures highlighted, for notebooks and reports.

:func:`highlight` marks, in the text as read, the words each figure was read
from (``span_start``–``span_end``) and, inside them, the number as printed
(``value_raw``); hovering a number shows its measure, value, unit and period.
The result displays itself in Jupyter (``_repr_html_``) and its ``html`` can be
put into any page: styles are inline, nothing is fetched.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from torture_stats.errors import TortureStatsError

EVIDENCE_BACKGROUND = "#FFF1C1"
VALUE_BACKGROUND = "#F5C26B"


@dataclass(frozen=True)
class Highlighted:
    """HTML of a text with its evidence marked; shown as HTML by IPython and Jupyter.

    Attributes
    ----------
    html : str
        A ``<div>`` with inline styles.
    n_figures : int
        Figures whose span was found in the text.
    n_missing : int
        Figures left unmarked: no span, or a span outside the text.
    """

    html: str
    n_figures: int
    n_missing: int

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def figure_title(row: pd.Series | dict) -> str:
    """Tooltip of a figure: ``investigations_opened = 450 cases, 2019–2024 (para. 24(a), state_party)``.

    Examples
    --------
    >>> figure_title({"measure": "convictions", "value": 16.0, "unit": "persons", "period_start": 2019,
    ...     "period_end": 2024, "paragraph": "24(a)", "reported_by": "other_sources"})
    'convictions = 16 persons, 2019–2024 (para. 24(a), other_sources)'
    """
    get = row.get

    def present(key: str) -> bool:
        value = get(key)
        return value is not None and not pd.isna(value)

    text = f"{get('measure')} = {float(get('value')):,.10g}" if present("value") else str(get("measure"))
    if present("unit"):
        text += f" {get('unit')}"
    if present("per"):
        text += f" per {get('per')}"
    if present("period_start"):
        start = int(get("period_start"))
        end = int(get("period_end")) if present("period_end") else None
        text += f", {start}" if end == start else (f", {start}–{end}" if end is not None else f", since {start}")
    where = [f"para. {get('paragraph')}"] if present("paragraph") else []
    if present("reported_by"):
        where.append(str(get("reported_by")))
    return text + (f" ({', '.join(where)})" if where else "")


def highlight(doc_text: str, figures: pd.DataFrame, *, doc_id: str | None = None) -> Highlighted:
    """*doc_text* as HTML with each figure's evidence shaded and its number marked.

    Parameters
    ----------
    doc_text : str
        The document's text as read (``Document.text``): the figures' spans
        point into it.
    figures : DataFrame
        The figures table (``span_start, span_end, value_raw, measure, value``
        …); rows without a span are counted in ``n_missing``.
    doc_id : str, optional
        Keep only the figures of this document (when *figures* holds several).

    Returns
    -------
    Highlighted
        ``html``: a ``<div>`` keeping the text's line breaks; evidence in
        ``<span class="ts-evidence">``, numbers in ``<mark class="ts-value"
        title="…">`` with the figure's measure, value, unit and period.

    Raises
    ------
    TortureStatsError
        When *figures* lacks ``span_start``, ``span_end`` or ``value_raw``.

    Examples
    --------
    >>> text = "In 2022, 337 investigations were opened."
    >>> figs = pd.DataFrame({"span_start": [0], "span_end": [39], "value_raw": ["337"],
    ...     "measure": ["investigations_opened"], "value": [337.0]})
    >>> out = highlight(text, figs)
    >>> '<mark class="ts-value"' in out.html, out.n_figures
    (True, 1)
    """
    missing = [c for c in ("span_start", "span_end", "value_raw") if c not in figures.columns]
    if missing:
        raise TortureStatsError(f"figures lacks the column(s) {missing}; give the figures table")
    if doc_id is not None and "doc_id" in figures.columns:
        figures = figures[figures["doc_id"] == doc_id]
    in_evidence = [False] * len(doc_text)
    marks: dict[int, tuple[int, str]] = {}
    n_missing = 0
    for _, row in figures.iterrows():
        start, end = row["span_start"], row["span_end"]
        if pd.isna(start) or pd.isna(end) or not 0 <= int(start) < int(end) <= len(doc_text):
            n_missing += 1
            continue
        start, end = int(start), int(end)
        for i in range(start, end):
            in_evidence[i] = True
        raw = str(row["value_raw"])
        at = doc_text.find(raw, start, end) if raw else -1
        if at >= 0 and not any(s <= at < e or at <= s < at + len(raw) for s, (e, _) in marks.items()):
            marks[at] = (at + len(raw), figure_title(row))
    parts = []
    i = 0
    while i < len(doc_text):
        if i in marks:
            end, title = marks[i]
            parts.append(
                f'<mark class="ts-value" title="{html.escape(title)}" style="background:{VALUE_BACKGROUND};'
                f'padding:0 1px;border-radius:2px">{html.escape(doc_text[i:end])}</mark>'
            )
            i = end
            continue
        j = i + 1
        while j < len(doc_text) and j not in marks and in_evidence[j] == in_evidence[i]:
            j += 1
        chunk = html.escape(doc_text[i:j])
        if in_evidence[i]:
            chunk = f'<span class="ts-evidence" style="background:{EVIDENCE_BACKGROUND}">{chunk}</span>'
        parts.append(chunk)
        i = j
    body = "".join(parts)
    page = (
        '<div class="ts-document" style="white-space:pre-wrap;font-family:Georgia,serif;font-size:13px;'
        'line-height:1.45;max-width:52em;padding:0.8em;border:1px solid #ddd">'
        f"{body}</div>"
    )
    return Highlighted(html=page, n_figures=len(marks), n_missing=n_missing)


def document_text(doc_id: str, *, root: str | Path | None = None) -> str:
    """The text as read of a processed document, found through the documents table.

    Parameters
    ----------
    doc_id : str
        A ``doc_id`` of the documents table.
    root : path, optional
        Project root; see :func:`torture_stats.paths.project_paths`.

    Returns
    -------
    str
        ``Document.text``: the spans of the figures and grades point into it.

    Raises
    ------
    TortureStatsError
        When *doc_id* is not in the documents table, or names a curated table.
    """
    from torture_stats.documents import read_document
    from torture_stats.paths import project_paths
    from torture_stats.tables import load

    documents = load("documents", root)
    rows = documents[documents["doc_id"] == doc_id]
    if rows.empty:
        raise TortureStatsError(f"doc_id={doc_id!r} is not in the documents table; have {sorted(documents['doc_id'])}")
    row = rows.iloc[0]
    if row["kind"] == "curated":
        raise TortureStatsError(f"doc_id={doc_id!r} is a curated table ({row['source']}), not a document with text")
    return read_document(project_paths(root).root / str(row["source"])).text
