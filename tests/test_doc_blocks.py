"""Every code block of README.md and docs/*.md runs: the Python blocks are executed (the blocks of
one file in order, sharing their names, as a reader pastes them), the C++ blocks are built against
the installed SDK with the README's CMake lines and run, and the shell blocks are checked
command by command (the trajcore commands parse with the real CLI, the files and extras they
name exist). A block that no longer runs fails here; the counts are printed at the end of the run.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib

import trajcore
from real_lanes import shared_data
from trajcore.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
#: What each fence's language means here; an untagged fence is an error.
LANGUAGES = {
    "python": "executed",
    "cpp": "built and run",
    "cmake": "built and run",
    "sh": "commands checked",
    "text": "not code",
}


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        text = doc.read_text()
        for m in re.finditer(r"^```([\w+-]*)\n(.*?)^```$", text, re.S | re.M):
            line = text.count("\n", 0, m.start()) + 1
            found.append(Block(doc, line, m.group(1), m.group(2)))
    return found


BLOCKS = blocks()


def block_counts() -> dict[str, int]:
    """Blocks per kind (conftest prints them at the end of the run)."""
    counts: dict[str, int] = {}
    for b in BLOCKS:
        kind = LANGUAGES.get(b.language, "untagged")
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_every_block_has_a_known_language() -> None:
    unknown = [
        f"{b.name} ({b.language or 'untagged'})" for b in BLOCKS if b.language not in LANGUAGES
    ]
    assert not unknown, f"tag these fences with one of {sorted(LANGUAGES)}: {unknown}"
    assert block_counts()["executed"] >= 9


@pytest.mark.parametrize(
    "doc",
    [d for d in DOCS if any(b.file == d and b.language == "python" for b in BLOCKS)],
    ids=lambda d: d.name,
)
def test_python_blocks_run(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = [b for b in BLOCKS if b.file == doc and b.language == "python"]
    if any("../shared/data" in b.code for b in code) and shared_data() is None:
        pytest.skip(f"../shared/data is absent: {doc.name}'s blocks read the recordings")
    monkeypatch.chdir(ROOT)  # the blocks name ../shared/data relative to the checkout
    names: dict[str, object] = {"__name__": "__doc_block__"}
    for b in code:
        try:
            exec(compile(b.code, b.name, "exec"), names)
        except Exception as error:
            pytest.fail(f"{b.name}: {type(error).__name__}: {error}")


def test_cpp_blocks_build_and_run(tmp_path: Path) -> None:
    """Each C++ block is a program; README's CMake block links the first, the others the same
    way, against the installed SDK."""
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        pytest.fail("the C++ doc blocks need cmake and a C++ compiler on PATH")
    cpp = [b for b in BLOCKS if b.language == "cpp"]
    (cmake,) = [b for b in BLOCKS if b.language == "cmake"]
    assert "add_executable" not in cmake.code and "target_link_libraries(app" in cmake.code
    lines = [
        "cmake_minimum_required(VERSION 3.24)",
        "project(doc_blocks CXX)",
        "set(CMAKE_CXX_STANDARD 17)",
    ]
    for i, b in enumerate(cpp):
        (tmp_path / f"block{i}.cpp").write_text(b.code)
        target = "app" if i == 0 else f"block{i}"
        lines.append(f"add_executable({target} block{i}.cpp)")
        if i == 0:
            lines.append(cmake.code)
        else:
            lines.append(f"target_link_libraries({target} PRIVATE trajcore::core)")
    (tmp_path / "CMakeLists.txt").write_text("\n".join(lines) + "\n")
    build = tmp_path / "build"
    for command in (
        [
            "cmake",
            "-S",
            str(tmp_path),
            "-B",
            str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={trajcore.cmake_prefix_path}",
        ],
        ["cmake", "--build", str(build)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outputs = {}
    for i, b in enumerate(cpp):
        exe = build / ("app" if i == 0 else f"block{i}")
        done = subprocess.run([str(exe)], capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, f"{b.name}: exit {done.returncode}: {done.stderr}"
        outputs[b.file.name] = done.stdout
    # What the comments in the blocks say they print.
    assert "overlap 1, gap -0.22 m" in outputs["README.md"]
    assert "candidate 0: first step 26, collision probability 0.70" in outputs["collision.md"]
    assert "candidate 1: first step -1, collision probability 0.00" in outputs["collision.md"]


def shell_commands(code: str) -> list[list[str]]:
    """The commands of a shell block: continuation lines joined, comments dropped, `&&` split,
    leading VAR=value assignments removed."""
    joined = re.sub(r"\\\n\s*", " ", code)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            command, words = words[:cut], words[cut + 1 :]
            while command and re.fullmatch(r"[A-Z_]+=\S*", command[0]):
                command = command[1:]
            if command:
                commands.append(command)
    return commands


def check_pip(args: list[str]) -> None:
    assert args[0] == "install", args
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    known = {
        re.split(r"[<>=\[ ]", r)[0].lower()
        for r in [
            *project["build-system"]["requires"],
            *project["project"]["dependencies"],
            *[d for ds in extras.values() for d in ds],
        ]
    }
    for arg in args[1:]:
        if arg.startswith("-"):
            continue
        local = re.fullmatch(r"\.(?:\[([\w,]+)\])?", arg)
        if local:
            for extra in filter(None, (local.group(1) or "").split(",")):
                assert extra in extras, f"pip install {arg}: no extra {extra!r} in pyproject.toml"
            continue
        name, _, version = arg.partition("==")
        assert name.lower() in known, (
            f"pip install {arg}: {name} is not a dependency trajcore names"
        )
        if name == "torch" and version:
            installed = pytest.importorskip("torch").__version__.split("+")[0]
            assert installed == version, f"the docs pin torch {version}; the tests run {installed}"


def check_trajcore(args: list[str], parser: argparse.ArgumentParser) -> None:
    # [--flag] marks an optional part: parse with and without it.
    required = [a for a in args if not (a.startswith("[") or a.endswith("]"))]
    for variant in (required, [a.strip("[]") for a in args]):
        try:
            parsed = parser.parse_args(variant)
        except SystemExit:
            pytest.fail(f"trajcore {' '.join(args)}: the CLI refuses these arguments")
    # Whole option names (argparse would take an abbreviation the CLI does not define).
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    options = commands.choices[parsed.command]._option_string_actions
    for word in args:
        flag = word.strip("[]")
        assert not flag.startswith("-") or flag in options, f"trajcore {parsed.command} {flag}?"
    data = getattr(parsed, "data", None)
    for folder in [data] if isinstance(data, str) else data or []:
        if folder.startswith("../shared/data") and shared_data() is not None:
            assert (ROOT / folder).is_dir(), f"trajcore {' '.join(args)}: no folder {folder}"


def check_path_word(word: str) -> None:
    if "/" in word and not word.startswith(("-", "$", "build/", "scenes", "plans")):
        matches = list(ROOT.glob(word))
        assert matches, f"{word}: no such file in the checkout"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "sh"], ids=lambda b: b.name)
def test_shell_blocks_name_what_exists(block: Block) -> None:
    parser = build_parser()
    built = set()  # programs an earlier cmake command of the block builds
    for command in shell_commands(block.code):
        program, args = command[0], command[1:]
        if program == "pip":
            check_pip(args)
        elif program == "trajcore":
            check_trajcore(args, parser)
        elif program == "python":
            if args[:2] == ["-m", "pytest"]:
                for word in args[2:]:
                    if not word.startswith("-") and word != "auto":
                        check_path_word(word)
            else:
                check_path_word(args[0])
        elif program == "cmake":
            if "-S" in args:
                check_path_word(args[args.index("-S") + 1])
                built.add(args[args.index("-B") + 1])
        elif any(program.startswith(b + "/") for b in built):
            pass
        else:
            path = ROOT / program
            assert path.is_file() and path.stat().st_mode & 0o111, f"{block.name}: {program}?"
