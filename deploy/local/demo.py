"""`make demo`: the whole pipeline on this machine, stopped with Ctrl-C.

Starts a local Apache Kafka broker (deploy/local/kafka), the scorer (`scorer run`), a
traffic generator producing realistic replies in five languages on three channels with
a few invalid records, and the QA page (`scorer serve`), then prints where everything is
and a one-line summary of the scorer's own metrics every few seconds.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
KAFKA = ROOT / "deploy" / "local" / "kafka"
SCORER = ROOT / ".venv" / "bin" / "scorer"
PORT = int(os.environ.get("DEMO_KAFKA_PORT", "9092"))
METRICS_PORT = int(os.environ.get("SCORER_METRICS_PORT", "9464"))
QA_PORT = int(os.environ.get("DEMO_QA_PORT", "8080"))
RATE = os.environ.get("DEMO_RATE", "25")


def summary(url: str) -> str:
    """Scored / flagged / invalid totals from the scorer's /metrics."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - local URL
            text = resp.read().decode()
    except OSError:
        return "scorer starting…"
    totals = {"replies_scored": 0.0, "replies_flagged": 0.0, "replies_invalid": 0.0}
    bands: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total") and family.name in totals:
                totals[family.name] += sample.value
                if family.name == "replies_scored":
                    band = sample.labels["band"]
                    bands[band] = bands.get(band, 0) + sample.value
    scored = totals["replies_scored"] or 1
    mix = " ".join(f"{b}={100 * bands.get(b, 0) / scored:.0f}%"
                   for b in ("excellent", "good", "at_risk", "poor"))
    return (f"scored={totals['replies_scored']:.0f} flagged-reasons="
            f"{totals['replies_flagged']:.0f} dead-lettered={totals['replies_invalid']:.0f} "
            f"bands: {mix}")


def main() -> int:
    print(f"starting Apache Kafka on 127.0.0.1:{PORT} (first run assembles it from Maven "
          "Central)…", flush=True)
    out = subprocess.run([str(KAFKA), "start", "--port", str(PORT)], check=False,
                         stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        print("could not start Kafka; see the message above", file=sys.stderr)
        return out.returncode
    bootstrap = out.stdout.strip().splitlines()[-1]
    workdir = Path(tempfile.mkdtemp(prefix="reply-scorer-demo-"))
    token = secrets.token_urlsafe(16)
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap,
               SCORER_METRICS_PORT=str(METRICS_PORT),
               SCORER_STORE_URL=f"sqlite:///{workdir / 'flagged.db'}",
               SCORER_API_TOKENS=token)
    procs = [
        subprocess.Popen([str(SCORER), "run"], env=env),
        subprocess.Popen([str(SCORER), "traffic", "--rate", RATE], env=env),
        subprocess.Popen([str(SCORER), "serve", "--port", str(QA_PORT)], env=env),
    ]
    metrics_url = f"http://127.0.0.1:{METRICS_PORT}/metrics"
    print(f"""
  Kafka bootstrap   {bootstrap}   (topics replies, replies.scored, replies.flagged, replies.dlq)
  scorer metrics    {metrics_url}   (/healthz, /readyz)
  QA page           http://127.0.0.1:{QA_PORT}/   token: {token}
  traffic           {RATE} replies/s in nb, nn, sv, da, en on email, chat, messenger
  Ctrl-C stops everything.
""", flush=True)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(5)
            print(summary(metrics_url), flush=True)
        print("a component exited; stopping the demo", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run([str(KAFKA), "stop", "--port", str(PORT)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
