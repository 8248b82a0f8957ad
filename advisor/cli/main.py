"""Entry point of the ``advisor`` command.

Sub-command modules are imported here, so they must stay light: torch, timm and
transformers are imported inside the command functions only.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import click
import typer

from advisor.errors import AdvisorError

try:  # typer >= 0.20 vendors its own click: its usage errors are not click's classes
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # pragma: no cover - older typer uses click itself
    _TyperClickException = click.exceptions.ClickException

# Each module defines register(app). Order is the order shown in --help.
SUBCOMMAND_MODULES = (
    "advisor.cli.rank_cmd",
    "advisor.cli.datasets_cmd",
    "advisor.cli.catalog_cmd",
    "advisor.cli.finetune_cmd",
    "advisor.cli.predict_cmd",
    "advisor.cli.fuse_cmd",
    "advisor.cli.verify_cmd",
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
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a sub-command not built yet
        module.register(app)
    return app


def fail(message: str) -> None:
    """Print a user-facing error and exit with status 2."""
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", markup=True)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(build_app())
    try:
        command.main(args=argv, prog_name="advisor", standalone_mode=False)
    except (click.exceptions.Abort, typer.Abort):
        sys.stderr.write("aborted\n")
        raise SystemExit(130) from None
    except (click.exceptions.ClickException, _TyperClickException) as exc:
        exc.show()
        raise SystemExit(2) from None
    except (AdvisorError, ValueError, FileNotFoundError, PermissionError) as exc:
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        fail(_escape(str(exc)))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


if __name__ == "__main__":  # pragma: no cover
    main()
