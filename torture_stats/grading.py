"""Grades of different schemes on one 0-1 score, and per recommendation.

The crosswalk is ``vocab/grade_scales.csv``: each (scheme, grade) has a
``score`` on the common scale and an ``engages`` flag. "No reply" grades (D,
D1, D2) have no score and ``engages`` false: they are non-engagement, kept
apart from progress, never a low score.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from torture_stats import schema, vocab
from torture_stats.schema_derived import GRADE_SCORES, RECOMMENDATION_SCORES, require_columns

logger = logging.getLogger(__name__)

_LIMB = re.compile(r"^\s*(?P<number>\d+)")
_OPTIONAL = ("doc_id", "treaty", "iso3", "cycle", "grade_raw", "assessed_on", "method", "score")


def recommendation_of(paragraph: str) -> str:
    """The recommendation a paragraph belongs to: ``14(a)`` -> ``14``.

    Examples
    --------
    >>> recommendation_of("14(a)"), recommendation_of("28"), recommendation_of("41 (d)")
    ('14', '28', '41')
    """
    match = _LIMB.match(str(paragraph))
    return match.group("number") if match else str(paragraph).strip()


def grade_scores(grades: pd.DataFrame) -> pd.DataFrame:
    """Every graded paragraph on the common 0-1 score, keeping its raw grade and scheme.

    Parameters
    ----------
    grades : DataFrame
        The grades table; needs ``paragraph, grade, scheme``; ``doc_id,
        treaty, iso3, cycle, grade_raw, assessed_on, method`` are copied when
        present.

    Returns
    -------
    DataFrame
        One row per input row (``schema_derived.GRADE_SCORES``):

        - ``doc_id, treaty, iso3, cycle, paragraph``: copied.
        - ``recommendation``: the paragraph without its sub-limb (14(a) -> 14).
        - ``grade, grade_raw, scheme``: copied.
        - ``meaning``: the scheme's meaning of the grade (grade_scales.csv).
        - ``score``: the grade on the common 0-1 scale; empty for no reply
          (D, D1, D2) and for "insufficient information".
        - ``engages``: false for no reply.
        - ``assessed_on, method``: copied.
        - ``flag``: ``unknown_grade`` (not in grade_scales.csv; score and
          engages empty, a warning is logged) or ``conflict`` (the input's own
          ``score`` differs from the crosswalk's).
        - ``note``: the flag in words.

    Examples
    --------
    >>> g = pd.DataFrame({"paragraph": ["14(a)", "28"], "grade": ["B2", "D"], "scheme": ["CAT-2015"] * 2})
    >>> out = grade_scores(g)
    >>> out["score"].tolist(), out["engages"].tolist()
    ([0.5, <NA>], [True, False])
    """
    require_columns(grades, ("paragraph", "grade", "scheme"), "grades")
    scales = vocab.grade_scales()
    lookup = {(r.scheme, r.grade): r for r in scales.itertuples(index=False)}
    frame = grades.copy()
    for col in _OPTIONAL:
        if col not in frame.columns:
            frame[col] = pd.NA
    rows = []
    for _, g in frame.iterrows():
        row = {c: g[c] for c in ("doc_id", "treaty", "iso3", "cycle", "paragraph", "grade", "grade_raw", "scheme")}
        row.update(assessed_on=g["assessed_on"], method=g["method"], recommendation=recommendation_of(g["paragraph"]))
        hit = lookup.get((g["scheme"], g["grade"]))
        if hit is None:
            note = f"grade {g['grade']!r} is not in scheme {g['scheme']!r} of grade_scales.csv"
            logger.warning("%s %s para. %s: %s", g["iso3"], g["cycle"], g["paragraph"], note)
            row.update(flag="unknown_grade", note=note)
        else:
            score = None if pd.isna(hit.score) else float(hit.score)
            row.update(meaning=hit.meaning, score=score, engages=bool(hit.engages))
            given = g["score"]
            if not pd.isna(given) and (score is None or abs(float(given) - score) > 1e-9):
                row.update(flag="conflict", note=f"input score {float(given):g} differs from the crosswalk's {score}")
        rows.append(row)
    out = pd.DataFrame(rows) if rows else schema.empty_frame(GRADE_SCORES)
    return schema.conform(out, GRADE_SCORES)


def recommendation_scores(grades: pd.DataFrame) -> pd.DataFrame:
    """Sub-limb grades (14(a), 14(b)) aggregated per recommendation (14), by mean and by minimum.

    Parameters
    ----------
    grades : DataFrame
        The grades table, or the output of :func:`grade_scores`.

    Returns
    -------
    DataFrame
        One row per document, treaty, State, cycle and recommendation
        (``schema_derived.RECOMMENDATION_SCORES``):

        - ``doc_id, treaty, iso3, cycle, recommendation``: the key.
        - ``paragraphs, grades``: the graded sub-limbs and their grades,
          space separated, in paragraph order.
        - ``schemes``: the schemes used, space separated.
        - ``n_limbs``: sub-limbs graded.
        - ``n_scored``: sub-limbs with a score.
        - ``n_not_engaged``: sub-limbs graded as no reply.
        - ``score_mean``: mean score of the scored sub-limbs.
        - ``score_min``: lowest score of the scored sub-limbs.
        - ``assessed_on``: the latest date of the grades.

    Notes
    -----
    No-reply sub-limbs are counted in ``n_not_engaged`` and left out of the
    mean and the minimum: a recommendation with only no-reply sub-limbs has
    empty scores, not a score of 0.

    Examples
    --------
    >>> g = pd.DataFrame({"iso3": "KAZ", "cycle": 4, "paragraph": ["14(a)", "14(b)", "14(c)"],
    ...     "grade": ["B1", "C", "D"], "scheme": "CAT-2015"})
    >>> row = recommendation_scores(g).iloc[0]
    >>> float(row["score_mean"]), float(row["score_min"]), int(row["n_not_engaged"])
    (0.5, 0.25, 1)
    """
    scored = grades if {"recommendation", "engages", "meaning"} <= set(grades.columns) else grade_scores(grades)
    keys = ["doc_id", "treaty", "iso3", "cycle", "recommendation"]
    rows = []
    key_frame = scored[keys].astype("object").where(scored[keys].notna(), "")
    # the groups of a groupby, numbered in its sorted order, then each one read as plain values: a frame per
    # group cost milliseconds, which is minutes for the 10^5 recommendations of a large build
    codes = scored.groupby([key_frame[k] for k in keys], sort=True).ngroup().to_numpy()
    columns = [*keys, "paragraph", "grade", "scheme", "score", "engages", "assessed_on"]
    values = {c: scored[c].astype("object").where(scored[c].notna(), None).tolist() for c in columns}
    members: dict[int, list[int]] = {}
    for position, code in enumerate(codes.tolist()):
        members.setdefault(code, []).append(position)
    for code in sorted(members):
        group = members[code]
        # a stable sort on paragraph, missing ones last, as DataFrame.sort_values
        group = sorted(group, key=lambda i: (values["paragraph"][i] is None, values["paragraph"][i] or ""))
        scores = [float(values["score"][i]) for i in group if values["score"][i] is not None]
        dates = [values["assessed_on"][i] for i in group if values["assessed_on"][i] is not None]
        first = group[0]
        rows.append(
            {
                **{k: values[k][first] for k in keys},
                "paragraphs": " ".join(str(values["paragraph"][i]) for i in group),
                "grades": " ".join(str(values["grade"][i]) for i in group),
                "schemes": " ".join(dict.fromkeys(str(values["scheme"][i]) for i in group)),
                "n_limbs": len(group),
                "n_scored": len(scores),
                "n_not_engaged": sum(1 for i in group if values["engages"][i] is not None and not values["engages"][i]),
                "score_mean": np.asarray(scores, dtype=float).sum() / len(scores) if scores else None,
                "score_min": min(scores) if scores else None,
                "assessed_on": max(dates) if dates else None,
            }
        )
    out = pd.DataFrame(rows) if rows else schema.empty_frame(RECOMMENDATION_SCORES)
    return schema.conform(out, RECOMMENDATION_SCORES)
