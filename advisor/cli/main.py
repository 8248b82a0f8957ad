"""Entry point of the ``advisor`` command.

Sub-command modules are imported here, so they must stay light: torch, timm and
transformers are imported inside the command functions only.

One error path for every command: ``advisor.errors.is_user_error`` decides, ``fail`` prints
``user_message`` and exits 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import click
import typer

try:  # typer >= 0.20 vendors its own click: its usage errors are not click's classes
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # pragma: no cover - older typer uses click itself
    _TyperClickException = click.exceptions.ClickException

# The status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130

# Each module defines register(app). Order is the order shown in --help.
SUBCOMMAND_MODULES = (
    "advisor.cli.rank_cmd",
    "advisor.cli.datasets_cmd",
    "advisor.cli.catalog_cmd",
    "advisor.cli.finetune_cmd",
    "advisor.cli.predict_cmd",
    "advisor.cli.fuse_cmd",
    "advisor.cli.verify_cmd",
    "advisor.cli.race_cmd",
    "advisor.cli.tui_cmd",
)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="advisor",
        help="Which pretrained backbone should you fine-tune? Rank candidates on your data with "
        "transferability probes, then fine-tune the winner.",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback(invoke_without_command=True)
    def _root(ctx: typer.Context) -> None:
        """With no command, open the terminal app."""
        if ctx.invoked_subcommand is None:
            from advisor.cli.tui_cmd import open_tui

            open_tui(None, demo=False)

    for module_name in SUBCOMMAND_MODULES:
        import_module(module_name).register(app)
    return app


def fail(message: str) -> None:
    """Print a user-facing error (plain text, never markup) and exit with status 2."""
    from rich.console import Console
    from rich.text import Text

    # soft_wrap: one line however long, so scripts can grep it ("one red line", docs/ranking.md)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(Text.assemble(("error:", "bold red"), " ", message))
    raise SystemExit(2)


def interrupted() -> None:
    sys.stderr.write("advisor: interrupted; nothing more was written\n")
    raise SystemExit(INTERRUPTED)


def main(argv: list[str] | None = None) -> None:
    from advisor.errors import is_user_error, user_message

    command = typer.main.get_command(build_app())
    try:
        # standalone_mode=False: click returns the status of an Exit (Ctrl-C included, 130)
        # instead of exiting, and lets every other exception reach the handlers below.
        status = command.main(args=argv, prog_name="advisor", standalone_mode=False)
    except KeyboardInterrupt:  # outside the command (while building the app)
        interrupted()
    except (click.exceptions.Abort, typer.Abort):
        sys.stderr.write("aborted\n")
        raise SystemExit(INTERRUPTED) from None
    except (click.exceptions.ClickException, _TyperClickException) as exc:
        exc.show()
        raise SystemExit(2) from None
    except Exception as exc:
        if not is_user_error(exc) or os.environ.get("ADVISOR_DEBUG"):
            raise
        fail(user_message(exc))
    else:
        if status == INTERRUPTED:
            interrupted()
        if isinstance(status, int) and status:
            raise SystemExit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
