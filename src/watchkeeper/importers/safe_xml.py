"""Streaming XML that cannot be turned against the reader.

defusedxml refuses DTDs (so no billion-laughs expansion), entity declarations and
external references; nothing is ever fetched from a network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from watchkeeper.errors import InputError


def local(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


def iter_elements(path: Path, last_record: list[str]) -> Iterator[tuple[str, Element]]:
    """Yield (event, element) pairs; errors name the file, position and last record."""
    try:
        events: Any = iterparse(str(path), events=("start", "end"), forbid_dtd=True)
        yield from events
    except DefusedXmlException as exc:
        what = {
            "DTDForbidden": "a DTD, which could expand entities or fetch external files",
            "EntitiesForbidden": "an entity declaration",
            "ExternalReferenceForbidden": "a reference to an external resource",
        }.get(type(exc).__name__, type(exc).__name__)
        raise InputError(str(path), f"refused unsafe XML: the document contains {what}") from None
    except ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        after = f" (after {last_record[0]})" if last_record else ""
        reason = str(exc).split(":")[0]
        raise InputError(
            str(path), f"malformed XML at line {line}, column {col}{after}: {reason}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            str(path), f"not valid text in the declared encoding: {exc.reason}"
        ) from None


def text(elem: Element | None, child: str | None = None) -> str | None:
    if elem is None:
        return None
    if child is not None:
        for sub in elem:
            if local(sub.tag) == child:
                return text(sub)
        return None
    value = (elem.text or "").strip()
    return value or None


def children(elem: Element, name: str) -> list[Element]:
    return [sub for sub in elem if local(sub.tag) == name]
