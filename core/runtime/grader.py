"""The model grader: a separate model request, in a context of its own, that
scores the agent's work against the rubric and answers with a verdict.

The grader never sees the agent's conversation, only the outcome's
description, the rubric and the work of the iteration (the docs' "Define
outcomes": the grader uses a separate context window). It is asked for a JSON
verdict; the answer is parsed leniently (the last JSON object in the text,
else a verdict word), and an answer with no verdict is a failed evaluation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sessiond.core.runtime.model import (
    Finish,
    Message,
    Model,
    ModelRequest,
    Text,
    TextDone,
    Usage,
)
from sessiond.core.runtime.outcome import Evaluation, Grading, Verdict

GRADER_SYSTEM = (
    "You are a strict grader. You are given a task description, a rubric and the "
    "work an agent produced for the task. Score each rubric criterion independently "
    "against the work alone. Answer with one JSON object and nothing else: "
    '{"result": "satisfied" | "needs_revision" | "failed", "explanation": "..."}. '
    'Use "satisfied" when every criterion is met; "needs_revision" when some are not, '
    "and then say in the explanation which criteria failed and what to change; "
    '"failed" only when the rubric cannot apply to the work at all.'
)

_VERDICTS: tuple[Verdict, ...] = ("needs_revision", "satisfied", "failed")
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def grading_prompt(g: Grading) -> str:
    return (
        f"<task>\n{g.description}\n</task>\n\n<rubric>\n{g.rubric}\n</rubric>\n\n"
        f'<work iteration="{g.iteration}">\n{g.work or "(the agent produced no message)"}\n'
        "</work>\n\nGrade the work against the rubric. Answer with the JSON verdict only."
    )


def parse_verdict(text: str) -> Evaluation:
    """The verdict in a grader's answer: a JSON object with ``result`` (and
    ``explanation``), possibly fenced or surrounded by prose; else the first
    verdict word found; else a failed evaluation that says so."""
    for candidate in _json_candidates(text):
        result = str(candidate.get("result", candidate.get("verdict", ""))).strip().lower()
        if result in _VERDICTS:
            explanation = str(candidate.get("explanation") or "").strip()
            return Evaluation(result, explanation or f"The grader answered {result}.")  # type: ignore[arg-type]
    lowered = text.lower()
    found = [(lowered.find(v), v) for v in _VERDICTS if v in lowered]
    if found:
        _, verdict = min(found)
        return Evaluation(verdict, text.strip())
    return Evaluation("failed", "The grader gave no verdict: " + (text.strip()[:500] or "(empty)"))


def _json_candidates(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    match = _OBJECT.search(text)
    spans = [match.group(0)] if match else []
    # Also each balanced-looking object from the end (a prose answer may hold several).
    spans += re.findall(r"\{[^{}]*\}", text)[::-1]
    for span in spans:
        try:
            value = json.loads(span)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


class ModelGrader:
    """Grades with a model through the same :class:`Model` protocol as turns."""

    def __init__(self, model: Model) -> None:
        self._model = model

    async def grade(self, grading: Grading) -> Evaluation:
        request = ModelRequest(
            model=grading.model,
            system=GRADER_SYSTEM,
            messages=[Message("user", [Text(grading_prompt(grading))])],
            turn_key=f"grader:{grading.iteration}",
        )
        texts: list[str] = []
        usage = Usage()
        async for chunk in self._model.stream(request):
            if isinstance(chunk, TextDone):
                texts.append(chunk.text)
            elif isinstance(chunk, Finish):
                usage = chunk.usage
        verdict = parse_verdict("\n".join(texts))
        return Evaluation(verdict.result, verdict.explanation, usage)
