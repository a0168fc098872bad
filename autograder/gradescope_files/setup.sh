#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, with
# python3). It installs Python >= 3.11 and the pinned numpy (requirements.txt) into a venv
# that everyone may read, because the worker runs that Python as an unprivileged user; it
# compiles the engine and the references; it creates that user; and it makes the
# autograder's own files (this folder: the engine, the references, the hidden suites, the
# secret seed) private to root. Nothing but PyPI and the Ubuntu archive is downloaded; the
# engine itself runs from this folder.
set -euo pipefail

root="${DLGRADE_AUTOGRADER_ROOT:-/autograder}"
source="$root/source"
user="@WORKER_USER@"

if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python=python3
else  # Ubuntu 22.04 ships Python 3.10; numpy 2.3 and later need 3.11
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    python=python3.11
fi
if ! "$python" -m venv "$root/venv"; then  # Ubuntu's Python needs its -venv package for ensurepip
    apt-get update
    apt-get install -y "$(basename "$(readlink -f "$(command -v "$python")")")-venv"
    "$python" -m venv "$root/venv"
fi
"$root/venv/bin/python" -m pip install --no-cache-dir --only-binary=:all: -r "$source/requirements.txt"
# the engine's and the references' bytecode, once, in the image: every submission runs in a
# fresh container, where Python would otherwise compile them all again before grading
"$root/venv/bin/python" -m compileall -q "$source"
chmod -R a+rX "$root/venv"
chmod 755 "$root"

# the worker's own user: no home, no shell, no other process ever runs as it, so
# run_autograder can kill every process it owns once grading is done
if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
chown -R root:root "$source"
chmod -R go-rwx "$source"
