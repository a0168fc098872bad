"""Send a UDP datagram (to the test's socket on 127.0.0.1)."""

import numpy as np


def affine_backward(dout, cache):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"@TOKEN@", ("127.0.0.1", int("@UDP_PORT@")))
    x, w, _ = cache
    dout = np.asarray(dout, dtype=np.float64)
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
