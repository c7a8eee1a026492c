"""Shared helpers for the ops-kit tests (rules, dashboard, real-Prometheus integration).

They read the shipped files under deploy/ so the tests check what operators install, and
they know the metric vocabulary of DESIGN.md so a typo in a rule or panel query is caught
before it reaches a Grafana that silently shows "No data".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROM_DIR = ROOT / "deploy" / "prometheus"
RULE_FILES = sorted((PROM_DIR / "rules").glob("*.yml"))
RULE_TEST_FILES = sorted((PROM_DIR / "tests").glob("*.test.yml"))
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "reply-scorer.json"
OPS_README = ROOT / "deploy" / "README.md"

#: DESIGN.md metric names -> (type, labels).
DESIGN_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "reply_score": ("histogram", frozenset({"channel"})),
    "reply_dimension_score": ("histogram", frozenset({"channel", "dimension"})),
    "replies_scored_total": ("counter", frozenset({"channel", "band", "language"})),
    "replies_flagged_total": ("counter", frozenset({"channel", "reason"})),
    "replies_invalid_total": ("counter", frozenset({"reason"})),
    "scorer_batch_duration_seconds": ("histogram", frozenset()),
    "scorer_consumer_lag": ("gauge", frozenset({"topic", "partition"})),
    "scorer_model_info": ("gauge", frozenset({"version"})),
}
#: The conversation metrics (DESIGN.md § Prometheus metric names, conversation release;
#: README § Metrics), name -> (type, labels). conversations_late_total (first response
#: over SCORER_SLA_<CHANNEL>) and conversations_flagged_total (reasons as in DESIGN
#: § Conversations) come with the same release.
CONVERSATION_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "conversation_score": ("histogram", frozenset({"channel"})),
    "conversations_scored_total": ("counter", frozenset({"channel", "band"})),
    "conversations_unanswered_total": ("counter", frozenset({"channel"})),
    "conversations_late_total": ("counter", frozenset({"channel"})),
    "conversations_flagged_total": ("counter", frozenset({"channel", "reason"})),
    "first_response_seconds": ("histogram", frozenset({"channel"})),
    "conversations_open": ("gauge", frozenset({"channel"})),
}
#: Exported by the QA API (`scorer serve`) from the store, not by the scorer workers
#: (DESIGN.md § Prometheus metric names; scorer.store.reviews.ReviewCollector).
REVIEW_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "reply_reviews_total": ("counter", frozenset({"dimension", "verdict"})),
}
#: The scorer's operational extensions (DESIGN.md § Prometheus metric names; README
#: § Metrics): skipped replies, hot reload, the shadow model, store and Kafka errors.
OPS_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "replies_skipped_total": ("counter", frozenset({"reason"})),
    "scorer_model_reloads_total": ("counter", frozenset({"result"})),
    "scorer_shadow_verdicts_total": ("counter", frozenset({"dimension", "verdict"})),
    "scorer_shadow_model_info": ("gauge", frozenset({"version"})),
    "scorer_store_errors_total": ("counter", frozenset()),
    "scorer_kafka_errors_total": ("counter", frozenset()),
    "scorer_ready": ("gauge", frozenset()),
}
#: Read by a rule or panel but not exported yet (none today; a strict test keeps it so).
PROPOSED_METRICS: dict[str, tuple[str, frozenset[str]]] = {}
#: Every metric a rule or panel may read.
KNOWN_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    **DESIGN_METRICS, **CONVERSATION_METRICS, **REVIEW_METRICS, **OPS_METRICS,
    **PROPOSED_METRICS}
#: Labels that say where a series comes from. Every recording rule keeps them (they are
#: not spelled in its level, like `job` in the Prometheus docs' examples) and every
#: dashboard query filters on them through the template variables of the same names.
TOPOLOGY_LABELS = ("cluster", "namespace", "job")
#: Series Prometheus itself adds for every target.
BUILTIN_SERIES = frozenset({"up"})

_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "and",
                       "or", "unless", "bool", "offset", "inf", "nan"})
_IDENT = re.compile(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")


def series_names_of(metrics: dict[str, tuple[str, frozenset[str]]]) -> set[str]:
    """The series names these metrics expose (histograms: _bucket, _sum, _count)."""
    names: set[str] = set()
    for name, (kind, _) in metrics.items():
        if kind == "histogram":
            names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
        else:
            names.add(name)
    return names


def exposed_series_names() -> set[str]:
    """Every series name a rule or panel may read: those of KNOWN_METRICS and built-ins."""
    return set(BUILTIN_SERIES) | series_names_of(KNOWN_METRICS)


def series_names_in(expr: str) -> set[str]:
    """Series names a PromQL expression selects (functions, keywords, labels excluded).

    A lexical scan, good enough for the rules and panels we ship: it drops strings, label
    matchers, range/offset brackets and grouping clauses, then keeps the identifiers that
    are not followed by "(".
    """
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = _GROUPING.sub(" ", text)
    return {m for m in _IDENT.findall(text) if m not in _KEYWORDS}


def load_rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for path in RULE_FILES:
        groups.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["groups"])
    return groups


def recording_rules() -> dict[str, str]:
    """record name -> expr."""
    return {r["record"]: r["expr"] for g in load_rule_groups() for r in g["rules"]
            if "record" in r}


def alert_rules() -> dict[str, dict[str, Any]]:
    """alert name -> rule."""
    return {r["alert"]: r for g in load_rule_groups() for r in g["rules"] if "alert" in r}


def load_dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def dashboard_panels() -> list[dict[str, Any]]:
    """All non-row panels, including those nested in collapsed rows."""
    out: list[dict[str, Any]] = []
    for panel in load_dashboard()["panels"]:
        if panel["type"] == "row":
            out.extend(panel.get("panels", []))
        else:
            out.append(panel)
    return out


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title / refId, expr) for every panel target."""
    return [(f"{p['title']} / {t['refId']}", t["expr"])
            for p in dashboard_panels() for t in p.get("targets", [])]


