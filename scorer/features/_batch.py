"""The batch inner loop: a batch's feature requests turned into (row, column) arrays.

Why it is shaped like this: the streaming scorer must handle over 10,000 short replies a
second on one core (issue 6), which is only affordable if per-token work is done once per
distinct token, not once per occurrence, and everything per occurrence is numpy. So each
segment's tokens become ids in the vocabulary (`caches.Vocab`: precomputed token hash,
stem hash and cue bits per id; the vocabulary is Zipfian, so after warm-up nearly every
token is a dict hit looked up in C); the tokens of all segments of the batch form one id
array; and every token feature (word, stem, bigram, "first 8 words of the opener", ...)
and every character n-gram of openers and endings is hashed for the whole batch by a few
array operations. Only the handful of per-reply flag features are Python strings, whose
columns are memoised and first-seen ones hashed together in `Builder.resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from scorer.features.caches import FeatureCaches
from scorer.features.cues import BIT_DIGIT, BIT_URL, LEX_NAMES, N_BITS, token_bits
from scorer.features.hashing import U64, P, cols, h64, salt, str_col, str_cols
from scorer.features.tokens import SegTokens, stem

VIEWS = ("greeting", "closing", "explanation")
#: Token families taken from the first k tokens of one segment: name -> (hash, k).
TOKEN_FAMILIES = {"g": ("tok", 8), "gs": ("stem", 8), "cs": ("stem", 12), "cp": ("tok", 8),
                  "csw": ("tok", 4)}
_GREETING_FAMILIES = ("g", "gs")
_FAMILY_SALT = {name: salt(name) for name in (*TOKEN_FAMILIES, "w", "s", "b", "gc", "fc",
                                              "cc", "ce", "csc")}
_LEX_COLS = np.array([str_col("x:" + n) for n in LEX_NAMES], dtype=np.int64)
_LEX2_COLS = np.array([str_col("x2:" + n) for n in LEX_NAMES], dtype=np.int64)
_N_EDGES = np.array([1, 2, 4, 8, 16])
_N_COLS = np.array([str_col("n:" + b) for b in ("0", "1", "2-3", "4-7", "8-15", "16+")])
_P_DIGIT, _P_URL, _P_URL_ONLY = (str_col("p:" + k) for k in ("digit", "url", "url_only"))


@dataclass(slots=True)
class Columns:
    """Non-zero entries of a batch: of the segment rows (one per body segment), and per view
    of the reply rows (one per reply) before the segment rows are added to them."""

    seg_rows: np.ndarray
    seg_cols: np.ndarray
    rows: dict[str, np.ndarray]
    cols: dict[str, np.ndarray]


class Builder:
    """Collects one batch's feature requests, then turns them into columns with numpy."""

    def __init__(self, caches: FeatureCaches) -> None:
        self.caches = caches
        self.seg_ids: list[list[int]] = []       # token ids per segment (body and extra)
        self.rows: dict[str, list[int]] = {v: [] for v in VIEWS}
        self.cols: dict[str, list[int | None]] = {v: [] for v in VIEWS}
        self.fam: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in TOKEN_FAMILIES}
        self.grams: dict[int, tuple[list[int], list[str], list[str], list[str]]] = {
            2: ([], [], [], []), 3: ([], [], [], [])}  # n -> rows, views, families, texts
        #: (view, offset in cols[view], feats) of string lists with not-yet-hashed features
        self.pending: list[tuple[str, int, list[str]]] = []
        #: (segment, column) of the segments' pattern features
        self.flags: list[tuple[int, int]] = []

    def tokens(self, lang: str, seg: SegTokens) -> int:
        """Register a segment's tokens; returns its index in the batch's segment table."""
        vocab = self.caches.vocab
        table = vocab.table(lang)
        vocab.lookups += len(seg.low)
        cached = seg.ids
        # Ids stay valid within one vocabulary generation for the same table (its tables
        # live until the next clear, so id() is unambiguous), so a recurring segment skips
        # the per-token lookups. Keys, not a table reference: a memoised segment must not
        # keep a cleared vocabulary alive.
        if cached is not None and cached[0] == vocab.generation and cached[1] == id(table):
            self.seg_ids.append(cached[2])
            return len(self.seg_ids) - 1
        ids = list(map(table.get, seg.low))
        if None in ids:
            for j, t in enumerate(seg.low):
                if ids[j] is None:
                    got = table.get(t)
                    if got is None:
                        vocab.misses += 1
                        got = vocab.add(table, t, h64(t), h64(stem(lang, t, self.caches.stems)),
                                        token_bits(t))
                    ids[j] = got
        seg.ids = (vocab.generation, id(table), ids)  # type: ignore[assignment]
        self.seg_ids.append(ids)  # type: ignore[arg-type]
        return len(self.seg_ids) - 1

    def strings(self, view: str, row: int, feats: list[str]) -> None:
        memo = self.caches.str_cols
        cols = list(map(memo.get, feats))  # map runs in C; misses are rare after warm-up
        memo.lookups += len(cols)
        out = self.cols[view]
        if None in cols:  # hashed for the whole batch at once in `resolve`
            memo.misses += cols.count(None)
            self.pending.append((view, len(out), feats))
        out.extend(cols)
        self.rows[view].extend([row] * len(cols))

    def resolve(self) -> None:
        """Fill in the columns of first-seen string features, hashed in one numpy pass."""
        if not self.pending:
            return
        memo = self.caches.str_cols
        missing = list({f for _, _, feats in self.pending for f in feats if f not in memo})
        new = dict(zip(missing, str_cols(missing), strict=True))
        for view, start, feats in self.pending:
            out = self.cols[view]
            for k, f in enumerate(feats, start):
                if out[k] is None:
                    out[k] = new[f]
        memo.put_many(new)
        self.pending.clear()

    def family(self, fam: str, row: int, seg: int) -> None:
        rows, segs = self.fam[fam]
        rows.append(row)
        segs.append(seg)

    def chars(self, view: str, fam: str, row: int, text: str, n: int = 3) -> None:
        rows, views, fams, texts = self.grams[n]
        rows.append(row)
        views.append(view)
        fams.append(fam)
        texts.append(text)

    def columns(self, n_body: int) -> Columns:
        """All entries of the batch; the first `n_body` registered segments are body rows."""
        self.resolve()
        vocab = self.caches.vocab
        seg_len = np.fromiter(map(len, self.seg_ids), dtype=np.int64, count=len(self.seg_ids))
        seg_start = np.cumsum(seg_len) - seg_len
        ids = np.fromiter(chain.from_iterable(self.seg_ids), dtype=np.int64,
                          count=int(seg_len.sum()))
        tokh, stemh, bits = vocab.tok[ids], vocab.stem[ids], vocab.bits[ids]
        seg_rows, seg_cols = _segment_bags(seg_len[:n_body], tokh, stemh, bits, self.flags)

        rows = {v: [np.asarray(r, dtype=np.int64)] for v, r in self.rows.items()}
        cols = {v: [np.asarray(c, dtype=np.int64)] for v, c in self.cols.items()}
        for fam, (req_rows, req_segs) in self.fam.items():
            if not req_rows:
                continue
            kind, k = TOKEN_FAMILIES[fam]
            req, pos = _first_k(seg_start, seg_len, np.asarray(req_segs, dtype=np.int64), k)
            view = "greeting" if fam in _GREETING_FAMILIES else "closing"
            rows[view].append(np.asarray(req_rows, dtype=np.int64)[req])
            cols[view].append(cols_of((tokh if kind == "tok" else stemh)[pos], fam))
        for ng, (g_rows, g_views, g_fams, g_texts) in self.grams.items():
            if not g_rows:
                continue
            req, gcols = _char_gram_cols(g_texts, g_fams, ng)
            is_greet = np.array([v == "greeting" for v in g_views], dtype=bool)[req]
            r = np.asarray(g_rows, dtype=np.int64)[req]
            rows["greeting"].append(r[is_greet])
            cols["greeting"].append(gcols[is_greet])
            rows["closing"].append(r[~is_greet])
            cols["closing"].append(gcols[~is_greet])
        return Columns(seg_rows, seg_cols, {v: np.concatenate(r) for v, r in rows.items()},
                       {v: np.concatenate(c) for v, c in cols.items()})


