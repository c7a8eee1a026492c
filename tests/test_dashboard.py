"""The Grafana dashboard and provisioning: every query parses, reads only known series,
honours the template variables, and the panels the ops issue asks for are there.

A panel whose query names a metric that does not exist shows "No data" in Grafana without
any error, so these checks are the only thing standing between a rename and a blank
dashboard (tests/test_prometheus_integration.py then runs every query on real data).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scorer.settings import Settings
from tests.ops_helpers import (
    DASHBOARD,
    DESIGN_METRICS,
    KNOWN_METRICS,
    ROOT,
    check_exprs_parse,
    dashboard_panels,
    dashboard_queries,
    exposed_series_names,
    load_dashboard,
    recording_rules,
    render_query,
    series_names_in,
)

SAMPLE_VARIABLES = {"channel": "chat", "language": "nb"}


def _labels_of(series: str) -> frozenset[str]:
    """Labels a series carries: DESIGN labels for raw metrics, the rule's level for rules."""
    for name, (kind, labels) in KNOWN_METRICS.items():
        if series == name or (kind == "histogram" and series.startswith(name + "_")):
            return labels
    if series in recording_rules():
        return frozenset(series.split(":")[0].split("_"))
    return frozenset()


def test_dashboard_json_has_uid_title_and_unique_panel_ids() -> None:
    dash = load_dashboard()
    assert dash["uid"] == "reply-scorer" and dash["title"]
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard_panels():
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


@pytest.mark.prometheus
def test_every_panel_query_parses_with_promtool(tmp_path: Path) -> None:
    exprs = {where: render_query(e, SAMPLE_VARIABLES) for where, e in dashboard_queries()}
    result = check_exprs_parse(exprs, tmp_path)
    assert result.returncode == 0, (
        "a panel query does not parse:\n" + result.stdout + result.stderr
        + "\nqueries in order:\n" + "\n".join(f"{i}: {w}" for i, w in enumerate(exprs))
    )


def test_panel_queries_read_only_design_metrics_and_recording_rules() -> None:
    known = exposed_series_names() | set(recording_rules())
    for where, expr in dashboard_queries():
        unknown = series_names_in(expr) - known
        assert not unknown, f"{where}: {sorted(unknown)} is neither a DESIGN metric nor a rule"


def test_queries_filter_by_the_template_variables_wherever_the_label_exists() -> None:
    for where, expr in dashboard_queries():
        labels = set().union(*(_labels_of(s) for s in series_names_in(expr)))
        if "channel" in labels:
            assert "$channel" in expr, f"{where} ignores the Channel variable: {expr}"
        if "language" in labels:
            assert "$language" in expr, f"{where} ignores the Language variable: {expr}"


def test_template_variables_exist_and_are_used() -> None:
    dash = load_dashboard()
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    text = "\n".join(e for _, e in dashboard_queries())
    for name in ("channel", "language"):
        var = variables[name]
        assert var["multi"] and var["includeAll"] and var["allValue"] == ".*"
        m = re.fullmatch(r"label_values\((\w+)(\{[^}]*\})?, *(\w+)\)", var["query"]["query"])
        assert m, f"variable {name}: unexpected query {var['query']['query']!r}"
        metric, label = m.group(1), m.group(3)
        assert label == name and name in DESIGN_METRICS[metric][1]
        assert f"${name}" in text, f"variable {name} is used by no panel"
    # Language's values follow the chosen channels.
    assert "$channel" in variables["language"]["query"]["query"]


@pytest.mark.parametrize(
    ("needle", "why"),
    [
        ("reply_score_bucket", "per-channel score distribution"),
        ("channel:reply_score_band:ratio_rate1h", "band shares per channel"),
        ("channel_language:reply_score_band:ratio_rate1h", "band shares per language"),
        ("pass_ratio", "per-dimension pass rates"),
        ("rate(replies_scored_total", "replies/s"),
        ("topic:scorer_consumer_lag:sum", "consumer lag"),
        ("reason:replies_invalid:rate5m", "dead-letter rate"),
        ("replies_flagged_total", "flagged by reason"),
    ],
)
def test_the_panels_ops_asked_for_are_present(needle: str, why: str) -> None:
    assert any(needle in e for _, e in dashboard_queries()), f"no panel shows {why}"


