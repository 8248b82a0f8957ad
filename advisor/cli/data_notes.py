"""What the data left out, printed on stderr as soon as it is loaded (before hours of work)."""

from __future__ import annotations


def print_skipped(console, data) -> None:
    """One yellow ``note:`` line per reason inputs were skipped or dropped (none if none)."""
    from advisor.data import describe_skipped

    for line in describe_skipped(data):
        console.print(f"note: {line}", style="yellow", markup=False)
