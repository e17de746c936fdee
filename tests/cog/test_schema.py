"""The version schema of a Cog model: from Cog's own inspection, in the shape Replicate serves."""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path
from typing import Any, TypeAlias, cast

import pytest

from replicate_async.testing import CogLoadError, Emulator

from .support import FIXTURES

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
# A value parsed from JSON: `isinstance` narrows it to a precisely typed dict or list.
JsonValue: TypeAlias = dict[str, Any] | list[Any] | str | int | float | bool | None


def schema_of(source: Path | str, name: str = "me/model") -> dict[str, Any]:
    emu = Emulator()
    version = emu.register_cog(source, name=name)
    schema = emu.core.store.versions[version].openapi_schema
    assert schema is not None
    return schema


def cog_inspection(directory: str, module: str, name: str) -> Any:
    """What Cog's own inspector reports for a fixture predictor."""
    inspector = importlib.import_module("cog._inspector")
    sys.path.insert(0, str(FIXTURES / directory))
    saved = sys.modules.pop(module, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # BasePredictor, predict()
            return inspector.create_predictor(module, name)
    finally:
        sys.path.remove(str(FIXTURES / directory))
        sys.modules.pop(module, None)
        if saved is not None:
            sys.modules[module] = saved


TEXT_INPUT = {
    "title": "Input",
    "type": "object",
    "required": ["prompt"],
    "properties": {
        "prompt": {
            "title": "Prompt",
            "type": "string",
            "x-order": 0,
            "description": "Text to repeat",
            "minLength": 1,
            "maxLength": 50,
        },
        "repeat": {
            "title": "Repeat",
            "type": "integer",
            "x-order": 1,
            "default": 2,
            "description": "How many times",
            "minimum": 1,
            "maximum": 5,
        },
        "temperature": {
            "title": "Temperature",
            "type": "number",
            "x-order": 2,
            "default": 0.5,
            "description": "Unused",
            "minimum": 0,
            "maximum": 1,
        },
        "style": {
            "allOf": [{"$ref": "#/components/schemas/style"}],
            "x-order": 3,
            "default": "plain",
            "description": "Style",
        },
        "width": {
            "allOf": [{"$ref": "#/components/schemas/width"}],
            "x-order": 4,
            "default": 16,
            "description": "Width",
        },
        "code": {
            "title": "Code",
            "type": "string",
            "x-order": 5,
            "default": "ab1",
            "description": "A code",
            "pattern": "^[a-z]+[0-9]$",
        },
        "seed": {
            "title": "Seed",
            "type": "integer",
            "x-order": 6,
            "nullable": True,
            "description": "Seed",
        },
        "tags": {
            "title": "Tags",
            "type": "array",
            "items": {"type": "string"},
            "x-order": 7,
            "default": ["a"],
            "description": "Tags",
        },
        "api_key": {
            "title": "Api Key",
            "type": "string",
            "format": "password",
            "writeOnly": True,
            "x-cog-secret": True,
            "x-order": 8,
            "nullable": True,
            "description": "A key",
        },
        "loud": {"title": "Loud", "type": "boolean", "x-order": 9, "default": False},
    },
}


def test_the_text_schema_is_what_cog_build_would_publish() -> None:
    schemas = schema_of(FIXTURES / "text" / "cog.yaml")["components"]["schemas"]
    assert schemas["Input"] == TEXT_INPUT
    assert list(schemas["Input"]["properties"]) == list(TEXT_INPUT["properties"])  # order
    assert schemas["style"] == {
        "title": "style",
        "description": "An enumeration.",
        "enum": ["plain", "shout"],
        "type": "string",
    }
    assert schemas["width"]["enum"] == [8, 16, 32]
    assert schemas["width"]["type"] == "integer"
    assert schemas["Output"] == {"title": "Output", "type": "string"}


def test_each_input_matches_cogs_inspection_field_by_field() -> None:
    info = cog_inspection("text", "predict", "Predictor")
    schemas = schema_of(FIXTURES / "text" / "cog.yaml")["components"]["schemas"]
    properties = schemas["Input"]["properties"]
    assert set(properties) == set(info.inputs)
    for name, field in info.inputs.items():
        prop = properties[name]
        assert prop["x-order"] == field.order, name
        assert prop.get("description") == field.description, name
        if field.choices:
            enum = schemas[name]
            assert enum["enum"] == field.choices, name
            assert enum["type"] == field.type.primitive.json_type()["type"], name
        else:
            for key, value in field.type.json_type().items():
                assert prop[key] == value, (name, key)
        assert prop.get("minimum") == field.ge, name
        assert prop.get("maximum") == field.le, name
        assert prop.get("minLength") == field.min_length, name
        assert prop.get("maxLength") == field.max_length, name
        assert prop.get("pattern") == field.regex, name
        assert prop.get("default") == field.default, name
    required = [n for n, f in info.inputs.items() if f.default is None and n in ("prompt",)]
    assert schemas["Input"]["required"] == required
    assert schemas["Output"] == info.output.json_type()


@pytest.mark.parametrize(
    ("directory", "module", "name", "extra"),
    [
        ("image", "predict", "Runner", {}),
        ("stream", "predict", "Predictor", {"x-cog-array-display": "concatenate"}),
        ("async_stream", "predict", "Runner", {"x-cog-array-display": "concatenate"}),
    ],
)
def test_output_schemas_match_cogs_inspection(
    directory: str, module: str, name: str, extra: dict[str, Any]
) -> None:
    info = cog_inspection(directory, module, name)
    output = schema_of(FIXTURES / directory)["components"]["schemas"]["Output"]
    assert output == info.output.json_type()
    for key, value in extra.items():
        assert output[key] == value


def test_a_trainer_is_merged_in_as_training_input_and_output() -> None:
    document = schema_of(FIXTURES / "stream" / "cog.yaml")
    schemas = document["components"]["schemas"]
    assert schemas["Output"]["x-cog-array-type"] == "iterator"
    assert document["paths"]["/predictions"]["post"]["x-cog-streaming"] is True
    assert schemas["TrainingInput"]["properties"]["epochs"] == {
        "title": "Epochs",
        "type": "integer",
        "x-order": 1,
        "default": 1,
        "description": "Epochs",
        "minimum": 1,
        "maximum": 3,
    }
    assert schemas["TrainingInput"]["required"] == ["data"]
    assert schemas["TrainingOutput"]["properties"]["weights"]["format"] == "uri"
    assert "/trainings" in document["paths"]


def _recorded_cog_schemas() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: JsonValue) -> None:
        if isinstance(node, dict):
            schema = node.get("openapi_schema")
            if isinstance(schema, dict) and "paths" in schema and "components" in schema:
                found.append(cast("dict[str, Any]", schema))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(RECORDED.glob("*.json")):
        walk(json.loads(path.read_text()))
    return found


