"""Rendering of operation results: one result object, shown as a table, JSON or YAML."""

from __future__ import annotations

from mongo_admin.output.render import OutputFormat, render, to_data

__all__ = ["OutputFormat", "render", "to_data"]
