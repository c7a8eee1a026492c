"""`make demo`: the whole pipeline on this machine, stopped with Ctrl-C.

Starts a local Apache Kafka broker (deploy/local/kafka), the scorer (`scorer run`), a
traffic generator producing whole conversations (inquiries) in five languages on three
channels with a few invalid records, and the QA page (`scorer serve`), then prints where
everything is and a one-line summary of the scorer's own metrics every few seconds.

So that conversations close *during* the demo, the scorer gets short idle timeouts
(chat 60 s, Messenger 120 s, e-mail 300 s instead of 30 m / 24 h / 7 d), and the traffic
compresses the simulated pauses 60-fold and caps each at DEMO_MAX_GAP (40 s), below the
shortest timeout, so no conversation is cut in two by its own pauses. Half of the
conversations end with a `closed` event, the rest when their idle timeout passes. The
compressed clock means the scorer's SLAs (chat 5 min, …) are rarely exceeded in the demo.
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
TIME_SCALE = os.environ.get("DEMO_TIME_SCALE", "60")
MAX_GAP = os.environ.get("DEMO_MAX_GAP", "40")
#: Idle timeouts short enough that conversations close while one watches.
IDLE_TIMEOUTS = {"SCORER_CONVERSATION_IDLE_CHAT": "60s",
                 "SCORER_CONVERSATION_IDLE_MESSENGER": "120s",
                 "SCORER_CONVERSATION_IDLE_EMAIL": "300s"}


def summarize(text: str) -> str:
    """One line from a /metrics page: replies, bands, conversations, unanswered and poor
    shares (in chat and Messenger the conversation carries the verdict, so its poor share
    is the figure to watch).

    A metric the scorer has not exported yet (e.g. no conversation closed so far) counts 0.
    """
    totals = {"replies_scored": 0.0, "replies_flagged": 0.0, "replies_invalid": 0.0,
              "conversations_scored": 0.0, "conversations_unanswered": 0.0}
    bands: dict[str, float] = {}
    poor = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total") and family.name in totals:
                totals[family.name] += sample.value
                if family.name == "replies_scored":
                    band = sample.labels["band"]
                    bands[band] = bands.get(band, 0) + sample.value
                if family.name == "conversations_scored" and sample.labels["band"] == "poor":
                    poor += sample.value
    scored = totals["replies_scored"] or 1
    mix = " ".join(f"{b}={100 * bands.get(b, 0) / scored:.0f}%"
                   for b in ("excellent", "good", "at_risk", "poor"))
    conversations = totals["conversations_scored"]
    unanswered = 100 * totals["conversations_unanswered"] / (conversations or 1)
    return (f"scored={totals['replies_scored']:.0f} flagged-reasons="
            f"{totals['replies_flagged']:.0f} dead-lettered={totals['replies_invalid']:.0f} "
            f"bands: {mix} | conversations={conversations:.0f} unanswered={unanswered:.0f}% "
            f"poor={100 * poor / (conversations or 1):.0f}%")


def summary(url: str) -> str:
    """The summary line from the scorer's /metrics, or that it is still starting."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - local URL
            text = resp.read().decode()
    except OSError:
        return "scorer starting…"
    return summarize(text)


def wait_ready(url: str, scorer: subprocess.Popen, timeout_s: float = 180.0) -> None:
    """Until the scorer's /readyz answers 200, it exits, or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and scorer.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - local URL
                return
        except OSError:  # not listening yet, or 503 (HTTPError is an OSError)
            time.sleep(0.5)


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
    token = secrets.token_urlsafe(32)  # the QA API wants secrets of 32+ characters
    env = dict(os.environ, SCORER_KAFKA_BOOTSTRAP=bootstrap,
               SCORER_METRICS_PORT=str(METRICS_PORT),
               SCORER_STORE_URL=f"sqlite:///{workdir / 'flagged.db'}",
               SCORER_API_TOKENS=f"demo:admin:{token}",
               **{key: os.environ.get(key, value) for key, value in IDLE_TIMEOUTS.items()})
    procs = [
        subprocess.Popen([str(SCORER), "run"], env=env),
        subprocess.Popen([str(SCORER), "serve", "--port", str(QA_PORT)], env=env),
    ]
    # Traffic starts once the scorer has created its topics and joined: sent earlier, it
    # would have the broker auto-create the input topic with one partition.
    wait_ready(f"http://127.0.0.1:{METRICS_PORT}/readyz", procs[0])
    procs.append(subprocess.Popen([str(SCORER), "traffic", "--rate", RATE, "--time-scale",
                                   TIME_SCALE, "--max-gap", MAX_GAP], env=env))
    metrics_url = f"http://127.0.0.1:{METRICS_PORT}/metrics"
    idle = {key.rsplit("_", 1)[1]: env[key] for key in IDLE_TIMEOUTS}
    print(f"""
  Kafka bootstrap   {bootstrap}   (topics replies, replies.scored, replies.flagged, replies.dlq,
                    conversations.scored)
  scorer metrics    {metrics_url}   (/healthz, /readyz)
  QA page           http://127.0.0.1:{QA_PORT}/   token: {token}
  traffic           {RATE} records/s of conversations in nb, nn, sv, da, en on email, chat,
                    messenger (pauses ÷{TIME_SCALE}, at most {MAX_GAP} s; idle close after
                    {idle['CHAT']} chat, {idle['MESSENGER']} Messenger, {idle['EMAIL']} e-mail)
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
