"""The wire codec: plain data round trips, Opaque stand-ins, malformed payloads, framing.

The codec is the boundary between the student's worker and the grader: whatever arrives
must decode to plain data or fail with ``WireError``, never run code (no pickle).
"""

import ast
import json
import math
import os
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder import wire
from autograder.plan import Call, Func, Plan, Ref
from autograder.wire import MAX_DEPTH, MAX_FRAME, Opaque, WireError, decode, encode, receive, send

pytestmark = pytest.mark.engine


def round_trip(value):
    """Encode then decode."""
    return decode(encode(value))


def payload(tree, data=b""):
    """A hand-made payload: header length, JSON header, raw array bytes."""
    header = json.dumps(tree).encode()
    return struct.pack(">Q", len(header)) + header + data


class Tagged(np.ndarray):
    """An ndarray subclass a student might return."""


# ---------------------------------------------------------------- plain values


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2**100, -(2**200), 0.0, -2.5, 1e-310, 1e308, "", "héllo\n\"quoted\"", 1 + 2j, complex(0, -1e-300)],
    ids=repr,
)
def test_scalars_round_trip_with_their_type(value):
    """None, bools, ints (big ones too), floats, strings and complex numbers come back equal, same type."""
    back = round_trip(value)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize("value", [math.inf, -math.inf], ids=repr)
def test_infinities_round_trip(value):
    """+-inf floats survive the JSON header."""
    assert round_trip(value) == value


def test_nan_round_trips():
    """A NaN float comes back as a NaN float."""
    back = round_trip(math.nan)
    assert isinstance(back, float) and math.isnan(back)


def test_lists_and_tuples_keep_their_kind():
    """Lists stay lists and tuples stay tuples, nested inside each other."""
    value = [1, (2, [3, (4.5, "x")]), (), []]
    back = round_trip(value)
    assert back == value
    assert type(back) is list and type(back[1]) is tuple and type(back[1][1]) is list and type(back[1][1][1]) is tuple
    assert type(back[2]) is tuple and type(back[3]) is list


def test_nested_dicts_with_non_string_keys():
    """Dict keys keep their type (int, float, tuple, None, bool) and values nest."""
    value = {1: "one", 2.5: [1, 2], (1, "a"): {None: True, False: {"deep": (3,)}}, "s": {}}
    back = round_trip(value)
    assert back == value
    assert set(map(type, back)) == {int, float, tuple, str}
    assert type(back[(1, "a")][False]["deep"]) is tuple


def test_dict_key_of_a_forbidden_type_becomes_an_opaque_key():
    """A dict key that cannot cross (bytes, frozenset) decodes as an Opaque key, not a WireError."""
    back = round_trip({b"raw": 1, "ok": 2})
    assert back["ok"] == 2
    assert back[Opaque("bytes")] == 1


# ---------------------------------------------------------------- arrays

DTYPES = [np.bool_, np.int8, np.uint16, np.int64, np.float32, np.float64, np.complex128]


def sample(dtype, shape):
    """Deterministic values of ``dtype`` with ``shape`` (negative and fractional where the dtype allows)."""
    size = math.prod(shape)
    base = np.arange(size) - size // 3
    if dtype is np.bool_:
        values = base % 3 == 0
    elif np.dtype(dtype).kind == "u":
        values = np.arange(size) * 4099
    elif np.dtype(dtype).kind == "c":
        values = base * 0.5 + 1j * (base - 0.25)
    elif np.dtype(dtype).kind == "f":
        values = base * 0.37
    else:
        values = base * 3
    return np.asarray(values).astype(dtype).reshape(shape)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (5,), (2, 3, 4)], ids=str)
def test_arrays_round_trip_exactly(dtype, shape):
    """Arrays of every allowed dtype, 0-d and empty included, come back with dtype, shape and values."""
    array = sample(dtype, shape)
    back = round_trip(array)
    assert type(back) is np.ndarray
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_float_array_specials_round_trip():
    """NaN, infinities, -0.0 and subnormals in a float64 array come back bit for bit."""
    array = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, np.finfo(float).max])
    back = round_trip(array)
    assert back.tobytes() == array.tobytes()


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.arange(24.0).reshape(4, 6)[:, ::2],
        lambda: np.arange(24.0).reshape(4, 6).T,
        lambda: np.arange(24, dtype=np.int8).reshape(2, 3, 4)[::-1, :, 1:3],
        lambda: np.broadcast_to(np.arange(3.0), (4, 3)),
    ],
    ids=["strided", "transposed", "reversed-int8", "broadcast-view"],
)
def test_non_contiguous_arrays_round_trip(make):
    """Views with strides (sliced, transposed, reversed, broadcast) arrive as equal C-contiguous arrays."""
    array = make()
    back = round_trip(array)
    np.testing.assert_array_equal(back, array)
    assert back.flags.c_contiguous


