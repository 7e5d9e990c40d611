"""Security guarantees as tests: what gets deserialised and how, who may see which run, and where the
servers listen. Source checks read the code with ``ast``, so a new call that breaks a rule fails here."""

from __future__ import annotations

import ast
import base64
import io
import json
import marshal
import os
import pickle
import re
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from models.data import load_series
from models.engine.export import export_run
from models.engine.store import RunStore
from models.errors import DataError, RunNotFound
from models.networks import numpy_rnn
from models.results import EpochReport, RunResult

ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("app", "models")
UNREADABLE_WEIGHTS = "The weights file cannot be read: it is not a NumPy .npz archive."


def _sources() -> list[tuple[str, ast.AST]]:
    trees = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            trees.append((str(path.relative_to(ROOT)), ast.parse(path.read_text(), filename=str(path))))
    assert len(trees) > 40  # the scan really read the project
    return trees


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            yield node, owner, name


MISSING = object()


def _keyword(call: ast.Call, name: str):
    """The constant value of keyword ``name`` (its AST node if not a constant; MISSING if absent)."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value.value if isinstance(keyword.value, ast.Constant) else keyword.value
    return MISSING


# ---------------------------------------------------------------- deserialisation


def test_keras_models_are_only_ever_loaded_with_safe_mode():
    """The app reads networks from weights.npz (plain arrays); should a Keras model ever be loaded,
    it must be with safe_mode=True, and unsafe deserialisation is never switched on."""
    loads, unsafe = [], []
    for path, tree in _sources():
        for call, _, name in _calls(tree):
            if name in ("load_model", "deserialize_keras_object", "model_from_json", "from_config"):
                loads.append((path, call.lineno, _keyword(call, "safe_mode")))
            if name == "enable_unsafe_deserialization" or _keyword(call, "safe_mode") is False:
                unsafe.append((path, call.lineno))
    assert [load for load in loads if load[2] is not True] == []
    assert unsafe == []


def test_the_app_loads_network_weights_only_from_its_own_store():
    sites = []
    for path, tree in _sources():
        if not path.startswith("app/"):
            continue
        for call, owner, name in _calls(tree):
            if name == "load_weights":
                (argument,) = call.args
                sites.append((path, owner, ast.unparse(argument)))
    assert sites, "no weights loader found in app/"
    for path, owner, argument in sites:
        assert owner == "numpy_rnn", (path, owner)
        assert re.fullmatch(r"runtime\.store\(\)\.read_artifact\(.+\)", argument), (path, argument)


def test_numpy_never_unpickles_and_nothing_evaluates_or_unpickles_data():
    np_loads, offenders = [], []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                if any(name.split(".")[0] in ("pickle", "marshal", "dill", "cloudpickle", "shelve", "joblib",
                                              "yaml") for name in names):
                    offenders.append((path, node.lineno, "import"))
        for call, owner, name in _calls(tree):
            if owner in ("np", "numpy") and name == "load":
                np_loads.append((path, call.lineno, _keyword(call, "allow_pickle")))
            builtin = owner == "" and name in ("eval", "exec", "compile")
            if builtin or name in ("read_pickle", "eval", "query"):
                offenders.append((path, call.lineno, name))
    assert len(np_loads) >= 3  # weights, digit arrays, bundled digits
    assert [site for site in np_loads if site[2] is not False] == []
    assert offenders == []


def _payload_marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


class _Payload:
    """Unpickling this creates a folder: the sign that data was executed."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def _keras_archive_with_lambda(marker: Path) -> bytes:
    """A .keras file (zip: config.json, metadata.json, model.weights.h5) whose model has a Lambda layer
    holding marshalled Python code, as Keras writes it."""
    code = (lambda x, marker=str(marker): os.makedirs(marker) or x).__code__  # noqa: E731
    lambda_layer = {"module": "keras.layers", "class_name": "Lambda", "config": {
        "name": "lambda", "function": {"class_name": "__lambda__", "config": {
            "code": base64.b64encode(marshal.dumps(code)).decode(), "defaults": None, "closure": None}}}}
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28]}},
        lambda_layer]}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    return buffer.getvalue()


def _hostile_files(marker: Path) -> dict[str, bytes]:
    pickled_array = io.BytesIO()
    np.savez(pickled_array, cell=np.array([_Payload(marker)], dtype=object))
    single = io.BytesIO()
    np.save(single, np.arange(3))
    return {
        "a .keras model with a Lambda layer": _keras_archive_with_lambda(marker),
        "a pickle": pickle.dumps(_Payload(marker)),
        "an .npz holding a pickled object": pickled_array.getvalue(),
        "a single .npy array": single.getvalue(),
    }


@pytest.mark.parametrize("kind", ["a .keras model with a Lambda layer", "a pickle",
                                  "an .npz holding a pickled object", "a single .npy array"])
def test_hostile_files_are_refused_as_weights_and_as_data_without_running_anything(tmp_path, kind):
    marker = _payload_marker(tmp_path)
    data = _hostile_files(marker)[kind]
    with pytest.raises(DataError) as caught:
        numpy_rnn.load_weights(data)
    assert str(caught.value) == UNREADABLE_WEIGHTS
    with pytest.raises(DataError) as caught:
        load_series(data, name="upload.csv")
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)
    assert not marker.exists()


