"""What one request may ask for. Every bound answers with a one-line 4xx, yente's code
where yente has one: a body over MAX_BODY is 413, a URL over MAX_URL 414 (yente's
limit), more than MAX_QUERIES queries 400 (yente's), any other bound 422.

Together they bound a request's work: at most MAX_NAMES names are analysed and
screened, each at most MAX_VALUE characters long, and the screener yields to other
requests between queries (``routers.screening``)."""

from __future__ import annotations

MAX_BODY = 2 * 1024 * 1024
"""Bytes in a request body (a full batch of 100 detailed queries is under 200 kB)."""
MAX_URL = 60_000
"""Characters in a request's path and query string (yente's default)."""
MAX_QUERIES = 100
"""Queries in one ``/match`` request (yente's MAX_BATCH)."""
MAX_VALUES = 50
"""Values of one property of one query."""
MAX_NAMES = 1000
"""Names in all the queries of one request, together."""
MAX_VALUE = 2000
"""Characters in one value (a name, an identifier, a reason)."""
MAX_MATCHES = 500
"""Results per ``/match`` query (yente's MAX_MATCHES)."""
MAX_PAGE = 500
"""Results per ``/search`` page and adjacent property (yente's MAX_PAGE)."""
MAX_RESULTS = 9999
"""``offset + limit`` on ``/search`` (yente's window)."""
MAX_FILTERS = 100
"""Values of the filter parameters of one request, together (datasets, topics, ids...)."""
