"""Stable STIX ids, written out by hand for speed (``vocab.derived_id``), are the ids the
``uuid`` module gives: bundles made before and after stay byte-identical."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.sharing.vocab import NAMESPACE, STIX_ID, derived_id


@given(kind=st.sampled_from(["identity", "relationship", "wk-vessel", "bundle"]), key=st.text())
def test_derived_ids_are_uuid5_with_version_4_bits(kind: str, key: str) -> None:
    expected = uuid.UUID(bytes=uuid.uuid5(NAMESPACE, key).bytes, version=4)
    found = derived_id(kind, key)
    assert found == f"{kind}--{expected}"
    assert STIX_ID.match(found)
