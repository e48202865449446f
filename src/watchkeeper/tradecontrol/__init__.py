"""Export-control enforcement: screening shipment lines for controlled goods, listed
parties and diversion routes (issue 28).

- ``rules``: the data (CHPL tiers, keyword rules, route alerts), loaded once from
  ``data/*.yaml``, each rule with its source, and the data version they make together.
- ``codes``: a declared HS code read at the precision given (heading, HS-6, national).
- ``text``: how descriptions are folded and split into words.
- ``goods``: a description and a code -> the CHPL finding, with the matched words, the
  rule and any mismatch between the code and the description.
- ``shipments``: the shipments CSV read row by row (one-line errors for bad rows).
- ``screen``: lines screened for goods, parties (``screening.Screener``, as the viewer
  sees the lists) and routes, and the flags CSV written with neutralised cells.
- ``paste``: lines pasted into the workbench.
- ``decisions``: clear / escalate on a line, bound to it and to the data version.
"""
