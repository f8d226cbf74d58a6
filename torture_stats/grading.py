"""Grades of different schemes on one 0-1 score, and per recommendation.

The crosswalk is ``vocab/grade_scales.csv``: each (scheme, grade) has a
``score`` on the common scale and an ``engages`` flag. "No reply" grades (D,
D1, D2) have no score and ``engages`` false: they are non-engagement, kept
apart from progress, never a low score.
"""

from __future__ import annotations

import logging
import re
from functools import cache

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
    if grades.empty:
        return schema.conform(schema.empty_frame(GRADE_SCORES), GRADE_SCORES)
    frame = grades.reset_index(drop=True)
    for col in _OPTIONAL:
        if col not in frame.columns:
            frame[col] = pd.NA
    hit = _crosswalk_rows(frame["scheme"], frame["grade"])
    known = hit["known"].to_numpy(dtype=bool)
    score = hit["score"].to_numpy(dtype=float, na_value=np.nan)
    input_score = pd.to_numeric(frame["score"]).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    conflict = known & ~np.isnan(input_score) & (np.isnan(score) | (np.abs(input_score - score) > 1e-9))
    flag = np.full(len(frame), None, dtype=object)
    note = np.full(len(frame), None, dtype=object)
    flag[conflict] = "conflict"
    note[conflict] = [
        f"input score {value:g} differs from the crosswalk's {None if np.isnan(ours) else float(ours)}"
        for value, ours in zip(input_score[conflict], score[conflict], strict=True)
    ]
    paragraphs = frame["paragraph"].tolist()
    # the same few paragraphs recur across documents: each text is read once
    of_text = {p: recommendation_of(p) for p in set(paragraphs) if isinstance(p, str)}
    recommendation = [of_text[p] if isinstance(p, str) else recommendation_of(p) for p in paragraphs]
    # the words about a row print its values as pandas reads the row (a row of only text and gaps is read as
    # text, its gaps as nan), so the few rows that need them are read row by row
    for position, g in _rows(frame, frame["paragraph"].isna()):
        recommendation[position] = recommendation_of(g["paragraph"])
    flag[~known] = "unknown_grade"
    for position, g in _rows(frame, ~known):
        note[position] = f"grade {g['grade']!r} is not in scheme {g['scheme']!r} of grade_scales.csv"
        logger.warning("%s %s para. %s: %s", g["iso3"], g["cycle"], g["paragraph"], note[position])
    out = pd.DataFrame(
        {
            **{col: frame[col] for col in ("doc_id", "treaty", "iso3", "cycle", "paragraph", "grade", "grade_raw")},
            "scheme": frame["scheme"],
            "assessed_on": frame["assessed_on"],
            "method": frame["method"],
            "recommendation": pd.Series(recommendation, dtype=object),
            "meaning": hit["meaning"],
            "score": hit["score"],
            "engages": hit["engages"],
            # as objects: pandas would turn a list of texts into an Arrow column, and conform turns it back
            "flag": pd.Series(flag, dtype=object),
            "note": pd.Series(note, dtype=object),
        }
    )
    return schema.conform(out, GRADE_SCORES)


def _rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray):
    """(position, row) of the rows of *mask*, read as ``DataFrame.iterrows`` reads them (*frame* has a 0..n-1 index)."""
    mask = np.asarray(mask, dtype=bool)
    return frame[mask].iterrows() if mask.any() else iter(())


def _crosswalk_rows(scheme: pd.Series, grade: pd.Series) -> pd.DataFrame:
    """The grade_scales.csv row of each (scheme, grade): ``meaning, score, engages`` and ``known``.

    On the index of *scheme*; a pair that is not in the crosswalk has ``known`` false and the rest empty.
    """
    keys = pd.DataFrame({"scheme": scheme.astype(object).to_numpy(), "grade": grade.astype(object).to_numpy()})
    hit = keys.merge(_crosswalk(), how="left", on=["scheme", "grade"])
    return hit.assign(known=hit["known"].notna()).set_axis(scheme.index)


@cache
def _crosswalk() -> pd.DataFrame:
    """grade_scales.csv ready to merge on: keys of any type match as in a dict, text comes out as Python strings."""
    # a pair listed twice keeps its last row, as a dict of the rows did
    scales = vocab.grade_scales().drop_duplicates(["scheme", "grade"], keep="last")
    columns = scales[["scheme", "grade", "meaning", "score", "engages"]]
    return columns.astype({"scheme": object, "grade": object, "meaning": object}).assign(known=True)


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
