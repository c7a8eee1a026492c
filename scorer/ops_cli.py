"""Operator commands (`scorer check`, `scorer config show`, `scorer db upgrade|current`)
and the pieces every `scorer` command shares: the `--config` option, settings loading,
and `OperatorError`.

Exit codes, for every command (README 'Exit codes' is the one table): 0 done, 2 the
operator must fix something (a setting, a config file, an option, an input file, an
unreachable or outdated store, a failed check); 1 is left to unexpected errors (a bug:
the traceback says where).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scorer.settings import Settings, SettingsError, load_settings


class OperatorError(click.ClickException):
    """Something the operator must fix; the message says what. Exits 2."""

    exit_code = 2


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SCORER_CONFIG",
    help="TOML config file with the same keys as the SCORER_* variables.",
)


def load(config_file: Path | None, **overrides: object) -> Settings:
    """Settings, or exit 2 with the message naming the variable to fix."""
    try:
        return load_settings(config_file, **{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        raise OperatorError(str(exc)) from None


@click.command()
@config_option
@click.option("--timeout", type=click.FloatRange(0.5, 120), default=5.0, show_default=True,
              help="Seconds each check may take before it counts as failed.")
def check(config_file: Path | None, timeout: float) -> None:
    """Check that this configuration can run: broker, topics, transactions, store, model.

    One line per check, OK or FAIL with what to do. Exit codes: 0 all OK, 2 any FAIL.
    Nothing is created or migrated.
    """
    from scorer.checks import run_checks

    results = run_checks(load(config_file), timeout=timeout)
    for result in results:
        click.echo(result.line())
    sys.exit(0 if all(r.ok for r in results) else 2)


@click.group()
def config() -> None:
    """The effective settings."""


@config.command("show")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for machines).")
def config_show(config_file: Path | None, as_json: bool) -> None:
    """Print every setting's effective value and its source (default, environment or
    config file), in a stable order. Secrets are masked, never printed."""
    from scorer.settings_report import effective_settings, render_json, render_text

    rows = effective_settings(load(config_file), config_file)
    click.echo(render_json(rows, config_file) if as_json else render_text(rows, config_file))


@click.group()
def db() -> None:
    """The flagged store's schema (Alembic migrations)."""


@db.command("upgrade")
@config_option
def db_upgrade(config_file: Path | None) -> None:
    """Migrate the flagged store's schema to this version's head (whatever
    SCORER_STORE_MIGRATE says). Needs a database role with DDL rights; run it once per
    release, before the service (e.g. as a deploy job). Exit codes: 0 done, 2 failed."""
    from scorer.store import StoreUnavailable
    from scorer.store.schema import location, upgrade

    settings = load(config_file)
    try:
        before, after = upgrade(settings)
    except StoreUnavailable as exc:
        raise OperatorError(str(exc)) from None
    where = location(settings.store_url)
    if before.at_head:
        click.echo(f"{where}: already at head {after.head}")
    else:
        click.echo(f"{where}: migrated {before.current or '(empty)'} -> {after.current}")


@db.command("current")
@config_option
def db_current(config_file: Path | None) -> None:
    """Print the schema revision of the flagged store (creates and migrates nothing).
    Exit codes: 0 at head, 2 not at head (the line says what to run) or unreachable."""
    from scorer.store import StoreUnavailable
    from scorer.store.schema import current, location

    settings = load(config_file)
    try:
        state = current(settings)
    except StoreUnavailable as exc:
        raise OperatorError(str(exc)) from None
    click.echo(f"{location(settings.store_url)}: {state.describe()}")
    sys.exit(0 if state.at_head else 2)
