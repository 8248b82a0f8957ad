"""Public parameters, each declared once, checked with one message format.

The pattern is scikit-learn's ``validate_params`` / ``Interval`` / ``StrOptions``
(sklearn/utils/_param_validation.py): a parameter is valid when it satisfies any of its
constraints, and the message lists them. We keep our own small version because sklearn's
module is private (no stability promise), raises ``InvalidParameterError`` (a bare
``ValueError``/``TypeError``, which the CLI must treat as a bug), and has no room for the
*fix* the developers' guide asks every message to carry. Every message reads::

    <param> must be <constraint> (got <value!r>); <fix>

Declare a parameter here once (``BUDGET``, ``SEED``...) and check it with ``check`` or the
``validate_params`` decorator wherever it appears, so ``rank``, ``subsample``, ``verify`` and
the CLI agree on what a budget is. Stdlib and numpy only: this sits below every public API.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, TypeVar

from advisor.errors import AdvisorError


class ParameterError(AdvisorError):
    """A public function was called with an argument it cannot use (the message says why)."""


class Constraint:
    """One allowed shape of a value; ``str()`` is the words used in the message."""

    def is_satisfied_by(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(float(value))


@dataclass(frozen=True)
class Interval(Constraint):
    """Numbers of ``kind`` (Integral or Real) between ``low`` and ``high`` (None = unbounded).

    ``closed``: "left", "right", "both" or "neither", as in sklearn. Booleans are never
    numbers here, and a Real is always finite.
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if not (_is_int(value) if self.kind is Integral else _is_real(value)):
            return False
        left = self.closed in ("left", "both")
        right = self.closed in ("right", "both")
        if self.low is not None and (value < self.low or (not left and value == self.low)):
            return False
        return not (
            self.high is not None and (value > self.high or (not right and value == self.high))
        )

    def __str__(self) -> str:
        noun = "an integer" if self.kind is Integral else "a number"
        low, high = self.low, self.high
        if low is not None and high is None:
            return f"{noun} {'>=' if self.closed in ('left', 'both') else '>'} {low:g}"
        if high is not None and low is None:
            return f"{noun} {'<=' if self.closed in ('right', 'both') else '<'} {high:g}"
        if low is None and high is None:
            return noun
        lb = "[" if self.closed in ("left", "both") else "("
        rb = "]" if self.closed in ("right", "both") else ")"
        return f"{noun} in {lb}{low:g}, {high:g}{rb}"


