"""The worker confines itself before any student code runs: Landlock, seccomp, no capabilities.

Called by :mod:`worker` once numpy is imported (its start-up reads files the student may not).
Nothing here needs root or a set-up step; each layer is applied where the kernel offers it, and
:func:`confine` reports which layers are in effect so that the grader can say so (and, in class
mode, refuse to go on without them).

- **capabilities**: every capability is dropped, from the bounding set too, so a worker that
  runs as root cannot raise its resource limits, override file permissions or signal others.
- **Landlock** (Linux 5.13+): the process may read only the Python standard library (entry by
  entry, never site-packages or dist-packages), numpy's real folders, the shared objects it has
  already mapped, the worker's own files, a few device files, and its work folder; it may write
  only to files that already exist in its work folder (creating none, so what it can write is
  bounded by RLIMIT_FSIZE times the files there), execute nothing, bind or connect no TCP socket
  (ABI 4+), and signal or reach abstract UNIX sockets of no process but itself (ABI 6+).
- **seccomp** (x86_64): no new processes (fork, vfork, clone without CLONE_THREAD; clone3 answers
  ENOSYS so that threads fall back to clone), no exec, no sockets, no ptrace or process_vm_*, no
  signals or priority, affinity or limit changes aimed at another process, no TIOCSTI or
  TIOCLINUX, no mount, unshare, setns or chroot, no io_uring, bpf, perf_event_open, keyctl,
  userfaultfd, SysV or POSIX IPC, memfd, and none of the administrator's system calls. Threads
  keep working (numpy, BLAS).

This module is copied into the worker's sandbox: it uses only the standard library (ctypes).
"""

from __future__ import annotations

import ctypes
import functools
import os
import struct
import sys

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24

# Landlock (include/uapi/linux/landlock.h); its system calls have the same numbers on every architecture
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << n for n in range(4, 13))
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

DEVICES = {"/dev/null": READ_FILE | WRITE_FILE, "/dev/zero": READ_FILE, "/dev/urandom": READ_FILE, "/dev/random": READ_FILE}


class ConfinementError(OSError):
    """A layer the kernel offers could not be applied."""


def _fail(what: str):
    errno = ctypes.get_errno()
    raise ConfinementError(errno, f"{what}: {os.strerror(errno)}")


# -- what the kernel offers ---------------------------------------------------------------------

def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where Landlock is missing or disabled."""
    if sys.platform != "linux":
        return 0
    version = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def seccomp_supported() -> bool:
    """Whether this process may install a seccomp filter of ours: Linux on x86_64."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return False
    try:
        with open("/proc/self/status") as status:
            return any(line.startswith("Seccomp:") for line in status)
    except OSError:
        return False


def available() -> dict[str, str]:
    """The layers this machine offers, as :func:`confine` would name them; empty: none."""
    layers = {}
    abi = landlock_abi()
    if abi:
        layers["landlock"] = f"Landlock ABI {abi}"
    if seccomp_supported():
        layers["seccomp"] = "seccomp"
    return layers


def unavailable_reason() -> str:
    """One line on why a layer is missing here (for the grader's isolation line)."""
    if sys.platform != "linux":
        return f"{sys.platform} has neither Landlock nor seccomp"
    missing = [name for name in ("landlock", "seccomp") if name not in available()]
    reasons = {"landlock": "Landlock is not enabled in this kernel (Linux 5.13+, lsm=landlock) or is blocked here",
               "seccomp": f"seccomp filters are not available here ({os.uname().machine})"}
    return "; ".join(reasons[name] for name in missing)


# -- the layers ---------------------------------------------------------------------------------

