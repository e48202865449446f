"""The knowledge base: one write path (:mod:`.writer`), one read path (:mod:`.reader`).

Nothing outside this package writes SQL against the knowledge base.
"""

from watchkeeper.store.core import Store, open_store
from watchkeeper.store.reader import EntityView, Reader
from watchkeeper.store.writer import ImportSummary, Writer

__all__ = ["EntityView", "ImportSummary", "Reader", "Store", "Writer", "open_store"]
