"""JSON responses sent as built: the routes' ``response_model`` describes them in the
OpenAPI schema (and the schema tests check them), without re-validating every answer."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_response(
    data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(data),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
