"""Kubernetes manifests, Dockerfile and compose file: schema-valid and consistent.

Core kinds are validated strictly (unknown fields rejected) against the Kubernetes JSON
schemas shipped by the PyPI package `kubernetes-validate`; the PodMonitor (a Prometheus
Operator CRD, not in those schemas) against the CRD-generated models of the PyPI package
`cloudcoil-models-prometheus-operator`, strictly by requiring a lossless round trip.
Both are in the `test` extra. The cross-checks pin what a schema cannot: selectors that
match, probes on the scorer's real endpoints, SCORER_* names the settings know.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from scorer.settings import Settings
from tests.ops_helpers import ROOT

K8S_DIR = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
#: Oldest and newest Kubernetes minor versions the manifests are checked against.
K8S_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
CRD_KINDS = {("monitoring.coreos.com/v1", "PodMonitor")}


def _docs() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                out.append((path.name, doc))
    return out


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in _docs() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _setting_names() -> set[str]:
    return {f"SCORER_{name.upper()}" for name in Settings.model_fields}


SCORER = "reply-scorer"
QA = "reply-scorer-qa"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_core_manifests_are_valid_against_kubernetes_schemas_strictly(version: str) -> None:
    checked = 0
    for filename, doc in _docs():
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{filename} {doc['kind']}/{doc['metadata']['name']} "
                        f"(Kubernetes {version}): {exc.message}")
        checked += 1
    assert checked >= 8


def test_strict_validation_rejects_a_misspelt_field() -> None:
    """Guard the guard: a typo'd probe must not pass as 'valid'."""
    doc = _one("Deployment", SCORER)
    doc["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


def _podmonitor_roundtrip(doc: dict[str, Any]) -> dict[str, Any]:
    from cloudcoil.models.prometheus_operator.v1 import PodMonitor

    return PodMonitor.model_validate(doc).model_dump(by_alias=True, exclude_none=True,
                                                     mode="json")


def test_podmonitor_is_valid_against_the_prometheus_operator_crd_models() -> None:
    doc = _one("PodMonitor", SCORER)
    assert _podmonitor_roundtrip(doc) == doc, "PodMonitor has fields the CRD does not know"
    typo = {"podMetricEndpoints": doc["spec"]["podMetricsEndpoints"]}
    broken = {**doc, "spec": {**doc["spec"], **typo}}
    assert _podmonitor_roundtrip(broken) != broken, "round trip must drop a misspelt field"


def test_kustomization_lists_every_manifest_file() -> None:
    kust = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kust["resources"]) == files


def test_selectors_of_services_pdbs_and_podmonitor_match_their_pods() -> None:
    pods = {name: _one("Deployment", name)["spec"]["template"]["metadata"]["labels"]
            for name in (SCORER, QA)}
    for name in (SCORER, QA):
        dep = _one("Deployment", name)
        assert _matches(dep["spec"]["selector"]["matchLabels"], pods[name])
        assert _matches(_one("Service", name)["spec"]["selector"], pods[name])
        assert _matches(_one("PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"],
                        pods[name])
    monitor = _one("PodMonitor", SCORER)["spec"]
    assert _matches(monitor["selector"]["matchLabels"], pods[SCORER])
    assert not _matches(monitor["selector"]["matchLabels"], pods[QA])


def test_podmonitor_job_label_is_the_one_the_alerts_select() -> None:
    monitor = _one("PodMonitor", SCORER)["spec"]
    pod_labels = _one("Deployment", SCORER)["spec"]["template"]["metadata"]["labels"]
    assert pod_labels[monitor["jobLabel"]] == "reply-scorer"
    alerts = (ROOT / "deploy/prometheus/rules/reply-scorer-alerts.yml").read_text("utf-8")
    assert 'job="reply-scorer"' in alerts
    ports = {p["name"] for p in _one("Deployment", SCORER)["spec"]["template"]["spec"]
             ["containers"][0]["ports"]}
    assert {e["port"] for e in monitor["podMetricsEndpoints"]} <= ports


