"""The model file: numpy arrays plus JSON parameters in one `.npz`, read without pickle.

The model is three logistic-regression heads and a TF-IDF + logistic-regression language
detector: arrays and constructor parameters, nothing else. `numpy.load(allow_pickle=False)`
cannot run code while reading, so a tampered file can hold wrong numbers but never
execute anything, and every parameter is plain JSON. Reading needs no scikit-learn: it
gives `LinearHead`s and a `LanguageModel`, whose checks refuse shapes or vectorizer
parameters they would not reproduce. Written by hand instead of with skops (the earlier
format) because importing `skops.io` enumerates every scikit-learn estimator: 1.3 s of each
worker's start, a quarter of its failover, to read a handful of arrays.

Layout (format 2)::

    meta.json                         UTF-8 JSON as uint8: format, version, meta, parameters
    <head>.coef / .intercept / .classes        for greeting, explanation, closing
    langid.terms / .index / .idf               the vectorizer's vocabulary and idf
    langid.coef / .intercept / .classes        the language classifier
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from scorer.langid import LanguageModel
from scorer.linear import LinearHead

FORMAT = 2
HEADS = ("greeting", "explanation", "closing")
_META = "meta.json"
#: Constructor parameter names of the estimators the arrays came from (scikit-learn 1.9's
#: `get_params()`; tests/unit/test_model.py keeps them equal). A name outside these is refused
#: on load, so a tampered or foreign file is caught without importing scikit-learn.
KNOWN_PARAMS = {
    "classifier": frozenset((
        "C", "class_weight", "dual", "fit_intercept", "intercept_scaling", "l1_ratio",
        "max_iter", "n_jobs", "penalty", "random_state", "solver", "tol", "verbose",
        "warm_start")),
    "vectorizer": frozenset((
        "analyzer", "binary", "decode_error", "dtype", "encoding", "input", "lowercase",
        "max_df", "max_features", "min_df", "ngram_range", "norm", "preprocessor",
        "smooth_idf", "stop_words", "strip_accents", "sublinear_tf", "token_pattern",
        "tokenizer", "use_idf", "vocabulary")),
}


class ModelFileError(ValueError):
    """The file is not a model of this format; the message names what is wrong."""


def write(path: Path, *, version: str, meta: dict[str, Any],
          heads: dict[str, LinearHead], langid: LanguageModel | None) -> None:
    """Write the model atomically (a temporary file renamed over `path`)."""
    arrays: dict[str, np.ndarray] = {}
    params: dict[str, Any] = {"heads": {}, "langid": None}
    for name in HEADS:
        head = heads[name]
        arrays[f"{name}.coef"] = head.coef[None, :]
        arrays[f"{name}.intercept"] = np.array([head.intercept])
        arrays[f"{name}.classes"] = head.classes
        params["heads"][name] = head.params
    if langid is not None:
        for key, value in langid.params["tfidf"].items():
            if callable(value):
                raise ModelFileError(f"language vectorizer parameter {key!r} is a function; "
                                     "only plain values can be stored")
        terms = sorted(langid.vocabulary, key=langid.vocabulary.__getitem__)
        arrays["langid.terms"] = np.array(terms, dtype=str)
        arrays["langid.index"] = np.array([langid.vocabulary[t] for t in terms], dtype=np.int64)
        arrays["langid.idf"] = langid.idf
        arrays["langid.coef"] = langid.coef
        arrays["langid.intercept"] = langid.intercept
        arrays["langid.classes"] = langid.classes
        params["langid"] = langid.params
    document = {"format": FORMAT, "version": version, "meta": meta, "params": params}
    arrays[_META] = np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)


def read(path: Path) -> dict[str, Any]:
    """{"version", "meta", "heads": {name: LinearHead}, "langid": LanguageModel | None}."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"not a readable .npz file ({exc})") from None
    if _META not in arrays:
        raise ModelFileError(f"no {_META} entry (a model written by an earlier release, "
                             "or not a model)")
    try:
        document = json.loads(arrays[_META].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{_META} is not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"format {document.get('format')!r}, expected {FORMAT}")
    try:
        params = document["params"]
        heads = {name: _head(params["heads"][name], name, arrays) for name in HEADS}
        langid = None
        if params.get("langid") is not None:
            langid = _language_model(params["langid"], arrays)
        return {"version": str(document["version"]), "meta": dict(document.get("meta") or {}),
                "heads": heads, "langid": langid}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"incomplete or inconsistent model ({type(exc).__name__}: "
                             f"{exc})") from None


def _head(params: dict[str, Any], name: str, arrays: dict[str, np.ndarray]) -> LinearHead:
    coef, intercept = arrays[f"{name}.coef"], arrays[f"{name}.intercept"]
    if coef.ndim != 2 or coef.shape[0] != 1 or intercept.shape != (1,):
        raise ValueError(f"{name}: coefficient shapes {coef.shape} and {intercept.shape} are "
                         "not one binary head")
    return LinearHead(coef=coef[0], intercept=float(intercept[0]),
                      classes=arrays[f"{name}.classes"],
                      params=_checked(params, "classifier", name))


def _language_model(params: dict[str, Any], arrays: dict[str, np.ndarray]) -> LanguageModel:
    terms, index = arrays["langid.terms"].tolist(), arrays["langid.index"].tolist()
    if len(terms) != len(index):
        raise ValueError("langid vocabulary terms and indices differ in length")
    return LanguageModel(vocabulary=dict(zip(terms, index, strict=True)),
                         idf=arrays["langid.idf"], coef=arrays["langid.coef"],
                         intercept=arrays["langid.intercept"],
                         classes=arrays["langid.classes"],
                         params={"tfidf": _checked(params["tfidf"], "vectorizer", "langid"),
                                 "clf": _checked(params["clf"], "classifier", "langid")})


def _checked(params: Any, kind: str, what: str) -> dict[str, Any]:
    """`params` as a dict whose names are all known for `kind` (else a ValueError naming them)."""
    if not isinstance(params, dict):
        raise TypeError(f"{what}: parameters are {type(params).__name__}, not an object")
    unknown = sorted(set(params) - KNOWN_PARAMS[kind])
    if unknown:
        raise ValueError(f"{what} {kind} has unknown parameters {unknown}")
    return dict(params)
