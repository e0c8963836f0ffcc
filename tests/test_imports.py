"""No import circle in the package: no module of lstm_course imports itself back, directly or
through others, at the top or inside a function (a function-level import only hides a circle
until the function runs). What runs only as a program (``if __name__ == "__main__":``) is
not imported by anyone, so it does not count."""

import ast
from pathlib import Path

import lstm_course

PACKAGE = Path(lstm_course.__file__).parent


def _is_main_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _imported(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules that ``tree`` imports, outside ``if __name__ == "__main__":``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_main_block(node):
            return
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from lstm_course import tagger" names a module; "from lstm_course.x import y"
            # names lstm_course.x (and y, if y is a module)
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError("relative import: the package imports lstm_course.x by name")
        else:
            names = []
        found.update(n.removeprefix("lstm_course.") for n in names if n.startswith("lstm_course."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found & modules


def _module_files() -> dict[str, Path]:
    """Every module of the package by its dotted name below ``lstm_course``: ``tagger``,
    ``exercises`` (a subpackage's ``__init__``), ``exercises.lesson1``, ..."""
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            files[".".join(parts)] = path
    return files


def import_graph() -> dict[str, set[str]]:
    files = _module_files()
    modules = set(files)
    return {
        m: _imported(ast.parse(files[m].read_text(encoding="utf-8")), modules) - {m}
        for m in sorted(modules)
    }


def test_each_lessons_exercise_checks_import_only_what_that_lesson_needs():
    graph = import_graph()
    lesson_modules = {"tagger", "training", "adding", "forecasting", "charlm", "probes"}
    assert "exercises.lesson1" in graph
    assert graph["exercises.lesson1"] & lesson_modules == set()  # one LSTM step: cells only
    assert graph["exercises.lesson3"] & lesson_modules == set()
    assert "forecasting" not in graph["exercises.lesson4"] | graph["exercises.lesson5"]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports as ``[a, b, ..., a]``, or None when there is none."""
    state: dict[str, str] = {}  # "open" while its imports are being walked, then "done"
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        state[m] = "open"
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return [*path[path.index(n) :], n]
            if n not in state and (cycle := walk(n)):
                return cycle
        path.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state and (cycle := walk(m)):
            return cycle
    return None


def test_the_package_has_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_walk_finds_a_circle_through_a_function_level_import():
    source = {
        "a": "from lstm_course.b import x\n",
        "b": "def f():\n    from lstm_course import c\n",
        "c": "import lstm_course.a\nif __name__ == '__main__':\n    import lstm_course.d\n",
        "d": "from lstm_course import a\n",
    }
    graph = {m: _imported(ast.parse(s), set(source)) - {m} for m, s in source.items()}
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    del graph["c"]
    graph["b"] = set()
    assert find_cycle(graph) is None


def test_the_command_line_is_a_module_apart_from_the_model():
    graph = import_graph()
    assert "tagger_cli" in graph
    assert "tagger_cli" not in graph["tagger"] and "training" not in graph["tagger"]
