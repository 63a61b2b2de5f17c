"""Hostile bodies: each one gets its documented 4xx in the one error shape, never a 500.

400 bad_request        not readable as JSON text: invalid UTF-8, numbers past Python's digit
                       limit, nesting past the parser's recursion limit
413 payload_too_large  over MAX_BODY_BYTES, with or without Content-Length
422 validation_error   valid JSON that breaks the schema; ``details`` names the field
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.models import MAX_INGREDIENTS
from shared.store import JobStore
from tests.security.conftest import SEED, SUBMIT, ApiFactory, assert_error

pytestmark = pytest.mark.redis
JSON = {"content-type": "application/json"}


def body(**fields: Any) -> dict[str, Any]:
    return {**SEED, **fields}


MALFORMED_422 = {
    "truncated_json": (b'{"product_name": "x", "ingredients": ["a"]', "body"),
    "not_json": (b"hello", "body"),
    "empty": (b"", "body"),
    "a_list": (b"[]", "body"),
    "a_string": (b'"Dove"', "body"),
    "null": (b"null", "body"),
    "nan_name": (b'{"product_name": NaN, "ingredients": ["a"]}', "body.product_name"),
    "infinity_ingredient": (b'{"product_name": "x", "ingredients": [Infinity]}', "body.ingredients.0"),
    "minus_infinity": (b'{"product_name": -Infinity, "ingredients": ["a"]}', "body.product_name"),
    "float_overflow": (b'{"product_name": 1e999999, "ingredients": ["a"]}', "body.product_name"),
    "lone_surrogate": (b'{"product_name": "\\ud800", "ingredients": ["a"]}', "body.product_name"),
}


@pytest.mark.parametrize(("raw", "field"), MALFORMED_422.values(), ids=MALFORMED_422.keys())
async def test_submit_rejects_malformed_json_with_422(api: ApiFactory, raw: bytes, field: str) -> None:
    client = await api()
    found = assert_error(await client.post(SUBMIT, content=raw, headers=JSON), 422, "validation_error")
    assert any(d["field"].startswith(field) for d in found["error"]["details"]), found


UNREADABLE_400 = {
    "invalid_utf8": b'{"product_name": "\xff\xfe", "ingredients": ["a"]}',
    "huge_integer": b'{"product_name": "x", "ingredients": [' + b"9" * 5000 + b"]}",
    "deep_nesting": b'{"product_name": "x", "ingredients": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("raw", UNREADABLE_400.values(), ids=UNREADABLE_400.keys())
async def test_submit_rejects_unreadable_json_with_400(api: ApiFactory, raw: bytes) -> None:
    client = await api()
    assert_error(await client.post(SUBMIT, content=raw, headers=JSON), 400, "bad_request")


WRONG = {
    "name_is_number": (body(product_name=123), "body.product_name"),
    "name_is_object": (body(product_name={"$gt": ""}), "body.product_name"),
    "name_blank": (body(product_name="  \t "), "body.product_name"),
    "name_too_long": (body(product_name="x" * 201), "body.product_name"),
    "brand_too_long": (body(brand="b" * 121), "body.brand"),
    "ingredients_a_string": (body(ingredients="Water, Fragrance"), "body.ingredients"),
    "ingredients_numbers": (body(ingredients=[1, 2]), "body.ingredients.0"),
    "ingredients_null": (body(ingredients=None), "body.ingredients"),
    "ingredients_empty": (body(ingredients=[]), "body.ingredients"),
    "ingredients_only_control_chars": (body(ingredients=["\u0000\u0007", "\u001b"]), "body.ingredients"),
    "ingredient_too_long": (body(ingredients=["x" * 2001]), "body.ingredients.0"),
    "ten_thousand_ingredients": (body(ingredients=[f"i{n}" for n in range(10_000)]), "body.ingredients"),
    "nested_lists": (body(ingredients=[["Water"]]), "body.ingredients.0"),
}


@pytest.mark.parametrize(("payload", "field"), WRONG.values(), ids=WRONG.keys())
async def test_submit_rejects_wrong_fields_with_422_naming_the_field(
    api: ApiFactory, payload: dict[str, Any], field: str
) -> None:
    client = await api()
    found = assert_error(await client.post(SUBMIT, json=payload), 422, "validation_error")
    assert field in found["error"]["message"], found
    assert "input" not in str(found["error"]["details"]), "errors must not echo the client's input back"


async def test_the_ingredient_cap_is_what_the_schema_says(api: ApiFactory) -> None:
    client = await api()
    ok = await client.post(SUBMIT, json=body(ingredients=[f"i{n}" for n in range(MAX_INGREDIENTS)]))
    assert ok.status_code == 202, ok.text
    assert_error(await client.post(SUBMIT, json=body(ingredients=["i"] * (MAX_INGREDIENTS + 1))), 422)


async def test_submit_rejects_oversized_body_before_reading_it(api: ApiFactory) -> None:
    client = await api()
    raw = b'{"product_name": "x", "ingredients": ["' + b"a" * (1024 * 1024) + b'"]}'
    found = assert_error(await client.post(SUBMIT, content=raw, headers=JSON), 413, "payload_too_large")
    assert "262144 bytes" in found["error"]["message"]


async def test_submit_rejects_oversized_chunked_body(api: ApiFactory) -> None:
    client = await api(max_body_bytes=64 * 1024)
    chunks_read = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        for _ in range(20):  # 1.25 MiB in all, sent without Content-Length
            chunks_read += 1
            yield b"x" * 65536

    found = assert_error(await client.post(SUBMIT, content=chunks(), headers=JSON), 413, "payload_too_large")
    assert "65536 bytes" in found["error"]["message"]
    assert found["error"]["details"] == {"max_bytes": 65536}
    assert chunks_read < 20, "the app went on reading past the limit"


async def test_a_body_just_under_the_limit_is_parsed(api: ApiFactory) -> None:
    client = await api(max_body_bytes=4096)
    raw = b'{"product_name": "x", "ingredients": ["a"], "pad": "' + b" " * 3900 + b'"}'
    assert len(raw) < 4096
    assert (await client.post(SUBMIT, content=raw, headers=JSON)).status_code == 202


async def test_control_characters_are_cleaned_never_stored_raw(api: ApiFactory, store: JobStore) -> None:
    client = await api()
    dirty = body(
        product_name="Dove\u0000 Body\u001b[31m\u2028Wash\ufeff",
        brand="Do\u0007ve",
        ingredients=["Wa\u0000ter", "\u0085Fragrance\r\n", "Cafe\u0301"],
    )
    response = await client.post(SUBMIT, json=dirty)
    assert response.status_code == 202, response.text
    record = await store.get(response.json()["job_id"])
    assert record is not None
    assert record.request.product_name == "Dove Body [31m Wash"
    assert record.request.brand == "Do ve"
    assert record.request.ingredients == ["Wa ter", "Fragrance", "Caf\u00e9"]
    raw = await store.redis.get(f"job:{record.job_id}")
    assert b"\\u0000" not in raw
    assert b"\\u001b" not in raw


async def test_unicode_text_is_kept(api: ApiFactory, store: JobStore) -> None:
    client = await api()
    response = await client.post(SUBMIT, json=body(product_name="Crème 日本 🧴", ingredients=["Aqua/Eau"]))
    assert response.status_code == 202
    record = await store.get(response.json()["job_id"])
    assert record is not None
    assert record.request.product_name == "Crème 日本 🧴"