@pytest.mark.parametrize("dtype", [">f8", ">i2", ">u4", ">c16", ">f4"])
def test_big_endian_arrays_arrive_native(dtype):
    """Big-endian arrays keep their values and arrive in the native byte order."""
    array = np.array([[1, -2, 3], [40, 500, -6000]]).astype("<i8").astype(dtype) if "u" not in dtype else np.array([1, 2, 70000], dtype=dtype)
    back = round_trip(array)
    np.testing.assert_array_equal(back, array)
    assert back.dtype.isnative
    assert back.dtype == np.dtype(dtype).newbyteorder("=")


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_matrix_decodes_as_plain_ndarray():
    """An np.matrix arrives as a plain 2-D ndarray with the same entries."""
    matrix = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    back = round_trip(matrix)
    assert type(back) is np.ndarray
    assert back.shape == (2, 2)
    np.testing.assert_array_equal(back, np.asarray(matrix))


def test_custom_subclass_decodes_as_plain_ndarray():
    """A student's ndarray subclass arrives as a plain ndarray: no class of theirs is rebuilt."""
    tagged = np.arange(6.0).reshape(2, 3).view(Tagged)
    back = round_trip({"out": tagged})["out"]
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, np.arange(6.0).reshape(2, 3))


def test_decoded_arrays_are_writeable_independent_copies():
    """Two arrays decoded from one payload are writeable and share memory with nothing."""
    data = encode((np.zeros(4), np.ones(4)))
    first, second = decode(data)
    again, _ = decode(data)
    assert first.flags.writeable and second.flags.writeable
    first[:] = 7.0
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(again, np.zeros(4))
    np.testing.assert_array_equal(second, np.ones(4))


def test_decoded_zero_d_array_is_writeable():
    """A 0-d array is decoded as a writeable 0-d array, not a scalar."""
    back = round_trip(np.array(2.5))
    assert isinstance(back, np.ndarray) and back.shape == ()
    back[()] = 1.0
    assert back[()] == 1.0


def test_zero_d_output_is_still_a_number_after_the_wire():
    """A 0-d array the student returns is judged as the number it is, not as an array of shape (1,)."""
    from autograder.judge import compare

    compare("loss", round_trip({"loss": np.array(1.5)})["loss"], 1.5, 1e-6)


# ---------------------------------------------------------------- numpy scalars


@pytest.mark.parametrize(
    "value",
    [
        np.bool_(True),
        np.int8(-5),
        np.uint16(65535),
        np.int64(-(2**62)),
        np.uint64(2**64 - 1),
        np.float16(1.5),
        np.float32(0.1),
        np.complex64(1 - 2j),
        np.complex128(3.5 + 1e-300j),
    ],
    ids=repr,
)
def test_numpy_scalars_keep_their_type(value):
    """numpy scalars (not subclasses of a Python type) come back with their exact numpy type and value."""
    back = round_trip(value)
    assert type(back) is type(value)
    assert back == value


def test_float32_nan_scalar_round_trips():
    """A float32 NaN scalar comes back as a float32 NaN."""
    back = round_trip(np.float32("nan"))
    assert type(back) is np.float32 and np.isnan(back)


def test_float64_scalar_arrives_as_an_equal_float():
    """np.float64 is a float subclass: only the number crosses, as a float of the same value."""
    back = round_trip(np.float64(0.1))
    assert isinstance(back, float)
    assert back == 0.1


def test_longdouble_scalar_can_be_encoded():
    """A numeric numpy scalar of any width (np.longdouble) is encoded, not a TypeError in encode."""
    back = round_trip(np.longdouble(1.5))
    assert back == 1.5


# ---------------------------------------------------------------- plan objects