@dataclass(frozen=True)
class StrOptions(Constraint):
    """One of a fixed set of strings."""

    options: tuple[str, ...]

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of ``types`` (described as ``words``)."""

    types: tuple[type, ...]
    words: str

    def is_satisfied_by(self, value: Any) -> bool:
        if bool in self.types or not isinstance(value, bool):
            return isinstance(value, self.types)
        return False

    def __str__(self) -> str:
        return self.words


@dataclass(frozen=True)
class HasMethods(Constraint):
    """Any object with these methods (duck typing, e.g. a threading.Event's ``is_set``)."""

    methods: tuple[str, ...]
    words: str

    def is_satisfied_by(self, value: Any) -> bool:
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        return self.words


@dataclass(frozen=True)
class _Predicate(Constraint):
    test: Callable[[Any], bool]
    words: str

    def is_satisfied_by(self, value: Any) -> bool:
        return bool(self.test(value))

    def __str__(self) -> str:
        return self.words


class _NoneConstraint(Constraint):
    def is_satisfied_by(self, value: Any) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


NONE = _NoneConstraint()
BOOLEAN = InstanceOf((bool,), "True or False")
CALLABLE = _Predicate(callable, "a callable")
PATH = InstanceOf((str, os.PathLike), "a path (str or pathlib.Path)")


def _str_or_strings(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if not isinstance(value, Iterable) or isinstance(value, bytes | Mapping):
        return False
    items = list(value)
    return bool(items) and all(isinstance(v, str) and v.strip() for v in items)


STRINGS = _Predicate(_str_or_strings, "a name or a non-empty list of names")


@dataclass(frozen=True)
class Param:
    """A public parameter: its name, what it may be (any of ``constraints``) and the fix."""

    name: str
    constraints: tuple[Constraint, ...]
    fix: str

    def check(self, value: Any, *, name: str | None = None, error: type = ParameterError) -> Any:
        """``value`` when valid, else raise ``error`` in the one message format."""
        if any(c.is_satisfied_by(value) for c in self.constraints):
            return value
        raise error(self.describe_error(value, name=name))

    def describe_error(self, value: Any, *, name: str | None = None) -> str:
        """The message for a bad ``value`` (what ``check`` raises)."""
        return message(name or self.name, self.describe(), value, self.fix)

    def or_none(self, meaning: str) -> Param:
        """The same parameter, also accepting None (``meaning``: what None does)."""
        return Param(self.name, (*self.constraints, NONE), f"{self.fix}, or None {meaning}")

    def describe(self) -> str:
        words = [str(c) for c in self.constraints]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def message(name: str, constraint: str, value: Any, fix: str) -> str:
    """The one format: "<param> must be <constraint> (got <value!r>); <fix>"."""
    shown = repr(value)
    if len(shown) > 80:
        shown = f"{shown[:77]}..."
    return f"{name} must be {constraint} (got {shown}); {fix}"


def check(param: Param, value: Any, *, name: str | None = None, error: type = ParameterError):
    """Check one argument against its declaration (see ``Param.check``)."""
    return param.check(value, name=name, error=error)


F = TypeVar("F", bound=Callable[..., Any])


def validate_params(params: Mapping[str, Param]) -> Callable[[F], F]:
    """Decorator: check the named arguments of every call (defaults included) before the body.

    ``params`` maps an argument name to its declaration; the declaration's own name is
    replaced by the argument's, so one ``Param`` serves ``budget`` and ``rank_budget``.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        unknown = set(params) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{func.__qualname__} has no argument(s) {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:  # a wrong keyword or too many positionals: the user's call
                raise ParameterError(
                    f"{func.__name__}(): {exc}; see help({func.__name__})"
                ) from None
            bound.apply_defaults()
            for arg, param in params.items():
                param.check(bound.arguments[arg], name=arg)
            return func(*bound.args, **bound.kwargs)

        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


# --- The declarations: one per public parameter ------------------------------------------

BUDGET = Param(
    "budget",
    (Interval(Integral, 2, None, closed="left"),),
    "pass a whole number of examples such as 1000 (a probe needs at least 2)",
)
OPTIONAL_BUDGET = BUDGET.or_none("to use every example")


def is_auto_budget(value: Any) -> bool:
    """'auto', or 'auto:N' with a whole N >= 2 (the most examples; advisor.ranking.anytime)."""
    if not isinstance(value, str):
        return False
    head, colon, cap = value.strip().lower().partition(":")
    return head == "auto" and (not colon or (cap.strip().isdigit() and int(cap) >= 2))


# advisor.rank's budget: a fixed subsample, "auto" (anytime rounds, docs/ranking.md) or None.
RANK_BUDGET = Param(
    "budget",
    (
        BUDGET.constraints[0],
        _Predicate(is_auto_budget, "'auto' or 'auto:N' (at most N examples)"),
        NONE,
    ),
    f"{BUDGET.fix}, 'auto' to extract in rounds until the ranking is clear, or None to use "
    "every example",
)
SEED = Param("seed", (Interval(Integral, 0, None, closed="left"),), "pass a whole number such as 0")
MIN_PER_CLASS = Param(
    "min_per_class",
    (Interval(Integral, 1, None, closed="left"),),
    "pass how many examples every class keeps, such as 10",
)
BOOTSTRAP = Param(
    "bootstrap",
    (BOOLEAN, Interval(Integral, 0, None, closed="left")),
    "pass True (30 resamples), False (none) or a number of resamples such as 50",
)
MAX_PARAMS_M = Param(
    "max_params_m",
    (Interval(Real, 0, None, closed="neither"), NONE),
    "pass a size in millions of parameters such as 25, or None for no limit",
)
MAX_LATENCY_MS = Param(
    "max_latency_ms",
    (Interval(Real, 0, None, closed="neither"), NONE),
    "pass milliseconds per example such as 5, or None for no limit",
)
EPOCHS = Param(
    "epochs",
    (Interval(Integral, 1, None, closed="left"),),
    "pass a whole number of epochs such as 10",
)
OPTIONAL_EPOCHS = EPOCHS.or_none("for the recipe's default")
BATCH_SIZE = Param(
    "batch_size",
    (Interval(Integral, 1, None, closed="left"),),
    "pass a whole number of examples per step such as 32",
)
LR = Param(
    "lr", (Interval(Real, 0, None, closed="neither"),), "pass a positive learning rate such as 1e-3"
)
TOP = Param(
    "top",
    (Interval(Integral, 2, None, closed="left"),),
    "correlations need at least 2 fine-tuned candidates; pass top=3, or all=True",
)
RACE = Param("race", (BOOLEAN,), "pass True to settle the close calls with a short real race")
RACE_TOP = Param("top", TOP.constraints, "a race needs at least 2 leaders; pass top=3")
RACE_BUDGET = Param(
    "race_budget",
    (Interval(Integral, 1, None, closed="left"), InstanceOf((str,), "a text such as '600s'")),
    "pass optimizer steps such as 2000, or seconds such as '600s' or '10m'",
)
ETA = Param(
    "eta", (Interval(Integral, 2, None, closed="left"),), "pass the reduction factor, such as 2"
)
MIN_STEPS = Param(
    "min_steps",
    (Interval(Integral, 1, None, closed="left"),),
    "pass the fewest optimizer steps a candidate trains, such as 8",
)
PROBES = Param(
    "probes",
    (STRINGS, NONE),
    "pass probe names from probes.REGISTRY such as ['logme', 'knn'], or None for the default set",
)
LAYERS = Param(
    "layers",
    (StrOptions(("last", "layermean", "bestlayer")),),
    "pass 'last' (the final embedding), 'layermean' or 'bestlayer' (see docs/ranking.md)",
)
PROGRESS = Param("progress", (CALLABLE, NONE), "pass a function taking one event, or None")
CANCEL = Param(
    "cancel",
    (HasMethods(("is_set",), "an object with is_set() such as threading.Event()"), NONE),
    "pass a threading.Event and set it to stop, or None",
)
CACHE_DIR = Param("cache_dir", (PATH, NONE), "pass a folder path, or None for the default")
OUTPUT = Param("output", (PATH, NONE), "pass a path, or None for the default")
FLAG = Param("flag", (BOOLEAN,), "pass True or False")
ENGINE = Param(
    "engine",
    (
        StrOptions(("local", "ray")),
        HasMethods(("score", "trials", "race"), "an Engine object (advisor.engines)"),
        NONE,
    ),
    "pass 'local' (this process), 'ray' (a Ray cluster: pip install 'transfer-advisor[ray]') "
    "or None for local",
)


def _is_device(value: Any) -> bool:
    return isinstance(value, str) or type(value).__name__ == "device"  # torch.device, lazily


DEVICE = Param(
    "device",
    (_Predicate(_is_device, "a device name such as 'cpu' or 'cuda:0', a torch.device"), NONE),
    "pass 'cpu', 'cuda', 'mps', or None to pick the best available",
)


def _is_candidates(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, Iterable) and not isinstance(value, bytes | Mapping)


CANDIDATES = Param(
    "candidates",
    (_Predicate(_is_candidates, "a catalog id or a list of ids, Entries or Backbones"), NONE),
    "pass ids such as ['tf_efficientnet_lite0.in1k'], or None for every model on disk",
)


def _is_catalog(value: Any) -> bool:  # catalog.Catalog, without importing it here
    return callable(getattr(value, "select", None)) and callable(getattr(value, "filter", None))


CATALOG = Param(
    "catalog",
    (PATH, _Predicate(_is_catalog, "a Catalog"), NONE),
    "pass a catalog TOML path, a Catalog from advisor.load_catalog(), or None for the built-in",
)
