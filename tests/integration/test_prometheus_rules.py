"""The shipped Prometheus config and rules: valid, unit-tested, and consistent with DESIGN.

promtool (Debian package `prometheus`) does the parsing and the rule unit tests; the
Python side checks what promtool cannot: that every alert has a firing and a silent case,
that the unit tests actually discriminate (a rule that always or never fires fails them),
that runbook links resolve, and that rules only read DESIGN metric names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scorer.metrics import Metrics, Tally
from tests.ops_helpers import (
    CONVERSATION_METRICS,
    KNOWN_METRICS,
    OPS_METRICS,
    OPS_README,
    PROM_DIR,
    PROPOSED_METRICS,
    REVIEW_METRICS,
    ROOT,
    RULE_FILES,
    RULE_TEST_FILES,
    TOPOLOGY_LABELS,
    alert_rules,
    exposed_series_names,
    github_anchors,
    recording_rules,
    run_promtool,
    series_names_in,
)

pytestmark = pytest.mark.prometheus

def _unit_test_docs() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in RULE_TEST_FILES]


def test_prometheus_config_is_valid_with_its_rule_files() -> None:
    result = run_promtool("check", "config", str(PROM_DIR / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    for path in RULE_FILES:
        assert path.name in result.stdout, f"{path.name} is not loaded by prometheus.yml"


def test_rule_files_pass_promtool_check() -> None:
    result = run_promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", RULE_TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(test_file: Path) -> None:
    result = run_promtool("test", "rules", str(test_file))
    assert result.returncode == 0, result.stdout + result.stderr


def _metric_names() -> set[str]:
    """What the `metric` part of a rule name may be: a metric's name without `_total`, a
    histogram's name or its `_count`/`_sum`/`_bucket` series."""
    names: set[str] = set()
    for name, (kind, _) in KNOWN_METRICS.items():
        names.add(name.removesuffix("_total"))
        if kind == "histogram":
            names.update({f"{name}_count", f"{name}_sum", f"{name}_bucket"})
    return names


def test_recording_rule_names_follow_level_metric_operations() -> None:
    """level:metric:operations (https://prometheus.io/docs/practices/rules/): the metric
    part names metrics that exist (`<a>_per_<b>` for a ratio of two), a ratio's operation
    says `ratio`, and the level's labels are the grouping labels of the expression. (The
    real-Prometheus test in test_dashboard.py checks the level against the labels each rule
    really has.)"""
    metrics = _metric_names()
    for name, expr in recording_rules().items():
        parts = name.split(":")
        assert len(parts) == 3 and all(parts), f"{name!r} is not level:metric:operations"
        level, metric, operations = parts
        for part in metric.split("_per_"):
            assert part in metrics, f"{name}: {part!r} is not a metric (DESIGN.md) name"
        if "_per_" in metric:
            assert operations.startswith("ratio"), f"{name}: a ratio of two metrics"
        grouping = re.findall(r"\bby \(([^)]*)\)", expr)
        assert all(set(TOPOLOGY_LABELS) <= {label.strip() for label in g.split(",")}
                   for g in grouping), (
            f"{name} drops a topology label {TOPOLOGY_LABELS}: staging and production mix")
        # An aggregation on the outside: its grouping is the rule's output labels.
        outer = re.match(r"\s*(?:histogram_quantile\([\d.]+,\s*)?(?:sum|max|count) by \(([^)]*)\)",
                         expr)
        if outer:
            labels = {label.strip() for label in outer.group(1).split(",")}
            want = set() if level == "job" else set(level.split("_"))
            assert labels - set(TOPOLOGY_LABELS) - {"le"} == want, (
                f"{name}: the level says {sorted(want)}, the expression groups by "
                f"{sorted(labels)}")


def _scorer_exports() -> dict[str, tuple[str, frozenset[str]]]:
    """Conversation series the scorer's registry exposes once one conversation is recorded:
    series name -> (metric type, labels without `le`)."""
    metrics = Metrics()
    tally = Tally()
    tally.conv_scored[("chat", "poor")] += 1
    tally.conv_totals["chat"] = [0]
    tally.conv_unanswered["chat"] += 1
    tally.conv_late["chat"] += 1
    tally.conv_flagged[("chat", "unanswered")] += 1
    tally.first_response["chat"] = [42.0]
    metrics.record(tally)
    metrics.set_open({"chat": 1})
    return {sample.name: (family.type, frozenset(sample.labels) - {"le"})
            for family in metrics.registry.collect() for sample in family.samples
            if not sample.name.endswith("_created")}


