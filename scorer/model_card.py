"""models/MODEL_CARD.md: written by `scorer train` from the model's own metadata, so every
figure in it belongs to the artifact next to it (nothing is edited by hand and lost on the
next training run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorer.model import ReplyModel
from scorer.schema import DIMENSIONS
from scorer.settings import Settings

CONVERSATION_RANGES = """### Conversation ranges

A closed conversation's length is all its agent text against a per-channel conversation
range (`SCORER_CONVERSATION_LENGTH_EMAIL` / `_CHAT` / `_MESSENGER`, defaults `40-800`,
`15-300`, `12-250`; same scoring as a reply's length). Why these numbers:

- **floors**: a conversation owes at least what one complete reply holds, so the e-mail
  floor equals the single e-mail reply's (40); chat and Messenger floors are about two
  complete short turns (greeting plus an answer), since a one-line "ok, done" chat is exactly
  the kind of reply Kundeserviceprisen marked down;
- **ceilings**: several replies add up, so the ceilings are about three times a single
  reply's; past them an inquiry reads as a runaround rather than an answer.

A check on text the model never saw (`scorer.dialogues`, written without sight of the corpus,
600 conversations, seed 99; complete and incomplete answered ones): agent words per
conversation, percentiles 1/5/50/95/99:

| channel | n | p1 | p5 | p50 | p95 | p99 |
|---|---|---|---|---|---|---|
| email | 149 | 35 | 39 | 52 | 93 | 101 |
| chat | 253 | 31 | 34 | 53 | 77 | 83 |
| messenger | 131 | 35 | 40 | 57 | 77 | 80 |

About 5 % of those e-mail threads fall under the 40-word floor (they lose up to 4 points,
never a flag on their own); none of the chat or Messenger ones leave their ranges. These are
generated conversations, not production traffic: re-derive the ranges from your own closed
conversations (`conversations.scored` has `agent_messages`; the reply records have
`word_count`)."""


def _md_table(result: dict[str, Any]) -> str:
    rows = ["| language | dimension | n | positives | model P | model R | model F1 | "
            "baseline P | baseline R | baseline F1 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lg, dims in result["model"].items():
        for d, m in dims.items():
            b = result["baseline"][lg][d]
            rows.append(f"| {lg} | {d} | {m['n']} | {m['positives']} | {m['precision']:.3f} | "
                        f"{m['recall']:.3f} | {m['f1']:.3f} | {b['precision']:.3f} | "
                        f"{b['recall']:.3f} | {b['f1']:.3f} |")
    return "\n".join(rows)


def render_card(model: ReplyModel, settings: Settings, *,
                external: dict[str, dict[str, Any]] | None = None,
                cv_folds: int = 3, c_grid: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)) -> str:
    """The text of models/MODEL_CARD.md, generated from the artifact's own metadata and
    the evaluation on `external` sets (label → evaluate_records result)."""
    m = model.meta
    counts = m.get("counts", {}).get("by_split_language_channel", {})
    lines = [
        "# Model card: reply-quality model",
        "",
        f"- **Version:** `{model.version}` (date + short hash of corpus, code and parameters;"
        " reported as `scorer_model_info{version=...}` and in every scored record)",
        f"- **Trained:** {m.get('trained_at')} in {m.get('train_seconds')} s, on "
        f"`models/corpus/{m.get('corpus')}` (sha256 `{str(m.get('corpus_sha256'))[:16]}…`)",
        "- **File:** `scorer/data/reply-model.npz`, shipped inside the package (numpy arrays "
        "and JSON parameters, read without pickle: `scorer.model_file`)",
        "",
        "## What it does",
        "",
        "Three binary classifiers (`LogisticRegression`, liblinear, balanced class weights) "
        "estimate whether an agent reply has a **greeting**, an **explanation** and a "
        "**closing** as defined in `docs/LABELS.md`, on the agent's own text "
        "(quoted history and signature removed by `scorer.text`). A character n-gram "
        "language detector (`scorer.langid`) is stored in the same file and used when a "
        "reply carries no `language`.",
        "",
        "Features (hashed, 2^18 columns per view, `scorer/features/`): lower-cased "
        "tokens (NLTK's regexp tokenizer pattern), Snowball stems per language (PyStemmer; "
        "norwegian for nb/nn, swedish, danish, english), word bigrams, cue lexicons for "
        "salutations, "
        "thanks-for-contact, sign-offs, well-wishes, offers of help, why/how/what-next and "
        "requests in all five languages, position (first/last tokens of the first/last "
        "segment, capitalised words after the first collapsed to `<C>` so names are not "
        "memorised), character 3-grams of the opener and ending, punctuation after the "
        "first word and at the end, whether the customer's name opens the reply, digits, "
        "URLs, arrows and numbered steps, segment counts.",
        "",
        "## Data",
        "",
        "Project-written corpus (`models/corpus/README.md`): hand-written replies and "
        "replies composed from project-written parts; no third-party text. The held-out "
        "split is by parts (a test reply uses only wording never seen in training). Only "
        "`split == \"train\"` is used for fitting; C is chosen by "
        f"{cv_folds}-fold cross-validation inside it, folds grouped by the wording of the "
        "opener/ending so validation uses unseen wording "
        f"(grid {list(c_grid)}).",
        "",
        "| split | language | channel | replies |",
        "|---|---|---|---:|",
    ]
    for key, v in counts.items():
        sp_, lg, ch = key.split("|")
        lines.append(f"| {sp_} | {lg} | {ch} | {v} |")
    rv = m.get("reviews")
    if rv:
        gate = rv.get("gate_agreement", {})
        lines += ["", f"QA reviews in training (`scorer train --feedback`): {rv['trained_on']} "
                  f"reviewed replies, each weighted {rv['weight']}; {rv.get('held_out', 0)} "
                  "more held out for the gate (agreement with the reviewers there: current model "
                  f"{gate.get('current')}, this model {gate.get('candidate')})."]
    cv = m.get("cv", {})
    lines += ["", "Chosen regularisation: " + ", ".join(
        f"{d} C={cv[d]['C']} (cv F1 {cv[d]['cv_f1']})" for d in DIMENSIONS if d in cv), ""]
    if "heldout" in m:
        lines += ["## Held-out results (test split)", "",
                  "A dimension counts as present when its probability is >= 0.5. The baseline "
                  "is the keyword-rule baseline of `scorer/baseline.py`.", "",
                  _md_table(m["heldout"]), ""]
        if "langid_accuracy" in m:
            lines += [f"Language detection accuracy on the test split: "
                      f"{m['langid_accuracy']:.3f}.", ""]
    ld = m.get("length_data", {})
    lines += ["## Length", "",
              "Length is not learned: the body's word count is scored against a per-channel "
              "target range (`SCORER_LENGTH_EMAIL`, `SCORER_LENGTH_CHAT`, "
              "`SCORER_LENGTH_MESSENGER`, \"MIN-MAX\"). Score 1 inside the range, `words/MIN` "
              "below it, `MAX/words` above it; reasons `too_short` / `too_long`.", "",
              "Word counts of training replies that have greeting, explanation and closing:", "",
              "| channel | complete replies | p5 | p10 | median | p90 | p95 | "
              "configured range |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for ch in ("email", "chat", "messenger"):
        d = ld.get(ch, {})
        rng = getattr(settings, f"length_{ch}")
        if d.get("n_complete"):
            lines.append(f"| {ch} | {d['n_complete']} | {d['p5']} | {d['p10']} | "
                         f"{d['median']} | {d['p90']} | {d['p95']} | {rng} |")
    lines += ["", LENGTH_RATIONALE, "", CONVERSATION_RANGES, ""]
    lines += _external_section(external or {})
    lines += ["## Total, bands and reasons", "",
              "`total = round(100 * sum(w_d * credit_d))` with the weights below "
              "(`SCORER_WEIGHT_*`, normalised to sum 1); credit is the length score for "
              "length and `clip((p - 0.1) / 0.8, 0, 1)` for the three model dimensions. "
              "Bands: excellent 100, good 80-99, at_risk 70-79, poor < 70; flagged when "
              f"total < `SCORER_FLAG_THRESHOLD` (default {settings.flag_threshold}).", "",
              "| dimension | default weight |", "|---|---:|"]
    for d, w in settings.weights.items():
        lines.append(f"| {d} | {w:.2f} |")
    lines += ["", "Reasons (closed vocabulary): `missing_greeting`, `missing_explanation`, "
              "`missing_closing` (probability < 0.5), `too_short`, `too_long` (outside the "
              "range). A flagged reply with none of these gets the reason of the dimension "
              "that cost the most points.", "",
              "## Intended use and limits", "", LIMITS, ""]
    return "\n".join(lines)


LENGTH_RATIONALE = (
    "Why these defaults: e-mail replies are expected to greet, explain and close in full "
    "sentences, so the floor (40 words) sits near the low tail of complete e-mail replies and "
    "the ceiling (250) well above their high tail, where length starts to hurt readability. "
    "Chat and Messenger replies are short by nature; 8 words is about the least that holds a "
    "greeting, a substantive sentence and a closing, and 90 words is far above typical "
    "complete chat replies. Kundeserviceprisen 2020 found written replies were mostly too "
    "short, so the floors matter more than the ceilings. Operators should re-derive the "
    "ranges from their own traffic (the table above shows how) and set the variables."
)

LIMITS = (
    "- Intended use: monitoring and QA triage of customer-service replies in nb, nn, sv, da "
    "and en; flagged replies are for a human to review, not for automatic sanctions.\n"
    "- The training corpus is project-written (hand-written and composed) text, not real "
    "traffic; held-out numbers measure generalisation to unseen wording of the same "
    "definitions, not to every real-world style. Check the model on a labelled sample of "
    "your own replies with `scorer evaluate FILE` before relying on it.\n"
    "- Replies confidently in another language get `unsupported_language` and no score; "
    "short ones that cannot be told apart are scored as the closest of the five. "
    "Mixed-language replies use the detected majority language.\n"
    "- The model judges presence of greeting, explanation and closing, not correctness, "
    "tone or politeness of the content.\n"
    "- Nynorsk has the fewest training replies; its numbers have the widest uncertainty."
)


def _external_section(external: dict[str, dict[str, Any]]) -> list[str]:
    """Results on text the corpus writers never saw, beside the held-out split's."""
    if not external:
        return []
    lines = ["## On text the model never saw", "",
             "The held-out split is project-written text; these sets are not "
             "(`tests/data/REPLIES_EVAL.md` says how they were made). Re-run with "
             "`scorer evaluate FILE`.", ""]
    for label, result in external.items():
        lines += [f"### {label[0].upper()}{label[1:]}", "", _md_table(result), ""]
    return lines


def write_card(model: ReplyModel, path: Path, settings: Settings, **kw: Any) -> None:
    """models/MODEL_CARD.md: data, held-out and external metrics (model vs baseline),
    length, weights (`kw` as for render_card)."""
    path.write_text(render_card(model, settings, **kw), encoding="utf-8")
