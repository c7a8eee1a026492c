"""The Grafana dashboard and provisioning: every query parses, reads only known series,
honours the template variables, and the panels the ops issue asks for are there.

A panel whose query names a metric that does not exist shows "No data" in Grafana without
any error, so these checks are the only thing standing between a rename and a blank
dashboard (tests/integration/test_prometheus_integration.py then runs every query on real data).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scorer.settings import Settings
from tests.ops_helpers import (
    DASHBOARD,
    DESIGN_METRICS,
    KNOWN_METRICS,
    ROOT,
    TOPOLOGY_LABELS,
    check_exprs_parse,
    dashboard_annotation_queries,
    dashboard_panels,
    dashboard_queries,
    exposed_series_names,
    load_dashboard,
    recording_rules,
    render_query,
    selectors_in,
    series_names_in,
)

SAMPLE_VARIABLES = {"cluster": ".*", "namespace": ".*", "job": "reply-scorer",
                    "channel": "chat", "language": "nb"}


def _labels_of(series: str) -> frozenset[str]:
    """Labels a series carries: DESIGN labels for raw metrics, the rule's level for rules."""
    for name, (kind, labels) in KNOWN_METRICS.items():
        if series == name or (kind == "histogram" and series.startswith(name + "_")):
            return labels
    if series in recording_rules():
        return frozenset(series.split(":")[0].split("_")) | frozenset(TOPOLOGY_LABELS)
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
    exprs = {where: render_query(e, SAMPLE_VARIABLES)
             for where, e in [*dashboard_queries(), *dashboard_annotation_queries()]}
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
        assert all(f'{label}=~"${label}"' in var["query"]["query"] for label in TOPOLOGY_LABELS)
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
        ("channel_band:replies_scored:ratio_rate1h", "band shares per channel"),
        ("channel_language_band:replies_scored:ratio_rate1h", "band shares per language"),
        ("pass_ratio", "per-dimension pass rates"),
        ("rate(replies_scored_total", "replies/s"),
        ("topic:scorer_consumer_lag:sum", "consumer lag"),
        ("reason:replies_invalid:rate5m", "dead-letter rate"),
        ("replies_flagged_total", "flagged by reason"),
        ("dimension_verdict:reply_reviews:ratio_increase1d", "agreement with QA reviewers"),
        ("scorer_shadow_verdicts_total", "shadow model agreement"),
        ("scorer_model_reloads_total", "model reloads by result"),
        ('replies_skipped_total{cluster=~"$cluster", namespace=~"$namespace", '
         'job=~"$job", reason="unsupported_language"}', "unsupported-language replies"),
        ("scorer_store_errors_total", "store errors"),
        ("count by (namespace, version) (scorer_model_info", "replicas per model version"),
    ],
)
def test_the_panels_ops_asked_for_are_present(needle: str, why: str) -> None:
    assert any(needle in e for _, e in dashboard_queries()), f"no panel shows {why}"


