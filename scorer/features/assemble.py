"""One batch of prepared replies in, the three sparse feature views out (`extract`).

This is where the views meet: for every reply it registers the body segments' tokens,
asks `views` for the string features of the opener, the ending and the whole reply, and
asks `_batch.Builder` for the token and character n-gram features of the segments each
head reads; then it turns the builder's entries into sparse matrices.

Each body segment's bag of words/stems/bigrams/cue hits is one row of a segment matrix.
The explanation view is the sum of a reply's segment rows (so the same linear weights
also score single segments, which gives the evidence span), the greeting view adds the
first segment's row to the opener features, and the closing view adds the row of the
segment read as the ending to the ending features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from scorer.features._batch import Builder, Columns
from scorer.features.caches import FeatureCaches
from scorer.features.cues import seg_flags, signoff_line
from scorer.features.hashing import N_FEATURES
from scorer.features.tokens import SegTokens, segment_tokens, shape
from scorer.features.views import (
    closing_index,
    ending_feats,
    first_line,
    first_name,
    global_feats,
    opener_feats,
)
from scorer.text import Prepared


@dataclass(slots=True)
class FeatureBatch:
    """Sparse feature matrices for one batch of replies, plus segment bookkeeping.

    `seg_owner[j]` is the reply index of segment row j of `segments`; `first` gives each
    reply's first segment row index (-1 when the body has no segment); `closing_span[i]`
    is the (start, end) in `plain` of the line read as the reply's ending (-1, -1 when
    there is none).
    """

    greeting: sp.csr_matrix
    explanation: sp.csr_matrix
    closing: sp.csr_matrix
    segments: sp.csr_matrix
    seg_owner: np.ndarray
    first: np.ndarray
    closing_span: np.ndarray


def extract(prepared: Sequence[Prepared], languages: Sequence[str],
            customer_names: Sequence[str | None],
            word_counts: Sequence[int] | None = None,
            caches: FeatureCaches | None = None) -> FeatureBatch:
    """Build the three views for a batch. One tokenisation per segment, numpy for the rest.

    `word_counts` may pass the `Prepared.word_count` values the caller already computed.
    `caches` are the memos to use and keep between batches (a loaded model owns one set);
    without them the batch gets fresh memos that live for this call only.
    """
    if caches is None:
        caches = FeatureCaches()
    caches.start_batch()
    n = len(prepared)
    b = Builder(caches)
    seg_owner: list[int] = []
    first = np.full(n, -1, dtype=np.int64)
    close_seg = np.full(n, -1, dtype=np.int64)
    close_span = np.full((n, 2), -1, dtype=np.int64)
    extra: list[tuple[str, SegTokens]] = []  # signature lines: tokenised after the body
    extra_req: list[tuple[str, int, int]] = []  # (family, row, index into extra)
    for i, (p, lang, cname) in enumerate(zip(prepared, languages, customer_names, strict=True)):
        plain = p.plain
        texts = [plain[a:e] for a, e in p.segments]
        segs = [segment_tokens(t, caches) for t in texts]
        name = first_name(cname)
        base = len(seg_owner)
        if segs:
            first[i] = base
            for j, s in enumerate(segs):
                b.tokens(lang, s)
                seg_owner.append(i)
                for col in seg_flags(s):
                    b.flags.append((base + j, col))
            b.strings("greeting", i, opener_feats(segs[0], segs[1] if len(segs) > 1 else None,
                                                  lang, name, len(segs), caches))
            b.family("g", i, base)
            b.family("gs", i, base)
            b.chars("greeting", "gc", i, texts[0][:32])
            if segs[0].low:
                b.chars("greeting", "fc", i, segs[0].low[0][:40], 2)
        else:
            b.strings("greeting", i, ["lang:" + lang, "g:empty"])
        sig = None
        sig_span: tuple[int, int] | None = None
        if p.signature is not None:
            sig_span = first_line(plain, *p.signature)
            sig = segment_tokens(plain[sig_span[0]:sig_span[1]], caches)
        if segs and sig is not None and sig_span is not None and signoff_line(sig, caches.fuzzy):
            # A sign-off that the preprocessor kept with the signature ("Kind regards,\nTom"
            # as one block) is still the reply's closing line: read it as the ending.
            close_span[i] = sig_span
            doc = ending_feats(sig, segs[-1], None, lang, name, len(segs) + 1, caches)
            doc.append("c:from_sig")
            b.strings("closing", i, doc)
            extra.append((lang, sig))
            extra_req.append(("cs", i, len(extra) - 1))
            b.family("cp", i, base + len(segs) - 1)
            b.chars("closing", "cc", i, sig.text[:24])
            b.chars("closing", "ce", i, sig.text[-24:])
        elif segs:
            ci = closing_index(segs)
            close_seg[i] = ci
            close_span[i] = p.segments[ci]
            doc = ending_feats(segs[ci], segs[ci - 1] if ci > 0 else None, sig, lang, name,
                               len(segs), caches)
            skipped = len(segs) - 1 - ci
            if skipped:
                doc.append("c:skip" + str(min(skipped, 3)))
                tail = segs[-1]
                doc.append("rl1:" + (shape(tail.raw[0], 0) if tail.low else "<none>"))
            b.strings("closing", i, doc)
            b.family("cs", i, base + ci)
            if ci > 0:
                b.family("cp", i, base + ci - 1)
            b.chars("closing", "cc", i, texts[ci][:24])
            b.chars("closing", "ce", i, texts[ci][-24:])
            if sig is not None and sig.low and "csg:signoff" in doc:
                extra.append((lang, sig))
                extra_req.append(("csw", i, len(extra) - 1))
                b.chars("closing", "csc", i, sig.text[:20])
        else:
            b.strings("closing", i, ["lang:" + lang, "c:empty"] + (["c:sig"] if sig else []))
        wc = p.word_count if word_counts is None else word_counts[i]
        b.strings("explanation", i, global_feats(segs, lang, wc))

    n_body = len(seg_owner)
    for lang, s in extra:
        b.tokens(lang, s)
    for fam, row, k in extra_req:
        b.family(fam, row, n_body + k)
    return _matrices(b.columns(n_body), n, np.asarray(seg_owner, dtype=np.int64), first,
                     close_seg, close_span)


def _csr(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                      shape=(n, N_FEATURES), dtype=np.float64)
    m.sum_duplicates()
    return m


def _matrices(c: Columns, n: int, owner: np.ndarray, first: np.ndarray, close_seg: np.ndarray,
              close_span: np.ndarray) -> FeatureBatch:
    """The sparse views of a batch from its entries.

    Each view is built as one matrix from its entries, rather than as sums and products
    of sparse matrices: scipy's per-operation cost (~0.1 ms each, a dozen per batch) was
    most of what scoring a small batch costs. The values are the same sums of counts
    (exact in float64), so the matrices are equal to the operations' results.
    """
    n_body = len(owner)
    seg_x = _csr(c.seg_rows, c.seg_cols, n_body)

    def view(name: str, extra_rows: np.ndarray, extra_cols: np.ndarray) -> sp.csr_matrix:
        return _csr(np.concatenate([extra_rows, c.rows[name]]),
                    np.concatenate([extra_cols, c.cols[name]]), n)

    def segment_entries(pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The entries of the segment rows `pick` names (per reply, -1: none), on the row
        of the reply that picked them."""
        reply_of = np.full(n_body, -1, dtype=np.int64)
        has = pick >= 0
        reply_of[pick[has]] = np.nonzero(has)[0]
        to = reply_of[c.seg_rows]
        keep = to >= 0
        return to[keep], c.seg_cols[keep]

    # Explanation: the sum of the reply's segment rows, squashed with log1p so a word repeated
    # in five sentences does not count five times, plus reply-level features.
    bag = _csr(owner[c.seg_rows], c.seg_cols, n)
    bag.data = np.log1p(bag.data)
    reply = _csr(c.rows["explanation"], c.cols["explanation"], n)
    bag_coo, reply_coo = bag.tocoo(), reply.tocoo()
    explanation = sp.csr_matrix(
        (np.concatenate([bag_coo.data, reply_coo.data]),
         (np.concatenate([bag_coo.row, reply_coo.row]),
          np.concatenate([bag_coo.col, reply_coo.col]))),
        shape=(n, N_FEATURES), dtype=np.float64)
    explanation.sum_duplicates()  # one addition per shared entry: log1p(bag) + count

    greeting = view("greeting", *segment_entries(first))
    closing_row = np.where(close_seg >= 0, first + close_seg, -1)
    closing = view("closing", *segment_entries(closing_row))
    return FeatureBatch(greeting, explanation, closing, seg_x, owner, first, close_span)
