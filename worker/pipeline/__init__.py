"""The pipeline runner's building blocks: a step is a named async function with a progress weight."""

from worker.pipeline.base import Step, StepContext, StepFailed, TransientError

__all__ = ["Step", "StepContext", "StepFailed", "TransientError"]