def test_the_scorer_exports_the_conversation_metrics_the_rules_read() -> None:
    """Names, types and labels the rules and panels rely on are what scorer.metrics
    exposes: a rename on either side would leave rules and panels silently empty."""
    exported = _scorer_exports()
    for name, (kind, labels) in CONVERSATION_METRICS.items():
        suffixes = ("_bucket", "_sum", "_count") if kind == "histogram" else ("",)
        for series_name in (name + suffix for suffix in suffixes):
            assert series_name in exported, f"the scorer does not export {series_name}"
            assert exported[series_name] == (kind, labels), (series_name, exported[series_name])


def test_rules_read_only_design_metrics_and_recorded_series() -> None:
    known = exposed_series_names() | set(recording_rules())
    exprs = {**recording_rules(), **{a: r["expr"] for a, r in alert_rules().items()}}
    for name, expr in exprs.items():
        unknown = series_names_in(expr) - known
        assert not unknown, f"rule {name!r} reads {sorted(unknown)}, not in DESIGN.md or rules"


RUNBOOK_BASE = (PROM_DIR / "runbook-base-url").read_text(encoding="utf-8").strip()


def test_alerts_carry_summary_description_and_a_resolving_runbook_link() -> None:
    """runbook_url is absolute: the configured base (set-runbook-base) and an anchor that
    a heading of deploy/README.md makes, the alert's own name."""
    assert re.fullmatch(r"https?://[^\s#|]+", RUNBOOK_BASE), RUNBOOK_BASE
    anchors = github_anchors(OPS_README.read_text(encoding="utf-8"))
    for name, rule in alert_rules().items():
        ann = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert ann.get(key), f"alert {name} lacks annotation {key!r}"
        base, _, anchor = ann["runbook_url"].partition("#")
        assert base == RUNBOOK_BASE, (
            f"{name}: runbook_url {ann['runbook_url']!r} is not under {RUNBOOK_BASE}: run "
            "deploy/prometheus/set-runbook-base")
        assert anchor in anchors, f"{name}: no heading in deploy/README.md makes #{anchor}"
        assert anchor == name.lower(), f"{name}: runbook anchor #{anchor}"
        assert rule["labels"].get("severity") in {"warning", "critical"}, name


def test_unit_tests_expect_the_same_runbook_urls_as_the_rules() -> None:
    for path in RULE_TEST_FILES:
        for url in re.findall(r"runbook_url: (\S+)", path.read_text(encoding="utf-8")):
            assert url.partition("#")[0] == RUNBOOK_BASE, (
                f"{path.name}: {url}: run deploy/prometheus/set-runbook-base")


