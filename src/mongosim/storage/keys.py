"""Hashable keys for BSON values, equal exactly when MongoDB considers the values equal (1 == 1.0 == Int64(1),
field order matters in embedded documents, strings compare binary)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64


def id_key(value: Any) -> Any:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float, Int64)):
        return ("num", float(value)) if isinstance(value, float) else ("num", int(value))
    if isinstance(value, Decimal128):
        dec = value.to_decimal()
        return ("num", int(dec)) if dec == dec.to_integral_value() and dec.is_finite() else ("dec", dec)
    if isinstance(value, Decimal):
        return ("dec", value)
    if isinstance(value, dict):
        return ("doc", tuple((k, id_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("arr", tuple(id_key(v) for v in value))
    if isinstance(value, dt.datetime):
        return ("date", value)
    return (type(value).__name__, value)
