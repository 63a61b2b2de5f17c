"""What a pipeline step is.

A step is a plain async function that takes a :class:`StepContext` and returns a JSON-serialisable
value (its output). The runner calls the steps of a pipeline in order, saves each output as a
checkpoint with the job, and hands the outputs of the finished steps to the next one through
``ctx.outputs``. The output of the last step is the job's result.

Steps know nothing about Redis, arq or HTTP, so they can be run and tested as plain functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.models import ResearchRequest

JSONValue = Any
"""Anything ``json.dumps`` accepts: dicts, lists, strings, numbers, booleans and None."""


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step sees: the validated request and the outputs of the steps before it."""

    job_id: str
    request: ResearchRequest
    outputs: Mapping[str, JSONValue]


StepFunction = Callable[[StepContext], Awaitable[JSONValue]]


@dataclass(frozen=True, slots=True)
class Step:
    """One named unit of work in a pipeline.

    ``name`` is a stable machine name (it keys the checkpoint), ``label`` is what clients see as
    ``current_step`` while the step runs, and ``weight`` is its share of the progress bar.
    """

    name: str
    label: str
    weight: int
    run: StepFunction


class StepFailed(Exception):
    """A step's permanent failure: the input cannot be researched, retrying will not help.

    ``code`` is one of the error codes of :class:`shared.models.ErrorCode`; ``message`` is shown to
    the client as the job's ``error``.
    """

    def __init__(self, message: str, *, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TransientError(Exception):
    """A step's passing failure (a dependency blipped): the job is retried with backoff."""
