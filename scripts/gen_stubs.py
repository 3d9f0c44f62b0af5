"""Writes python/kafkainsight/_core.pyi from the built extension with pybind11-stubgen (in the
`test` extra): classes, fields, signatures and docstrings as cpp/python/*.cc bind them.

  .venv/bin/python scripts/gen_stubs.py          # after changing a binding (and rebuilding)
  .venv/bin/python scripts/gen_stubs.py OUT.pyi  # elsewhere (tests/test_typed_bindings.py compares)
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUB = os.path.join(ROOT, "python", "kafkainsight", "_core.pyi")
HEADER = ("# Generated from the built kafkainsight._core by scripts/gen_stubs.py (pybind11-stubgen); "
          "do not edit.\n")


def generate() -> str:
    """The stub text for the kafkainsight._core that this Python imports."""
    with tempfile.TemporaryDirectory() as out:
        # From the temp dir, so the installed package is imported, not python/ of a checkout.
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", "--exit-code", "-o", out, "kafkainsight._core"],
                       cwd=out, check=True)
        with open(os.path.join(out, "kafkainsight", "_core.pyi"), encoding="utf-8") as f:
            return HEADER + f.read()


def main(argv: list) -> int:
    target = argv[0] if argv else STUB
    with open(target, "w", encoding="utf-8") as f:
        f.write(generate())
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
