"""Maritime watch: AIS ingest into a Parquet dataset (and, later, detectors and engines).

The maritime dataset is owned by this package alone; it never writes the knowledge base.
"""
