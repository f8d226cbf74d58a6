# ruff: noqa: E501  (the sentence templates are prose, one per line)
"""A synthetic corpus of follow-up letters with known figures, for benchmarks.

Every letter is composed from sentence templates written for this module, in
the genre of the test corpus (``tests/corpus``): a Rapporteur's letter to a
State party, a few sections each under a heading that cites a paragraph of
the concluding observations, figures in the State party's or others' words,
and a grade. States come from ``torture_stats/vocab/states.csv``; everything
else (figures, dates, sessions, paragraphs) is drawn at random. **Nothing in
these letters is true.**

The corpus is deterministic: letter *i* of seed *s* is the same whatever the
number of letters asked for, so the 1,000-letter corpus is the first
thousandth of the 1,000,000-letter one.

Usage::

    python -m benchmarks.synth ROOT --letters 1000 [--seed 7]

writes ``ROOT/data/raw/documents/<shard>/*.txt``, ``ROOT/data/raw/sources.csv``
(the manifest :func:`torture_stats.build.build` checks) and
``ROOT/expected/figures.csv`` (one row per figure the letters state:
``file, paragraph, measure, value``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from torture_stats.manifest import MANIFEST_COLUMNS

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
ORDINALS = ("initial", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
GRADES = ("A", "B1", "B2", "C", "D", "E")
#: letters per sub-folder of data/raw/documents
SHARD = 1000

# --- sentence templates: {n} is the figure, {y} a year ------------------------
# Each entry: (measure, template). The templates are our own wording, chosen so that the figure,
# its measure and its period are stated plainly, as the follow-up letters state them.
FIGURE_SENTENCES: tuple[tuple[str, str], ...] = (
    ("complaints_received", "The State party reports that {n} complaints of torture and ill-treatment were received in {y}."),
    ("complaints_received", "According to the follow-up reply, the prosecution service registered {n} complaints of ill-treatment by police officers during {y}."),
    ("investigations_opened", "In {y}, {n} criminal investigations were opened into allegations of torture."),
    ("investigations_opened", "The reply indicates that the investigative authorities initiated {n} criminal proceedings in {y}."),
    ("investigations_closed", "The State party indicates that {n} criminal cases were discontinued in {y} for lack of evidence."),
    ("cases_sent_to_court", "According to the State party, {n} cases were referred to court in {y}."),
    ("convictions", "The Committee notes that {n} officials were convicted of torture or ill-treatment in {y}."),
    ("acquittals", "The reply states that {n} defendants were acquitted in {y}."),
    ("disciplinary_sanctions", "The State party reports that {n} police officers were subjected to disciplinary measures in {y}."),
    ("internal_investigations", "In {y}, the internal affairs department conducted {n} internal investigations."),
    ("deaths_in_custody", "The Committee notes with concern that {n} deaths in custody were recorded in {y}."),
    ("suicides_in_custody", "According to the information provided, there were {n} suicides in places of detention in {y}."),
    ("prison_population", "The State party indicates that the penitentiary system held {n} prisoners as of January {y}."),
    ("doctors", "The State party reports that {n} doctors were employed in the prison health service in {y}."),
    ("nurses", "The reply mentions that {n} nurses worked in places of detention in {y}."),
    ("psychiatrists", "The Committee takes note that {n} psychiatrists were assigned to penitentiary institutions in {y}."),
    ("psychologists", "The State party indicates that {n} psychologists were working in prisons in {y}."),
    ("victims_compensated", "The State party reports that {n} victims received compensation in {y}."),
    ("monitoring_visits", "The national preventive mechanism carried out {n} unannounced visits to places of detention in {y}."),
    ("officials_trained", "The reply indicates that {n} police officers were trained on the absolute prohibition of torture in {y}."),
)  # fmt: skip

TOPICS = (
    "Fundamental legal safeguards",
    "Prompt, impartial and effective investigations",
    "Prosecution of acts of torture",
    "Conditions of detention",
    "Deaths in custody",
    "Health care in places of detention",
    "Redress for victims of torture",
    "Monitoring of places of detention",
    "Training of law enforcement officials",
    "Disciplinary accountability",
)

# prose without figures, to give letters their length; {state} is the State's name
FILLER = (
    "The Committee welcomes the steps taken by the State party to strengthen the legal framework on the prevention of torture.",
    "It regrets, however, that the information provided does not make it possible to assess how the new rules are applied in practice.",
    "The Committee would appreciate receiving detailed information on the measures taken to ensure that every person deprived of liberty is informed of his or her rights.",
    "It remains concerned that persons in police custody are not always given access to a lawyer of their choice from the outset of deprivation of liberty.",
    "The Committee recalls that the absolute prohibition of torture admits of no exception, and that no exceptional circumstances may be invoked as a justification.",
    "It encourages the State party to ensure that the national preventive mechanism has the human and financial resources it needs to carry out its mandate.",
    "The Committee notes the adoption of a new action plan but observes that its indicators are not yet linked to a budget.",
    "It would welcome information on the outcome of the cases mentioned in the reply, including the sentences imposed on those found responsible.",
    "The Committee reiterates its request for data disaggregated by sex, age, ethnicity and place of detention.",
    "It invites the authorities of {state} to continue the dialogue with civil society organizations working on the rights of detainees.",
    "The Committee considers that further measures are needed to ensure that complaints are examined by a body that is independent of the police.",
    "It regrets that no information was provided on the protection of complainants and witnesses against reprisals.",
    "The Committee would be grateful for clarification of the role of the prosecution service in supervising places of detention.",
    "It notes that medical examinations on arrival are not yet systematic and that their results are not always shared with the detainee.",
    "The Committee recommends that the State party make video recording of interrogations mandatory in all police stations.",
    "It also wishes to receive information on the training given to judges on the exclusion of evidence obtained under duress.",
)  # fmt: skip

OPENING = (
    "Committee against Torture\n\n"
    "REFERENCE: CAT/Follow-up - {state}\n"
    "{date}\n\n"
    "Excellency,\n\n"
    "I have the honour to write to you in my capacity as Rapporteur for Follow-up to Concluding Observations of the\n"
    "Committee against Torture, regarding the follow-up to the {ordinal} periodic report of {state},\n"
    "in line with the Committee's follow-up guidelines (CAT/C/55/3).\n\n"
    "At its {session}th session, held from {s_start} to {s_end}, the Committee adopted concluding\n"
    "observations (CAT/C/{iso3}/CO/{cycle}) and forwarded them to your Permanent Mission. In those concluding\n"
    "observations, the Committee invited the State party to provide, within one year, information on its\n"
    "follow-up to the recommendations in paragraphs {paras}.\n\n"
    "The Committee thanks your Government for the reply received on {reply_date}\n"
    "(CAT/C/{iso3}/FCO/{cycle}) and wishes to make the following comments:\n\n"
)
CLOSING = (
    "The Committee would be grateful to receive any additional information from the Government that may\n"
    "help it to assess the progress made on the issues raised above.\n\n"
    "Accept, Excellency, the assurances of my highest consideration.\n\n"
    "Example Rapporteur\n"
    "Rapporteur for Follow-up to Concluding Observations\n"
    "Committee against Torture\n"
)


@dataclass(frozen=True)
class Letter:
    """One synthetic letter: its relative path, its text and the figures it states."""

    path: str
    text: str
    state: str
    figures: tuple[tuple[str, str, float], ...]  # (paragraph, measure, value)


def _states() -> list[tuple[str, str]]:
    text = resources.files("torture_stats.vocab").joinpath("states.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    # "periodic report of Trinidad and Tobago": the metadata reader stops a State's name at "and"
    # and refuses the letter, so the six such names are left out until it reads them
    return [(row["iso3"], row["short_name"]) for row in rows if " and " not in row["short_name"]]


def _wrap(text: str, width: int = 100) -> str:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 28)} {MONTHS[rng.randrange(12)]} {year}"


def _number(rng: random.Random) -> tuple[str, float]:
    value = int(rng.choice((rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 60000))))
    return (f"{value:,}" if value >= 1000 else str(value)), float(value)


def letter(seed: int, index: int, states: list[tuple[str, str]] | None = None) -> Letter:
    """Letter *index* of the corpus of *seed*: 5–40 KB of text with its known figures."""
    rng = random.Random(f"{seed}-{index}")
    states = states or _states()
    iso3, state = rng.choice(states)
    cycle = rng.randint(2, 8)
    year = rng.randint(2012, 2025)
    session = rng.randint(48, 82)
    month = rng.randrange(11)
    s_start = f"{rng.randint(1, 14)} {MONTHS[month]} {year - 2}"
    s_end = f"{rng.randint(15, 28)} {MONTHS[month + 1]} {year - 2}"
    paragraphs = sorted(rng.sample(range(8, 45), rng.randint(3, 5)))
    target = int(5000 * 8 ** rng.random())  # log-uniform, 5 KB to 40 KB
    head = OPENING.format(
        state=state,
        date=_date(rng, year),
        ordinal=ORDINALS[cycle - 1],
        session=session,
        s_start=s_start,
        s_end=s_end,
        iso3=iso3,
        cycle=cycle,
        paras=", ".join(map(str, paragraphs[:-1])) + f" and {paragraphs[-1]}",
        reply_date=_date(rng, year - 1),
    )
    # the body: each section gets its share of the length, one figure sentence per ~2 KB of prose
    budget = max(400, (target - len(head) - len(CLOSING)) // len(paragraphs))
    sections, figures = [], []
    used: set[tuple[str, int]] = set()
    for para in paragraphs:
        topic = rng.choice(TOPICS)
        body: list[str] = []
        size = 0
        n_figures = max(1, budget // 2000)
        figure_at = set(rng.sample(range(max(n_figures * 4, 4)), n_figures))
        slot = 0
        while size < budget or slot <= max(figure_at):
            if slot in figure_at:
                # a measure and year at most once per letter: a letter that states the same count twice
                # is another test (the derived tables key on State, year and measure)
                measure, template = rng.choice(FIGURE_SENTENCES)
                y = rng.randint(year - 6, year - 1)
                while (measure, y) in used:
                    measure, template = rng.choice(FIGURE_SENTENCES)
                    y = rng.randint(year - 6, year - 1)
                used.add((measure, y))
                shown, value = _number(rng)
                sentence = template.format(n=shown, y=y)
                figures.append((str(para), measure, value))
            else:
                sentence = rng.choice(FILLER).format(state=state)
            body.append(sentence)
            size += len(sentence) + 1
            slot += 1
        grade = rng.choice(GRADES)
        paragraphs_text = []
        for start in range(0, len(body), 5):
            paragraphs_text.append(_wrap(" ".join(body[start : start + 5])))
        paragraphs_text[-1] = paragraphs_text[-1] + f" ({grade})."
        sections.append(f"{topic} (para. {para} of the concluding observations)\n\n" + "\n\n".join(paragraphs_text))
    text = head + "\n\n".join(sections) + "\n\n" + CLOSING
    path = f"documents/{index // SHARD:04d}/cat-{iso3.lower()}-{cycle}-followup-letter-{index:07d}.txt"
    return Letter(path=path, text=text, state=state, figures=tuple(figures))


def letters(n: int, seed: int = 7) -> Iterator[Letter]:
    """The first *n* letters of the corpus of *seed*."""
    states = _states()
    for index in range(n):
        yield letter(seed, index, states)


def write_corpus(root: str | Path, n: int, seed: int = 7) -> Path:
    """Write *n* letters as a project's ``data/raw`` (with ``sources.csv``) under *root*.

    Returns
    -------
    Path
        *root*. The known figures are in ``root/expected/figures.csv``.
    """
    root = Path(root)
    raw = root / "data" / "raw"
    (root / "expected").mkdir(parents=True, exist_ok=True)
    raw.mkdir(parents=True, exist_ok=True)
    with (
        (raw / "sources.csv").open("w", encoding="utf-8", newline="") as manifest_file,
        (root / "expected" / "figures.csv").open("w", encoding="utf-8", newline="") as figures_file,
    ):
        manifest = csv.writer(manifest_file, lineterminator="\n")
        manifest.writerow(MANIFEST_COLUMNS)
        expected = csv.writer(figures_file, lineterminator="\n")
        expected.writerow(("file", "paragraph", "measure", "value"))
        for item in letters(n, seed):
            payload = item.text.encode("utf-8")
            target = raw / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(payload)
            row = {
                "path": item.path,
                "sha256": hashlib.sha256(payload).hexdigest(),
                "kind": "followup_letter",
                "treaty": "CAT",
                "state": item.state,
                "producer": "torture_stats benchmarks (synthetic, fictional)",
                "title": f"Synthetic follow-up letter {item.path}",
                "date_published": "",
                "date_accessed": "",
                "url": "",
                "licence_note": "synthetic text written by the torture_stats project; MIT",
            }
            manifest.writerow([row[c] for c in MANIFEST_COLUMNS])
            for paragraph, measure, value in item.figures:
                expected.writerow((item.path, paragraph, measure, f"{value:g}"))
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="project root to write data/raw under")
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    write_corpus(args.root, args.letters, args.seed)


if __name__ == "__main__":
    main()
