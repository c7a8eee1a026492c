"""A real prometheus process for the ops tests: a free loopback port, a temp TSDB, the
shipped rule files, 1 s scrape and rule evaluation (Debian package `prometheus`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tests.kafka_utils import free_port, wait_for
from tests.ops_helpers import RULE_FILES


class Prometheus:
    """prometheus on a free loopback port with a temp TSDB, scraping `scrape_configs`
    (default: one reply-scorer job on `target`) and evaluating the shipped rules."""

    def __init__(self, tmp: Path, target: str | None = None,
                 scrape_configs: list[dict[str, Any]] | None = None) -> None:
        binary = shutil.which("prometheus")
        assert binary, "prometheus not found: install Debian's `prometheus` package"
        if scrape_configs is None:
            assert target, "give a target or scrape_configs"
            scrape_configs = [{"job_name": "reply-scorer",
                               "static_configs": [{"targets": [target]}]}]
        self.port = free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in RULE_FILES],
            "scrape_configs": scrape_configs,
        }
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log = open(tmp / "prometheus.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary, f"--config.file={tmp / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = tmp / "prometheus.log"

    def get(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback only
            body = json.loads(resp.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        try:
            data = self.get("/api/v1/query", query=expr)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"query {expr!r} failed: {exc.read().decode()}") from None
        assert data["resultType"] == "vector", (expr, data["resultType"])
        return data["result"]

    def query_range(self, expr: str, start: float, end: float, step: str = "1s"
                    ) -> list[dict[str, Any]]:
        """As Grafana runs a panel or annotation query over the dashboard's time range."""
        try:
            data = self.get("/api/v1/query_range", query=expr, start=str(start),
                            end=str(end), step=step)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"query {expr!r} failed: {exc.read().decode()}") from None
        assert data["resultType"] == "matrix", (expr, data["resultType"])
        return data["result"]

    def series(self, match: str) -> list[dict[str, str]]:
        """As Grafana resolves label_values(<selector>, <label>)."""
        return self.get("/api/v1/series", **{"match[]": match})

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            assert self.proc.poll() is None, f"prometheus exited:\n{self.logs()}"
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as resp:
                    return resp.status == 200
            except OSError:
                return False
        wait_for(ready, timeout, interval=0.2, what="prometheus /-/ready")

    def logs(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