#: What the Conversations row must show, read from the recording rules (the score
#: distribution, like the replies', from the histogram's buckets over the time range).
CONVERSATION_PANELS = [
    ("conversation_score_bucket", "conversation score distribution"),
    ("channel:conversation_score_band:ratio_rate1h", "conversation band shares per channel"),
    ("channel:conversations_unanswered:ratio_rate1h", "unanswered share per channel"),
    ("channel:first_response_seconds:p50_rate1h", "first response p50 per channel"),
    ("channel:first_response_seconds:p90_rate1h", "first response p90 per channel"),
    ("channel:conversations_late:ratio_rate1h", "late first responses (over SLA)"),
    ("channel:conversations_open:sum", "open conversations per channel"),
    ("channel_reason:conversations_flagged:ratio_rate1h", "flagged conversations by reason"),
]


def _rows() -> dict[str, list[dict]]:
    """Row title -> the panels under it (top-level panels follow their row in order)."""
    rows: dict[str, list[dict]] = {}
    current: list[dict] = []
    for panel in load_dashboard()["panels"]:
        if panel["type"] == "row":
            current = rows.setdefault(panel["title"], list(panel.get("panels", [])))
        else:
            current.append(panel)
    return rows


def _conversations_row() -> list[dict]:
    rows = [panels for title, panels in _rows().items() if title.startswith("Conversations")]
    assert len(rows) == 1, f"expected one Conversations row, rows are {list(_rows())}"
    return rows[0]


@pytest.mark.parametrize(("needle", "why"), CONVERSATION_PANELS)
def test_the_conversations_row_shows(needle: str, why: str) -> None:
    exprs = [t["expr"] for p in _conversations_row() for t in p["targets"]]
    assert any(needle in e for e in exprs), f"the Conversations row has no panel for {why}"


def test_conversation_metrics_are_shown_only_in_the_conversations_row() -> None:
    inside = {p["id"] for p in _conversations_row()}
    names = exposed_series_names() | set(recording_rules())
    conversational = {n for n in names if "conversation" in n or "first_response" in n}
    for panel in dashboard_panels():
        for target in panel["targets"]:
            if series_names_in(target["expr"]) & conversational:
                assert panel["id"] in inside, f"{panel['title']!r} is outside the row"


def test_first_response_sla_lines_are_the_scorers_default_slas() -> None:
    """The dashed SLA line per channel equals SCORER_SLA_<CHANNEL>'s default."""
    sla_exprs = [t["expr"] for p in _conversations_row() for t in p["targets"]
                 if "vector(" in t["expr"]]
    assert len(sla_exprs) == 1, sla_exprs
    lines = {channel: float(seconds) for seconds, channel in re.findall(
        r'label_replace\(vector\(([\d.]+)\), "channel", "(\w+)", "", ""\)', sla_exprs[0])}
    defaults = {channel: Settings.model_fields[f"sla_{channel}"].default
                for channel in ("email", "chat", "messenger")}
    assert lines == defaults, f"SLA lines {lines}, SCORER_SLA_* defaults {defaults}"


def test_provisioning_points_grafana_at_the_dashboard_and_the_datasource() -> None:
    prov = ROOT / "deploy" / "grafana" / "provisioning"
    ds = yaml.safe_load((prov / "datasources" / "prometheus.yml").read_text("utf-8"))
    assert ds["datasources"][0]["type"] == "prometheus"
    boards = yaml.safe_load((prov / "dashboards" / "reply-scorer.yml").read_text("utf-8"))
    path = boards["providers"][0]["options"]["path"]
    compose = yaml.safe_load((ROOT / "deploy/compose/compose.yaml").read_text("utf-8"))
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"../grafana/dashboards:{path}:ro" in mounts, (path, mounts)
    assert DASHBOARD.parent.name == "dashboards"
