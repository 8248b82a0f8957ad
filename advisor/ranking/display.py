"""How rankings are shown, for every front end (terminal table, TUI, plots, verify):
short candidate names and the probe column order.

No textual, no torch: the CLI, the TUI and the verification plot share these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Characters that separate the words of a model id: "timm/tf_efficientnet_lite0.in1k".
SEPARATORS = frozenset("_.-/:")

# Tie-break among probes of equal fused weight: the shipped default probes, most useful
# first (catalog/data/fusion_params.json); unknown probes keep the ranking's order after them.
PROBE_PREFERENCE = (
    "nleep",
    "linear_probe",
    "knn",
    "regularized_hscore",
    "logme",
    "leep",
    "hscore",
    "sfda",
    "gbc",
    "transrate",
    "parc",
    "nce",
    "ncti",
    "etran",
)


def _words(text: str) -> list[str]:
    """``text`` cut after every separator: "a_b.c" -> ["a_", "b.", "c"] (joins back to it)."""
    words, start = [], 0
    for i, char in enumerate(text):
        if char in SEPARATORS:
            words.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        words.append(text[start:])
    return words


def common_affixes(ids: Iterable[str]) -> tuple[str, str]:
    """(prefix, suffix) shared by every id, cut at word boundaries (separators included), and
    short enough that each id keeps a non-empty middle. ("", "") for fewer than two ids."""
    unique = list(dict.fromkeys(str(i) for i in ids))
    if len(unique) < 2:
        return "", ""
    split = [_words(i) for i in unique]
    shortest = min(len(words) for words in split)
    head = 0
    while head < shortest and len({words[head] for words in split}) == 1:
        head += 1
    # The last word has no trailing separator, so a suffix word is compared as
    # "separator + word": ".in1k" is common to "lite0.in1k" and "lite1.in1k".
    tails = [_suffix_words(i) for i in unique]
    tail = 0
    while tail < min(len(t) for t in tails) and len({t[tail] for t in tails}) == 1:
        tail += 1
    # Every id keeps a middle with a letter in it: an empty one (an id that is another plus a
    # word) would vanish, and a bare "1", "2" reads like a rank, not a model.
    while head + tail > 0:
        prefix = "".join(split[0][:head])
        suffix = "".join(reversed(tails[0][:tail]))
        middles = [i[len(prefix) : len(i) - len(suffix)] for i in unique]
        if any(len(i) <= len(prefix) + len(suffix) for i in unique):
            tail, head = (tail - 1, head) if tail else (tail, head - 1)
        elif not all(any(c.isalpha() for c in m) for m in middles):
            tail, head = (tail, head - 1) if head else (tail - 1, head)
        else:
            return prefix, suffix
    return "", ""


def _suffix_words(text: str) -> list[str]:
    """Words from the end, each with the separator before it: "a_b.c" -> [".c", "_b", "a"]."""
    words, end = [], len(text)
    for i in range(len(text) - 1, -1, -1):
        if text[i] in SEPARATORS:
            words.append(text[i:end])
            end = i
    if end > 0:
        words.append(text[:end])
    return words


def short_names(ids: Iterable[str]) -> dict[str, str]:
    """Display name per id: the id without the prefix and suffix every id shares.

    ``tf_efficientnet_lite0.in1k``, ``tf_efficientnet_lite1.in1k`` -> ``lite0``, ``lite1``.
    Cuts only at separators (``_ . - / :``), so no word is cut in two ("resnet18" and
    "resnet50" stay whole), and every name keeps a letter ("model_1", "model_2" stay whole).
    Names stay distinct because every id loses the same text; ids with no common word, or a
    single id, map to themselves.
    """
    unique = list(dict.fromkeys(str(i) for i in ids))
    prefix, suffix = common_affixes(unique)
    return {i: i[len(prefix) : len(i) - len(suffix)] for i in unique}


def elide_names(names: dict[str, str], width: int) -> dict[str, str]:
    """``names`` cut to ``width`` characters in the middle ("vit_small_p…augreg_in1k": the
    architecture's start and the tag's end stay); unchanged when that would make two alike."""
    if width < 5:
        return dict(names)

    def cut(name: str) -> str:
        if len(name) <= width:
            return name
        head = width // 2
        return name[:head] + "…" + name[len(name) - (width - 1 - head) :]

    elided = {key: cut(name) for key, name in names.items()}
    return elided if len(set(elided.values())) == len(set(names.values())) else dict(names)


def probe_weights(probes: Sequence[str]) -> dict[str, float]:
    """The say of each probe under the shipped fusion parameters (FusionParams.say; 0:
    shown, but no say in the final score). A ranking's own weights, when it has them, say
    it for its task group."""
    from advisor.ranking.fusion_params import load_params

    weights = load_params().say(list(probes))
    return {p: float(weights.get(p, 0.0)) for p in probes}


def probes_by_weight(probes: Sequence[str], weights: dict[str, float] | None = None) -> list[str]:
    """``probes`` ordered by fused weight, heaviest first (ties: :data:`PROBE_PREFERENCE`,
    then the given order); ``weights`` defaults to :func:`probe_weights`."""
    if weights is None:
        weights = probe_weights(probes)
    preference = {p: i for i, p in enumerate(PROBE_PREFERENCE)}
    position = {p: i for i, p in enumerate(probes)}
    return sorted(
        probes,
        key=lambda p: (
            -float(weights.get(p, 0.0)),
            preference.get(p, len(preference)),
            position[p],
        ),
    )