def drop_capabilities() -> None:
    """Drop every capability: permitted, effective, inheritable and the bounding set."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            last = int(handle.read())
    except (OSError, ValueError):
        last = 40
    for cap in range(last + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EPERM without CAP_SETPCAP: nothing to drop then
    header = struct.pack("=Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = ctypes.create_string_buffer(24)  # two zeroed __user_cap_data_struct
    if _libc.capset(ctypes.c_char_p(header), data) != 0:
        _fail("capset")


def no_new_privileges() -> None:
    """Set no-new-privileges: no exec of this process or its children gains a privilege (setuid
    bits, file capabilities); Landlock and seccomp require it of an unprivileged caller."""
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")


@functools.lru_cache(maxsize=1)
def readable_roots() -> tuple[tuple[str, int], ...]:
    """(path, rights) the worker may read: stdlib entries, numpy, mapped objects, devices.

    Rights on a file hold only file rights (Landlock refuses others on a file). Worked out
    once per process: class mode's zygote does it before it forks, so that its workers share
    it (what they have mapped is what it had).
    """
    rules = []
    stdlib = os.path.dirname(os.path.realpath(os.__file__))  # lib-dynload lies beneath it
    with os.scandir(stdlib) as entries:
        for entry in entries:
            if entry.name not in ("site-packages", "dist-packages"):
                rules.append((entry.path, READ_FILE | READ_DIR if entry.is_dir() else READ_FILE))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        site = os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__)))
        rules += [(os.path.join(site, name), READ_FILE | READ_DIR) for name in ("numpy", "numpy.libs")]
    with open("/proc/self/maps") as maps:  # the interpreter, libc, BLAS: loaded, and loaded again by nothing
        mapped = {line.split(maxsplit=5)[5].strip() for line in maps if line.count(" ") >= 5 and "/" in line}
    rules += [(path, READ_FILE) for path in sorted(mapped) if not path.endswith(" (deleted)")]
    rules.append(("/etc/ld.so.cache", READ_FILE))
    rules += DEVICES.items()
    return tuple(rules)


def restrict_filesystem(engine: str, work: str, abi: int) -> None:
    """Landlock: read as :func:`readable_roots` says, plus ``engine``; read and write in ``work``."""
    fs = (1 << 13) - 1
    if abi >= 2:
        fs |= REFER
    if abi >= 3:
        fs |= TRUNCATE
    if abi >= 5:
        fs |= IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scoped)[: 24 if abi >= 6 else 16 if abi >= 4 else 8]
    ruleset = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        _fail("landlock_create_ruleset")
    try:
        writable = READ_FILE | READ_DIR | WRITE_FILE | REMOVE_FILE | (TRUNCATE & fs)
        for path, rights in [*readable_roots(), (engine, READ_FILE | READ_DIR), (work, writable)]:
            _allow(ruleset, path, rights & fs)
        no_new_privileges()
        if _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            _fail("landlock_restrict_self")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, rights: int) -> None:
    """Add a path-beneath rule; a path that does not exist is skipped (it grants nothing then)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        rule = struct.pack("=Qi", rights, fd)  # struct landlock_path_beneath_attr is packed
        if _libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                         ctypes.c_char_p(rule), ctypes.c_uint32(0)) != 0:
            _fail(f"landlock_add_rule({path})")
    finally:
        os.close(fd)


# -- seccomp: a classic BPF program over struct seccomp_data -------------------------------------

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
EPERM, ENOSYS = 1, 38
CLONE_THREAD = 0x00010000
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 1, 1
SYS_SECCOMP = 317

# x86_64 numbers of the calls refused outright, by what they would let student code do
DENIED = {
    "processes": {57: "fork", 58: "vfork", 59: "execve", 322: "execveat"},
    "network": {41: "socket", 53: "socketpair", 42: "connect", 49: "bind", 50: "listen", 43: "accept", 288: "accept4"},
    "other processes": {101: "ptrace", 310: "process_vm_readv", 311: "process_vm_writev", 312: "kcmp",
                        200: "tkill", 434: "pidfd_open", 424: "pidfd_send_signal", 438: "pidfd_getfd",
                        440: "process_madvise", 141: "setpriority", 144: "sched_setscheduler",
                        142: "sched_setparam", 314: "sched_setattr", 256: "migrate_pages", 279: "move_pages"},
    "namespaces and mounts": {165: "mount", 166: "umount2", 272: "unshare", 308: "setns", 161: "chroot",
                              155: "pivot_root", 428: "open_tree", 429: "move_mount", 430: "fsopen",
                              431: "fsconfig", 432: "fsmount", 433: "fspick", 442: "mount_setattr"},
    "kernel interfaces": {425: "io_uring_setup", 426: "io_uring_enter", 427: "io_uring_register", 321: "bpf",
                          298: "perf_event_open", 250: "keyctl", 248: "add_key", 249: "request_key",
                          323: "userfaultfd", 319: "memfd_create", 300: "fanotify_init",
                          303: "name_to_handle_at", 304: "open_by_handle_at"},
    "IPC": {29: "shmget", 30: "shmat", 31: "shmctl", 67: "shmdt", 64: "semget", 65: "semop", 66: "semctl",
            220: "semtimedop", 68: "msgget", 69: "msgsnd", 70: "msgrcv", 71: "msgctl",
            240: "mq_open", 241: "mq_unlink", 242: "mq_timedsend", 243: "mq_timedreceive", 244: "mq_notify", 245: "mq_getsetattr"},
    "administration": {246: "kexec_load", 320: "kexec_file_load", 175: "init_module", 313: "finit_module",
                       176: "delete_module", 169: "reboot", 167: "swapon", 168: "swapoff", 172: "iopl",
                       173: "ioperm", 164: "settimeofday", 227: "clock_settime", 159: "adjtimex",
                       305: "clock_adjtime", 170: "sethostname", 171: "setdomainname", 163: "acct",
                       179: "quotactl", 103: "syslog", 153: "vhangup"},
}
# calls allowed only when their first argument (a pid or thread group) is this process (or 0 where 0 means it)
SELF_ONLY = {62: ("kill", False), 234: ("tgkill", False), 129: ("rt_sigqueueinfo", False),
             297: ("rt_tgsigqueueinfo", False), 302: ("prlimit64", True), 203: ("sched_setaffinity", True)}