def cols_of(h: np.ndarray, family: str) -> np.ndarray:
    return cols(h, _FAMILY_SALT[family])


def _segment_bags(seg_len: np.ndarray, tokh: np.ndarray, stemh: np.ndarray, bits: np.ndarray,
                  flags: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(segment, column) entries of the body segments' bags: words, stems, bigrams, cue
    lexicon hits (once, and again from two hits), digits, URLs, token count, patterns."""
    n_body = len(seg_len)
    n_tok = int(seg_len.sum())
    tok_seg = np.repeat(np.arange(n_body), seg_len)
    bt, bs = tokh[:n_tok], stemh[:n_tok]
    pair = tok_seg[:-1] == tok_seg[1:] if n_tok > 1 else np.zeros(0, dtype=bool)
    bigram = bt[:-1][pair] * P + bt[1:][pair] if n_tok > 1 else np.zeros(0, dtype=U64)
    bit_m = ((bits[:n_tok, None] >> np.arange(N_BITS)) & 1).astype(np.int64)
    cum = np.vstack([np.zeros((1, N_BITS), dtype=np.int64), np.cumsum(bit_m, axis=0)])
    ends = np.cumsum(seg_len)
    counts = cum[ends] - cum[ends - seg_len]  # (n_body, bits)
    lex = counts[:, :len(LEX_NAMES)]
    r1, c1 = np.nonzero(lex >= 1)
    r2, c2 = np.nonzero(lex >= 2)
    digit = np.nonzero(counts[:, BIT_DIGIT])[0]
    url = np.nonzero(counts[:, BIT_URL])[0]
    url_only = url[seg_len[url] <= 6]
    flag_seg = np.array([s for s, _ in flags], dtype=np.int64)
    flag_col = np.array([c for _, c in flags], dtype=np.int64)
    seg_rows = np.concatenate([tok_seg, tok_seg, tok_seg[:-1][pair], r1, r2, digit, url,
                               url_only, np.arange(n_body), flag_seg])
    seg_cols = np.concatenate([
        cols_of(bt, "w"), cols_of(bs, "s"), cols_of(bigram, "b"), _LEX_COLS[c1], _LEX2_COLS[c2],
        np.full(len(digit), _P_DIGIT), np.full(len(url), _P_URL),
        np.full(len(url_only), _P_URL_ONLY),
        _N_COLS[np.searchsorted(_N_EDGES, seg_len, side="right")], flag_col,
    ]).astype(np.int64)
    return seg_rows, seg_cols


def _char_gram_cols(texts: list[str], fams: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(text index, column) of every char n-gram of the normalised texts, in one numpy pass."""
    norm = [" " + " ".join(t.lower().split()) + " " for t in texts]
    lens = np.fromiter(map(len, norm), dtype=np.int64, count=len(norm))
    cps = np.frombuffer("".join(norm).encode("utf-32-le", "surrogatepass"),
                        dtype=np.uint32).astype(U64)
    counts = np.maximum(lens - n + 1, 0)
    owner = np.repeat(np.arange(len(norm)), counts)
    starts = np.cumsum(lens) - lens
    pos = np.arange(int(counts.sum())) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
    h = cps[pos]
    for j in range(1, n):
        h = h * P + cps[pos + j]
    salts = np.array([_FAMILY_SALT[f] for f in fams], dtype=U64)
    return owner, cols(h ^ (salts[owner] * P), U64(0))


def _first_k(seg_start: np.ndarray, seg_len: np.ndarray, segs: np.ndarray, k: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """(request index, flat token position) of the first k tokens of each requested segment."""
    lens = np.minimum(seg_len[segs], k)
    owner = np.repeat(np.arange(len(segs)), lens)
    pos = np.arange(int(lens.sum())) + np.repeat(seg_start[segs] - (np.cumsum(lens) - lens), lens)
    return owner, pos
