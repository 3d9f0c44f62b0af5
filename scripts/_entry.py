"""What the two scripts share: run a `kafkainsight` command, or say how to install the package
when the Python running the script lacks it (e.g. /usr/bin/python3 outside .venv)."""
import os
import sys


def run(command: str) -> int:
    try:
        from kafkainsight.cli import main
    except ImportError as e:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sys.stderr.write(
            f"{os.path.basename(sys.argv[0])}: the kafkainsight package is not installed for {sys.executable} ({e}).\n"
            f"Install it, from {root}:\n"
            "  scripts/setup.sh             # Debian packages, .venv, pip install . (then use .venv/bin/python)\n"
            "  pip install .                # or into the Python you run this with\n")
        return 2
    return main([command, *sys.argv[1:]])
