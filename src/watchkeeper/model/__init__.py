"""The domain model: FtM schemata in use, markings, grading, sources, the sector taxonomy."""

from watchkeeper.model.grading import Credibility, Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source

__all__ = ["TLP", "Credibility", "Marking", "Reliability", "Source", "Viewer", "may_see"]
