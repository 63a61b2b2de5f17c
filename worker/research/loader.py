"""Load, validate and index the knowledge base once per process.

:func:`load_knowledge_base` reads the JSON files under ``data/``, validates each against its
schema (:mod:`worker.research.schema`), checks the references between them, and builds the
lookup index. It is cached: the worker calls it at start-up to fail fast, and the steps call it
on first use. Nothing is read at import time. A bad file raises :class:`KnowledgeBaseError`
naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

from worker.research.index import KnowledgeBase, build_index
from worker.research.schema import BenignFile, HazardsFile, MechanismsFile, RulesFile, SourcesFile

KB_VERSION: Final = "2026.11.2"
"""The knowledge base's release; the report records it with a digest of the data files."""

DATA_DIR: Final = Path(__file__).parent / "data"

F = TypeVar("F", bound=BaseModel)


class KnowledgeBaseError(Exception):
    """The knowledge-base data is missing or invalid; the message says which file and why."""


def _read(path: Path, model: type[F], seen: list[bytes]) -> F:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read knowledge-base file {path}: {exc}") from exc
    seen.append(path.name.encode() + b"\0" + raw)
    try:
        return model.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise KnowledgeBaseError(f"{path.name} is not valid JSON: {exc}") from exc
    except ValidationError as exc:
        raise KnowledgeBaseError(f"{path.name} does not match the schema: {exc}") from exc


def read_knowledge_base(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Read, validate and index the files in ``data_dir`` (uncached; tests use it directly)."""
    seen: list[bytes] = []
    sources = _read(data_dir / "sources.json", SourcesFile, seen)
    mechanisms = _read(data_dir / "mechanisms.json", MechanismsFile, seen)
    hazard_paths = sorted(data_dir.glob("hazards_*.json"))
    if not hazard_paths:
        raise KnowledgeBaseError(f"no hazards_*.json files in {data_dir}")
    hazards = [_read(path, HazardsFile, seen) for path in hazard_paths]
    benign = _read(data_dir / "benign.json", BenignFile, seen)
    rules = _read(data_dir / "rules.json", RulesFile, seen)
    digest = hashlib.sha256(b"\0".join(seen)).hexdigest()[:12]
    version = f"{KB_VERSION}+{digest}"
    try:
        return build_index(version, sources, mechanisms, hazards, benign, rules)
    except ValueError as exc:
        raise KnowledgeBaseError(f"knowledge base in {data_dir} is inconsistent: {exc}") from exc


@cache
def _cached(data_dir: Path) -> KnowledgeBase:
    return read_knowledge_base(data_dir)


@cache
def _as_given(data_dir: Path) -> KnowledgeBase:
    # Every step asks for the knowledge base; resolving the path each time cost more than a step.
    return _cached(data_dir.resolve())


def load_knowledge_base(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """The process-wide knowledge base: loaded, validated and indexed on first call."""
    return _as_given(data_dir)
