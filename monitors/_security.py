"""Where a webhook may be sent: the URL policy, and redaction of secrets from what is shown.

A retraining webhook carries data about a model to a URL someone typed into a config
file, so the sender refuses what would turn the monitor into a way to reach inside a
network (server-side request forgery):

* ``https`` is required, except to a loopback address (a sidecar on the same host) or
  when ``allow_insecure_http`` is set;
* every address the host name resolves to is checked at send time: private, link-local,
  cloud-metadata, multicast, reserved and unspecified addresses are refused unless
  ``allow_private`` is set or the address is inside one of ``allow_networks``;
* cloud-metadata endpoints and the IPv4 link-local block (169.254.0.0/16, where clouds serve
  metadata and credentials) are refused even with ``allow_private`` unless their address is
  listed in ``allow_networks`` explicitly;
* an IPv6 address that embeds an IPv4 one (mapped, translated, compatible, 6to4, Teredo,
  NAT64, ISATAP) is judged as the IPv4 address too.

Redirects are never followed (the sender's HTTP client has ``follow_redirects=False``), so a
public URL cannot bounce the request to a refused one.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Sequence

from rai._exceptions import ConfigError

__all__ = [
    "NetworkPolicy", "UrlRefusedError", "UnresolvableHostError", "check_url", "redact_url", "embedded_ipv4",
    "METADATA_ADDRESSES",
]

#: Instance-metadata and credential services of the big clouds (AWS, GCP, Azure, OpenStack:
#: 169.254.169.254; AWS IPv6: fd00:ec2::254; AWS ECS task credentials: 169.254.170.2; EKS pod
#: identity: 169.254.170.23, fd00:ec2::23; Alibaba: 100.100.100.200; Oracle: 192.0.0.192).
#: The whole IPv4 link-local block is treated the same way (see ``_address_problem``).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in (
        "169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.170.23", "fd00:ec2::23",
        "100.100.100.200", "192.0.0.192",
    )
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"})

Resolver = Callable[[str, int], Sequence[str]]


class UrlRefusedError(ConfigError):
    """A webhook URL breaks the URL policy (scheme, or an address it resolves to)."""


class UnresolvableHostError(UrlRefusedError):
    """The webhook host does not resolve (now): a delivery retries, it is not dead-lettered."""


@dataclasses.dataclass(frozen=True)
class NetworkPolicy:
    """What the webhook sender may reach (the ``monitor.network`` section of ``rai.yaml``)."""

    allow_insecure_http: bool = False
    allow_private: bool = False
    allow_networks: tuple[str, ...] = ()

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        out = []
        for net in self.allow_networks:
            try:
                out.append(ipaddress.ip_network(net, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"monitor.network.allow_networks must hold CIDR networks such as '10.0.0.0/8'; got {net!r} ({exc})."
                ) from exc
        return out


def _default_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnresolvableHostError(f"webhook host {host!r} does not resolve: {exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries: mapped, translated, compatible, 6to4, Teredo, NAT64, ISATAP.

    A host that routes these forms reaches the IPv4 address inside, so each is judged as that address.
    """
    value = int(addr)
    low = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    out = []
    if addr.ipv4_mapped is not None:
        out.append(addr.ipv4_mapped)
    if addr.sixtofour is not None:
        out.append(addr.sixtofour)
    if addr.teredo is not None:
        out.extend(addr.teredo)
    if value >> 32 == 0 and value > 1:  # IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks)
        out.append(low)
    if value >> 32 == 0xFFFF0000:  # IPv4-translated ::ffff:0:a.b.c.d
        out.append(low)
    if any(addr in net for net in _NAT64):
        out.append(low)
    if (value >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface id ::0:5efe:a.b.c.d / ::200:5efe:a.b.c.d
        out.append(low)
    return out


def _address_problem(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[str, bool] | None:
    """(what the address is, whether even ``allow_private`` keeps it refused), or ``None`` when allowed."""
    if isinstance(addr, ipaddress.IPv6Address):
        for inner in embedded_ipv4(addr):
            problem = _address_problem(inner)
            if problem is not None:
                return f"{problem[0]} ({inner}, embedded in the IPv6 address)", problem[1]
    if addr in METADATA_ADDRESSES:
        return "a cloud-metadata address", True
    if addr.is_loopback:
        return None
    if addr.is_link_local:
        # IPv4 link-local is where clouds serve metadata and credentials (169.254.0.0/16)
        return "a link-local address", isinstance(addr, ipaddress.IPv4Address)
    if addr.is_unspecified:
        return "the unspecified address", False
    if addr.is_multicast:
        return "a multicast address", False
    if addr.is_private or addr.is_reserved or not addr.is_global:
        return "a private or reserved address", False
    return None


def check_url(
    url: str,
    policy: NetworkPolicy = NetworkPolicy(),
    *,
    endpoint: str = "webhook",
    allow_insecure_http: bool = False,
    resolver: Resolver | None = None,
    resolve: bool = True,
) -> list[str]:
    """Check ``url`` against the policy; return the addresses it resolves to.

    With ``resolve=False`` (a check of the config before any network is needed) a host name
    is not looked up: only the scheme, credentials, metadata host names and literal addresses
    are judged, and only ``localhost`` counts as loopback.

    Raises
    ------
    UrlRefusedError
        Naming the endpoint, what was refused and the setting that would allow it.
    """
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    host = parsed.hostname
    if scheme not in ("http", "https") or not host:
        raise UrlRefusedError(
            f"endpoint {endpoint!r}: the url must be an absolute http(s) URL such as "
            f"'https://example.org/hook'; got {redact_url(url)!r}."
        )
    if parsed.username or parsed.password:
        raise UrlRefusedError(
            f"endpoint {endpoint!r}: credentials in the URL are not allowed (they would end up in logs); "
            "use token_env for a bearer token."
        )
    port = parsed.port or (443 if scheme == "https" else 80)
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise UrlRefusedError(f"endpoint {endpoint!r}: {host!r} is a cloud-metadata host; refused.")
    resolver_fn = resolver or _default_resolver
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        if not resolve:
            local = host.lower().rstrip(".") in ("localhost", "localhost.localdomain")
            if scheme == "http" and not local and not (allow_insecure_http or policy.allow_insecure_http):
                raise UrlRefusedError(
                    f"endpoint {endpoint!r}: plain http is only allowed to a loopback address; use https, or set "
                    f"allow_insecure_http: true on the endpoint. Got {redact_url(url)!r}."
                ) from None
            return []
        addresses = list(resolver_fn(host, port))
    if not addresses:
        raise UrlRefusedError(f"endpoint {endpoint!r}: host {host!r} resolves to no address.")
    allowed_nets = policy.networks()
    all_loopback = True
    for text in addresses:
        addr = ipaddress.ip_address(text.split("%")[0])
        mapped = addr.ipv4_mapped if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped else addr
        all_loopback = all_loopback and mapped.is_loopback
        if any(mapped in net for net in allowed_nets):
            continue
        found = _address_problem(addr)
        if found is None:
            continue
        problem, hard = found
        if not hard and policy.allow_private:
            continue
        hint = (
            "list its network under monitor.network.allow_networks to allow it"
            if hard
            else "set monitor.network.allow_private: true or list its network under monitor.network.allow_networks"
        )
        raise UrlRefusedError(
            f"endpoint {endpoint!r}: host {host!r} resolves to {text}, {problem}; refused ({hint})."
        )
    if scheme == "http" and not all_loopback and not (allow_insecure_http or policy.allow_insecure_http):
        raise UrlRefusedError(
            f"endpoint {endpoint!r}: plain http is only allowed to a loopback address; use https, or set "
            f"allow_insecure_http: true on the endpoint. Got {redact_url(url)!r}."
        )
    return addresses


def redact_url(url: str, *, hide_path: bool = False) -> str:
    """The URL without credentials and query string (and without its path when ``hide_path``).

    Incoming-webhook URLs of chat tools carry their secret in the path; pass ``hide_path``
    for those.
    """
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parsed.port}" if parsed.port else "")
    path = "/***" if hide_path and parsed.path not in ("", "/") else parsed.path
    query = "?***" if parsed.query else ""
    return f"{parsed.scheme}://{netloc}{path}{query}"
