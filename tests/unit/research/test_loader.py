"""The knowledge base: size, and a bad data file rejected with a clear message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from worker.research.index import KnowledgeBase
from worker.research.loader import DATA_DIR, KnowledgeBaseError, load_knowledge_base, read_knowledge_base


def test_knowledge_base_is_large_enough(kb: KnowledgeBase) -> None:
    assert len(kb.hazards) >= 220
    assert kb.benign_count >= 1000


def test_it_is_loaded_once_per_process() -> None:
    assert load_knowledge_base() is load_knowledge_base()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, change: str, to: str) -> None:
    text = path.read_text()
    assert change in text
    path.write_text(text.replace(change, to, 1))


def test_unknown_source_is_rejected(data: Path) -> None:
    _edit(data / "hazards_food.json", '"source": "iarc-73"', '"source": "iarc-9999"')
    with pytest.raises(KnowledgeBaseError, match="unknown source 'iarc-9999'"):
        read_knowledge_base(data)


def test_schema_error_names_the_file_and_field(data: Path) -> None:
    _edit(data / "hazards_food.json", '"severity": "high"', '"severity": "extreme"')
    with pytest.raises(KnowledgeBaseError, match=r"(?s)hazards_food\.json does not match the schema.*severity"):
        read_knowledge_base(data)


def test_invalid_json_is_rejected(data: Path) -> None:
    (data / "benign.json").write_text("{not json")
    with pytest.raises(KnowledgeBaseError, match=r"benign\.json is not valid JSON"):
        read_knowledge_base(data)


def test_bad_cas_check_digit_is_rejected(data: Path) -> None:
    _edit(data / "hazards_food.json", '"7632-00-0"', '"7632-00-1"')
    with pytest.raises(KnowledgeBaseError, match="not a valid CAS number"):
        read_knowledge_base(data)


def test_a_name_pointing_at_two_entries_is_rejected(data: Path) -> None:
    _edit(data / "hazards_food.json", '"names": ["sodium nitrite"', '"names": ["talc", "sodium nitrite"')
    with pytest.raises(KnowledgeBaseError, match="'talc' names both"):
        read_knowledge_base(data)


def test_a_benign_name_caught_by_a_hazard_pattern_is_rejected(data: Path) -> None:
    path = data / "benign.json"
    doc = json.loads(path.read_text())
    doc["benign"][0]["items"].append("laureth-4 water")
    path.write_text(json.dumps(doc))
    with pytest.raises(KnowledgeBaseError, match="matches hazard pattern"):
        read_knowledge_base(data)


def test_a_missing_file_is_rejected(data: Path) -> None:
    (data / "rules.json").unlink()
    with pytest.raises(KnowledgeBaseError, match="cannot read knowledge-base file"):
        read_knowledge_base(data)


def test_version_changes_with_the_data(data: Path, kb: KnowledgeBase) -> None:
    assert read_knowledge_base(data).version == kb.version
    _edit(data / "benign.json", '"sorbitol"', '"sorbitol", "sorbit"')
    assert read_knowledge_base(data).version != kb.version