def test_ref_and_func_round_trip():
    """Ref (with a path of ints and keys) and Func (with bound kwargs) come back equal."""
    ref = Ref(2, "arg", (1, "running_mean"))
    func = Func("probe", "tanh_affine", (("b", 0.5), ("scale", 2)))
    back = round_trip([ref, func, Func("module", "softmax")])
    assert back == [ref, func, Func("module", "softmax")]
    assert type(back[0].path) is tuple and type(back[1].kwargs) is tuple


def test_func_with_array_kwargs_round_trips():
    """Func kwargs may hold arrays; they arrive as arrays."""
    a = np.arange(6.0).reshape(2, 3)
    back = round_trip(Func("probe", "tanh_affine", (("a", a), ("b", np.ones(2)))))
    assert (back.source, back.name) == ("probe", "tanh_affine")
    kwargs = dict(back.kwargs)
    np.testing.assert_array_equal(kwargs["a"], a)
    np.testing.assert_array_equal(kwargs["b"], np.ones(2))


def test_plan_round_trips_with_refs_as_step_numbers():
    """A Plan's calls, args, kwargs and outputs cross; Refs to Call objects become step numbers."""
    x = np.arange(6.0).reshape(2, 3)
    forward = Call("affine_forward", x, np.ones((3, 2)), b=np.zeros(2))
    backward = Call("affine_backward", np.ones((2, 2)), forward.out[1], f=Func("probe", "log_sum_exp"))
    plan = Plan([forward, backward], {"out": forward.out[0], "dx": backward.out[0], "x_after": forward.arg(0)})
    back = round_trip(plan)
    assert isinstance(back, Plan)
    assert back.functions == ["affine_forward", "affine_backward"]
    assert [call.step for call in back.calls] == [0, 1]
    np.testing.assert_array_equal(back.calls[0].args[0], x)
    np.testing.assert_array_equal(back.calls[0].kwargs["b"], np.zeros(2))
    assert back.calls[1].args[1] == Ref(0, "out", (1,))
    assert back.calls[1].kwargs["f"] == Func("probe", "log_sum_exp")
    assert back.outputs == {"out": Ref(0, "out", (0,)), "dx": Ref(1, "out", (0,)), "x_after": Ref(0, "arg", (0,))}


# ---------------------------------------------------------------- Opaque


class Custom:
    """A student's own class."""


@pytest.mark.parametrize(
    "value, name",
    [
        (object(), "object"),
        (Custom(), f"{__name__}.Custom"),
        (b"bytes", "bytes"),
        ({1, 2}, "set"),
        (np.array([1, "a"], dtype=object), "numpy array of dtype object"),
        (np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]), "numpy array of dtype [('a', '<f8'), ('b', '<i4')]"),
        (np.datetime64("2020-01-01"), "numpy.datetime64"),
        (np.array(["a", "b"]), "numpy array of dtype <U1"),
    ],
    ids=["object", "custom", "bytes", "set", "object-array", "structured-array", "datetime64", "str-array"],
)
def test_values_that_may_not_cross_become_opaque(value, name):
    """Anything outside the allowed types is described by an Opaque naming its type."""
    back = round_trip({"out": value})["out"]
    assert back == Opaque(name)
    assert repr(back) == f"<{name} object>"


def test_opaque_round_trips_as_opaque():
    """An Opaque itself crosses unchanged."""
    assert round_trip(Opaque("generator")) == Opaque("generator")
    assert Opaque("a") != Opaque("b") and Opaque("a") != "a"


def test_deep_structure_is_encoded_as_opaque_and_decodes():
    """A structure nested deeper than MAX_DEPTH is encoded with an Opaque in its depths and still decodes."""
    value = "leaf"
    for _ in range(MAX_DEPTH + 10):
        value = [value]
    back = round_trip(value)
    for _ in range(MAX_DEPTH):
        assert type(back) is list and len(back) == 1
        back = back[0]
    while isinstance(back, list):
        back = back[0]
    assert back == Opaque("deeply nested structure")


def test_self_referencing_list_decodes():
    """A list that contains itself is cut at MAX_DEPTH instead of recursing forever."""
    loop = []
    loop.append(loop)
    back = round_trip(loop)
    assert type(back) is list