def test_scorer_deployment_runs_the_service_with_probes_on_healthz_and_readyz() -> None:
    container = _one("Deployment", SCORER)["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["run"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    metrics_port = {p["name"]: p["containerPort"] for p in container["ports"]}["metrics"]
    config = _one("ConfigMap", "reply-scorer-config")["data"]
    assert int(config["SCORER_METRICS_PORT"]) == metrics_port


@pytest.mark.parametrize("name", [SCORER, QA])
def test_pods_are_non_root_with_requests_limits_and_probes(name: str) -> None:
    spec = _one("Deployment", name)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    for c in spec["containers"]:
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{c['name']} {kind}"
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["livenessProbe"] and c["readinessProbe"]


def test_every_scorer_variable_in_the_manifests_is_a_known_setting() -> None:
    known = _setting_names()
    used: set[str] = set(_one("ConfigMap", "reply-scorer-config")["data"])
    for _, doc in _docs():
        if doc["kind"] == "Secret":
            used |= {k for k in doc.get("stringData", {}) if k.startswith("SCORER_")}
        if doc["kind"] == "Deployment":
            for c in doc["spec"]["template"]["spec"]["containers"]:
                used |= {e["name"] for e in c.get("env", [])}
    assert used - known == set(), f"unknown settings: {sorted(used - known)}"


def test_secret_references_resolve_and_the_ca_file_is_mounted_where_configured() -> None:
    secrets = {d["metadata"]["name"]: d["stringData"] for _, d in _docs() if d["kind"] == "Secret"}
    for name in (SCORER, QA):
        pod = _one("Deployment", name)["spec"]["template"]["spec"]
        for c in pod["containers"]:
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]], f"{name}: {ref}"
    pod = _one("Deployment", SCORER)["spec"]["template"]["spec"]
    cafile = Path(_one("ConfigMap", "reply-scorer-config")["data"]["SCORER_SSL_CAFILE"])
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    volume = next(v for v in pod["volumes"] if v["name"] == "kafka-ca")
    items = {i["path"]: i["key"] for i in volume["secret"]["items"]}
    assert Path(mounts["kafka-ca"]) / cafile.name == cafile
    assert items[cafile.name] in secrets[volume["secret"]["secretName"]]


def test_partitions_cover_the_replicas_of_the_consumer_group() -> None:
    replicas = _one("Deployment", SCORER)["spec"]["replicas"]
    partitions = int(_one("ConfigMap", "reply-scorer-config")["data"]["SCORER_TOPIC_PARTITIONS"])
    assert partitions >= replicas


def test_config_map_sasl_ssl_settings_load() -> None:
    """The shipped ConfigMap plus the Secret's keys form valid Settings (CA file aside)."""
    env = dict(_one("ConfigMap", "reply-scorer-config")["data"])
    env.pop("SCORER_SSL_CAFILE")  # a path inside the pod
    secret = _one("Secret", "reply-scorer-kafka")["stringData"]
    overrides = {k.removeprefix("SCORER_").lower(): v for k, v in env.items()}
    overrides |= {k.removeprefix("SCORER_").lower(): v for k, v in secret.items()
                  if k.startswith("SCORER_")}
    settings = Settings(**overrides)
    cfg = settings.kafka_client_config()
    assert cfg["security_protocol"] == "SASL_SSL"
    assert cfg["sasl_mechanism"] == env["SCORER_SASL_MECHANISM"]


# --- Dockerfile and compose ------------------------------------------------------------------


def test_dockerfile_is_multi_stage_non_root_and_bakes_in_the_model() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, flags=re.M)) >= 2
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.M)
    assert users and not users[-1].startswith(("root", "0")), users
    assert re.search(r"^COPY models/reply-model\.skops (\S+)", text, flags=re.M)
    model_dest = re.search(r"^COPY models/reply-model\.skops (\S+)", text, flags=re.M).group(1)
    assert f"SCORER_MODEL_PATH={model_dest}" in text
    assert re.search(r'^ENTRYPOINT \["scorer"\]', text, flags=re.M)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    assert "!models/reply-model.skops" in ignore and "!scorer/" in ignore


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
