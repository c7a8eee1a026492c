"""The `scorer` console script.

Each command parses its options, loads settings, and hands over to the module that
owns the concern; no business logic lives here. Errors the operator can fix
(`SettingsError`, bad files, an unreachable store) raise `OperatorError`: exit status 2 and
a one-line message (README 'Exit codes'). The operator commands (check, config show,
db upgrade) live in scorer.ops_cli.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scorer.logs import setup_logging
from scorer.ops_cli import OperatorError, check, config, db
from scorer.ops_cli import config_option as _config_option
from scorer.ops_cli import load as _settings


@click.group()
@click.version_option(package_name="reply-scorer")
def main() -> None:
    """Score customer-service replies for greeting, explanation, closing and length."""


main.add_command(check)
main.add_command(config)
main.add_command(db)


# --- run / score / traffic / demo ------------------------------------------------------


@main.command()
@_config_option
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes in the same consumer group (each with "
                   "SCORER_SCORING_PROCESSES scoring processes).")
def run(config_file: Path | None, workers: int) -> None:
    """Run the streaming service (a consumer-group member).

    Exit codes: 0 stopped, 2 Kafka setup failed (the message says which setting to check),
    3 fenced by another worker with the same transactional id, 4 a scoring process died.
    """
    settings = _settings(config_file)
    # One worker runs in this process; several run as children that log as worker-N.
    setup_logging(settings.log_level, settings.log_format,
                  worker="worker-0" if workers == 1 else "main")
    from scorer.service import run_service

    sys.exit(run_service(settings, workers=workers))


@main.command()
@_config_option
@click.argument("text", required=False)
@click.option("--channel", type=click.Choice(["email", "chat", "messenger"]), default="chat",
              show_default=True, help="Channel of TEXT.")
@click.option("--language", type=click.Choice(["nb", "nn", "sv", "da", "en"]), default=None,
              help="Language of TEXT (detected when omitted).")
@click.option("--html", is_flag=True, help="TEXT is text/html.")
@click.option("--jsonl", "jsonl", type=click.File("rb"), default=None,
              help="Score many replies: a JSONL file of input records, or - for stdin.")
def score(config_file: Path | None, text: str | None, channel: str, language: str | None,
          html: bool, jsonl: click.utils.LazyFile | None) -> None:
    """Score TEXT, or every record of --jsonl, and print one JSON object per line."""
    settings = _settings(config_file)
    setup_logging("WARNING")
    from scorer.offline import score_jsonl, score_text

    if (text is None) == (jsonl is None):
        raise click.UsageError("give either TEXT or --jsonl FILE (not both)")
    if jsonl is not None:
        sys.exit(score_jsonl(settings, jsonl, sys.stdout.buffer, sys.stderr))
    score_text(settings, text or "", channel=channel, language=language,
               content_type="text/html" if html else "text/plain", out=sys.stdout)


@main.command()
@_config_option
@click.option("--rate", type=float, default=50.0, show_default=True,
              help="Records per second (0 = as fast as possible).")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Stop after this many records (default: run until Ctrl-C).")
@click.option("--invalid-share", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Share of deliberately invalid records (exercise the dead-letter topic).")
@click.option("--replies-only", is_flag=True,
              help="Send single corpus replies (the benchmark's traffic) instead of "
                   "conversations.")
@click.option("--time-scale", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True,
              help="Conversations: divide the simulated pauses between messages by this "
                   "(60: a 5-minute chat pause takes 5 s; 1: real time).")
@click.option("--max-gap", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Conversations: cap each re-timed pause at this many seconds (keep it "
                   "under the scorer's idle timeouts, as `make demo` does).")
@click.option("--close-share", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Conversations: share that end with a `closed` event (the rest close "
                   "when the scorer's idle timeout passes).")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSONL of input records to sample (implies --replies-only; "
                                 "default: the project corpus).")
@click.option("--seed", type=int, default=None, help="Make the traffic reproducible.")
def traffic(config_file: Path | None, rate: float, count: int | None, invalid_share: float,
            replies_only: bool, time_scale: float, max_gap: float | None, close_share: float,
            corpus: Path | None, seed: int | None) -> None:
    """Produce realistic traffic (nb, nn, sv, da, en; all channels) to the input topic.

    By default whole conversations: customer messages, agent replies and `closed` events,
    interleaved live and keyed by conversation_id, with sent_at the real send time and the
    pauses between messages shortened by --time-scale. --replies-only sends single corpus
    replies keyed by reply id instead.
    """
    settings = _settings(config_file)
    setup_logging("WARNING")
    from scorer.traffic import DEFAULT_CORPUS, produce, produce_conversations

    try:
        if replies_only or corpus is not None:
            sent = produce(settings, rate=rate, count=count, invalid_share=invalid_share,
                           corpus_path=corpus or DEFAULT_CORPUS, seed=seed)
        else:
            sent = produce_conversations(settings, rate=rate, count=count,
                                         invalid_share=invalid_share, seed=seed,
                                         time_scale=time_scale, max_gap=max_gap,
                                         close_share=close_share)
    except (FileNotFoundError, ValueError) as exc:
        raise OperatorError(str(exc)) from None
    click.echo(f"sent {sent} records to {settings.topic_input}", err=True)


# --- MODEL: train / evaluate ----------------------------------------------------------------


@main.command()
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Labelled corpus JSONL (default: models/corpus/replies.jsonl).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: scorer/data/reply-model.npz in a "
                   "checkout or unpacked sdist, else ./reply-model.npz).")
@click.option("--feedback", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="QA reviews (`scorer feedback export`) to learn from; a "
                                 "quarter is held out and gates the new model.")
@click.option("--feedback-weight", type=click.FloatRange(min=0.1, max=100.0), default=3.0,
              show_default=True, help="How many corpus replies one reviewed reply counts as.")
@click.option("--gate-tolerance", type=click.FloatRange(min=0.0, max=1.0), default=0.0,
              show_default=True, help="How much lower the new model's mean F1 on the held-out "
                                      "reviews may be than the current one's.")
def train(corpus: Path | None, out: Path | None, feedback: Path | None,
          feedback_weight: float, gate_tolerance: float) -> None:
    """Train the model on the corpus's training split (and QA reviews) and write the card.

    Exit codes: 0 written, 2 bad input, 3 the feedback gate refused the new model (it is
    worse than the current one on held-out reviews; nothing was written).
    """
    setup_logging("INFO")
    from scorer.training import train_command

    sys.exit(train_command(corpus=corpus, out=out, feedback=feedback,
                           feedback_weight=feedback_weight, gate_tolerance=gate_tolerance))


@main.command()
@_config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default=None, help="Only records whose 'split' field equals this.")
def evaluate(config_file: Path | None, file: Path, split: str | None) -> None:
    """Print precision/recall/F1 per dimension and language, model vs keyword baseline."""
    settings = _settings(config_file)
    setup_logging("WARNING")
    from scorer.evaluation import evaluate_command

    sys.exit(evaluate_command(settings, file, split=split))


# --- QA: serve / flagged / feedback ---------------------------------------------------------


@main.command()
@_config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--dev", is_flag=True,
              help="Development only: allow running without SCORER_API_TOKENS on localhost "
                   "(answers loopback Host names only; no HSTS).")
def serve(config_file: Path | None, host: str, port: int, dev: bool) -> None:
    """Serve the QA API and web page over the flagged store.

    Tokens are SCORER_API_TOKENS entries `name:role:secret` (roles reader, reviewer, admin;
    secrets of at least 32 characters). Exit codes: 2 refused to start (the message names
    the setting or token entry to fix, or why the store cannot be opened).
    """
    settings = _settings(config_file)
    setup_logging(settings.log_level, settings.log_format, worker="api")
    from scorer.api import serve as serve_api

    sys.exit(serve_api(settings, host=host, port=port, dev=dev))


@main.group(invoke_without_command=True)
@_config_option
@click.option("--conversations", is_flag=True,
              help="List flagged conversations (inquiries) instead of replies.")
@click.option("--channel", type=click.Choice(["email", "chat", "messenger"]), default=None)
@click.option("--language", type=click.Choice(["nb", "nn", "sv", "da", "en"]), default=None)
@click.option("--band", type=click.Choice(["excellent", "good", "at_risk", "poor"]), default=None)
@click.option("--reason", default=None, help="e.g. missing_greeting (conversations also: "
              "late_response, unanswered)")
@click.option("--team", default=None)
@click.option("--agent-id", default=None, help="Replies only.")
@click.option("--answered/--unanswered", default=None,
              help="Conversations only: answered by an agent or not.")
@click.option("--since", default=None, help="Duration back from now (1d, 12h) or RFC 3339 time.")
@click.option("--until", default=None, help="Duration back from now or RFC 3339 time.")
@click.option("--sort", type=click.Choice(["total", "-total", "event_at", "-event_at",
                                           "closed_at", "-closed_at"]),
              default="total", show_default=True,
              help="total = worst first; event_at for replies, closed_at for conversations.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.pass_context
def flagged(ctx: click.Context, config_file: Path | None, conversations: bool, limit: int,
            agent_id: str | None, answered: bool | None, **filters: str | None) -> None:
    """List flagged replies (or, with --conversations, flagged conversations) as a table,
    or run a subcommand such as `purge`."""
    ctx.obj = {"config_file": config_file}
    if ctx.invoked_subcommand is not None:
        return
    from scorer.store import InvalidQuery, StoreUnavailable
    from scorer.store_cli import conversations_table, flagged_table

    sort = filters.get("sort") or "total"
    if conversations and (agent_id is not None or sort.endswith("event_at")):
        raise click.UsageError("--agent-id and --sort event_at apply to replies; for "
                               "--conversations filter by --team and sort by closed_at")
    if not conversations and (answered is not None or sort.endswith("closed_at")):
        raise click.UsageError("--answered/--unanswered and --sort closed_at apply to "
                               "--conversations; add it, or sort replies by event_at")
    settings = _settings(config_file)
    try:
        if conversations:
            click.echo(conversations_table(settings, limit=limit, answered=answered, **filters))
        else:
            click.echo(flagged_table(settings, limit=limit, agent_id=agent_id, **filters))
    except (InvalidQuery, StoreUnavailable) as exc:
        raise OperatorError(str(exc)) from None


@flagged.command("purge")
@click.option("--older-than", required=True, help="Age limit, e.g. 90d, 12w, 36h.")
@click.pass_context
def flagged_purge(ctx: click.Context, older_than: str) -> None:
    """Delete stored replies (with their reviews) and conversations older than --older-than.

    The purge is audited (scorer.audit) under the OS user running it.
    """
    from scorer.audit import cli_actor
    from scorer.store import InvalidQuery, StoreUnavailable
    from scorer.store_cli import purge_command

    settings = _settings(ctx.obj["config_file"])
    try:
        click.echo(purge_command(settings, older_than, actor=cli_actor()))
    except (InvalidQuery, StoreUnavailable) as exc:
        raise OperatorError(str(exc)) from None


@main.group()
def feedback() -> None:
    """QA feedback: turn reviews into training data."""


@feedback.command("export")
@_config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write JSONL here (default: stdout).")
@click.option("--since", default=None, help="Only reviews since (1d, 12h or RFC 3339).")
def feedback_export(config_file: Path | None, out: Path | None, since: str | None) -> None:
    """Export reviewed replies as labelled training JSONL (input fields + "labels")."""
    from scorer.store import InvalidQuery, StoreUnavailable
    from scorer.store_cli import export_feedback_command

    settings = _settings(config_file)
    try:
        written, skipped = export_feedback_command(settings, out, since=since,
                                                   stdout=sys.stdout)
    except (InvalidQuery, StoreUnavailable) as exc:
        raise OperatorError(str(exc)) from None
    click.echo(f"exported {written} labelled replies ({skipped} skipped: disagreement "
               "without corrected labels)", err=True)


@main.command("pii-eval")
@click.argument("file", required=False, default="tests/data/pii_eval.jsonl",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--keep-from-file", "keep_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Redact with this keep-list, as SCORER_REDACT_KEEP would: one entry a "
                   "line, blank lines and `#` comments skipped.")
def pii_eval(file: Path, as_json: bool, keep_file: Path | None) -> None:
    """Redaction leaks and over-redaction per category on a labelled JSON-lines set."""
    from scorer.pii_eval import evaluate
    from scorer.redact.keep import read_keep_file

    try:
        keep = read_keep_file(keep_file) if keep_file is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--keep-from-file") from None
    report = evaluate(file, keep)
    click.echo(report.to_json() if as_json else report.to_text())


if __name__ == "__main__":  # pragma: no cover
    main()
