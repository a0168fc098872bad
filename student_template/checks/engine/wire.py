"""Plain data between the grader and the worker: JSON for structure, raw bytes for arrays.

Never pickle: unpickling what a student's process sent could run their code in the grader.
Decoding builds only None, bools, numbers, strings, lists, tuples, dicts, numpy arrays of
numeric or boolean dtype, numpy scalars, and the plan's own descriptions (:class:`Ref`,
:class:`Func`, :class:`Made`).
Anything else a student returns is encoded as an :class:`Opaque` description (its type
name), so the judge can say what came back instead of what was expected.

Frame: 8-byte big-endian length, then the payload: 8-byte header length, the JSON header,
the array buffers one after another. An :class:`Encoded` payload travels inside another
message as it is, among the buffers, and is decoded in place. A *marker* is 8 bytes of its
own between frames, its first bit set (no frame is that long): the worker's note of the
call it is starting (:func:`marker`), which :class:`Reader` tells apart from frames.

Nothing a peer sends makes the reader allocate more than it has been sent: a frame is
refused from its length alone when that exceeds :data:`MAX_FRAME`, a header length beyond
the payload is refused, the header's nesting is measured on its bytes before JSON parses it,
and the arrays it declares must account for the payload's bytes exactly.

This module is copied into the worker's sandbox: it imports only numpy, the standard
library and :mod:`plan`.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import struct

import numpy as np

try:  # in the worker's sandbox the modules sit side by side, not in a package
    from .plan import Call, Func, Made, Plan, Ref
except ImportError:
    from plan import Call, Func, Made, Plan, Ref

MAX_FRAME = 64 << 20  # 64 MiB: far more than any graded output, little enough to refuse a flood
MAX_DEPTH = 32
# the JSON nesting of an encoded value: up to three brackets per level (a dict is
# {"dict": [[key, value], ...]}) and two for a leaf ({"array": ..., "shape": [...]})
MAX_JSON_DEPTH = 3 * MAX_DEPTH + 2
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_CHUNK = 1 << 20
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex: dtypes that hold no code


class WireError(ValueError):
    """The bytes are not a valid message (corrupt, oversized, or a forbidden type)."""


class Encoded:
    """A payload :func:`encode` made, sent inside another message without being encoded again.

    Decoding the outer message decodes it in place: what comes out is the value it encodes,
    never an ``Encoded``. It may not hold another ``Encoded``.
    """

    __slots__ = ("payload",)

    def __init__(self, payload: bytes):
        self.payload = payload


class Opaque:
    """Stands in for a value of a type that may not cross the wire (the type's name kept)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash((Opaque, self.type_name))


def encode(value) -> bytes:
    """Serialize ``value`` (see the module docstring for what is allowed) to a payload."""
    buffers: list[bytes] = []
    tree = _to_tree(value, buffers, 0)
    header = json.dumps(tree, allow_nan=True).encode()
    return struct.pack(">Q", len(header)) + header + b"".join(buffers)


def decode(payload: bytes):
    """Rebuild a value from :func:`encode`'s output; ``WireError`` for anything malformed."""
    try:
        return _decoded(payload, inner=False)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, struct.error, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None


def _decoded(payload, inner: bool):
    """:func:`decode` without the translation of errors; ``inner``: an :class:`Encoded`'s payload."""
    (size,) = struct.unpack(">Q", payload[:8])
    if size > len(payload) - 8:
        raise WireError(f"malformed message: a header of {size} bytes in a payload of {len(payload)} bytes")
    header = bytes(payload[8 : 8 + size])
    _check_nesting(header)
    tree = json.loads(header)
    view = memoryview(payload)[8 + size :]
    offset = [0]
    value = _from_tree(tree, view, offset, 0, inner)
    if offset[0] != len(view):
        raise WireError(f"{len(view) - offset[0]} bytes of array data left over")
    return value


def _check_nesting(header: bytes) -> None:
    """Raise ``WireError`` if the JSON text nests brackets deeper than ``MAX_JSON_DEPTH`` (or
    does not balance them), measured without parsing it: brackets inside strings do not count.

    The depth after each bracket is a running sum of +1 and -1, taken a chunk at a time, so
    the time is linear in the header and the memory small, whatever its shape. A header with
    no more brackets than that (most are) cannot nest deeper, and JSON refuses an unbalanced one.
    """
    if header.count(b"[") + header.count(b"{") <= MAX_JSON_DEPTH:
        return
    brackets = np.frombuffer(_STRING.sub(b"", header).translate(None, _NOT_A_BRACKET), dtype=np.uint8)
    level = 0
    for start in range(0, len(brackets), _CHUNK):
        steps = (brackets[start : start + _CHUNK] & 2).astype(np.int64) - 1  # "[" and "{" have bit 1 set, "]" and "}" not
        depths = level + np.cumsum(steps)
        if depths.max() > MAX_JSON_DEPTH:
            raise WireError("message nested too deeply")
        if depths.min() < 0:
            raise WireError("malformed message: unbalanced brackets")
        level = int(depths[-1])
    if level:
        raise WireError("malformed message: unbalanced brackets")


def copied(value):
    """A deep copy of a plain-data value (a plan with its inputs), made by the wire itself:
    what a process gets is exactly what crossed, and nothing it writes reaches the original."""
    return decode(encode(value))


def _to_tree(value, buffers, depth):
    if depth >= MAX_DEPTH:  # decode accepts depth <= MAX_DEPTH, the Opaque included
        return {"opaque": "deeply nested structure"}
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int or kind is float:  # the common leaves, at once
        return value
    if kind is np.ndarray:
        return _array_tree(value, buffers)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, float):  # subclasses too: only the number crosses
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, np.ndarray):
        return _array_tree(value.view(np.ndarray), buffers)
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        return {"scalar": value.dtype.newbyteorder("<").str, "value": _number(value.item())}
    if isinstance(value, complex):
        return {"complex": [value.real, value.imag]}
    if type(value) in (list, tuple):
        items = [_to_tree(item, buffers, depth + 1) for item in value]
        return items if type(value) is list else {"tuple": items}
    if type(value) is dict:
        return {"dict": [[_to_tree(k, buffers, depth + 1), _to_tree(v, buffers, depth + 1)] for k, v in value.items()]}
    if isinstance(value, Ref):
        return {"ref": [value.index, value.kind, _to_tree(list(value.path), buffers, depth + 1)]}
    if isinstance(value, Func):
        return {"func": [value.source, value.name, _to_tree(dict(value.kwargs), buffers, depth + 1)]}
    if isinstance(value, Made):
        return {"made": [value.name, _to_tree(dict(value.kwargs), buffers, depth + 1)]}
    if isinstance(value, Plan):
        calls = [[c.function, _to_tree(list(c.args), buffers, depth + 1), _to_tree(c.kwargs, buffers, depth + 1)] for c in value.calls]
        return {"plan": calls, "outputs": _to_tree(value.outputs, buffers, depth + 1)}
    if isinstance(value, Opaque):
        return {"opaque": value.type_name}
    if isinstance(value, Encoded):
        buffers.append(value.payload)
        return {"encoded": len(value.payload)}
    return {"opaque": _type_name(value)}


