"""A site's own model, promoted only when it beats the one it would replace.

A site that retrains on its moderators' decisions (``moderation model train
--from-decisions --site S --out DIR``) gets a *candidate*.  ``moderation model promote
--site S --candidate DIR`` serves it for that site only if its abuse ROC AUC beats the
site's current model (its own, else the shipped one) on the site's **held-out decisions**
by a paired bootstrap 95% interval that excludes 0 (``classifier.evaluation.compare_auc``);
otherwise it refuses and says by how much it lost.

Held-out decisions are one in five of the site's moderator-decided and QA-graded comments,
chosen by a hash of the comment id (:func:`is_held_out`), so the same rows stay held out:
``train --from-decisions`` never trains on them.

The folder ``SITE_MODELS_DIR`` (default ``instance/site-models``) holds, per site, every
promoted version and ``current.json``, which names the version served and the one before
it (for a one-step ``moderation model rollback --site S``).  Workers watch ``current.json``
like policy files: a promotion or a rollback is served without a restart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier import Model, load_model
from classifier.evaluation import compare_auc

CURRENT = "current.json"
HELD_OUT_ONE_IN = 5
MIN_ROWS, MIN_PER_CLASS = 30, 5


def is_held_out(comment_id: int) -> bool:
    """Whether a decided comment is kept out of training, for judging candidates."""
    digest = hashlib.sha256(f"held-out:{comment_id}".encode()).digest()
    return digest[0] % HELD_OUT_ONE_IN == 0


class PromotionError(Exception):
    """A candidate was not promoted (or nothing to roll back); the message says why."""


@dataclass(frozen=True)
class Promoted:
    site: str
    version: str
    replaced: str | None
    comparison: dict[str, Any]


class SiteModels:
    """The per-site model folders under ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _site_dir(self, site: str) -> Path:
        if not site or "/" in site or "\\" in site or site.startswith("."):
            raise PromotionError(f"not a site name: {site!r}")
        return self.root / site

    def state(self, site: str) -> dict[str, Any] | None:
        """What ``current.json`` says for ``site`` (None: the site uses the shipped model)."""
        try:
            return json.loads((self._site_dir(site) / CURRENT).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def current_path(self, site: str) -> Path | None:
        """The folder of the model served to ``site``, or None for the shipped model."""
        state = self.state(site)
        return self._site_dir(site) / state["current"] if state and state.get("current") else None

    def _write_state(self, site: str, state: dict[str, Any]) -> None:
        folder = self._site_dir(site)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".current-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, indent=2)
        os.replace(name, folder / CURRENT)  # one rename: a worker reads the old or the new

    def promote(self, site: str, candidate_dir: Path, current: Model,
                rows: list[dict[str, Any]], rounds: int = 2000) -> Promoted:
        """Serve ``candidate_dir`` to ``site`` if it beats ``current`` on ``rows`` (the
        site's held-out decisions: ``{"text", "abuse"}``); else :class:`PromotionError`."""
        candidate = load_model(candidate_dir)  # hash-checked; a broken one fails here
        positives = sum(int(r["abuse"]) for r in rows)
        if len(rows) < MIN_ROWS or min(positives, len(rows) - positives) < MIN_PER_CLASS:
            raise PromotionError(
                f"{site}: {len(rows)} held-out decisions ({positives} abusive) are too few to "
                f"judge a model: at least {MIN_ROWS}, with {MIN_PER_CLASS} of each kind. "
                "Moderate and grade more, then try again.")
        texts = [r["text"] for r in rows]
        labels = [int(r["abuse"]) for r in rows]
        new = [s["abuse"] for s in candidate.score_batch(texts)]
        old = [s["abuse"] for s in current.score_batch(texts)]
        result = compare_auc(labels, new, old, rounds=rounds)
        low, high = result["interval_95"]
        if low <= 0:
            raise PromotionError(
                f"{site}: not promoted. On {len(rows)} held-out decisions the candidate's "
                f"abuse ROC AUC is {result['roc_auc'][0]:.3f} against {result['roc_auc'][1]:.3f} "
                f"for {current.version}: a difference of {result['difference']:+.3f}, 95% "
                f"interval [{low:+.3f}, {high:+.3f}], which does not exclude 0 "
                f"({result['verdict']}).")
        folder = self._site_dir(site)
        folder.mkdir(parents=True, exist_ok=True)
        version = _free_name(folder, candidate.version)
        shutil.copytree(candidate_dir, folder / version)
        load_model(folder / version)  # the copy is whole before anyone is pointed at it
        before = self.state(site) or {}
        self._write_state(site, {
            "current": version, "previous": before.get("current"),
            "promoted_at": datetime.now(UTC).isoformat(), "comparison": result,
            "replaced_model_version": current.version})
        return Promoted(site, version, before.get("current"), result)

    def rollback(self, site: str) -> dict[str, Any]:
        """Serve the version before the current one again (one step)."""
        state = self.state(site)
        if state is None or not state.get("current"):
            raise PromotionError(f"{site}: serves the shipped model; nothing to roll back.")
        previous = state.get("previous")
        new_state = {"current": previous, "previous": None,
                     "rolled_back_at": datetime.now(UTC).isoformat(),
                     "rolled_back_from": state["current"]}
        self._write_state(site, new_state)
        return new_state


def _free_name(folder: Path, version: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_.+" else "_" for ch in version) or "model"
    candidate, n = name, 1
    while (folder / candidate).exists():
        n += 1
        candidate = f"{name}-{n}"
    return candidate
