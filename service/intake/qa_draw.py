"""The draw of the QA sample: whether a comment the policy published is also graded.

The sample itself (the ``qa`` queue, grades, the leak estimate) is review work:
``service.review.qa``.  The draw is the submit path's, so it lives here and the submit path
loads no review code.
"""

from __future__ import annotations

import random

from flask import current_app


def draw(rate: float) -> bool:
    """Whether a comment the policy published goes to the ``qa`` queue too."""
    if rate <= 0:
        return False
    extensions = current_app.extensions
    rng = extensions.get("moderation.qa_random")
    if rng is None:
        seed = current_app.config.get("QA_SAMPLE_SEED")
        rng = random.Random(seed) if seed is not None else random.SystemRandom()
        extensions["moderation.qa_random"] = rng
    return rng.random() < rate
