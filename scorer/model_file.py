"""The model file: numpy arrays plus JSON parameters in one `.npz`, read without pickle.

The model is three logistic-regression heads and a TF-IDF + logistic-regression language
detector: arrays and constructor parameters, nothing else. `numpy.load(allow_pickle=False)`
cannot run code while reading, so a tampered file can hold wrong numbers but never
execute anything, and every parameter is plain JSON checked against the estimator's own
`get_params()` names. Written by hand instead of with skops (the earlier format) because
importing `skops.io` enumerates every scikit-learn estimator: 1.3 s of each worker's start,
a quarter of its failover, to read a handful of arrays.

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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

FORMAT = 2
HEADS = ("greeting", "explanation", "closing")
_META = "meta.json"


class ModelFileError(ValueError):
    """The file is not a model of this format; the message names what is wrong."""


def write(path: Path, *, version: str, meta: dict[str, Any],
          heads: dict[str, LogisticRegression], langid: Pipeline | None) -> None:
    """Write the model atomically (a temporary file renamed over `path`)."""
    arrays: dict[str, np.ndarray] = {}
    params: dict[str, Any] = {"heads": {}, "langid": None}
    for name in HEADS:
        params["heads"][name] = _classifier_arrays(heads[name], name, arrays)
    if langid is not None:
        tfidf, clf = langid.named_steps["tfidf"], langid.named_steps["clf"]
        vectorizer = tfidf.get_params()
        for key in ("preprocessor", "tokenizer", "analyzer", "vocabulary", "stop_words"):
            if callable(vectorizer.get(key)):
                raise ModelFileError(f"language vectorizer parameter {key!r} is a function; "
                                     "only plain values can be stored")
        vectorizer["dtype"] = np.dtype(vectorizer["dtype"]).name
        terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.__getitem__)
        arrays["langid.terms"] = np.array(terms, dtype=str)
        arrays["langid.index"] = np.array([tfidf.vocabulary_[t] for t in terms], dtype=np.int64)
        arrays["langid.idf"] = np.asarray(tfidf.idf_)
        params["langid"] = {"tfidf": vectorizer,
                            "clf": _classifier_arrays(clf, "langid", arrays)}
    document = {"format": FORMAT, "version": version, "meta": meta, "params": params}
    arrays[_META] = np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)


def read(path: Path) -> dict[str, Any]:
    """{"version", "meta", "heads": {name: LogisticRegression}, "langid": Pipeline | None}."""
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
        heads = {name: _classifier(params["heads"][name], name, arrays) for name in HEADS}
        langid = None
        if params.get("langid") is not None:
            langid = _language_pipeline(params["langid"], arrays)
        return {"version": str(document["version"]), "meta": dict(document.get("meta") or {}),
                "heads": heads, "langid": langid}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"incomplete or inconsistent model ({type(exc).__name__}: "
                             f"{exc})") from None


def _classifier_arrays(clf: LogisticRegression, prefix: str,
                       arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    arrays[f"{prefix}.coef"] = np.asarray(clf.coef_)
    arrays[f"{prefix}.intercept"] = np.asarray(clf.intercept_)
    arrays[f"{prefix}.classes"] = np.asarray(clf.classes_)
    return clf.get_params()


def _checked(params: dict[str, Any], estimator: type, what: str) -> dict[str, Any]:
    known = set(estimator().get_params())
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"{what} has unknown parameters {unknown}")
    return params


def _classifier(params: dict[str, Any], prefix: str,
                arrays: dict[str, np.ndarray]) -> LogisticRegression:
    clf = LogisticRegression(**_checked(params, LogisticRegression, prefix))
    clf.coef_ = arrays[f"{prefix}.coef"]
    clf.intercept_ = arrays[f"{prefix}.intercept"]
    clf.classes_ = arrays[f"{prefix}.classes"]
    if clf.coef_.ndim != 2 or clf.intercept_.shape[0] != clf.coef_.shape[0]:
        raise ValueError(f"{prefix}: coefficient shapes {clf.coef_.shape} and "
                         f"{clf.intercept_.shape} do not match")
    clf.n_features_in_ = clf.coef_.shape[1]
    return clf


def _language_pipeline(params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Pipeline:
    vectorizer = dict(_checked(params["tfidf"], TfidfVectorizer, "langid vectorizer"))
    vectorizer["dtype"] = np.dtype(vectorizer["dtype"]).type
    vectorizer["ngram_range"] = tuple(vectorizer["ngram_range"])
    tfidf = TfidfVectorizer(**vectorizer)
    terms, index = arrays["langid.terms"].tolist(), arrays["langid.index"].tolist()
    if len(terms) != len(index):
        raise ValueError("langid vocabulary terms and indices differ in length")
    tfidf.vocabulary_ = dict(zip(terms, index, strict=True))
    tfidf.idf_ = arrays["langid.idf"]
    return Pipeline([("tfidf", tfidf), ("clf", _classifier(params["clf"], "langid", arrays))])