# ---------------------------------------------------------------- malformed payloads


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "malformed message"),
        (b"\x00\x00\x00", "malformed message"),
        (struct.pack(">Q", 100) + b'{"array"', "malformed message"),
        (struct.pack(">Q", 5) + b"{nope", "malformed message"),
        (struct.pack(">Q", 3) + b"\xff\xfe\xfd", "malformed message"),
    ],
    ids=["empty", "short-length", "truncated-header", "bad-json", "not-utf8"],
)
def test_truncated_or_garbage_payload_raises_wire_error(data, message):
    """Truncated frames and bad JSON raise WireError, not a JSON or struct error."""
    with pytest.raises(WireError, match=message):
        decode(data)


@pytest.mark.parametrize(
    "tree, message",
    [
        ({"pickle": "cos\nsystem\n"}, r"unknown element \['pickle'\]"),
        ({}, "unexpected element"),
        ({"array": "<f8"}, "malformed message"),
        ({"array": "<f8", "shape": [-1]}, "negative array dimension"),
        ({"array": "<f8", "shape": [2, -3]}, "negative array dimension"),
        ({"array": "<f8", "shape": [3]}, "array data truncated"),
        ({"array": "<f8", "shape": [2**40, 2**40]}, "array data truncated"),
        ({"array": "not-a-dtype", "shape": [1]}, "malformed message"),
        ({"complex": [1.0, 2.0, 3.0]}, "malformed message"),
        ({"dict": [[[1, 2], 3]]}, "unhashable dict key"),
        ({"dict": [[1, 2, 3]]}, "malformed message"),
        ({"ref": [0, "out"]}, "malformed message"),
        ({"plan": [["f", [], [1]]], "outputs": {"dict": []}}, "malformed message"),
    ],
    ids=[
        "unknown-element",
        "empty-dict",
        "array-without-shape",
        "negative-shape",
        "negative-second-dim",
        "shape-beyond-data",
        "huge-shape",
        "bad-dtype",
        "complex-three-parts",
        "list-key",
        "dict-triple",
        "ref-two-fields",
        "plan-kwargs-not-dict",
    ],
)
def test_malformed_elements_raise_wire_error(tree, message):
    """Elements that make no sense raise WireError with a message saying what is wrong."""
    with pytest.raises(WireError, match=message):
        decode(payload(tree, b"\x00" * 16))


@pytest.mark.parametrize(
    "tree",
    [
        {"scalar": "<i1", "value": 1000},
        {"ref": [float("inf"), "out", []]},
        {"array": "<f8", "shape": [float("inf")]},
        {"func": ["probe", "f", [1]]},
    ],
    ids=["int8-overflow", "ref-step-inf", "shape-inf", "func-kwargs-not-dict"],
)
def test_out_of_range_and_wrongly_typed_fields_raise_wire_error(tree):
    """Out-of-range numbers and fields of the wrong type raise WireError, not OverflowError or AttributeError."""
    with pytest.raises(WireError, match="malformed message"):
        decode(payload(tree, b"\x00" * 16))


@pytest.mark.parametrize("dtype", ["O", "|O", "V8", "<U4", "S3", "M8[s]", "m8", "f8,i4", "(2,)f8", "[('a', '<f8')]"])
def test_forbidden_array_dtype_raises_wire_error(dtype):
    """A header asking for a non-numeric dtype (object, void, str, datetime, structured, sub-array) is refused."""
    with pytest.raises(WireError, match="forbidden dtype|malformed message"):
        decode(payload({"array": dtype, "shape": [1]}, b"\x00" * 64))


@pytest.mark.parametrize("dtype", ["O", "|O", "V8"])
def test_forbidden_dtype_is_named_in_the_message(dtype):
    """The refusal names the dtype that was asked for."""
    with pytest.raises(WireError, match=f"forbidden dtype {np.dtype(dtype)}"):
        decode(payload({"array": dtype, "shape": [2]}, b"\x00" * 64))


def test_object_dtype_never_reaches_pickle(monkeypatch):
    """Decoding a header that asks for dtype object fails before anything could be unpickled."""
    import pickle

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was called")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    evil = pickle.dumps(np.array([object()], dtype=object), protocol=0)
    with pytest.raises(WireError, match="forbidden dtype object"):
        decode(payload({"array": "|O", "shape": [1]}, evil))
    with pytest.raises(WireError, match="forbidden dtype object"):
        decode(payload({"scalar": "O", "value": 1}))