def test_the_hostile_payloads_are_real(tmp_path):
    """Guard for the test above: each payload does run its code when loaded unsafely."""
    marker = _payload_marker(tmp_path)
    files = _hostile_files(marker)
    pickle.loads(files["a pickle"])
    assert marker.exists()
    marker.rmdir()
    with np.load(io.BytesIO(files["an .npz holding a pickled object"]), allow_pickle=True) as archive:
        archive["cell"]
    assert marker.exists()
    marker.rmdir()
    with zipfile.ZipFile(io.BytesIO(files["a .keras model with a Lambda layer"])) as archive:
        layer = json.loads(archive.read("config.json"))["config"]["layers"][1]
    code = marshal.loads(base64.b64decode(layer["config"]["function"]["config"]["code"]))
    type(lambda: None)(code, {"os": os}, None, (str(marker),))(0)
    assert marker.exists()


# ---------------------------------------------------------------- ownership


def _finished_run(store: RunStore, owner: str) -> str:
    run_id = store.create_run(config={"kind": "forecast", "epochs": 1}, owner=owner, data_name="a.csv",
                              data_bytes=b"t,v\n1,2\n")
    history = [EpochReport(epoch=1, epochs=1, loss=0.5).to_dict()]
    store.finish_success(run_id, RunResult(kind="forecast", metrics={"lstm": {"test_rmse": 1.0}},
                                           history=history, artifacts={"predictions.csv": b"p"},
                                           fit_seconds=1.0))
    return run_id


def _attempts(store: RunStore, run_id: str, owner: str) -> dict[str, object]:
    return {
        "get": lambda: store.get_run(run_id, owner),
        "history": lambda: store.history(run_id, owner),
        "artifact": lambda: store.read_artifact(run_id, "predictions.csv", owner),
        "artifact path": lambda: store.artifact_path(run_id, "data.csv", owner),
        "export": lambda: export_run(store, run_id, owner),
        "cancel": lambda: store.request_cancel(run_id, owner),
        "share": lambda: store.set_shared(run_id, owner, True),
        "delete": lambda: store.delete_run(run_id, owner),
    }


def test_another_owner_gets_run_not_found_for_everything_exactly_as_for_a_missing_run(lab_data_dir):
    store = RunStore(lab_data_dir)
    alice = _finished_run(store, "alice")
    waiting = store.create_run(config={"kind": "forecast"}, owner="alice")
    missing = "A" * len(alice)
    for run_id in (alice, waiting):
        for action, attempt in _attempts(store, run_id, "bob").items():
            with pytest.raises(RunNotFound) as by_bob:
                attempt()
            with pytest.raises(RunNotFound) as for_missing:
                _attempts(store, missing, "bob")[action]()
            assert str(by_bob.value) == str(for_missing.value), action  # no hint that the id exists
    assert store.list_runs("bob") == []
    # Nothing changed for the owner.
    assert store.get_run(alice, "alice").state == "succeeded" and not store.get_run(alice, "alice").shared
    assert store.get_run(waiting, "alice").state == "queued"
    assert store.read_artifact(alice, "predictions.csv", "alice") == b"p"


@pytest.mark.parametrize("run_id", ["../alice", "..", "", "a/b/c/d/e/f", "%2e%2e%2fruns.sqlite"])
def test_ids_and_file_names_cannot_reach_outside_a_run(lab_data_dir, run_id):
    store = RunStore(lab_data_dir)
    alice = _finished_run(store, "alice")
    with pytest.raises(RunNotFound):
        store.get_run(run_id, "alice")
    with pytest.raises(RunNotFound):
        store.read_artifact(run_id, "data.csv", "alice")
    for name in ("../../runs.sqlite", "../" + alice + "/data.csv", "/etc/passwd", ".", "runs.sqlite"):
        with pytest.raises(RunNotFound):
            store.read_artifact(alice, name, "alice")


@pytest.mark.slow
def test_the_job_engine_hides_other_sessions_runs(lab_engine, lab_owner):
    store = lab_engine.store
    done = _finished_run(store, lab_owner)
    waiting = store.create_run(config={"kind": "forecast"}, owner=lab_owner, runner=lab_engine.identity)
    intruder = lab_owner + "-guess"
    for run_id in (done, waiting):
        for action, arguments in (("status", ()), ("progress", ()), ("results", ()),
                                  ("artifact", ("data.csv",)), ("cancel", ())):
            with pytest.raises(RunNotFound, match="No run with that id"):
                getattr(lab_engine, action)(run_id, *arguments, intruder)
    assert {done, waiting}.isdisjoint(record.id for record in lab_engine.list_runs(intruder))
    assert lab_engine.status(waiting, lab_owner).state == "queued"  # the intruder's cancel did nothing
    assert lab_engine.artifact(done, "data.csv", lab_owner) == b"t,v\n1,2\n"
    assert lab_engine.cancel(waiting, lab_owner).state == "cancelled"


# ---------------------------------------------------------------- where the servers listen


def test_the_app_listens_on_loopback_unless_the_container_widens_it():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] in ("localhost", "127.0.0.1")
    run_target = re.search(r"^run:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(1)
    assert "--server.address" not in run_target  # `make run` keeps the loopback address of config.toml
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, flags=re.MULTILINE).group(1))
    assert command[command.index("--server.address") + 1] == "0.0.0.0"  # only inside the container
    widened = [str(path.relative_to(ROOT)) for folder in (*CODE_FOLDERS, ".streamlit")
               for path in (ROOT / folder).rglob("*") if path.is_file() and path.suffix in (".py", ".toml")
               and "0.0.0.0" in path.read_text()]
    assert widened == []


def test_the_embedded_cluster_is_configured_for_loopback_only():
    tree = ast.parse((ROOT / "models" / "engine" / "cluster.py").read_text())
    (cluster,) = [call for call, _, name in _calls(tree) if name == "LocalCluster"]
    assert _keyword(cluster, "host") == "127.0.0.1"
    assert _keyword(cluster, "dashboard_address") is None
    scheduler = ast.literal_eval(ast.unparse(_keyword(cluster, "scheduler_kwargs")))
    assert scheduler == {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
