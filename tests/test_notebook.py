"""notebooks/quickstart.ipynb runs headless (nbclient + ipykernel) and its printed numbers
equal counts made here straight from the log file with a regex (not with our parser)."""
from __future__ import annotations

import collections
import json
import pathlib
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = pathlib.Path(__file__).resolve().parent.parent
STATUS = re.compile(r'" (\d{3}) (?:\d+|-)$')


def _printed(nb) -> dict[str, str]:
    """'label: value' lines printed by the notebook's cells."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                for line in o["text"].splitlines():
                    k, sep, v = line.partition(": ")
                    if sep:
                        out[k] = v
    return out


def test_quickstart_notebook_runs_and_counts(tmp_path, monkeypatch):
    log = ROOT / "sample_logs" / "apache.log"
    lines = [l for l in log.read_text().splitlines() if l.strip()]
    classes = collections.Counter(f"{STATUS.search(l).group(1)[0]}xx" for l in lines)
    five = sum(1 for l in lines if STATUS.search(l).group(1).startswith("5"))

    nb = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    work = tmp_path / "notebooks"
    work.mkdir()
    monkeypatch.setenv("KI_NOTEBOOK_LOG", str(log))
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}).execute()

    p = _printed(nb)
    assert p["lines"].split()[0] == str(len(lines))
    assert json.loads(p["status classes"]) == dict(sorted(classes.items()))
    assert p["produced"].split()[0] == str(len(lines))
    assert p["consumed"].split()[0] == str(len(lines))
    assert p["5xx total"] == str(five)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the status-class chart
    assert (work / "quickstart-report.html").stat().st_size > 100_000
    assert p["report"].endswith(f"requests: {len(lines)}")