def test_wire_module_imports_no_unpickler():
    """wire.py imports nothing that can run code from bytes (pickle, marshal, shelve, dill)."""
    tree = ast.parse(Path(wire.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"})


def test_header_deeper_than_max_depth_raises_wire_error():
    """A header nested deeper than MAX_DEPTH is refused."""
    tree = 0
    for _ in range(MAX_DEPTH + 5):
        tree = [tree]
    with pytest.raises(WireError, match="nested too deeply"):
        decode(payload(tree))


def test_header_at_max_depth_decodes():
    """Nesting up to MAX_DEPTH is allowed."""
    tree = 0
    for _ in range(MAX_DEPTH):
        tree = [tree]
    assert decode(payload(tree)) == tree


def test_json_bomb_depth_raises_wire_error(monkeypatch):
    """A header nested beyond Python's recursion limit is refused before JSON parses it."""
    header = b"[" * 100_000 + b"]" * 100_000
    monkeypatch.setattr(json, "loads", lambda *_: pytest.fail("the header reached the JSON parser"))
    with pytest.raises(WireError, match="nested too deeply"):
        decode(struct.pack(">Q", len(header)) + header)


# ---------------------------------------------------------------- framing over a pipe


@pytest.fixture
def pipe():
    """A pipe (read end, write end), both closed afterwards."""
    read_end, write_end = os.pipe()
    ends = {"r": read_end, "w": write_end}
    yield ends
    for fd in ends.values():
        try:
            os.close(fd)
        except OSError:
            pass


def test_send_and_receive_one_frame(pipe):
    """A payload sent on a pipe is received unchanged, and decodes to the value."""
    value = {"ok": True, "outputs": {"dx": np.arange(5.0)}}
    send(pipe["w"], encode(value))
    back = decode(receive(pipe["r"]))
    assert back["ok"] is True
    np.testing.assert_array_equal(back["outputs"]["dx"], np.arange(5.0))


def test_large_frame_crosses_in_chunks(pipe):
    """A frame larger than the pipe buffer arrives whole while a thread writes it."""
    array = np.random.default_rng(0).standard_normal(300_000)  # 2.4 MB
    data = encode(array)
    writer = threading.Thread(target=send, args=(pipe["w"], data))
    writer.start()
    received = receive(pipe["r"])
    writer.join(timeout=10)
    assert received == data
    np.testing.assert_array_equal(decode(received), array)


def test_frames_arrive_in_order(pipe):
    """Consecutive frames are read back one at a time, in order."""
    for value in ("first", 2, [3.0]):
        send(pipe["w"], encode(value))
    assert [decode(receive(pipe["r"])) for _ in range(3)] == ["first", 2, [3.0]]


def test_receive_calls_wait_before_reading(pipe):
    """The wait callback runs before each read, and an exception from it aborts the receive."""
    calls = []
    send(pipe["w"], encode("hi"))
    assert decode(receive(pipe["r"], wait=lambda: calls.append(1))) == "hi"
    assert len(calls) >= 2

    def timeout():
        raise TimeoutError("too slow")

    send(pipe["w"], encode("again"))
    with pytest.raises(TimeoutError, match="too slow"):
        receive(pipe["r"], wait=timeout)


def test_receive_of_oversized_frame_header_raises_wire_error(pipe):
    """A frame header claiming more than MAX_FRAME bytes is refused before reading the body."""
    os.write(pipe["w"], struct.pack(">Q", MAX_FRAME + 1))
    with pytest.raises(WireError, match=f"message of {MAX_FRAME + 1} bytes exceeds the {MAX_FRAME}-byte limit"):
        receive(pipe["r"])


def test_receive_on_closed_pipe_raises_eof(pipe):
    """The other side closing mid-frame is an EOFError."""
    os.write(pipe["w"], struct.pack(">Q", 100) + b"short")
    os.close(pipe.pop("w"))
    with pytest.raises(EOFError, match="pipe closed"):
        receive(pipe["r"])


def test_trailing_bytes_are_rejected():
    """A payload with array bytes nobody claimed is malformed, not silently accepted."""
    payload = wire.encode(np.arange(3.0)) + b"\x00" * 8
    with pytest.raises(wire.WireError, match="left over"):
        wire.decode(payload)


def test_made_round_trips():
    """Made (a generator built where the plan runs) crosses the wire with its kwargs."""
    from autograder.plan import Made

    made = Made("generator", (("seed", [1, 2]),))
    assert wire.decode(wire.encode(made)) == made


def test_copied_is_a_deep_copy_through_the_wire():
    """wire.copied gives an equal value that shares no array with the original."""
    x = np.arange(6.0).reshape(2, 3)
    value = {"x": x, "pair": (x, [1, 2.5, "a"])}
    copy = wire.copied(value)
    np.testing.assert_array_equal(copy["x"], x)
    assert copy["pair"][1] == [1, 2.5, "a"]
    copy["x"][0, 0] = 99.0
    assert x[0, 0] == 0.0 and copy["pair"][0][0, 0] == 0.0


# ---------------------------------------------------------------- encoded once, markers, the reader


def test_an_encoded_payload_decodes_in_place_as_a_fresh_copy():
    """A plan encoded once travels inside a request as its bytes and comes out as the plan,
    its arrays fresh copies: the reference's copy and the worker's are both made from the bytes."""
    x = np.arange(6.0).reshape(2, 3)
    call = Call("relu_forward", x)
    plan = Plan([call], {"out": call.out})
    encoded = encode(plan)
    request = decode(encode({"op": "run", "plans": [wire.Encoded(encoded), wire.Encoded(encoded)]}))
    first, second = request["plans"]
    assert first.functions == ["relu_forward"] and set(first.outputs) == {"out"}
    np.testing.assert_array_equal(first.calls[0].args[0], x)
    first.calls[0].args[0][0, 0] = 99.0
    assert second.calls[0].args[0][0, 0] == 0.0 and x[0, 0] == 0.0
    assert decode(encoded).calls[0].args[0][0, 0] == 0.0


INNER = encode([1, 2])


@pytest.mark.parametrize("message, why", [
    (encode(wire.Encoded(encode(wire.Encoded(INNER)))), "nested"),
    (payload({"encoded": len(INNER) + 1}, INNER), "truncated"),
    (payload({"encoded": 3}, INNER[:3]), "no size"),
    (payload({"encoded": "8"}, INNER), "an encoded message"),
], ids=["nested", "longer-than-the-payload", "shorter-than-a-header", "size-not-an-int"])
def test_a_malformed_encoded_payload_raises_wire_error(message, why):
    """An encoded payload must fit the message, hold a header, and hold no encoded payload itself."""
    with pytest.raises(WireError, match=why):
        decode(message)


def test_markers_and_frames_are_read_apart_in_order(pipe):
    """Markers between frames come out as (case, step), frames as their payloads, in the order
    written, however the reads cut them."""
    big = encode(np.arange(200_000.0))  # 1.6 MB: more than one read
    items = [wire.marker(0, 0), encode("a"), wire.marker(1, 2), wire.marker(1, 3), big, wire.marker(2**31 - 1, 2**32 - 1)]
    writer = threading.Thread(target=lambda: [os.write(pipe["w"], item) if len(item) == 8 else send(pipe["w"], item) for item in items])
    writer.start()
    reader = wire.Reader(pipe["r"])
    got = [reader.next() for _ in items]
    writer.join(timeout=10)
    assert got[0] == (0, 0) and decode(got[1]) == "a" and got[2:4] == [(1, 2), (1, 3)]
    np.testing.assert_array_equal(decode(got[4]), np.arange(200_000.0))
    assert got[5] == (2**31 - 1, 2**32 - 1)


def test_the_reader_refuses_an_oversized_frame_from_its_length_alone(pipe):
    """As receive(): a length over MAX_FRAME is refused before a byte of its body is awaited."""
    os.write(pipe["w"], struct.pack(">Q", MAX_FRAME + 1))
    with pytest.raises(WireError, match=f"message of {MAX_FRAME + 1} bytes exceeds the {MAX_FRAME}-byte limit"):
        wire.Reader(pipe["r"]).next()


def test_the_reader_waits_before_each_read_and_raises_eof_on_a_closed_pipe(pipe):
    """wait() runs before each read (and may abort it); a pipe closed mid-frame is an EOFError."""
    reader = wire.Reader(pipe["r"])

    def timeout():
        raise TimeoutError("too slow")

    with pytest.raises(TimeoutError, match="too slow"):
        reader.next(timeout)
    os.write(pipe["w"], struct.pack(">Q", 100) + b"short")
    os.close(pipe.pop("w"))
    with pytest.raises(EOFError, match="pipe closed"):
        reader.next()
