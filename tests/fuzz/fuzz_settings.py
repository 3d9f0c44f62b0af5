"""atheris target for the settings readers of the Python layer: `.env` files (python-dotenv via
kafkainsight.settings.load_dotenv_file) and `-X key=value` properties (parse_properties).

Asserted for any input: a `.env` either reads to a dict of str -> str or fails with a ValueError
that names the file; reading it runs nothing (a `$(touch ...)` or backtick command never creates
its file); `-X` pairs give exactly their last value per key, or a ValueError saying key=value.
Run through scripts/fuzz.sh (seeds in tests/fuzz/seeds/settings)."""
import atexit
import os
import shutil
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import dotenv  # noqa: F401  (instrumented: its parser is what we fuzz)
    from kafkainsight import settings

# scripts/fuzz.sh gives a directory under build/ (libFuzzer's exit skips Python's atexit).
WORK = os.environ.get("KI_FUZZ_WORK") or tempfile.mkdtemp(prefix="ki-fuzz-settings-")
os.makedirs(WORK, exist_ok=True)
if "KI_FUZZ_WORK" not in os.environ:
    atexit.register(shutil.rmtree, WORK, ignore_errors=True)
ENV = os.path.join(WORK, "fuzz.env")
MARKER = os.path.join(WORK, "pwned")


def check_dotenv(raw: bytes) -> None:
    # The command a hostile .env would run, if anything ran it.
    raw = raw.replace(b"MARKER", MARKER.encode())
    with open(ENV, "wb") as f:
        f.write(raw)
    os.chmod(ENV, 0o600)
    try:
        values = settings.load_dotenv_file(ENV)
    except ValueError as e:
        if ENV not in str(e):
            raise AssertionError(f"error does not name the file: {e!r}") from e
        return
    assert isinstance(values, dict)
    for k, v in values.items():
        assert isinstance(k, str) and isinstance(v, str), (k, v)
    if os.path.exists(MARKER):
        os.unlink(MARKER)
        raise AssertionError(f"reading the .env ran a command: {raw!r}")


def check_properties(pairs: list) -> None:
    try:
        out = settings.parse_properties(pairs)
    except ValueError as e:
        assert any("=" not in p for p in pairs), (pairs, e)
        assert "expected key=value" in str(e), e
        return
    last = {}
    for p in pairs:
        k, v = p.split("=", 1)
        last[k.strip()] = v
    assert out == last, (pairs, out)


def TestOneInput(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        check_properties([fdp.ConsumeUnicodeNoSurrogates(48) for _ in range(fdp.ConsumeIntInRange(0, 6))])
    else:
        check_dotenv(fdp.ConsumeBytes(fdp.remaining_bytes()))


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
