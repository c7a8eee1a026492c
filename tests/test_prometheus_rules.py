"""The shipped Prometheus config and rules: valid, unit-tested, and consistent with DESIGN.

promtool (Debian package `prometheus`) does the parsing and the rule unit tests; the
Python side checks what promtool cannot: that every alert has a firing and a silent case,
that the unit tests actually discriminate (a rule that always or never fires fails them),
that runbook links resolve, and that rules only read DESIGN metric names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scorer.metrics import Metrics, Tally
from tests.ops_helpers import (
    CONVERSATION_METRICS,
    OPS_README,
    PROM_DIR,
    RULE_FILES,
    RULE_TEST_FILES,
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


def test_recording_rule_names_follow_level_metric_operations() -> None:
    for name in recording_rules():
        parts = name.split(":")
        assert len(parts) == 3 and all(parts), f"{name!r} is not level:metric:operations"


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


def test_alerts_carry_summary_description_and_a_resolving_runbook_link() -> None:
    anchors = github_anchors(OPS_README.read_text(encoding="utf-8"))
    for name, rule in alert_rules().items():
        ann = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert ann.get(key), f"alert {name} lacks annotation {key!r}"
        path, _, anchor = ann["runbook_url"].partition("#")
        assert path == "deploy/README.md", f"{name}: runbook_url {ann['runbook_url']!r}"
        assert anchor in anchors, f"{name}: no heading in deploy/README.md makes #{anchor}"
        assert rule["labels"].get("severity") in {"warning", "critical"}, name


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
    return sorted(str(p) for p in tests_dir.glob("*.test.yml")
                  if f"alertname: {alert}" in p.read_text(encoding="utf-8"))


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


#: Share alerts: "<share> > <threshold> and on (channel) <traffic> >= <floor>".
_FLOOR = " and on (channel) "
FLOORED_ALERTS = sorted(
    name for name, rule in alert_rules().items() if _FLOOR in " ".join(rule["expr"].split())
)


def test_conversation_alerts_are_share_alerts_with_a_traffic_floor() -> None:
    assert {"ReplyScorerUnansweredShareHigh", "ReplyScorerFirstResponseOverSLA"} <= set(
        FLOORED_ALERTS)


@pytest.mark.parametrize("alert", FLOORED_ALERTS)
def test_alert_unit_tests_catch_a_dropped_traffic_floor(tmp_path: Path, alert: str) -> None:
    """A share alert without its floor pages on a channel with a handful of conversations
    or replies: some unit test must then expect silence and see the alert fire."""
    share = " ".join(alert_rules()[alert]["expr"].split()).split(_FLOOR)[0]
    result = run_promtool("test", "rules", *_mutated_copy(tmp_path, alert, share))
    assert result.returncode != 0, f"{alert} without its traffic floor still passes"
    assert f"alertname: {alert}" in result.stdout + result.stderr
