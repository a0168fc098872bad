"""Open a TCP connection (to the test's listener on 127.0.0.1) and send a word."""

import numpy as np


def affine_forward(x, w, b):
    import socket

    with socket.create_connection(("127.0.0.1", int("@TCP_PORT@")), timeout=2) as connection:
        connection.sendall(b"@TOKEN@")
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    return x @ w + b, (x, w, b)
