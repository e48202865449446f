"""Signed packages for partners without a network path: a bundle, a manifest that says
who sent it to whom and the bundle's SHA-256, and an Ed25519 signature of the manifest.

The workspace's signing key lives in the workspace (``keys/ed25519.pem``, 0600, made on
first use); partners' public keys are in the trust list (``store.sharing``). A package is
refused, with one line and nothing imported, when it is truncated or not a package, when
its bundle does not match its manifest (tampered), when it is addressed to another
organisation, when its sender's key is not trusted, or when the signature does not verify
with the trusted key (tampered, or signed by another key). Packages are deterministic:
no clock inside, fixed zip dates, and Ed25519 signatures are deterministic.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from watchkeeper.errors import InputError
from watchkeeper.store import Store
from watchkeeper.store import sharing as kept_store

FORMAT = "watchkeeper-package-1"
MEMBERS = ("manifest.json", "bundle.json", "signature")
KEY_FILE = "keys/ed25519.pem"
PREFIX = "ed25519:"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MAX_PACKAGE = 300 * 1024 * 1024


def _fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def signing_key(home: Path) -> Ed25519PrivateKey:
    """The workspace's signing key, made (0600 from its first byte) when there is none."""
    path = home / KEY_FILE
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise InputError(str(path), "not an Ed25519 private key")
    return loaded


def public_text(key: Ed25519PrivateKey) -> str:
    """The public key as partners add it to their trust list: ``ed25519:<base64>``."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode()


def read_public(text: str) -> tuple[Ed25519PublicKey, str]:
    """A public key written as ``ed25519:<base64>``, and its fingerprint."""
    body = text.strip().removeprefix(PREFIX)
    try:
        raw = base64.b64decode(body, validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InputError(
            "key", "not an Ed25519 public key (ed25519:<base64 of 32 bytes>)"
        ) from None
    return key, _fingerprint(raw)


def trust(store: Store, organisation: str, text: str, by: str) -> kept_store.PartnerKey:
    """Add ``organisation``'s public key to the trust list."""
    org = store.organisation(organisation).organisation
    key, fingerprint = read_public(text)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    entry = kept_store.PartnerKey(
        org,
        PREFIX + base64.b64encode(raw).decode(),
        fingerprint,
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        by,
    )
    kept_store.add_key(store, entry)
    return entry


def pack(bundle: bytes, sender: str, recipient: str, key: Ed25519PrivateKey) -> bytes:
    """A signed package of ``bundle`` from ``sender`` to ``recipient``."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    manifest = json.dumps(
        {
            "format": FORMAT,
            "sender": sender,
            "recipient": recipient,
            "bundle_sha256": hashlib.sha256(bundle).hexdigest(),
            "bundle_bytes": len(bundle),
            "key": _fingerprint(raw),
        },
        sort_keys=True,
        indent=1,
    ).encode()
    signature = base64.b64encode(key.sign(manifest)) + b"\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in zip(MEMBERS, (manifest, bundle, signature), strict=True):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Verified:
    sender: str
    recipient: str
    bundle: bytes
    fingerprint: str


def verify(store: Store, data: bytes, name: str, me: str) -> Verified:
    """Check a package addressed to ``me``: complete, trusted, signed, untampered."""
    if len(data) > MAX_PACKAGE:
        raise InputError(name, f"{len(data):,} bytes: more than a package may be")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if sorted(names) != sorted(MEMBERS):
                raise InputError(name, f"not a Watchkeeper package (members {sorted(names)})")
            for info in archive.infolist():
                if info.file_size > MAX_PACKAGE:
                    raise InputError(name, f"{info.filename} is larger than a package may be")
            manifest_bytes = archive.read("manifest.json")
            bundle = archive.read("bundle.json")
            signature_text = archive.read("signature")
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise InputError(name, f"not a complete package (truncated or damaged: {exc})") from None
    except zipfile.error as exc:  # pragma: no cover - other damage zipfile reports
        raise InputError(name, f"damaged package: {exc}") from None
    try:
        manifest = json.loads(manifest_bytes)
        sender, recipient = str(manifest["sender"]), str(manifest["recipient"])
        wanted_digest = str(manifest["bundle_sha256"])
    except (ValueError, KeyError, TypeError):
        raise InputError(name, "the manifest is not readable", "manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise InputError(
            name, f"unknown package format {manifest.get('format')!r}", "manifest.json"
        )
    if recipient != me:
        raise InputError(name, f"addressed to {recipient!r}, not to {me!r}; not imported")
    trusted = kept_store.partner_key(store, sender)
    if trusted is None:
        raise InputError(
            name, f"{sender!r} is not in the trust list (`watchkeeper share keys add {sender} KEY`)"
        )
    key, fingerprint = read_public(trusted.public_key)
    try:
        key.verify(base64.b64decode(signature_text.strip(), validate=True), manifest_bytes)
    except (InvalidSignature, ValueError):
        raise InputError(
            name,
            f"the signature does not verify with {sender}'s trusted key: tampered or "
            "signed by another key",
            "signature",
        ) from None
    if hashlib.sha256(bundle).hexdigest() != wanted_digest:
        raise InputError(
            name, "the bundle does not match the signed manifest: tampered", "bundle.json"
        )
    return Verified(sender, recipient, bundle, fingerprint)