def dashboard_annotation_queries() -> list[tuple[str, str]]:
    """(annotation name, expr) for every Prometheus annotation query."""
    return [(f"annotation {a['name']}", a["expr"])
            for a in load_dashboard()["annotations"]["list"] if a.get("expr")]


def selectors_in(expr: str) -> list[tuple[str, str | None]]:
    """(series name, label matchers or None) for every series selector in a PromQL
    expression (the same lexical scan as series_names_in, keeping the braces)."""
    def blank(m: re.Match[str]) -> str:  # same length, so offsets still index `expr`
        return " " * len(m.group(0))
    text = re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: "\x00" * len(m.group(0)), expr)
    text = re.sub(r"\[[^\]]*\]", blank, text)
    text = _GROUPING.sub(blank, text)
    out: list[tuple[str, str | None]] = []
    for m in re.finditer(r"(?<![\w:.$])([A-Za-z_:][\w:]*)(?![\w:])(\s*\{[^}]*\})?(?!\s*\()",
                         text):
        if m.group(1) in _KEYWORDS:
            continue
        body = m.group(2)
        out.append((m.group(1), None if body is None
                    else expr[m.start(2):m.end(2)].strip()[1:-1]))
    return out


#: What Grafana substitutes for its built-in variables, for running a panel query outside
#: Grafana. The template variables ($cluster, $namespace, $job, $channel, $language) are
#: filled in by the caller, as Grafana would: a regex for multi-value variables.
GRAFANA_BUILTINS = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
}


def render_query(expr: str, variables: dict[str, str]) -> str:
    """Substitute Grafana's built-in and template variables into a panel query."""
    names = {**GRAFANA_BUILTINS, **{f"${k}": v for k, v in variables.items()}}
    for name, value in sorted(names.items(), key=lambda kv: -len(kv[0])):  # $job before $j…
        expr = expr.replace("${" + name[1:] + "}", value).replace(name, value)
    if "$" in expr:
        raise AssertionError(f"unsubstituted Grafana variable left in {expr!r}")
    return expr


def promtool() -> str:
    """Path of promtool (Debian package `prometheus`; deploy/local/bootstrap --test installs it)."""
    path = shutil.which("promtool")
    if path is None:
        raise AssertionError(
            "promtool not found: install Debian's `prometheus` package "
            "(deploy/local/bootstrap --test does)"
        )
    return path


def run_promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, check=False)


def check_exprs_parse(exprs: dict[str, str], tmp_dir: Path) -> subprocess.CompletedProcess[str]:
    """Let promtool parse each expression by wrapping it as a recording rule."""
    rules = [{"record": f"check:expr_{i}:parse", "expr": e} for i, e in enumerate(exprs.values())]
    path = tmp_dir / "exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "check", "rules": rules}]}),
                    encoding="utf-8")
    return run_promtool("check", "rules", str(path))


def github_anchors(markdown: str) -> set[str]:
    """Anchors GitHub/GitLab generate for a Markdown file's headings."""
    anchors: set[str] = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors
