"""JSON's own number, integer and boolean for request body fields. FastAPI validates a parsed body in pydantic's lax
Python mode, which takes the string "5" or true for a number and 1 or "yes" for a boolean: values the OpenAPI
document calls invalid, usually a client's mistake. These take what JSON Schema's number, integer and boolean
take, and nothing else (an integer may be spelled 5.0, as JSON Schema allows)."""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator, StrictBool
from pydantic_core import PydanticCustomError


def _number_not_text(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise PydanticCustomError("number_type", "Input should be a number, not a string or a boolean")
    return value


# Last in the Annotated[...] of an int or float field, after its Field constraints (so that the document keeps them
# as JSON Schema's minimum and maximum): the field then takes numbers only.
NUMBER_ONLY = BeforeValidator(_number_not_text)
JsonBool = StrictBool
