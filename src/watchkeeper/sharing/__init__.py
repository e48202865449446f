"""Partner sharing: STIX 2.1 bundles that keep every marking, the release gate and its
log, imports from partners, and signed packages for air-gapped exchange.

- ``vocab``: what a bundle is made of that is not ours to choose (TLP 2.0's official
  marking definitions, STIX 2.1's confidence scale) and what is (our extension, stable
  STIX ids derived from our ids, markings to and from STIX marking references).
- ``stix_export``: one reader's view of selected entities as STIX objects: persons and
  organisations as ``identity``, links as ``relationship``, everything else (vessels,
  aircraft, sanctions, events…) as objects of our extension; every value with its
  marking (granular where it differs from the object's), grade, dates and source.
- ``gate``: the release gate every outgoing bundle and package passes: read as the
  recipient (and the releasing organisation) through ``Store.read``, serialised
  deterministically, recorded in the releasing organisation's log with its SHA-256.
- ``checks``: a partner's bundle read within limits and checked whole, every reference
  resolved among what the importing organisation may see.
- ``stix_import``: a partner's checked bundle written through the one write
  path as statements with the partner's markings and grades; newer versions and
  revocations end values, keeping history; unknown properties kept and given back.
- ``package``: Ed25519-signed packages, the workspace's key and the trust list.
- ``taxii_server``: TAXII 2.1's answers for ``serve``'s ``/taxii2/`` (the routes are
  ``web/routers/taxii.py``): one collection per partner audience, the gate's bundle
  prepared once per store state, keyset pages, every page in the release log.
- ``taxii_client``: ``share pull``: a partner's collection read incrementally with
  ``taxii2-client`` into the checked import.
"""
