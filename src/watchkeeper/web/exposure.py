"""Who can reach a server: refuse to answer a network as the workspace's organisation.

Without ``WATCHKEEPER_API_KEYS`` every request is answered as the workspace's own
organisation, with everything it may see. That is right for a server on the loopback
interface (the analyst's own machine) and wrong anywhere else.
"""

from __future__ import annotations

import ipaddress

from watchkeeper.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(host: str, has_keys: bool, allow_open: bool) -> str | None:
    """None when serving ``host`` is safe; a warning when the operator opted in to an
    open server; a ``ConfigError`` otherwise."""
    if has_keys or is_loopback(host):
        return None
    if allow_open:
        return (
            f"warning: serving {host} without WATCHKEEPER_API_KEYS: everyone who reaches it"
            " is answered as the workspace's organisation"
        )
    raise ConfigError(
        f"refusing to serve {host} without WATCHKEEPER_API_KEYS: anyone on the network would"
        " be answered as the workspace's organisation; set API keys, or pass --allow-open"
    )
