"""The data options every data-reading command shares (rank, finetune, verify, race, inspect),
declared once, and the one call that loads the data from them.

Only typer and the standard library are imported here, so ``advisor --help`` stays fast.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class TaskChoice(str, Enum):
    auto = "auto"
    classification = "classification"
    multilabel = "multilabel"
    regression = "regression"


DataArgument = Annotated[
    str | None,
    typer.Argument(
        help="Image folder, .csv/.tsv/.jsonl/.parquet, .npz features, a save_to_disk folder, "
        "hf://NAME, or a built-in name (see `advisor datasets`).",
        show_default=False,
    ),
]
TaskOption = Annotated[
    TaskChoice,
    typer.Option(
        "--task",
        help="What the labels are: auto (detect it and say why), classification, multilabel "
        "(several labels per row) or regression (numeric targets).",
    ),
]
TextColumnOption = Annotated[
    str | None, typer.Option("--text-column", help="Table column holding the texts.")
]
TextPairColumnOption = Annotated[
    str | None,
    typer.Option(
        "--text-pair-column",
        help="Table column holding the second text of each pair (with --text-column).",
    ),
]
LabelColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "--label-column",
        help="Table column holding the labels; repeat it for several 0/1 label columns "
        "(multilabel) or several regression targets.",
    ),
]
ImageColumnOption = Annotated[
    str | None,
    typer.Option("--image-column", help="Table column holding image paths (or image bytes)."),
]
LabelSeparatorOption = Annotated[
    str,
    typer.Option(
        "--label-separator", help="Separator of multi-label strings such as 'a|b' (| ; or ,)."
    ),
]
HfDatasetOption = Annotated[
    str | None,
    typer.Option(
        "--hf-dataset",
        help="Hugging Face hub dataset NAME (or NAME:CONFIG) instead of DATA; needs the "
        "network and the `hf` extra.",
    ),
]
SplitOption = Annotated[
    str | None,
    typer.Option(
        "--split",
        help="Use only this split of a Hugging Face dataset (default: its train/validation/"
        "test splits as your own split).",
    ),
]


def load_cli_data(
    data: str | None,
    err,
    *,
    text_column: str | None = None,
    label_column: list[str] | None = None,
    image_column: str | None = None,
    text_pair_column: str | None = None,
    task: TaskChoice | str = TaskChoice.auto,
    label_separator: str = "|",
    hf_dataset: str | None = None,
    split: str | None = None,
):
    """load_data from the command line's options; says on ``err`` what task was detected and
    why, and what was skipped, before any long work starts."""
    from advisor.cli.data_notes import print_skipped
    from advisor.data import load_data
    from advisor.errors import DataError

    if data is None and hf_dataset is None:
        raise DataError("no data given; pass DATA (a path or built-in name) or --hf-dataset NAME")
    task_value = task.value if isinstance(task, Enum) else task
    columns = list(label_column or [])
    labelled = load_data(
        data,
        text_column=text_column,
        label_column=columns[0] if len(columns) == 1 else (columns or None),
        image_column=image_column,
        text_pair_column=text_pair_column,
        task=task_value,
        label_separator=label_separator,
        split=split,
        hf_dataset=hf_dataset,
    )
    print_task(err, labelled, asked=task_value)
    print_skipped(err, labelled)
    return labelled


def print_task(err, labelled, *, asked: str = "auto") -> None:
    """One ``note:`` line with the task and why, when it was detected rather than given."""
    if asked == "auto" and labelled.task_reason:
        err.print(f"note: {labelled.task_reason}", style="yellow", markup=False)
