"""One HTTP GET under the feed limits, for feeds and article pages alike.

Every server is untrusted. The whole exchange (connect, TLS, status line, headers, body) ends by
`total_s`; the body is capped after decompression; only http(s) is followed; and links a feed gives
never reach loopback, private or link-local addresses (checked on the resolved address of every
connection, redirects included, and connected to by that address, so DNS cannot answer twice). The name
lookup itself is the system resolver's, with its own timeout.
Whatever goes wrong comes back as one FetchError with a one-line reason.
"""
from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache

import httpcore
import httpx

from . import __version__
from .types import FetchLimits

USER_AGENT = f"podcaster/{__version__} (personal news podcast)"
MAX_URL_CHARS = 8192            # longer is no feed's address (servers refuse past 8 KB too)


class FetchError(Exception):
    """The page could not be had within limits; str() is a one-line reason."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")


def _inner_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible), if any."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_local(address: str) -> bool:
    """Loopback, private, link-local, shared, multicast or unspecified: not a public internet address
    (an IPv6 address carrying an IPv4 one is judged by that one: NAT64 can reach 10.0.0.1 as 64:ff9b::a00:1)."""
    ip = ipaddress.ip_address(address.split("%")[0])        # an IPv6 zone ('%eth0') is no part of it
    if ip.version == 6:
        ip = _inner_ipv4(ip) or ip
    return not ip.is_global or ip.is_multicast or ip in _IETF_PROTOCOL


@dataclass
class _Guard:
    """What one fetch may reach and until when. `local_ok` None: as the first connection goes (a
    listener's own feed may live on their network; where it redirects may not leave the internet)."""
    deadline: float
    local_ok: bool | None

    def remaining(self, timeout: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("took longer than the fetch's total time")
        return left if timeout is None else min(timeout, left)

    def vet(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for host, once they are allowed (in the resolver's order)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise httpcore.ConnectError(f"cannot resolve {host} ({e})") from None
        addresses = [info[4][0] for info in infos]
        local = any(is_local(a) for a in addresses)
        if self.local_ok is None:
            self.local_ok = local
        if local and not self.local_ok:
            raise httpcore.ConnectError(f"{host} is a local or private address; links from feeds are not "
                                        "followed there (set [fetch] local_links = true to allow it)")
        return list(dict.fromkeys(addresses))


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every wait ends by the deadline: a server dripping header bytes is cut off."""

    def __init__(self, stream: httpcore.NetworkStream, guard: _Guard):
        self._stream, self._guard = stream, guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._guard.remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._guard.remaining(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, self._guard.remaining(timeout)),
                       self._guard)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, guard: _Guard):
        self._guard, self._sockets = guard, httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        # each checked address in turn, as socket.create_connection would (an IPv6 address first on a
        # machine without an IPv6 route must not cost the feed)
        for address in (addresses := self._guard.vet(host, port)):
            try:
                stream = self._sockets.connect_tcp(address, port, self._guard.remaining(timeout), local_address,
                                                   socket_options)
                return _Stream(stream, self._guard)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                if address == addresses[-1]:
                    raise
        raise httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not fetched")


class _Transport(httpx.HTTPTransport):
    """httpx's transport (its TLS context and error mapping) over the guarded backend."""

    def __init__(self, guard: _Guard):
        super().__init__(verify=_tls())
        self._pool = httpcore.ConnectionPool(ssl_context=_tls(), max_connections=4, network_backend=_Backend(guard))


@lru_cache(maxsize=1)
def _tls():
    """One TLS context for every fetch: loading the CA bundle costs about 25 ms, twice a fetch otherwise."""
    return httpx.create_ssl_context()


def fetch(url: str, limits: FetchLimits, accept: str, listed: bool = False) -> tuple[bytes, str]:
    """GET url within limits. `listed`: the listener named this URL themselves, so it may be on their
    own network (and then so may its redirects). Returns the body and its media type ('text/html';
    '' when the server gave none). Raises FetchError."""
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"its address is over {MAX_URL_CHARS} characters long")
    guard = _Guard(time.monotonic() + limits.total_s, True if limits.local_links else None if listed else False)
    timeout = httpx.Timeout(limits.read_s, connect=limits.connect_s)
    # gzip and deflate only: we inflate them ourselves, under the cap (see _read_capped)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": accept}
    try:
        # trust_env off: an HTTP_PROXY from the environment would carry the request past these checks
        with httpx.Client(transport=_Transport(guard), timeout=timeout, trust_env=False, headers=headers) as client:
            return _get(client, httpx.URL(url), limits, guard)
    except httpx.HTTPStatusError as e:
        raise FetchError(f"HTTP {e.response.status_code}") from None
    except httpx.TimeoutException:
        over = time.monotonic() >= guard.deadline
        raise FetchError(f"took longer than {limits.total_s:g} s" if over else "timed out") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise FetchError("it or a redirect is not a valid http or https address; not followed") from None
    except (httpx.HTTPError, httpx.StreamError, OSError, zlib.error, UnicodeError) as e:
        raise FetchError(_first_line(e)) from None


def _get(client: httpx.Client, url: httpx.URL, limits: FetchLimits, guard: _Guard) -> tuple[bytes, str]:
    """Redirects followed here, not by httpx: it reads (and inflates) a redirect's body whole, past the cap."""
    for _ in range(limits.max_redirects + 1):
        if url.scheme not in ("http", "https"):
            raise FetchError("it or a redirect is not a valid http or https address; not followed")
        with client.stream("GET", url) as response:
            location = response.headers.get("Location")
            if response.status_code in (301, 302, 303, 307, 308) and location:
                url = url.join(location)              # the redirect closed unread: its body never reaches memory
                continue
            response.raise_for_status()
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            return _read_capped(response, limits, guard), media_type
    raise FetchError("too many redirects")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error).strip() else type(error).__name__


def _inflater(encoding: str):
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)      # 32: a gzip or zlib header, detected
    if encoding in ("identity", ""):
        return None
    raise FetchError("the server sent an encoding podcaster did not ask for")   # its name is the server's text


def _read_capped(response: httpx.Response, limits: FetchLimits, guard: _Guard) -> bytes:
    """The body, inflated a bounded step at a time: a gzip bomb stops at the cap, never in memory
    whole. 'deflate' without its zlib header (raw, as some servers send it) is read too."""
    cap = limits.max_bytes
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    inflater = _inflater(encoding)
    body, first = bytearray(), True
    for chunk in response.iter_raw():
        if time.monotonic() > guard.deadline:
            raise FetchError(f"took longer than {limits.total_s:g} s")
        if inflater is not None:
            try:
                # at most one byte past the cap per step: a bomb's expansion never sits in memory whole
                chunk = inflater.decompress(chunk, cap + 1 - len(body))
            except zlib.error:
                if encoding != "deflate" or not first:
                    raise FetchError(f"its {encoding} body is damaged") from None
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)       # raw deflate, no zlib header
                chunk = _inflate_raw(inflater, chunk, cap)
        first = False
        body += chunk
        if len(body) > cap:
            raise FetchError(f"larger than {limits.max_mb:g} MB")
    return bytes(body)


def _inflate_raw(inflater, chunk: bytes, cap: int) -> bytes:
    try:
        return inflater.decompress(chunk, cap + 1)
    except zlib.error:
        raise FetchError("its deflate body is damaged") from None
