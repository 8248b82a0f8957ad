"""The layering rules: probes is pure numerics, the core never imports textual, and the
command line starts without torch."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code: str) -> set[str]:
    """Run code in a fresh interpreter and return the top-level modules it imported."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(out.stdout.split())


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed; install the 'dev' extra")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken" in result.stdout


def test_probes_import_no_torch_or_textual():
    loaded = _modules_after("import probes")
    assert "numpy" in loaded
    assert not loaded & {"torch", "textual", "advisor", "catalog"}


def test_advisor_core_imports_no_textual():
    core = "advisor.data advisor.models advisor.features advisor.ranking advisor.finetuning"
    loaded = _modules_after("\n".join(f"import {m}" for m in core.split()))
    assert "advisor" in loaded
    assert "textual" not in loaded


def test_cli_help_does_not_import_torch():
    code = (
        "from advisor.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    )
    loaded = _modules_after(code)
    assert "typer" in loaded
    assert not loaded & {"torch", "timm", "transformers", "textual", "ray"}


def test_import_advisor_and_its_engines_never_import_ray():
    """ray is an optional extra: only `engine="ray"` loads it (advisor.engines.ray_*)."""
    loaded = _modules_after(
        "import advisor\nimport advisor.engines\nfrom advisor.engines.select import get_engine\n"
        "get_engine('local')\nimport advisor.cli.engine_options"
    )
    assert "advisor" in loaded
    assert "ray" not in loaded


def test_datasets_and_pyarrow_are_imported_only_by_the_loader_that_needs_them(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("text,label\n" + "".join(f"text {i},{i % 2}\n" for i in range(6)))
    code = (
        "import advisor\n"
        "from advisor.data import load_data\n"
        "from advisor.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['rank', '--help'])\n    except SystemExit:\n        pass\n"
        f"load_data({str(table)!r}, task='auto')\n"
        "load_data('wordnet-pairs') if __import__('os').path.exists("
        "'/usr/share/wordnet/data.noun') else None\n"
    )
    loaded = _modules_after(code)
    assert "advisor" in loaded
    assert not loaded & {"datasets", "pyarrow", "pandas", "torch"}


def test_every_subcommand_is_registered():
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli.main", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    for command in ("rank", "datasets", "catalog", "finetune", "predict", "fuse", "verify", "tui"):
        assert command in out, f"`advisor {command}` is missing from --help"


def _import_cycles(graph) -> list[list[str]]:
    """One shortest cycle (a -> b -> ... -> a) per strongly connected component (Tarjan)."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components = []
    for root in imports:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack.append(root)
        work = [(root, iter(imports[root]))]
        while work:
            module, pending = work[-1]
            for target in pending:
                if target not in order:
                    order[target] = low[target] = len(order)
                    stack.append(target)
                    work.append((target, iter(imports[target])))
                    break
                if target in stack:
                    low[module] = min(low[module], order[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == order[module]:
                    component = stack[stack.index(module) :]
                    del stack[stack.index(module) :]
                    if len(component) > 1:
                        components.append(set(component))
    return [_shortest_cycle(imports, min(component), component) for component in components]


def _shortest_cycle(imports: dict, start: str, within: set) -> list[str]:
    paths = {start: [start]}
    queue = [start]
    for module in queue:  # breadth first, inside the component only
        for target in imports[module]:
            if target == start:
                return paths[module] + [start]
            if target in within and target not in paths:
                paths[target] = paths[module] + [target]
                queue.append(target)
    return [start]


def test_the_import_graph_has_no_cycles():
    """Every module of advisor, probes and catalog can be understood from the ones it imports;
    a cycle (even through a function-level import) means a rule lives on both sides."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the 'dev' extra)")
    graph = grimp.build_graph("advisor", "probes", "catalog", cache_dir=None)
    cycles = _import_cycles(graph)

    def described(cycle: list[str]) -> str:
        steps = []
        for importer, imported in zip(cycle, cycle[1:], strict=False):
            line = graph.get_import_details(importer=importer, imported=imported)
            where = f" (line {line[0]['line_number']}: {line[0]['line_contents']})" if line else ""
            steps.append(f"{importer} -> {imported}{where}")
        return "\n  ".join(steps)

    assert not cycles, "import cycles:\n  " + "\n\n  ".join(described(c) for c in cycles)