def _array_tree(array: np.ndarray, buffers: list) -> dict:
    """An array's element, its bytes (little-endian, C order) appended to ``buffers``."""
    dtype = array.dtype
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None:
        return {"opaque": f"numpy array of dtype {dtype}"}
    little = _little(dtype)
    if dtype != little:
        array = array.astype(little)
    buffers.append(array.tobytes())  # not ascontiguousarray: it turns 0-d into 1-d; tobytes() is C order anyway
    return {"array": array.dtype.str, "shape": list(array.shape)}


@functools.lru_cache(maxsize=64)
def _little(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("<")


def _number(item):
    """A numpy scalar's value as JSON can hold it (complex as a pair)."""
    if isinstance(item, np.generic):  # longdouble and clongdouble: .item() keeps the numpy type
        item = complex(item) if np.iscomplexobj(item) else float(item)
    return [item.real, item.imag] if isinstance(item, complex) else item


def _type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _from_tree(tree, view, offset, depth, inner=False):
    if depth > MAX_DEPTH:
        raise WireError("message nested too deeply")
    kind = type(tree)
    if tree is None or kind is bool or kind is int or kind is float or kind is str:  # what JSON gives: exact types
        return tree
    if kind is list:
        return [_from_tree(item, view, offset, depth + 1, inner) for item in tree]
    if kind is not dict or not tree:
        raise WireError(f"unexpected element {tree!r:.60}")
    rebuild = _REBUILD.get(next(iter(tree)))  # encode writes each element's tag first
    if rebuild is None:
        raise WireError(f"unknown element {sorted(tree)!r:.60}")
    return rebuild(tree, view, offset, depth + 1, inner)


def _array(tree, view, offset, depth, inner):
    dtype, native = _checked_dtype(tree["array"])
    shape = tree["shape"]
    if type(shape) is not list or not all(type(n) is int for n in shape):
        raise WireError(f"malformed message: an array shape that is not a list of integers: {shape!r:.60}")
    if any(n < 0 for n in shape):
        raise WireError("negative array dimension")
    count = math.prod(shape)
    start = offset[0]
    if start + count * dtype.itemsize > len(view):
        raise WireError("array data truncated")
    offset[0] += count * dtype.itemsize
    return np.frombuffer(view, dtype, count, start).reshape(shape).astype(native)  # a copy: writable, its own memory


def _scalar(tree, view, offset, depth, inner):
    _, native = _checked_dtype(tree["scalar"])
    value = tree["value"]
    return native.type(complex(*value) if isinstance(value, list) else value)


def _pairs(tree, view, offset, depth, inner):
    pairs = [(_from_tree(k, view, offset, depth, inner), _from_tree(v, view, offset, depth, inner)) for k, v in tree["dict"]]
    try:
        return dict(pairs)
    except TypeError:
        raise WireError("unhashable dict key") from None


def _ref(tree, view, offset, depth, inner):
    step, kind, path = tree["ref"]
    return Ref(int(step), str(kind), tuple(_from_tree(path, view, offset, depth, inner)))


def _func(tree, view, offset, depth, inner):
    source, name, kwargs = tree["func"]
    return Func(str(source), str(name), tuple(_from_tree(kwargs, view, offset, depth, inner).items()))


def _made(tree, view, offset, depth, inner):
    name, kwargs = tree["made"]
    return Made(str(name), tuple(_from_tree(kwargs, view, offset, depth, inner).items()))


def _plan(tree, view, offset, depth, inner):
    calls = [Call(str(function), *_from_tree(args, view, offset, depth, inner), **_from_tree(kwargs, view, offset, depth, inner))
             for function, args, kwargs in tree["plan"]]
    return Plan(calls, _from_tree(tree["outputs"], view, offset, depth, inner))


def _encoded(tree, view, offset, depth, inner):
    """An :class:`Encoded` payload: its own message, with its own bounds (its depth counts afresh), one level only."""
    size = tree["encoded"]
    if inner or type(size) is not int or size < 8 or offset[0] + size > len(view):
        raise WireError("malformed message: an encoded message that is nested, truncated or of no size")
    start = offset[0]
    offset[0] += size
    return _decoded(view[start : start + size], inner=True)


# each element of the tree by its tag, the first key _to_tree writes
_REBUILD = {
    "array": _array,
    "scalar": _scalar,
    "complex": lambda tree, *_: complex(*[float(part) for part in tree["complex"]]),
    "tuple": lambda tree, view, offset, depth, inner: tuple(_from_tree(item, view, offset, depth, inner) for item in tree["tuple"]),
    "dict": _pairs,
    "ref": _ref,
    "func": _func,
    "made": _made,
    "plan": _plan,
    "opaque": lambda tree, *_: Opaque(str(tree["opaque"])),
    "encoded": _encoded,
}


@functools.lru_cache(maxsize=64)
def _dtype_of(text: str) -> tuple[np.dtype, np.dtype]:
    dtype = np.dtype(text)
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"forbidden dtype {dtype}")
    return dtype, dtype.newbyteorder("=")


