"""The package as a user installs it: its wheel, its import graph and what `import textae` pulls in."""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, textae_imports

LIBRARY = ROOT / "textae"


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_command_and_no_data(tmp_path):
    """`pip wheel .` builds; the wheel holds every library module and the `textae` command, and nothing else:
    no app, no tests, no checkpoints, no corpus."""
    src = tmp_path / "src"  # a copy: setuptools builds in the source tree, which must stay clean
    shutil.copytree(
        ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "checkpoints", "__pycache__", "artifacts")
    )
    p = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    (wheel,) = tmp_path.glob("textae-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = {n for n in names if n.endswith(".py")}
    want = {str(f.relative_to(ROOT)) for f in LIBRARY.rglob("*.py") if "__pycache__" not in f.parts}
    assert modules == want
    assert all(n.startswith(("textae/", "textae-")) for n in names), [n for n in names if not n.startswith("textae")]
    assert not [
        n for n in names if n.endswith((".txt", ".safetensors", ".labels", ".png")) and not n.startswith("textae-")
    ]
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "textae = textae.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def _imports(path: Path) -> set[str]:
    """The textae modules that a library file imports, at its top or inside a function alike."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    out = set()
    for _, base, names in textae_imports(path, module):
        out |= {base, *(f"{base}.{n}" for n in names)}  # `from . import geometry` names a module
    return out


def test_no_library_module_imports_one_that_imports_it():
    """The import graph of textae/ has no cycle, direct or through other modules, lazy imports included."""
    files = {
        ".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): f for f in LIBRARY.rglob("*.py")
    }
    graph = {m: {d for d in _imports(f) if d in files and d != m} for m, f in files.items()}
    # a package's __init__ only re-exports (textae.load, textae.cli.main): a module that imports a sibling
    # through its package finds the package initialised first, so those edges are not cycles that can bite
    for pkg in {m for m, f in files.items() if f.name == "__init__.py"}:
        graph[pkg] = set()
    cycles = find_cycles(graph)
    assert not cycles, " -> ".join(cycles[0])


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every module that imports itself through others, as the path round: [a, b, ..., a]."""

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    return [c for m in graph if (c := cycle_from(m))]


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    """The checker itself: two modules that import each other are reported."""
    a, b = tmp_path / "textae" / "a.py", tmp_path / "textae" / "b.py"
    a.parent.mkdir()
    a.write_text("from . import b\n")
    b.write_text("def f():\n    from .a import x\n")
    c = tmp_path / "textae" / "c.py"
    c.write_text("import textae.a\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _imports(a) == {"textae", "textae.b"} and _imports(b) == {"textae.a", "textae.a.x"}
    graph = {
        f"textae.{p.stem}": {d for d in _imports(p) if d in ("textae.a", "textae.b", "textae.c")} for p in (a, b, c)
    }
    assert find_cycles(graph)[0] in (["textae.a", "textae.b", "textae.a"], ["textae.b", "textae.a", "textae.b"])
    assert {tuple(cyc) for cyc in find_cycles(graph)} == {
        ("textae.a", "textae.b", "textae.a"),
        ("textae.b", "textae.a", "textae.b"),
    }  # c is on none
    assert find_cycles({"textae.a": {"textae.b"}, "textae.b": set()}) == []


def test_import_textae_needs_no_plotting_or_app_library():
    """`import textae` and every library module import without matplotlib, plotly or streamlit (the `figures` and
    `app` extras), which are imported only inside the functions that draw."""
    code = (
        "import pkgutil, importlib, sys, textae\n"
        "for m in pkgutil.walk_packages(textae.__path__, 'textae.'):\n"
        "    if m.name != 'textae.__main__': importlib.import_module(m.name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'matplotlib', 'plotly', 'streamlit', 'explorer'}))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr[-2000:]


def test_old_flat_module_names_are_gone():
    """Each module has one name: the flat names of before the role packages (textae.landscape, textae.cache) are
    not importable, and `import textae` adds no finder of its own to sys.meta_path."""
    import importlib
    import sys

    import textae

    assert not hasattr(textae, "MOVED")
    for old in ("landscape", "cache", "checkpoint", "train", "evaluation", "toy"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"textae.{old}")
    assert not [f for f in sys.meta_path if type(f).__module__.startswith("textae")]
    with pytest.raises(AttributeError):
        textae.no_such_module  # noqa: B018


def test_each_folder_of_the_library_says_in_a_line_what_it_holds():
    """Every package's __init__.py opens with a docstring whose first paragraph is one line."""
    inits = list(LIBRARY.rglob("__init__.py"))
    assert len(inits) >= 8  # textae, figures and the six role packages
    for init in inits:
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "\n" not in doc.split("\n\n")[0], init