def test_the_document_has_the_shape_of_recorded_real_version_schemas() -> None:
    real = _recorded_cog_schemas()
    assert len(real) >= 10
    ours = schema_of(FIXTURES / "text" / "cog.yaml")
    assert set(ours) == {"openapi", "info", "paths", "components"}
    assert {"openapi", "info", "paths", "components"} <= set(real[0])
    assert ours["openapi"] == "3.0.2" and ours["info"]["title"] == "Cog"
    # Every keyword our Input properties use is one real Cog schemas use too (or one that
    # current Cog adds for what the recordings lack: optionals, lists, secrets, lengths, patterns).
    seen_keys: set[str] = set()
    enum_shapes: set[frozenset[str]] = set()
    for schema in real:
        components = schema["components"]["schemas"]
        for prop in components["Input"]["properties"].values():
            seen_keys |= set(prop)
        for name, component in components.items():
            if "enum" in component and name != "Status":
                enum_shapes.add(frozenset(component))
        assert components["Input"]["type"] == "object"
    newer = {
        "nullable",
        "items",
        "format",
        "writeOnly",
        "x-cog-secret",
        "minLength",
        "maxLength",
        "pattern",
    }
    for name, prop in ours["components"]["schemas"]["Input"]["properties"].items():
        assert set(prop) <= seen_keys | newer, name
    ours_enum = frozenset(ours["components"]["schemas"]["style"])
    assert ours_enum in enum_shapes
    # Choices are referenced exactly the way the recorded schemas reference them.
    real_refs = [
        prop["allOf"]
        for schema in real
        for prop in schema["components"]["schemas"]["Input"]["properties"].values()
        if "allOf" in prop
    ]
    assert real_refs and all(r[0]["$ref"].startswith("#/components/schemas/") for r in real_refs)
    # Iterator outputs look like the recorded iterator outputs.
    real_outputs = [s["components"]["schemas"]["Output"] for s in real]
    concatenate = next(o for o in real_outputs if o.get("x-cog-array-display") == "concatenate")
    stream = schema_of(FIXTURES / "stream" / "cog.yaml")["components"]["schemas"]["Output"]
    assert stream == concatenate
    image = schema_of(FIXTURES / "image")["components"]["schemas"]["Output"]
    assert (
        image in real_outputs
    )  # {"type": "array", "items": {"type": "string", "format": "uri"}, ...}