SYS_CLONE, SYS_CLONE3, SYS_IOCTL = 56, 435, 16


def _bpf_filter(pid: int) -> bytes:
    """The filter program for this process, as the kernel's struct sock_filter array."""
    LD, JEQ, JSET, JGE, RET = 0x20, 0x15, 0x45, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JSET|K, JMP|JGE|K, RET|K
    deny, allow = SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW
    program = []

    def op(code, k, jt=0, jf=0):
        program.append((code, jt, jf, k))

    op(LD, 4)  # seccomp_data.arch
    op(JEQ, AUDIT_ARCH_X86_64, 1, 0)
    op(RET, SECCOMP_RET_KILL_PROCESS)
    op(LD, 0)  # seccomp_data.nr
    op(JGE, X32_SYSCALL_BIT, 0, 1)
    op(RET, deny)
    for numbers in DENIED.values():
        for nr in numbers:
            op(JEQ, nr, 0, 1)
            op(RET, deny)
    op(JEQ, SYS_CLONE3, 0, 1)
    op(RET, SECCOMP_RET_ERRNO | ENOSYS)  # its flags sit behind a pointer: make glibc fall back to clone
    # clone: a thread (CLONE_THREAD in the flags) is allowed, a process is not
    op(JEQ, SYS_CLONE, 0, 4)
    op(LD, 16)
    op(JSET, CLONE_THREAD, 0, 1)
    op(RET, allow)
    op(RET, deny)
    op(LD, 0)
    # ioctl: refuse the two requests that write into a terminal, allow every other
    op(JEQ, SYS_IOCTL, 0, 5)
    op(LD, 16 + 8)
    op(JEQ, TIOCSTI, 2, 0)
    op(JEQ, TIOCLINUX, 1, 0)
    op(RET, allow)
    op(RET, deny)
    for nr, (_name, zero_is_self) in SELF_ONLY.items():
        op(JEQ, nr, 0, 5 if zero_is_self else 4)
        op(LD, 16)
        op(JEQ, pid, 1 + zero_is_self, 0)
        if zero_is_self:
            op(JEQ, 0, 1, 0)
        op(RET, deny)
        op(RET, allow)
        op(LD, 0)
    op(RET, allow)
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def install_seccomp(code: bytes | None = None) -> None:
    """Install the filter ``code`` (default: :func:`_bpf_filter`'s) on every thread of this process."""
    code = _bpf_filter(os.getpid()) if code is None else code
    program = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("=HxxxxxxQ", len(code) // 8, ctypes.addressof(program))  # struct sock_fprog
    no_new_privileges()
    if _libc.syscall(SYS_SECCOMP, ctypes.c_uint(SECCOMP_SET_MODE_FILTER), ctypes.c_uint(SECCOMP_FILTER_FLAG_TSYNC), ctypes.c_char_p(fprog)) != 0:
        _fail("seccomp")


def confine(engine: str, work: str) -> dict[str, str]:
    """Apply every layer this machine offers; return the layers in effect, by name.

    Each layer is independent: one that fails is left out of the answer (with its reason under
    ``"missing"``), never half-applied silently. Landlock restricts only the calling thread,
    so it is refused unless the process has a single thread.
    """
    layers, missing = {}, []
    abi, seccomp = landlock_abi(), seccomp_supported()  # before Landlock hides /proc
    try:
        drop_capabilities()
        layers["capabilities"] = "no capabilities"
    except OSError as error:
        missing.append(f"capabilities ({error})")
    if abi and len(os.listdir("/proc/self/task")) > 1:
        missing.append("landlock (the worker has more than one thread)")
    elif abi:
        try:
            restrict_filesystem(engine, work, abi)
            layers["landlock"] = f"Landlock ABI {abi}"
        except OSError as error:
            missing.append(f"landlock ({error})")
    else:
        missing.append("landlock (not offered by this kernel)")
    if seccomp:
        try:
            install_seccomp()
            layers["seccomp"] = "seccomp"
        except OSError as error:
            missing.append(f"seccomp ({error})")
    else:
        missing.append(f"seccomp (not available on {sys.platform} {os.uname().machine})")
    if missing:
        layers["missing"] = "; ".join(missing)
    return layers