def test_set_runbook_base_rewrites_rules_and_tests_consistently(tmp_path: Path) -> None:
    """The generator writes a new base into every runbook_url of rules and unit tests,
    and the unit tests still pass with it."""
    copy = tmp_path / "prometheus"
    shutil.copytree(PROM_DIR, copy)
    base = "https://wiki.example.org/ops/reply-scorer"
    result = subprocess.run([str(copy / "set-runbook-base"), base], capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert (copy / "runbook-base-url").read_text(encoding="utf-8").strip() == base
    for path in [*(copy / "rules").glob("*.yml"), *(copy / "tests").glob("*.test.yml")]:
        for url in re.findall(r"runbook_url: (\S+)", path.read_text(encoding="utf-8")):
            assert url.startswith(base + "#replyscorer"), (path.name, url)
    tested = run_promtool("test", "rules", *map(str, sorted((copy / "tests").glob("*.yml"))))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    bad = subprocess.run([str(copy / "set-runbook-base"), "deploy/README.md"],
                         capture_output=True, text=True, timeout=30, check=False)
    assert bad.returncode == 2, "a relative runbook base must be refused"


#: Who acts on each alert (the `audience` routing label, deploy/alertmanager).
BUSINESS_ALERTS = {"ReplyScorerPoorShareHigh", "ReplyScorerUnansweredShareHigh",
                   "ReplyScorerFirstResponseOverSLA", "ReplyScorerReviewAgreementLow"}


def test_every_alert_says_whether_it_is_for_the_business_or_on_call() -> None:
    for name, rule in alert_rules().items():
        want = "business" if name in BUSINESS_ALERTS else "oncall"
        assert rule["labels"].get("audience") == want, (name, rule["labels"])
    assert set(alert_rules()) >= BUSINESS_ALERTS


def test_the_missing_alerts_exist() -> None:
    """Issue 15: store errors, a replica not ready, replicas on different model versions
    (held long enough that a hot reload or a rollout does not fire it)."""
    rules = alert_rules()
    assert "scorer_store_errors_total" in rules["ReplyScorerStoreErrors"]["expr"]
    assert "scorer_ready" in rules["ReplyScorerNotReady"]["expr"]
    mixed = rules["ReplyScorerModelVersionsMixed"]
    assert "scorer_model_info" in mixed["expr"] and "version" in mixed["expr"]
    minutes = int(mixed["for"].removesuffix("m"))
    assert minutes >= 15, "a hot reload or a rolling update makes versions mix for minutes"


ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def _amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        raise AssertionError("amtool not found: install Debian's `prometheus-alertmanager` "
                             "package (deploy/local/bootstrap --test does)")
    return path


def test_example_alertmanager_config_is_valid() -> None:
    result = subprocess.run([_amtool(), "check-config", str(ALERTMANAGER)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("alert", sorted(alert_rules()))
def test_example_alertmanager_routes_each_alert_by_its_audience(alert: str) -> None:
    """Business alerts reach the customer-service leads (QA agreement: the QA leads), never
    the on-call engineer; on-call alerts never reach the business receivers."""
    labels = {"alertname": alert, **alert_rules()[alert]["labels"]}
    result = subprocess.run(
        [_amtool(), "config", "routes", "test", f"--config.file={ALERTMANAGER}",
         *(f"{k}={v}" for k, v in labels.items())],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    receiver = result.stdout.strip()
    if labels["audience"] == "business":
        want = "qa-leads" if labels.get("team") == "qa" else "customer-service-leads"
    else:
        want = "oncall-pager" if labels["severity"] == "critical" else "oncall-chat"
    assert receiver == want, (alert, labels, receiver)


def test_no_rule_or_panel_reads_a_metric_the_scorer_does_not_export() -> None:
    assert PROPOSED_METRICS == {}


def test_the_scorer_exports_the_operational_metrics_the_rules_and_panels_read() -> None:
    metrics = Metrics()
    metrics.model_reloads.labels(result="loaded").inc()
    metrics.shadow_verdicts.labels(dimension="greeting", verdict="agree").inc()
    metrics.shadow_info.labels(version="v2").set(1)
    metrics.skipped.labels(reason="unsupported_language").inc()
    exported = {s.name: frozenset(s.labels) for f in metrics.registry.collect()
                for s in f.samples if not s.name.endswith("_created")}
    for name, (_, labels) in OPS_METRICS.items():
        assert exported.get(name) == labels, (name, exported.get(name))


def test_every_alert_has_a_firing_and_a_silent_unit_test_case() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for doc in _unit_test_docs():
        for case in doc["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    for name in alert_rules():
        assert name in firing, f"no unit test expects alert {name} to fire"
        assert name in silent, f"no unit test expects alert {name} to stay silent"


def test_every_recording_rule_has_a_unit_test() -> None:
    tested = {
        series
        for doc in _unit_test_docs()
        for case in doc["tests"]
        for check in case.get("promql_expr_test", [])
        for series in series_names_in(check["expr"])
    }
    missing = set(recording_rules()) - tested
    assert not missing, f"recording rules without a promql_expr_test: {sorted(missing)}"


def _mutated_copy(tmp_path: Path, alert: str, new_expr: str) -> list[str]:
    """Copy rules and unit tests to tmp_path with one alert's expression replaced; returns
    the copied unit-test files that test that alert, whichever files they are."""
    rules_dir = tmp_path / "rules"
    tests_dir = tmp_path / "tests"
    shutil.copytree(PROM_DIR / "rules", rules_dir)
    shutil.copytree(PROM_DIR / "tests", tests_dir)
    for path in rules_dir.glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == alert:
                    rule["expr"] = new_expr
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    out = []
    for path in sorted(tests_dir.glob("*.test.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        # Only the cases that check this alert: promtool then evaluates a few series for a
        # few hours instead of the whole file (3 s → a fraction, times 30 mutations).
        cases = [c for c in doc["tests"]
                 if any(t.get("alertname") == alert for t in c.get("alert_rule_test", []))]
        if cases:
            path.write_text(yaml.safe_dump({**doc, "tests": cases}, sort_keys=False),
                            encoding="utf-8")
            out.append(str(path))
    return out


@pytest.mark.parametrize("alert", sorted(alert_rules()))
@pytest.mark.parametrize(
    ("mutation", "expr_template"),
    [
        # An alert that never fires must fail the "fires when it should" cases ...
        ("never-fires", "({expr}) and on () vector(0) > 1"),
        # ... and one that always fires must fail the "stays silent" cases.
        ("always-fires", "({expr}) or vector(1)"),
    ],
)
def test_alert_unit_tests_catch_a_broken_alert(
    tmp_path: Path, alert: str, mutation: str, expr_template: str
) -> None:
    expr = expr_template.format(expr=alert_rules()[alert]["expr"])
    test_files = _mutated_copy(tmp_path, alert, expr)
    result = run_promtool("test", "rules", *test_files)
    assert result.returncode != 0, f"{mutation} {alert} still passes the unit tests"
    assert f"alertname: {alert}" in result.stdout + result.stderr


@pytest.mark.parametrize("alert", sorted(alert_rules()))
def test_the_cut_down_unit_tests_of_an_unbroken_alert_pass(tmp_path: Path, alert: str) -> None:
    """Control for the mutation tests: only the mutation makes them fail."""
    test_files = _mutated_copy(tmp_path, alert, alert_rules()[alert]["expr"])
    result = run_promtool("test", "rules", *test_files)
    assert result.returncode == 0, result.stdout + result.stderr


#: Share alerts: "<share> > <threshold> and on (…, channel) <traffic> >= <floor>".
_FLOOR = " and on (cluster, namespace, job, channel) "
FLOORED_ALERTS = sorted(
    name for name, rule in alert_rules().items() if _FLOOR in " ".join(rule["expr"].split())
)


def test_conversation_alerts_are_share_alerts_with_a_traffic_floor() -> None:
    assert {"ReplyScorerUnansweredShareHigh", "ReplyScorerFirstResponseOverSLA"} <= set(
        FLOORED_ALERTS)


def test_the_qa_api_exports_the_review_metric_the_rules_read(tmp_path: Path) -> None:
    """reply_reviews_total comes from the QA API's collector, with DESIGN's labels and
    every dimension x verdict present from the start (0 before the first review)."""
    from scorer.settings import load_settings
    from scorer.store import FlaggedStore
    from scorer.store.reviews import ReviewCollector

    store = FlaggedStore.from_settings(load_settings(store_url=f"sqlite:///{tmp_path}/s.db"))
    try:
        samples = [s for family in ReviewCollector(lambda: store.engine).collect()
                   for s in family.samples]
    finally:
        store.close()
    kind, labels = REVIEW_METRICS["reply_reviews_total"]
    assert {s.name for s in samples} == {"reply_reviews_total"} and kind == "counter"
    assert all(frozenset(s.labels) == labels for s in samples)
    assert len(samples) == 6 and all(s.value == 0 for s in samples)


def test_review_agreement_alert_unit_tests_catch_a_dropped_volume_floor(
        tmp_path: Path) -> None:
    alert = "ReplyScorerReviewAgreementLow"
    floor = " and on (cluster, namespace, job, dimension) "
    share = " ".join(alert_rules()[alert]["expr"].split()).split(floor)[0]
    assert share != " ".join(alert_rules()[alert]["expr"].split())
    result = run_promtool("test", "rules", *_mutated_copy(tmp_path, alert, share))
    assert result.returncode != 0, f"{alert} without its volume floor still passes"


@pytest.mark.parametrize("alert", FLOORED_ALERTS)
def test_alert_unit_tests_catch_a_dropped_traffic_floor(tmp_path: Path, alert: str) -> None:
    """A share alert without its floor pages on a channel with a handful of conversations
    or replies: some unit test must then expect silence and see the alert fire."""
    share = " ".join(alert_rules()[alert]["expr"].split()).split(_FLOOR)[0]
    result = run_promtool("test", "rules", *_mutated_copy(tmp_path, alert, share))
    assert result.returncode != 0, f"{alert} without its traffic floor still passes"
    assert f"alertname: {alert}" in result.stdout + result.stderr
