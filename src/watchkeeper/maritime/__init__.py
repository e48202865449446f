"""Maritime watch: AIS ingest into a Parquet dataset (ingest, columnar, nmea, dataset),
the places where ships are expected to stop (places: ports gazetteer, learned anchorages),
detectors as portable SQL on DuckDB or Spark (detectors, engines) with one event per
episode (episodes), the simulator and its evaluation, tracks, and alerts ranked by
declared rules (alerts, data/alert_rules.yaml) over events tied to the knowledge base
(link).

The maritime dataset is owned by this package alone; it writes the knowledge base only
through the store's write path (link), and reads it only through the viewer's read path.
"""
