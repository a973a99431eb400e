"""The shipped type stubs match the module: same names, same members, same parameters."""

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import neardup

STUB = pathlib.Path(neardup.__file__).with_name("__init__.pyi")


def stub_tree():
    return ast.parse(STUB.read_text(encoding="utf-8"))


def params(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    return [n for n in names if n not in ("self", "cls")]


def runtime_params(obj) -> list[str]:
    return [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]


def test_stubs_and_markers_ship_with_the_package():
    assert STUB.exists()
    assert STUB.with_name("py.typed").exists()


def test_stub_names_are_the_module_names():
    top = {}
    for node in stub_tree().body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            top[node.target.id] = node
    assert set(top) - {"__all__"} == set(neardup.__all__)
    for name, node in top.items():
        runtime = getattr(neardup, name)
        if isinstance(node, ast.FunctionDef):
            assert params(node) == runtime_params(runtime), name
            assert runtime.__doc__, name
        elif isinstance(node, ast.ClassDef):
            assert runtime.__doc__, name
            members = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
            inherited = set(dir(runtime.__base__))
            public = {m for m in dir(runtime) if not m.startswith("_") and m not in inherited}
            assert {m for m in members if not m.startswith("_")} == public, name
            for m, fn in members.items():
                attr = getattr(runtime, m)
                if m == "__new__":
                    assert params(fn) == runtime_params(runtime), name
                elif not m.startswith("_") and callable(attr):
                    assert params(fn) == runtime_params(attr), f"{name}.{m}"
                    assert attr.__doc__, f"{name}.{m}"


def test_stubtest_agrees():
    pytest.importorskip("mypy", reason="needs mypy (python/ci.sh installs it)")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "neardup", "--ignore-missing-stub"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