def test_a_bare_predict_py_reference_works_too() -> None:
    schema = schema_of(f"{FIXTURES / 'text' / 'predict.py'}:Predictor")
    assert schema["components"]["schemas"]["Input"] == TEXT_INPUT


# -- errors ---------------------------------------------------------------------------------


def test_a_missing_cog_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cog", None)
    with pytest.raises(ImportError, match=r"replicate-async\[cog\]"):
        Emulator().register_cog(FIXTURES / "text", name="me/text")


def test_invalid_yaml_points_at_the_line() -> None:
    with pytest.raises(CogLoadError) as caught:
        Emulator().register_cog(FIXTURES / "broken_yaml", name="me/broken")
    assert caught.value.path == str(FIXTURES / "broken_yaml" / "cog.yaml")
    assert caught.value.line == 5
    assert str(caught.value).startswith(f"{caught.value.path}:5: invalid YAML")


def test_a_predictor_that_cannot_import_points_at_the_line() -> None:
    with pytest.raises(CogLoadError) as caught:
        Emulator().register_cog(FIXTURES / "broken_predictor", name="me/broken")
    assert caught.value.path == str(FIXTURES / "broken_predictor" / "predict.py")
    assert caught.value.line == 5
    assert "weights not found" in str(caught.value)


def test_a_missing_predictor_file_points_at_the_cog_yaml_line(tmp_path: Path) -> None:
    (tmp_path / "cog.yaml").write_text('build:\n  gpu: false\npredict: "nowhere.py:Predictor"\n')
    with pytest.raises(CogLoadError) as caught:
        Emulator().register_cog(tmp_path, name="me/broken")
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "cog.yaml"), 3)


def test_an_input_cog_refuses_points_at_the_parameter(tmp_path: Path) -> None:
    (tmp_path / "cog.yaml").write_text('predict: "bad_inputs.py:Predictor"\n')
    (tmp_path / "bad_inputs.py").write_text(
        "from cog import BasePredictor, Input\n"
        "\n"
        "\n"
        "class Predictor(BasePredictor):\n"
        "    def predict(\n"
        "        self,\n"
        '        text: str = Input(default="a"),\n'
        '        mode: str = Input(default="x", ge=1),\n'
        "    ) -> str:\n"
        "        return text\n"
    )
    with pytest.raises(CogLoadError) as caught:
        Emulator().register_cog(tmp_path / "cog.yaml", name="me/broken")
    assert caught.value.path == str(tmp_path / "bad_inputs.py")
    assert caught.value.line == 8
    assert "ge/le" in str(caught.value)


def test_a_failing_setup_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "cog.yaml").write_text('predict: "setup_fails.py:Predictor"\n')
    (tmp_path / "setup_fails.py").write_text(
        "from cog import BasePredictor\n"
        "\n"
        "\n"
        "class Predictor(BasePredictor):\n"
        "    def setup(self) -> None:\n"
        '        raise FileNotFoundError("weights.bin")\n'
        "\n"
        "    def predict(self) -> str:\n"
        '        return ""\n'
    )
    with pytest.raises(CogLoadError) as caught:
        Emulator().register_cog(tmp_path, name="me/broken")
    assert (caught.value.path, caught.value.line) == (str(tmp_path / "setup_fails.py"), 6)
    assert "setup() failed" in str(caught.value)
