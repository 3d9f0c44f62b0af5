"""notebooks/quickstart.ipynb runs headless (nbclient + ipykernel) and its printed numbers
equal counts made here straight from the log file with a regex (not with our parser)."""
from __future__ import annotations

import collections
import html
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
        # A cell's stdout may come as several stream outputs cut anywhere, mid-line too (the
        # kernel flushes when it likes): joined, as Jupyter shows them.
        text = "".join(o["text"] for o in cell.get("outputs", [])
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        for line in text.splitlines():
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
    committed = _printed(nb)  # what the repository shows: a fresh run must print the same
    work = tmp_path / "notebooks"
    work.mkdir()
    monkeypatch.setenv("KI_NOTEBOOK_LOG", str(log))
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}).execute()

    p = _printed(nb)
    assert p == committed, "the committed outputs are not what the notebook prints now: re-run it " \
                           "(see docs/NOTEBOOK.md) and commit it with its outputs"
    assert p["lines"].split()[0] == str(len(lines))
    assert json.loads(p["status classes"]) == dict(sorted(classes.items()))
    assert p["produced"].split()[0] == str(len(lines))
    assert p["consumed"].split()[0] == str(len(lines))
    assert p["5xx total"] == str(five)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the incident's chart, the status-class chart

    # The incident hour the notebook wrote, counted here with a regex: the 5xx and 401 it charted,
    # and the alerts it must raise (the burst, the client trying accounts, the silent host).
    incident = (work / "incident.log").read_text().splitlines()
    codes = [int(m.group(1)) for m in map(re.compile(r'HTTP/1\.1" (\d{3}) ').search, incident) if m]
    assert p["incident lines"] == str(len(incident))
    assert p["incident 5xx"] == f"{sum(c >= 500 for c in codes)} 401: {sum(c == 401 for c in codes)}"
    assert json.loads(p["incident alerts"]) == ["auth_failures client_ip=203.0.113.66", "heartbeat db-2",
                                                "http_4xx_spike *", "http_5xx_share *"]
    assert (work / "quickstart-report.html").stat().st_size > 100_000
    assert p["report"].endswith(f"requests: {len(lines)}")
    # The report is shown inline (a frame holding the page), not only written to a file.
    frames = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
              if "<iframe srcdoc=" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(frames) == 1
    inline = html.unescape("".join(frames[0]))
    assert 'id="ki-data"' in inline and "<canvas" in inline  # its charts' data and canvases came along
    assert inline.count("</html>") == 1
