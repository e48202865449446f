"""What one request may ask for."""

from __future__ import annotations

MAX_QUERIES = 100
"""Queries in one ``/match`` request."""
MAX_VALUE = 2000
"""Characters in one value (a name, an identifier, a reason)."""
