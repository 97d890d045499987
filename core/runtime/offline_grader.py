"""The offline grader: deterministic, no network (CONTRACT.md §3, Outcomes).

It reads the rubric's lines that start with ``must:``. The outcome is
``satisfied`` when the agent's messages of the iteration contain the text
after each ``must:``; otherwise ``needs_revision``, with feedback that quotes
each missing text. Token usage counts words, as the offline model does.
"""

from __future__ import annotations

from sessiond.core.runtime.model import Usage, count_words
from sessiond.core.runtime.outcome import Evaluation, Grading

MUST = "must:"


def required_texts(rubric: str) -> list[str]:
    out = []
    for raw in rubric.splitlines():
        line = raw.strip()
        if line.lower().startswith(MUST):
            text = line[len(MUST) :].strip()
            if text:
                out.append(text)
    return out


class OfflineGrader:
    async def grade(self, grading: Grading) -> Evaluation:
        required = required_texts(grading.rubric)
        missing = [t for t in required if t not in grading.work]
        if missing:
            quoted = "\n".join(f'- "{t}"' for t in missing)
            explanation = (
                f"Not met yet. The work does not contain:\n{quoted}\n"
                "Revise it so that it contains each of these texts."
            )
            result = "needs_revision"
        else:
            found = ", ".join(f'"{t}"' for t in required) or "nothing"
            explanation = f"Met: the work contains every required text ({found})."
            result = "satisfied"
        usage = Usage(
            count_words(grading.rubric) + count_words(grading.work), count_words(explanation)
        )
        return Evaluation(result, explanation, usage)  # type: ignore[arg-type]
