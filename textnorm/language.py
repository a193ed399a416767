"""Offline language identification with py3langid (its model ships in the wheel and loads
without pickle).  One identifier per process serves the policy engine (``language:``
conditions, loaded with the policy) and the classifier's second stage (English only)."""

from __future__ import annotations

import threading

__all__ = ["Identifier", "get_identifier"]

_lock = threading.Lock()
_identifier: Identifier | None = None


class Identifier:
    """Wraps py3langid's identifier with normalised probabilities."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._impl = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self.languages = frozenset(self._impl.nb_classes)

    def classify(self, text: str) -> tuple[str, float]:
        """The most likely ISO 639-1 code of ``text`` and its probability."""
        lang, prob = self._impl.classify(text)
        return str(lang), float(prob)

    def probability(self, text: str, language: str) -> float:
        """How likely ``text`` is in ``language`` (an ISO 639-1 code)."""
        return float(dict(self._impl.rank(text)).get(language, 0.0))


def get_identifier() -> Identifier:
    """The process-wide identifier, loading its model on first use (about half a second)."""
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = Identifier()
        return _identifier
