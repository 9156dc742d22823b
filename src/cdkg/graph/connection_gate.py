"""The decisions on a federation worker's connections: only to the allowlisted endpoints (and DNS).

A worker in the GATED_NETWORK sandbox (cdkg.graph.worker_sandbox) is stopped by the kernel at
every connect() and every send to an address; the process that started it holds the filter's
listener and, in a thread, reads the address from the worker's memory and lets the call go on
only to an address an allowlisted endpoint's host resolves to, on its port, or to a name server
of /etc/resolv.conf on port 53. Anything else fails in the worker with EACCES. So even a query
the guard misread reaches only the endpoints the operator allowed.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import ipaddress
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

# struct seccomp_notif (80 bytes) and struct seccomp_notif_resp (24 bytes), and their ioctls.
_NOTIF = struct.Struct("=QII" + "iIQ6Q")
_RESPONSE = struct.Struct("=QqiI")
_IOCTL_RECV = 0xC0502100
_IOCTL_SEND = 0xC0182101
_FLAG_CONTINUE = 1
_X86_64 = {42: "connect", 44: "sendto", 46: "sendmsg", 307: "sendmmsg"}
_AARCH64 = {203: "connect", 206: "sendto", 211: "sendmsg", 269: "sendmmsg"}
_CALLS = {0xC000003E: _X86_64, 0xC00000B7: _AARCH64}
# Addresses are looked up again at most this often, so an endpoint that moves is still reached.
RESOLVE_SECONDS = 60.0
_MSGHDR = struct.Struct("=QI4x")  # msg_name, msg_namelen (the start of struct msghdr)
_MMSGHDR_BYTES = 64


class AllowedEndpoints:
    """The (address, port) pairs the allowlisted endpoints resolve to, and the name servers."""

    def __init__(self, allowlist: Iterable[str], resolv_conf: str = "/etc/resolv.conf") -> None:
        self.hosts: list[tuple[str, int]] = []
        for iri in allowlist:
            parts = urlsplit(iri)
            if parts.hostname:
                self.hosts.append((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)))
        self.name_servers = _name_servers(resolv_conf)
        self._lock = threading.Lock()
        self._resolved: set[tuple[str, int]] = set()
        self._resolved_at = float("-inf")

    def allows(self, address: str, port: int) -> bool:
        """Whether a connection to `address` (textual IPv4 or IPv6) on `port` may go ahead."""
        address = _canonical(address)
        if port == 53 and address in self.name_servers:
            return True
        if (address, port) in self._addresses():
            return True
        return (address, port) in self._addresses(refresh=True)

    def _addresses(self, refresh: bool = False) -> set[tuple[str, int]]:
        with self._lock:
            stale = time.monotonic() - self._resolved_at > RESOLVE_SECONDS
            if refresh and not stale and self._resolved:
                return self._resolved
            if refresh or stale:
                found: set[tuple[str, int]] = set()
                for host, port in self.hosts:
                    try:
                        for *_, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
                            found.add((_canonical(sockaddr[0]), port))
                    except OSError:
                        continue
                self._resolved, self._resolved_at = found, time.monotonic()
            return self._resolved


class ConnectionGate:
    """Answers one gated worker's connection requests until its listener closes (the worker is gone)."""

    def __init__(self, listener_fd: int, endpoints: AllowedEndpoints) -> None:
        self.listener_fd = listener_fd
        self.endpoints = endpoints
        self.refused: list[tuple[str, str, int]] = []
        self._thread = threading.Thread(target=self._serve, name="cdkg-connection-gate", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        buffer = bytearray(_NOTIF.size)
        poller = select.poll()
        poller.register(self.listener_fd, select.POLLIN)
        try:
            while True:
                events = poller.poll()
                if not any(event & select.POLLIN for _, event in events):
                    return  # POLLHUP: the worker, and with it the filter, are gone
                buffer[:] = bytes(_NOTIF.size)
                try:
                    fcntl.ioctl(self.listener_fd, _IOCTL_RECV, buffer)
                except InterruptedError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.ENOENT:  # the calling thread went away meanwhile
                        continue
                    return
                notification_id, pid, _, nr, arch, _, *args = _NOTIF.unpack(buffer)
                allowed = self._decide(pid, _CALLS.get(arch, {}).get(nr), args)
                response = _RESPONSE.pack(
                    notification_id, 0, 0 if allowed else -errno.EACCES, _FLAG_CONTINUE if allowed else 0
                )
                try:
                    fcntl.ioctl(self.listener_fd, _IOCTL_SEND, bytearray(response))
                except OSError:
                    continue
        finally:
            os.close(self.listener_fd)

    def _decide(self, pid: int, call: str | None, args: list[int]) -> bool:
        try:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
                addresses = _addresses_of(memory, call, args)
        except OSError:
            return False
        if addresses is None:
            return False
        for family, host, port in addresses:
            if family == socket.AF_UNIX:
                continue  # a name service's local socket; nothing leaves the machine through it
            if host is None or not self.endpoints.allows(host, port):
                self.refused.append((call or "?", host or "?", port))
                return False
        return True


def _addresses_of(memory, call: str | None, args: list[int]) -> list[tuple[int, str | None, int]] | None:
    """The socket addresses a gated call names, read from the calling process; None if unreadable."""
    if call == "connect":
        return [_sockaddr(memory, args[1], args[2])]
    if call == "sendto":
        return [_sockaddr(memory, args[4], args[5])] if args[4] else []
    if call == "sendmsg":
        return _message_addresses(memory, [args[1]])
    if call == "sendmmsg":
        count = min(args[2], 1024)
        return _message_addresses(memory, [args[1] + i * _MMSGHDR_BYTES for i in range(count)])
    return None


def _message_addresses(memory, headers: list[int]) -> list[tuple[int, str | None, int]]:
    found = []
    for header in headers:
        memory.seek(header)
        name, length = _MSGHDR.unpack(memory.read(_MSGHDR.size))
        if name:
            found.append(_sockaddr(memory, name, length))
    return found


def _sockaddr(memory, pointer: int, length: int) -> tuple[int, str | None, int]:
    memory.seek(pointer)
    raw = memory.read(max(0, min(length, 128)))
    if len(raw) < 2:
        return (-1, None, 0)
    family = struct.unpack("=H", raw[:2])[0]
    if family == socket.AF_INET and len(raw) >= 8:
        return (family, socket.inet_ntop(socket.AF_INET, raw[4:8]), struct.unpack("!H", raw[2:4])[0])
    if family == socket.AF_INET6 and len(raw) >= 24:
        return (family, socket.inet_ntop(socket.AF_INET6, raw[8:24]), struct.unpack("!H", raw[2:4])[0])
    if family == socket.AF_UNIX:
        return (family, "", 0)
    return (family, None, 0)


def _canonical(address: str) -> str:
    """IPv4-mapped IPv6 addresses as IPv4, others as ipaddress writes them."""
    try:
        parsed = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def _name_servers(resolv_conf: str) -> frozenset[str]:
    try:
        with open(resolv_conf, encoding="utf-8", errors="replace") as conf:
            lines = conf.read().splitlines()
    except OSError:
        return frozenset()
    servers = {
        _canonical(line.split()[1])
        for line in lines
        if line.startswith("nameserver") and len(line.split()) > 1
    }
    return frozenset(servers)


_PIDFD_GETFD = 438  # the same number on x86_64 and aarch64


def take_descriptor(pid: int, descriptor: int) -> int:
    """A copy, in this process, of file descriptor `descriptor` of process `pid` (a child of ours)."""
    pidfd = os.pidfd_open(pid)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        copy = libc.syscall(ctypes.c_long(_PIDFD_GETFD), ctypes.c_long(pidfd), ctypes.c_long(descriptor), 0)
        if copy < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"pidfd_getfd: {os.strerror(code)}")
        return copy
    finally:
        os.close(pidfd)


__all__ = ["AllowedEndpoints", "ConnectionGate", "take_descriptor"]
