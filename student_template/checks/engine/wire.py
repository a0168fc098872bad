"""Plain data between the grader and the worker: JSON for structure, raw bytes for arrays.

Never pickle: unpickling what a student's process sent could run their code in the grader.
Decoding builds only None, bools, numbers, strings, lists, tuples, dicts, numpy arrays of
numeric or boolean dtype, numpy scalars, and the plan's own descriptions (:class:`Ref`,
:class:`Func`, :class:`Made`).
Anything else a student returns is encoded as an :class:`Opaque` description (its type
name), so the judge can say what came back instead of what was expected.

Frame: 8-byte big-endian length, then the payload: 8-byte header length, the JSON header,
the array buffers one after another.

Nothing a peer sends makes the reader allocate more than it has been sent: a frame is
refused from its length alone when that exceeds :data:`MAX_FRAME`, a header length beyond
the payload is refused, the header's nesting is measured on its bytes before JSON parses it,
and the arrays it declares must account for the payload's bytes exactly.

This module is copied into the worker's sandbox: it imports only numpy, the standard
library and :mod:`plan`.
"""

from __future__ import annotations

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
        (size,) = struct.unpack(">Q", payload[:8])
        if size > len(payload) - 8:
            raise WireError(f"malformed message: a header of {size} bytes in a payload of {len(payload)} bytes")
        header = bytes(payload[8 : 8 + size])
        _check_nesting(header)
        tree = json.loads(header)
        view = memoryview(payload)[8 + size :]
        offset = [0]
        value = _from_tree(tree, view, offset, 0)
        if offset[0] != len(view):
            raise WireError(f"{len(view) - offset[0]} bytes of array data left over")
        return value
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, struct.error, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None


def _check_nesting(header: bytes) -> None:
    """Raise ``WireError`` if the JSON text nests brackets deeper than ``MAX_JSON_DEPTH`` (or
    does not balance them), measured without parsing it: brackets inside strings do not count.

    The depth after each bracket is a running sum of +1 and -1, taken a chunk at a time, so
    the time is linear in the header and the memory small, whatever its shape.
    """
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
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, float):  # subclasses too: only the number crosses
        return float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, np.ndarray):
        array = value.view(np.ndarray)  # not ascontiguousarray: it turns 0-d into 1-d; tobytes() is C order anyway
        if array.dtype.kind not in _ALLOWED_KINDS or array.dtype.fields is not None:
            return {"opaque": f"numpy array of dtype {array.dtype}"}
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        buffers.append(array.tobytes())
        return {"array": array.dtype.str, "shape": list(array.shape)}
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
    return {"opaque": _type_name(value)}


def _number(item):
    """A numpy scalar's value as JSON can hold it (complex as a pair)."""
    if isinstance(item, np.generic):  # longdouble and clongdouble: .item() keeps the numpy type
        item = complex(item) if np.iscomplexobj(item) else float(item)
    return [item.real, item.imag] if isinstance(item, complex) else item


def _type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _from_tree(tree, view, offset, depth):
    if depth > MAX_DEPTH:
        raise WireError("message nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        return [_from_tree(item, view, offset, depth + 1) for item in tree]
    if not isinstance(tree, dict) or len(tree) == 0:
        raise WireError(f"unexpected element {tree!r:.60}")
    if "array" in tree:
        dtype = _checked_dtype(tree["array"])
        shape = tree["shape"]
        if type(shape) is not list or not all(type(n) is int for n in shape):
            raise WireError(f"malformed message: an array shape that is not a list of integers: {shape!r:.60}")
        if any(n < 0 for n in shape):
            raise WireError("negative array dimension")
        nbytes = math.prod(shape) * dtype.itemsize
        start = offset[0]
        if start + nbytes > len(view):
            raise WireError("array data truncated")
        offset[0] += nbytes
        return np.frombuffer(view[start : start + nbytes], dtype=dtype).reshape(tuple(shape)).astype(dtype.newbyteorder("="))
    if "scalar" in tree:
        dtype = _checked_dtype(tree["scalar"])
        value = tree["value"]
        return dtype.newbyteorder("=").type(complex(*value) if isinstance(value, list) else value)
    if "complex" in tree:
        return complex(*[float(part) for part in tree["complex"]])
    if "tuple" in tree:
        return tuple(_from_tree(item, view, offset, depth + 1) for item in tree["tuple"])
    if "dict" in tree:
        pairs = [(_from_tree(k, view, offset, depth + 1), _from_tree(v, view, offset, depth + 1)) for k, v in tree["dict"]]
        try:
            return dict(pairs)
        except TypeError:
            raise WireError("unhashable dict key") from None
    if "ref" in tree:
        step, kind, path = tree["ref"]
        return Ref(int(step), str(kind), tuple(_from_tree(path, view, offset, depth + 1)))
    if "func" in tree:
        source, name, kwargs = tree["func"]
        return Func(str(source), str(name), tuple(_from_tree(kwargs, view, offset, depth + 1).items()))
    if "made" in tree:
        name, kwargs = tree["made"]
        return Made(str(name), tuple(_from_tree(kwargs, view, offset, depth + 1).items()))
    if "plan" in tree:
        calls = []
        for function, args, kwargs in tree["plan"]:
            calls.append(Call(str(function), *_from_tree(args, view, offset, depth + 1), **_from_tree(kwargs, view, offset, depth + 1)))
        return Plan(calls, _from_tree(tree["outputs"], view, offset, depth + 1))
    if "opaque" in tree:
        return Opaque(str(tree["opaque"]))
    raise WireError(f"unknown element {sorted(tree)!r:.60}")


def _checked_dtype(text) -> np.dtype:
    dtype = np.dtype(str(text))
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"forbidden dtype {dtype}")
    return dtype


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
