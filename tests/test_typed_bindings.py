"""The typed bindings (cpp/python/typed.h): configs and stats are pybind11 classes whose fields
are defined once; the Python stats dataclasses take theirs from them; reprs mask secrets."""
import dataclasses

import pytest

from kafkainsight import _core


def test_config_repr_masks_secrets():
    c = _core.EsSinkConfig()
    c.client.password, c.client.api_key = "s3cret-pw", "s3cret-key"
    text = repr(c) + repr(c.client)
    assert "s3cret" not in text and "password=***" in text and "api_key=***" in text
    assert c.to_dict()["client"]["password"] == "s3cret-pw"  # to_dict is for the code, not for display


def test_nested_config_is_edited_in_place():
    c = _core.EsSinkConfig()
    c.client.url = "https://es.example:9200"
    assert c.client.url == "https://es.example:9200"


def test_properties_keep_order_and_become_strings():
    c = _core.ConsumerConfig()
    c.properties = {"b": 1, "a": True}
    assert list(c.properties.items()) == [("b", "1"), ("a", "True")]


@pytest.mark.parametrize("api, core", [("kafkainsight.kafka:ProduceStats", "ProduceStats"),
                                       ("kafkainsight.elasticsearch:ConsumeStats", "ConsumeStats"),
                                       ("kafkainsight.watch:WatchStats", "WatchStats")])
def test_python_stats_fields_are_the_bound_fields(api, core):
    import importlib
    mod, cls = api.split(":")
    py_cls = getattr(importlib.import_module(mod), cls)
    core_cls = getattr(_core, core)
    assert tuple(f.name for f in dataclasses.fields(py_cls)) == core_cls._fields
    assert tuple(dataclasses.asdict(py_cls._from_core(core_cls()))) == core_cls._fields


def test_produce_config_validates_enumerations():
    c = _core.ProduceConfig()
    for name, bad in [("format", "nope"), ("schema", "nope"), ("on_parse_error", "nope"), ("headers", "nope")]:
        with pytest.raises(ValueError):
            setattr(c, name, bad)
    c.format, c.headers = "json", "all"
    assert (c.format, c.headers) == ("json", "all")


def test_watch_stats_read_engine_counters_as_attributes():
    from kafkainsight.watch import WatchStats
    st = WatchStats(engine={"events": 3, "late": 1})
    assert (st.events, st.late) == (3, 1) and st.raw["engine"]["events"] == 3
    assert WatchStats().fired == 0
    with pytest.raises(AttributeError):
        st.nope


def test_stubs_list_every_bound_class_and_field():
    import ast
    from pathlib import Path
    stub = Path(__file__).resolve().parents[1] / "python" / "kafkainsight" / "_core.pyi"
    classes = {n.name: n for n in ast.parse(stub.read_text()).body if isinstance(n, ast.ClassDef)}
    bound = [n for n in dir(_core) if isinstance(getattr(_core, n), type) and hasattr(getattr(_core, n), "_fields")]
    assert len(bound) >= 11
    for name in bound:
        assert name in classes, f"_core.pyi has no class {name}"
        body = classes[name].body
        listed = ({t.target.id for t in body if isinstance(t, ast.AnnAssign)}
                  | {f.name for f in body if isinstance(f, ast.FunctionDef)})
        assert set(getattr(_core, name)._fields) <= listed, f"{name}: {set(getattr(_core, name)._fields) - listed}"


def test_committed_stub_is_what_the_module_generates(tmp_path):
    """_core.pyi is pybind11-stubgen's output for the built module (scripts/gen_stubs.py): after a
    binding changes, regenerate it; a stale stub fails here."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "_core.pyi"
    subprocess.run([sys.executable, str(root / "scripts" / "gen_stubs.py"), str(out)], check=True)
    committed = (root / "python" / "kafkainsight" / "_core.pyi").read_text()
    assert committed == out.read_text(), "python/kafkainsight/_core.pyi is stale: run scripts/gen_stubs.py"


def test_parse_and_generator_configs_are_typed():
    st = _core.convert([], "/dev/null")
    assert isinstance(st, _core.ParseStats) and st.lines == 0 and st.by_format == {}
    g = _core.GeneratorConfig()
    with pytest.raises(ValueError, match="concrete format"):
        g.format = "auto"
    g.format, g.seed = "rfc5424", 7
    assert _core.generate_lines(g, 3) == _core.generate_lines(g, 3)
    assert _core.cpp_defaults()["SummaryConfig"] == _core.SummaryConfig().to_dict()
