"""The URL policy judges every IPv6 form that carries an IPv4 address, and keeps link-local metadata closed."""

from __future__ import annotations

import ipaddress

import pytest

from monitors._security import NetworkPolicy, UrlRefusedError, check_url, embedded_ipv4

OPEN = NetworkPolicy(allow_private=True)


@pytest.mark.parametrize("host, inner", [
    ("2002:a9fe:a9fe::", "169.254.169.254"),                    # 6to4
    ("::ffff:169.254.169.254", "169.254.169.254"),              # IPv4-mapped
    ("::ffff:0:a9fe:a9fe", "169.254.169.254"),                  # IPv4-translated (SIIT)
    ("::a9fe:a9fe", "169.254.169.254"),                         # IPv4-compatible
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),                  # NAT64 well-known prefix
    ("64:ff9b:1::a9fe:a9fe", "169.254.169.254"),                # NAT64 local-use prefix
    ("2001:0:4136:e378:8000:63bf:5601:5601", "169.254.169.254"),  # Teredo client (bits inverted)
    ("fe80::5efe:a9fe:a9fe", "169.254.169.254"),                # ISATAP
    ("2001:db8::200:5efe:a9fe:aa02", "169.254.170.2"),          # ISATAP, universal bit set
])
def test_embedded_metadata_addresses_are_refused_even_with_allow_private(host, inner):
    assert ipaddress.ip_address(inner) in embedded_ipv4(ipaddress.ip_address(host))
    with pytest.raises(UrlRefusedError, match=rf"{inner}, embedded in the IPv6 address"):
        check_url(f"https://[{host}]/hook", OPEN)


@pytest.mark.parametrize("host", ["169.254.170.2", "169.254.170.23", "169.254.1.1"])
def test_ipv4_link_local_stays_refused_with_allow_private(host):
    with pytest.raises(UrlRefusedError, match="refused \\(list its network under monitor.network.allow_networks"):
        check_url(f"https://{host}/v2/credentials", OPEN)
    assert check_url(f"https://{host}/x", NetworkPolicy(allow_networks=(f"{host}/32",))) == [host]


@pytest.mark.parametrize("host", ["2002:a00:1::", "64:ff9b::a00:1", "::ffff:0:a00:1"])
def test_embedded_private_addresses_follow_allow_private(host):
    with pytest.raises(UrlRefusedError, match="10.0.0.1, embedded in the IPv6 address"):
        check_url(f"https://[{host}]/hook")
    assert check_url(f"https://[{host}]/hook", OPEN) == [host]


def test_a_resolved_name_is_judged_the_same_way():
    with pytest.raises(UrlRefusedError, match="169.254.169.254, embedded"):
        check_url("https://hooks.example.org/h", resolver=lambda host, port: ["2002:a9fe:a9fe::1"])


def test_public_addresses_pass():
    assert check_url("https://[2606:4700:4700::1111]/h") == ["2606:4700:4700::1111"]
    assert check_url("https://[2002:808:808::]/h") == ["2002:808:808::"]  # 6to4 of 8.8.8.8