#: What the Conversations row must show, read from the recording rules (the score
#: distribution, like the replies', from the histogram's buckets over the time range).
CONVERSATION_PANELS = [
    ("conversation_score_bucket", "conversation score distribution"),
    ("channel_band:conversations_scored:ratio_rate1h", "conversation band shares per channel"),
    ("channel:conversations_unanswered_per_conversations_scored:ratio_rate1h",
     "unanswered share per channel"),
    ("channel:first_response_seconds:p50_rate1h", "first response p50 per channel"),
    ("channel:first_response_seconds:p90_rate1h", "first response p90 per channel"),
    ("channel:conversations_late_per_first_response_seconds_count:ratio_rate1h",
     "late first responses (over SLA)"),
    ("channel:conversations_open:sum", "open conversations per channel"),
    ("channel_reason:conversations_flagged_per_conversations_scored:ratio_rate1h",
     "flagged conversations by reason"),
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


# --- environments, annotations, links (issue 15) ------------------------------------------

def test_every_query_filters_on_cluster_namespace_and_job() -> None:
    """Every series selector of every panel, annotation and variable query carries the
    topology matchers, so staging and production in one Prometheus never mix; no query
    names a job itself."""
    want = [f'{label}=~"${label}"' for label in TOPOLOGY_LABELS]
    variables = [(f"variable {v['name']}", v["query"]["query"])
                 for v in load_dashboard()["templating"]["list"]
                 if v["type"] == "query" and v["name"] not in ("cluster",)]
    for where, expr in [*dashboard_queries(), *dashboard_annotation_queries()]:
        assert 'job="' not in expr and "job=~\"reply" not in expr, f"{where}: {expr}"
        for name, matchers in selectors_in(expr):
            assert matchers is not None and all(m in matchers for m in want), (
                f"{where}: {name} is not filtered on {TOPOLOGY_LABELS}: {expr}")
    for where, query in variables:
        inner = re.fullmatch(r"label_values\((.*), *\w+\)", query)
        assert inner, f"{where}: {query}"
        upstream = {"namespace": ["cluster"]}.get(where.split()[1], ["cluster", "namespace"])
        for label in upstream:
            assert f'{label}=~"${label}"' in inner.group(1), f"{where} ignores ${label}"


def test_cluster_namespace_and_job_variables() -> None:
    variables = {v["name"]: v for v in load_dashboard()["templating"]["list"]}
    names = [v["name"] for v in load_dashboard()["templating"]["list"]]
    assert names.index("cluster") < names.index("namespace") < names.index("job") < names.index(
        "channel"), "each variable's values follow the ones before it"
    for name in TOPOLOGY_LABELS:
        var = variables[name]
        assert var["type"] == "query" and var["multi"] and var["includeAll"], name
        assert var["datasource"]["uid"] == "${datasource}", name
        assert var["query"]["query"].endswith(f", {name})"), var["query"]["query"]
    # All of cluster/namespace also matches series without the label (a plain Prometheus).
    assert variables["cluster"]["allValue"] == variables["namespace"]["allValue"] == ".*"
    # All of job is the scorer's and the QA API's jobs, never every job of the Prometheus.
    assert "allValue" not in variables["job"]
    assert "scorer_model_info" in variables["job"]["query"]["query"]
    assert "reply_reviews_total" in variables["job"]["query"]["query"]


def test_model_version_changes_are_annotated() -> None:
    annotations = {a["name"]: a for a in load_dashboard()["annotations"]["list"]}
    model = annotations["Model version"]
    assert model["enable"] and model["datasource"]["uid"] == "${datasource}"
    assert "scorer_model_info" in model["expr"] and " unless " in model["expr"]
    assert "offset" in model["expr"] and "{{version}}" in model["titleFormat"]


def _per_channel(panel: dict[str, Any]) -> bool:
    legends = " ".join(t.get("legendFormat", "") for t in panel["targets"])
    return panel.get("repeat") == "channel" or "{{channel}}" in legends


def test_per_channel_panels_link_to_the_qa_page_filtered_on_their_channel() -> None:
    variables = {v["name"]: v for v in load_dashboard()["templating"]["list"]}
    assert variables["qa_url"]["query"].startswith("http")
    panels = [p for p in dashboard_panels() if _per_channel(p)]
    assert len(panels) >= 10
    conversational = {p["id"] for p in _conversations_row()}
    for panel in panels:
        links = panel["fieldConfig"]["defaults"].get("links", [])
        assert links, f"{panel['title']!r} has no link to the QA page"
        url = links[0]["url"]
        channel = "${channel}" if panel.get("repeat") == "channel" else (
            "${__field.labels.channel}")
        view = "conversations" if panel["id"] in conversational else "replies"
        assert url == f"${{qa_url}}/#view={view}&channel={channel}", (panel["title"], url)


# --- the dashboard through a Grafana model library, on a real Prometheus ------------------

#: Fields Grafana reads that the foundation SDK's generic models do not carry: datasource-
#: specific annotation query options and a variable's display-only `definition`.
SDK_UNMODELLED = re.compile(
    r"^\.annotations\.list\[\d+\]\.(step|titleFormat|textFormat|tagKeys|useValueForTime)$"
    r"|^\.templating\.list\[\d+\]\.definition$")


def _dropped(raw: Any, model: Any, path: str = "") -> Iterator[str]:
    """Paths of `raw` that the model's JSON lost or changed."""
    if isinstance(raw, dict):
        if not isinstance(model, dict):
            yield path
            return
        for key, value in raw.items():
            if key not in model:
                yield f"{path}.{key}"
            else:
                yield from _dropped(value, model[key], f"{path}.{key}")
    elif isinstance(raw, list):
        if not isinstance(model, list) or len(raw) != len(model):
            yield path
            return
        for i, (a, b) in enumerate(zip(raw, model, strict=True)):
            yield from _dropped(a, b, f"{path}[{i}]")
    elif raw != model:
        yield f"{path}: {raw!r} became {model!r}"


def _sdk_dashboard() -> Any:
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard, RowPanel

    register_default_plugins()
    raw = load_dashboard()
    model = Dashboard.from_json(raw)
    dropped = [p for p in _dropped(raw, json.loads(JSONEncoder().encode(model)))
               if not SDK_UNMODELLED.match(p)]
    assert not dropped, f"fields the Grafana dashboard model does not know: {dropped}"
    panels = []
    for panel in model.panels:
        panels.extend(panel.panels or [] if isinstance(panel, RowPanel) else [panel])
    return model, panels


def test_the_dashboard_loads_with_the_grafana_foundation_sdk() -> None:
    """grafana-foundation-sdk's typed models (the Grafana dashboard schema) read every
    field of the JSON: a misspelt or misplaced key is lost on load and fails here."""
    from grafana_foundation_sdk.models.prometheus import Dataquery

    model, panels = _sdk_dashboard()
    assert model.uid == "reply-scorer"
    assert len(panels) == len(dashboard_panels())
    for panel in panels:
        assert panel.targets, panel.title
        assert all(isinstance(t, Dataquery) and t.expr for t in panel.targets), panel.title


class _Exporter:
    """One replica's /metrics: the scorer's own registry (scorer.metrics.Metrics), fed a
    little of everything on a thread, plus the QA API's review counter."""

    def __init__(self, registry_kind: str) -> None:
        from prometheus_client import CollectorRegistry, Counter, start_http_server

        from scorer.metrics import Metrics, Tally

        self.kind = registry_kind
        self.stop = threading.Event()
        if registry_kind == "qa":
            registry = CollectorRegistry()
            self.reviews = Counter("reply_reviews", "QA review labels",
                                   ["dimension", "verdict"], registry=registry)
        else:
            self.metrics = Metrics()
            self.metrics.set_model("v1")
            self.metrics.shadow_info.labels(version="v2").set(1)
            self.metrics.set_lag({("replies", 0): 5, ("replies", 1): 7})
            registry = self.metrics.registry
            self.tally = Tally
        server, self.thread = start_http_server(0, addr="127.0.0.1", registry=registry)
        self.server = server
        self.port = server.server_port
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        from scorer.metrics import ReplyLine

        while not self.stop.is_set():
            if self.kind == "qa":
                for dim in ("greeting", "explanation", "closing"):
                    self.reviews.labels(dimension=dim, verdict="agree").inc(3)
                    self.reviews.labels(dimension=dim, verdict="disagree").inc(1)
            else:
                t = self.tally()
                for channel, language, band, total in (("chat", "nb", "good", 85),
                                                       ("chat", "nb", "poor", 40),
                                                       ("email", "sv", "excellent", 100)):
                    t.add_reply(ReplyLine(channel, band, language, total,
                                          (0.9, 0.3, 0.8, 0.7), band == "poor",
                                          ("missing_explanation",) if band == "poor" else ()))
                t.skipped["unsupported_language"] += 1
                t.invalid["not_json"] += 1
                for channel, band in (("chat", "good"), ("chat", "poor"), ("email", "good")):
                    t.conv_scored[(channel, band)] += 1
                    t.conv_totals.setdefault(channel, []).append(80)
                    t.first_response.setdefault(channel, []).extend([45.0, 400.0])
                t.conv_unanswered["chat"] += 1
                t.conv_late["chat"] += 1
                t.conv_flagged[("chat", "unanswered")] += 1
                t.shadow[("greeting", "agree")] += 3
                t.shadow[("greeting", "disagree")] += 1
                self.metrics.record(t)
                self.metrics.set_open({"chat": 2})
                self.metrics.model_reloads.labels(result="loaded").inc()
                self.metrics.store_errors.inc()
                self.metrics.kafka_errors.inc()
                self.metrics.batch_duration.observe(0.02)
            self.stop.wait(0.5)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


#: Two environments of the same jobs in one Prometheus, told apart by namespace.
ENVIRONMENTS = ("staging", "production")


@pytest.fixture
def prometheus_with_two_environments(tmp_path: Path) -> Iterator[Any]:
    from tests.kafka_utils import wait_for
    from tests.prometheus_server import Prometheus

    exporters = {(env, kind): _Exporter(kind) for env in ENVIRONMENTS
                 for kind in ("scorer", "qa")}
    scrape = [
        {"job_name": job, "static_configs": [
            {"targets": [f"127.0.0.1:{exporters[(env, kind)].port}"],
             "labels": {"namespace": env, "cluster": "local"}} for env in ENVIRONMENTS]}
        for job, kind in (("reply-scorer", "scorer"), ("reply-scorer-qa", "qa"))]
    prom = Prometheus(tmp_path, scrape_configs=scrape)
    try:
        prom.wait_ready()
        wait_for(lambda: (prom.value("min(count_over_time(up[1m]))") or 0) >= 4, 30,
                 interval=0.5, what="four scrapes of every target")
        yield prom
    finally:
        prom.stop()
        for exporter in exporters.values():
            exporter.close()


def _grafana_regex(values: list[str]) -> str:
    """What Grafana substitutes for a multi-value variable in a Prometheus query."""
    return values[0] if len(values) == 1 else "(" + "|".join(values) + ")"


@pytest.mark.prometheus
@pytest.mark.timeout(180)
def test_every_query_of_the_loaded_dashboard_runs_on_a_real_prometheus(
        prometheus_with_two_environments: Any) -> None:
    """The queries as the Grafana model holds them, with the variables Grafana would
    substitute, against a real Prometheus evaluating the shipped rules and scraping two
    environments (namespaces staging and production) of the scorer and the QA API: every
    panel, annotation and variable query runs without error and has data, each
    environment's selection only sees that environment, and every recording rule keeps
    the labels its level names plus the topology labels."""
    prom = prometheus_with_two_environments
    from tests.kafka_utils import wait_for

    model, panels = _sdk_dashboard()
    queries = [(f"{p.title} / {t.ref_id}", t.expr) for p in panels for t in p.targets]
    queries += dashboard_annotation_queries()

    rules = recording_rules()
    missing: list[str] = []

    def rules_have_data() -> bool:
        missing[:] = [name for name in rules if not prom.query(name)]
        return not missing
    try:
        wait_for(rules_have_data, 30, interval=1, what="data from every recording rule")
    except AssertionError:
        pytest.fail(f"recording rules without data: {missing}\n{prom.logs()}")
    for group in prom.get("/api/v1/rules")["groups"]:
        for rule in group["rules"]:
            assert rule["health"] == "ok", (rule["name"], rule.get("lastError"))
    for name in rules:
        level = name.split(":")[0]
        want = set() if level == "job" else set(level.split("_"))
        for series in prom.query(name):
            labels = set(series["metric"]) - {"__name__"}
            assert labels - set(TOPOLOGY_LABELS) == want, (name, series["metric"])
            assert {"namespace", "cluster", "job"} <= labels, (name, series["metric"])

    # Variables, resolved as Grafana does (label_values -> the series API).
    def label_values(query: str, variables: dict[str, str]) -> list[str]:
        m = re.fullmatch(r"label_values\((.*), *(\w+)\)", render_query(query, variables))
        assert m, query
        return sorted({s[m.group(2)] for s in prom.series(m.group(1)) if m.group(2) in s})

    templating = {v.name: v for v in model.templating.list_val}
    all_vars = {"cluster": ".*", "namespace": ".*", "channel": ".*", "language": ".*"}
    jobs = label_values(templating["job"].query["query"], all_vars)
    assert jobs == ["reply-scorer", "reply-scorer-qa"], jobs
    assert label_values(templating["namespace"].query["query"], all_vars) == sorted(
        ENVIRONMENTS)
    assert label_values(templating["cluster"].query["query"], all_vars) == ["local"]
    assert label_values(templating["channel"].query["query"],
                        {**all_vars, "job": _grafana_regex(jobs)}) == ["chat", "email"]

    now = time.time()
    for env in ("All", *ENVIRONMENTS):
        variables = {"cluster": ".*", "namespace": ".*" if env == "All" else env,
                     "job": _grafana_regex(jobs), "channel": "chat", "language": "nb"}
        for where, expr in queries:
            rendered = render_query(expr, variables)
            result = prom.query(rendered)
            assert result, f"{env}: {where} has no data: {rendered}"
            prom.query_range(rendered, now - 60, now, step="5s")
            seen = {s["metric"]["namespace"] for s in result if "namespace" in s["metric"]}
            if env != "All":
                assert seen <= {env}, f"{where} with namespace {env} shows {seen}"
