"""At import, write outside the worker's folder: a folder anyone may write to, /tmp, /dev/shm, the grader's folder."""


@lambda attack: attack() or attack
def _write_outside():
    import os

    for path in ("@SPY@/written", "/tmp/dlgrade-attack-@TOKEN@", "/dev/shm/dlgrade-attack-@TOKEN@",
                 f"/proc/{os.getppid()}/cwd/written-by-the-worker"):
        try:
            with open(path, "w") as file:
                file.write("@TOKEN@")
        except OSError:
            pass
