"""NMEA 0183 AIVDM/AIVDO: multi-part assembly, tag-block and trailing receiver times, pyais decoding.

pyais's own streams skip bad sentences silently; analysts need to know how many were
dropped and why, so sentences are fed to pyais one by one here and every failure counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException
from pyais.messages import AISSentence, NMEASentenceFactory

from watchkeeper.maritime.records import UNDATED, Identity, IngestReport, Position, valid_position

POSITION_TYPES = {1, 2, 3, 18, 19, 27}
STATIC_TYPES = {5, 24}
# A sentence followed by receiver metadata, the last field a Unix time (AISdb/ShipDB style).
TRAILING = re.compile(rb"^(?P<sentence>.*\*[0-9A-Fa-f]{2})(?P<rest>,.*)$")
PENDING_LIMIT = 1000


def _receiver_time(line: bytes) -> tuple[bytes, datetime | None]:
    """Split off trailing receiver metadata and read its Unix time, if any."""
    found = TRAILING.match(line)
    if not found:
        return line, None
    stamp = found.group("rest").rsplit(b",", 1)[-1].strip()
    when = None
    if stamp.isdigit() and len(stamp) == 10:
        when = datetime.fromtimestamp(int(stamp), UTC)
    return found.group("sentence"), when


def _tag_time(sentence: AISSentence) -> datetime | None:
    if sentence.tag_block is None:
        return None
    try:
        sentence.tag_block.init()
        stamp = sentence.tag_block.receiver_timestamp
    except Exception:  # a damaged tag block: the sentence may still decode
        return None
    if not stamp:
        return None
    value = int(stamp)
    if value > 10**11:  # some receivers write milliseconds
        value //= 1000
    return datetime.fromtimestamp(value, UTC)


def _none_if(value: Any, *unavailable: Any) -> float | None:
    if value is None or value in unavailable:
        return None
    return float(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("@", "").strip()
    return text or None


def read_nmea(
    path: Path, report: IngestReport, assume_time: datetime | None = None
) -> Iterator[Position | Identity]:
    """Decode a file of sentences. ``assume_time`` dates sentences that carry no receiver
    time (a raw log of known capture time); without it they are counted and skipped."""
    report.format = "nmea"
    pending: dict[tuple[Any, ...], list[tuple[AISSentence, datetime | None]]] = {}
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            report.lines += 1
            line = raw.strip()
            if not line:
                continue
            where = f"line {number}: {line[:80].decode('ascii', 'replace')}"
            line, trailing_time = _receiver_time(line)
            try:
                sentence = NMEASentenceFactory.produce(line)
            except (InvalidNMEAMessageException, UnknownMessageException, ValueError, IndexError):
                report.reject("malformed sentences", where)
                continue
            if not isinstance(sentence, AISSentence):
                continue  # other NMEA sentence types carry no AIS
            if not sentence.is_valid:
                report.reject("bad checksums", where)
                continue
            when = _tag_time(sentence) or trailing_time or assume_time
            if sentence.is_single:
                parts = [(sentence, when)]
            else:
                slot = (sentence.seq_id, sentence.channel, sentence.frag_cnt)
                if sentence.frag_num == 1:
                    pending[slot] = [(sentence, when)]
                elif slot in pending and len(pending[slot]) == sentence.frag_num - 1:
                    pending[slot].append((sentence, when))
                else:
                    report.reject("orphan fragments", where)
                    continue
                if len(pending[slot]) < sentence.frag_cnt:
                    if len(pending) > PENDING_LIMIT:  # never let unfinished messages pile up
                        pending.pop(next(iter(pending)))
                        report.reject("incomplete multi-part messages", where)
                    continue
                parts = pending.pop(slot)
            yield from _decode(parts, report, where)
    for _ in pending:
        report.reject("incomplete multi-part messages", "end of file")


def _decode(
    parts: list[tuple[AISSentence, datetime | None]], report: IngestReport, where: str
) -> Iterator[Position | Identity]:
    try:
        message = (
            parts[0][0]
            if len(parts) == 1
            else AISSentence.assemble_from_iterable([p for p, _ in parts])
        )
        decoded = message.decode()
    except Exception:  # pyais raises a variety of errors on damaged payloads
        report.reject("undecodable payloads", where)
        return
    when = next((t for _, t in parts if t is not None), None)
    kind = decoded.msg_type
    if kind not in POSITION_TYPES and kind not in STATIC_TYPES:
        return  # base stations, safety messages...: not ship tracks
    if when is None:
        report.reject(UNDATED, where)
        return
    data: dict[str, Any] = decoded.asdict()
    mmsi = int(data["mmsi"])
    if mmsi <= 0:
        report.reject("messages with an invalid vessel id", where)
        return
    if kind in POSITION_TYPES:
        lat, lon = data.get("lat"), data.get("lon")
        if lat is None or lon is None or not valid_position(float(lat), float(lon)):
            report.reject("positions not available or off the globe", where)
            return
        yield Position(
            mmsi,
            when,
            float(lat),
            float(lon),
            _none_if(data.get("speed"), 102.3),
            _none_if(data.get("course"), 360.0),
            _none_if(data.get("heading"), 511),
        )
        return
    length = (data.get("to_bow") or 0) + (data.get("to_stern") or 0)
    width = (data.get("to_port") or 0) + (data.get("to_starboard") or 0)
    imo = data.get("imo")
    yield Identity(
        mmsi,
        when,
        name=_text(data.get("shipname")),
        imo=str(imo) if imo else None,
        call_sign=_text(data.get("callsign")),
        ship_type=int(data["ship_type"]) if data.get("ship_type") is not None else None,
        length=float(length) or None,
        width=float(width) or None,
        destination=_text(data.get("destination")),
    )
