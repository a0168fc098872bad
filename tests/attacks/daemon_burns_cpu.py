"""At import, a daemon (double fork, setsid) that burns CPU for 8 s after grading."""


@lambda attack: attack() or attack
def _burn_cpu_after_grading():
    import os
    import time

    try:
        child = os.fork()
    except OSError:
        return
    if child:
        os.waitpid(child, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            end = time.monotonic() + 8
            while time.monotonic() < end:
                pass
    finally:
        os._exit(0)
