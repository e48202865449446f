"""The web layer: one FastAPI app (``app.create_app``) with one router per capability
(``routers/``), the per-process service behind them (``service``), request limits
(``limits``) and the multi-process server (``server``)."""