def _checked_dtype(text) -> tuple[np.dtype, np.dtype]:
    """The dtype a message names (and the same in this machine's byte order); ``WireError``
    unless it holds only numbers or booleans."""
    return _dtype_of(str(text))


def send(fd: int, payload: bytes, wait=None) -> None:
    """Write one frame to a file descriptor; ``wait()`` is called before each write.

    With a non-blocking ``fd`` and a ``wait`` that raises at a deadline, a reader that
    stopped reading cannot block the writer for ever.
    """
    view = memoryview(struct.pack(">Q", len(payload)) + payload)
    while view:
        if wait is not None:
            wait()
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            pass


def read_exactly(fd: int, size: int, wait=None) -> bytes:
    """Read ``size`` bytes; ``wait()`` is called before each read (it may raise to time out).

    Raises ``EOFError`` when the other side closed the pipe first.
    """
    chunks, remaining = [], size
    while remaining:
        if wait is not None:
            wait()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, wait=None) -> bytes:
    """Read one frame (see :func:`read_exactly` for ``wait``); ``WireError`` if oversized."""
    (size,) = struct.unpack(">Q", read_exactly(fd, 8, wait))
    if size > MAX_FRAME:
        raise WireError(f"message of {size} bytes exceeds the {MAX_FRAME}-byte limit")
    return read_exactly(fd, size, wait)


_MARKED = 1 << 31  # a marker's first bit; a frame's length never has it (MAX_FRAME is far below)


def marker(case: int, step: int) -> bytes:
    """The 8 bytes that say "call ``step`` of plan ``case`` of the request starts now" (see :class:`Reader`).

    One ``os.write`` of them is atomic on a pipe, and costs neither side an encoding.
    """
    return struct.pack(">II", _MARKED | case, step)


class Reader:
    """Frames and markers from a file descriptor, read in chunks: one system call takes all the
    frames and markers the peer has written so far.

    What it holds is what was read and not yet returned, never more than :data:`MAX_FRAME`
    plus one chunk: a frame is refused from its length alone, as :func:`receive` does.
    """

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()

    def next(self, wait=None) -> bytes | tuple[int, int]:
        """The next frame's payload, or a marker as ``(case, step)``; ``wait()`` is called before
        each read (it may raise to time out). ``EOFError`` when the pipe closed first,
        ``WireError`` for a frame over the limit."""
        while True:
            needed = 8
            if len(self.buffer) >= 8:
                (first, second) = struct.unpack(">II", self.buffer[:8])
                if first & _MARKED:
                    del self.buffer[:8]
                    return first & ~_MARKED, second
                size = first << 32 | second
                if size > MAX_FRAME:
                    raise WireError(f"message of {size} bytes exceeds the {MAX_FRAME}-byte limit")
                if len(self.buffer) >= 8 + size:
                    payload = bytes(self.buffer[8 : 8 + size])
                    del self.buffer[: 8 + size]
                    return payload
                needed = 8 + size
            if wait is not None:
                wait()
            chunk = os.read(self.fd, max(min(needed - len(self.buffer), _CHUNK), 1 << 16))
            if not chunk:
                raise EOFError("pipe closed")
            self.buffer += chunk
