"""The library's layers as a contract: no module imports one of a higher layer, at its top or inside a function,
and the role packages import one another without a cycle (docs/architecture.md, "Layers")."""

from pathlib import Path

from helpers import ROOT, textae_imports

# lowest first: a module may import its own layer and those before it, never one after it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("errors", "version", "runtime")),
    (
        "model",
        ("config", "vocab", "vocab_loss", "noise", "model", "likelihood", "ops", "generate", "detokenize", "chunks"),
    ),
    ("storage", ("storage",)),
    ("data", ("data", "batches", "prose")),
    ("inference", ("precision", "api")),
    ("training", ("training",)),
    ("measurement", ("measure",)),
    ("maps", ("maps",)),
    ("experiments", ("experiments",)),
    ("presentation", ("figures", "cli", "__main__")),
]
RANK = {unit: i for i, (_, units) in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str | None:
    """The top-level module or package of textae that `module` is in (None for the package `textae` itself,
    which only re-exports)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "textae" and len(parts) > 1 else None


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the library, by its dotted name."""
    lib = root / "textae"
    return {
        ".".join(f.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): f
        for f in lib.rglob("*.py")
        if "__pycache__" not in f.parts
    }


def imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported textae module or name) for every import of `path`, at its top or inside a function."""
    out = []
    for line, base, names in textae_imports(path, module):
        if not names:  # `import textae.x`
            out.append((line, base))
        else:  # `from textae import ops` names a module; `from textae.x import y` the module textae.x
            out += [(line, f"{base}.{n}" if unit_of(base) is None else base) for n in names]
    return list(dict.fromkeys(out))


def upward(root: Path = ROOT) -> list[str]:
    """Each import of a higher layer, as 'file:line: module (layer) imports module (layer)'."""
    name = {i: layer for i, (layer, _) in enumerate(LAYERS)}
    found = []
    for module, path in sorted(modules(root).items()):
        own = unit_of(module)
        if own is None:
            continue
        assert own in RANK, f"{module} is in no layer: add it to LAYERS (and to docs/architecture.md)"
        for line, target in imports(module, path):
            other = unit_of(target)
            if other is None:
                continue
            assert other in RANK, f"{path}:{line} imports {target}, which is in no layer"
            if RANK[other] > RANK[own]:
                found.append(
                    f"{path.relative_to(root)}:{line}: {module} ({name[RANK[own]]}) imports {target} "
                    f"({name[RANK[other]]})"
                )
    return found


def unit_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Which top-level modules and packages of textae import which others."""
    graph: dict[str, set[str]] = {}
    for module, path in modules(root).items():
        own = unit_of(module)
        if own is not None:
            targets = {unit_of(t) for _, t in imports(module, path)}
            graph.setdefault(own, set()).update(t for t in targets if t is not None and t != own)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as the path round ([a, b, a]), or None."""
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_module_imports_a_higher_layer():
    """Every import of every library module, inside functions too, goes to its own layer or a lower one."""
    found = upward()
    assert not found, "\n".join(found)


def test_the_packages_import_one_another_without_a_cycle():
    """The top-level modules and packages (api, data, storage, training, measure, maps, ...) form no cycle."""
    assert cycle(unit_graph()) is None, " -> ".join(cycle(unit_graph()))


def test_every_module_is_in_a_layer():
    units = {unit_of(m) for m in modules()} - {None}
    assert units <= set(RANK), units - set(RANK)


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    """The checkers themselves, on a made-up library: an import inside a function counts too."""
    lib = tmp_path / "textae"
    (lib / "storage").mkdir(parents=True)
    (lib / "training").mkdir()
    (lib / "__init__.py").write_text("from textae.api import load\n")
    (lib / "storage" / "__init__.py").write_text("")
    (lib / "storage" / "checkpoint.py").write_text("def f():\n    from textae.training.state import flatten\n")
    (lib / "training" / "__init__.py").write_text("")
    (lib / "training" / "state.py").write_text("from ..storage import checkpoint\n")
    (lib / "api.py").write_text("from textae import errors\n")
    assert upward(tmp_path) == [
        "textae/storage/checkpoint.py:2: textae.storage.checkpoint (storage) imports textae.training.state (training)"
    ]
    assert cycle(unit_graph(tmp_path)) in (["storage", "training", "storage"], ["training", "storage", "training"])
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert unit_of("textae.storage.keys") == "storage" and unit_of("textae.maps.landscape") == "maps"
