"""``advisor tui [DATA] [--demo]``: open the terminal app (textual is imported only then)."""

from __future__ import annotations

import typer


def open_tui(data: str | None, demo: bool) -> None:
    """Run the app until the user quits; ``advisor`` with no arguments lands here too."""
    try:
        from advisor.tui import AdvisorApp
    except ModuleNotFoundError as exc:
        from advisor.errors import AdvisorError

        raise AdvisorError(
            f"the terminal app needs {exc.name}, which is not installed; "
            "run pip install 'transfer-advisor[tui]'"
        ) from None
    import sys

    from advisor.tui.preload import preload_heavy_modules

    sys.stderr.write("advisor: loading torch, timm and transformers...\n")
    preload_heavy_modules()
    app = AdvisorApp(data, demo=demo)
    app.run()
    for report in app.bug_reports:  # bugs met in workers keep their traceback
        sys.stderr.write(f"advisor tui: a background task failed with a bug:\n{report}")


def register(app: typer.Typer) -> None:
    @app.command("tui")
    def tui(
        data: str | None = typer.Argument(  # noqa: UP007 - typer needs Optional here
            None, help="Dataset to open: a built-in name, an image folder, .csv, .jsonl or .npz."
        ),
        demo: bool = typer.Option(False, "--demo", help="Open on the built-in digits dataset."),
    ) -> None:
        """Open the terminal app: choose data, score candidates, inspect, fine-tune."""
        open_tui(data, demo)
