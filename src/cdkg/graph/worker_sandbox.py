"""What a query worker process may still do once it has started: the defence behind the query guard.

A worker that evaluates queries on the embedded store needs no network at all, so it gives the
network up for good (a seccomp filter: `socket()` of any family but AF_UNIX fails with EACCES,
and io_uring, which can open sockets past that check, is refused). Whatever spelling of SERVICE
slips past the guard, the engine then cannot connect anywhere. A worker that must reach the network
(a remote engine, an allowlisted federated endpoint) keeps AF_INET/AF_INET6 but loses the rest.

It also raises the worker's stack limit, so deeply nested queries the guard let through are
evaluated or refused by the engine instead of crashing the process.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import resource
import socket

NO_NETWORK = "no-network"
NETWORK = "network"
# Internet sockets, but every connect() and every send to an address is first shown to the process
# holding the filter's listener (cdkg.graph.connection_gate), which lets it through or refuses it.
GATED_NETWORK = "gated-network"

# Stack the engine may use for deep recursion (parsing and evaluating nested patterns); only the
# pages it touches are memory, so a large limit costs nothing for ordinary queries.
WORKER_STACK_BYTES = 1 << 30

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
_SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4
_SECCOMP_RET_USER_NOTIF = 0x7FC00000
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000

# (audit architecture, seccomp syscall, socket, io_uring_setup, io_uring_enter, io_uring_register)
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 317, 41, 425, 426, 427),
    "aarch64": (0xC00000B7, 277, 198, 425, 426, 427),
}
# (connect, sendto, sendmsg, sendmmsg)
_SENDING_CALLS = {"x86_64": (42, 44, 46, 307), "aarch64": (203, 206, 211, 269)}
_ARG4_LOW, _ARG4_HIGH = 48, 52

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
# Offsets in struct seccomp_data: nr, arch, then args[0] (its low 32 bits on little-endian machines).
_NR, _ARCH, _ARG0 = 0, 4, 16


class SandboxUnavailable(OSError):
    """The kernel or the machine's architecture cannot give this process the sandbox asked for."""


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def socket_families_allowed(mode: str) -> tuple[int, ...]:
    """The address families a worker in `mode` may open sockets of."""
    if mode == NO_NETWORK:
        return (socket.AF_UNIX,)
    if mode in (NETWORK, GATED_NETWORK):
        return (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK)
    raise ValueError(f"unknown worker sandbox {mode!r}; expected {NO_NETWORK!r} or {NETWORK!r}")


def enter_sandbox(mode: str) -> int | None:
    """Give up, for this process and every thread and child it will have, what `mode` does not need.

    Irreversible. Returns, for GATED_NETWORK, the file descriptor of the filter's listener, which
    the process that decides on connections must receive (and this one close). Raises
    SandboxUnavailable where seccomp filters cannot be installed (not Linux, an architecture
    without a table here, a kernel without seccomp or, for GATED_NETWORK, without listeners).
    """
    families = socket_families_allowed(mode)
    _raise_stack_limit()
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in _ARCHITECTURES:
        raise SandboxUnavailable(f"no seccomp sandbox for {platform.system()} on {machine}")
    arch, seccomp_nr, socket_nr, *uring = _ARCHITECTURES[machine]
    gated = _SENDING_CALLS[machine] if mode == GATED_NETWORK else None
    program = _filter_program(arch, socket_nr, tuple(uring), families, machine == "x86_64", gated)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {errno.errorcode[ctypes.get_errno()]}")
    filters = (_SockFilter * len(program))(*(_SockFilter(*instruction) for instruction in program))
    fprog = _SockFprog(len(program), filters)
    libc.syscall.restype = ctypes.c_long
    flags = _SECCOMP_FILTER_FLAG_TSYNC
    if gated:
        flags |= _SECCOMP_FILTER_FLAG_NEW_LISTENER | _SECCOMP_FILTER_FLAG_TSYNC_ESRCH
    result = libc.syscall(
        ctypes.c_long(seccomp_nr),
        ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(flags),
        ctypes.byref(fprog),
    )
    if gated and result > 0:
        return result
    if result != 0:
        code = ctypes.get_errno()
        raise SandboxUnavailable(f"seccomp(SET_MODE_FILTER) failed: {errno.errorcode.get(code, code)}")
    return None


def _filter_program(
    arch: int,
    socket_nr: int,
    uring: tuple[int, ...],
    families: tuple[int, ...],
    x32_check: bool,
    gated: tuple[int, int, int, int] | None = None,
) -> list[tuple[int, int, int, int]]:
    """The BPF program: other architectures' and x32 calls refused, socket() by family, io_uring refused,
    and with `gated` (connect, sendto, sendmsg, sendmmsg) those shown to the listener, but a sendto
    without an address (data on a connected socket), which goes through unseen.

    Written with labels and resolved to the relative jumps BPF takes (forward only).
    """
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    code: list[tuple] = [
        (_LD_W_ABS, None, None, _ARCH),
        (_JEQ_K, None, "deny", arch),
        (_LD_W_ABS, None, None, _NR),
    ]
    if x32_check:
        code.append((_JGE_K, "deny", None, _X32_SYSCALL_BIT))
    for number in uring:
        code.append((_JEQ_K, "deny", None, number))
    if gated is not None:
        connect_nr, sendto_nr, sendmsg_nr, sendmmsg_nr = gated
        code.append((_JEQ_K, "notify", None, connect_nr))
        code.append((_JEQ_K, "notify", None, sendmsg_nr))
        code.append((_JEQ_K, "notify", None, sendmmsg_nr))
        code.append((_JEQ_K, "sendto", None, sendto_nr))
    code.append((_JEQ_K, None, "allow", socket_nr))
    code.append((_LD_W_ABS, None, None, _ARG0))
    for family in families:
        code.append((_JEQ_K, "allow", None, family))
    code.append("deny")
    code.append((_RET_K, 0, 0, deny))
    code.append("allow")
    code.append((_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    if gated is not None:
        code.append("sendto")
        code.append((_LD_W_ABS, None, None, _ARG4_LOW))
        code.append((_JEQ_K, None, "notify", 0))
        code.append((_LD_W_ABS, None, None, _ARG4_HIGH))
        code.append((_JEQ_K, "allow_sendto", "notify", 0))
        code.append("allow_sendto")
        code.append((_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
        code.append("notify")
        code.append((_RET_K, 0, 0, _SECCOMP_RET_USER_NOTIF))

    labels: dict[str, int] = {}
    instructions: list[tuple] = []
    for entry in code:
        if isinstance(entry, str):
            labels[entry] = len(instructions)
        else:
            instructions.append(entry)

    def offset(target: object, index: int) -> int:
        if target is None:
            return 0
        return labels[target] - index - 1

    return [
        (op, offset(jt, i), offset(jf, i), k) if op in (_JEQ_K, _JGE_K) else (op, 0, 0, k)
        for i, (op, jt, jf, k) in enumerate(instructions)
    ]


def _raise_stack_limit() -> None:
    """Let the main thread's stack grow to WORKER_STACK_BYTES (or the hard limit, if lower)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    wanted = WORKER_STACK_BYTES if hard == resource.RLIM_INFINITY else min(hard, WORKER_STACK_BYTES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_STACK, (wanted, hard))


def network_is_closed() -> bool:
    """Whether this process can no longer open an Internet socket (for checks and tests)."""
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return True
    probe.close()
    return False


__all__ = [
    "GATED_NETWORK",
    "NETWORK",
    "NO_NETWORK",
    "SandboxUnavailable",
    "enter_sandbox",
    "network_is_closed",
    "socket_families_allowed",
]
