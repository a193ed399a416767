"""Offline language identification with py3langid (its model ships in the wheel and loads
without pickle).  The model is loaded when a policy that needs it is loaded, never while
evaluating."""

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


def get_identifier() -> Identifier:
    """The process-wide identifier, loading its model on first use (about half a second)."""
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = Identifier()
        return _identifier
