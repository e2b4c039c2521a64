"""Everything a suite needs on disk, kept in a cache outside the checkout.

Layout of the cache (``--cache``, ``$NIMBLEAPI_ECOSYSTEM_CACHE`` or
``~/.cache/nimbleapi-ecosystem``):

    sdist/<file>              the extension's source distribution, checked against its pinned sha256
    src/<suite>/              the sdist unpacked once (pip installs the extension from here)
    venv/<suite>-fastapi/     the baseline: the extension, its test requirements and FastAPI 0.165.0
    venv/<suite>-fastapi.txt  that environment frozen: the exact versions a run used
    venv/<suite>-nimbleapi/   a copy of the baseline, then `activate_nimbleapi` installs nimbleapi and its alias
    run/<suite>-<side>/       a fresh copy of the unpacked sdist for each run (tests may write files)
    wheel/build-*/            this checkout's nimbleapi wheel, built once per invocation (removed at its end)
    results/                  JUnit XML and pytest logs per suite and side, summary.json, table.md

The extension's code never enters the checkout.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from suites import COMMON_REQUIRES, Suite

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "conformance"))
# the conformance runner's helpers for work trees, checksums and installed distributions
from workspace import _has_distribution as installed  # noqa: E402
from workspace import _sha256 as sha256_of  # noqa: E402
from workspace import enclosing_work_tree  # noqa: E402

FASTAPI_VERSION = "0.165.0"
BASELINE, NIMBLEAPI = "fastapi", "nimbleapi"
SIDES = (BASELINE, NIMBLEAPI)
# distributions that would put the real FastAPI (or its command line) into the nimbleapi side
REAL_FASTAPI_DISTS = ("fastapi", "fastapi-slim", "fastapi-cli", "fastapi-cloud-cli")

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
STAMP = ".nimbleapi-ecosystem-stamp"
CLEARED_ENV = {"PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONSAFEPATH", "PYTHONPATH",
               "VIRTUAL_ENV"}


class SetupError(Exception):
    """A suite could not be prepared; the message says why."""


def log(message: str) -> None:
    print(f"ecosystem: {message}", flush=True)


def default_cache() -> Path:
    configured = os.environ.get("NIMBLEAPI_ECOSYSTEM_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nimbleapi-ecosystem"


@dataclass(frozen=True)
class Cache:
    root: Path

    @classmethod
    def open(cls, path: Path) -> Cache:
        root = path.expanduser().resolve()
        work_tree = enclosing_work_tree(root)
        if work_tree is not None:
            raise SetupError(f"cache {root} is inside the git work tree {work_tree}; extension code must "
                             "stay out of any repository. Choose another --cache.")
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    def folder(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def venv(self, suite: Suite, side: str) -> Path:
        return self.root / "venv" / f"{suite.name}-{side}"

    def frozen(self, suite: Suite) -> Path:
        return self.root / "venv" / f"{suite.name}-{BASELINE}.txt"


def run_logged(command: list[str], log_file: Path, what: str, env: dict[str, str] | None = None) -> None:
    with log_file.open("w") as out:
        completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    if completed.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-15:]
        raise SetupError(f"{what} failed (exit {completed.returncode}, log {log_file}):\n" + "\n".join(tail))


def clean_environ() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in CLEARED_ENV}


def ensure_sdist(cache: Cache, suite: Suite) -> Path:
    """Download the pinned sdist once; refuse it unless its sha256 matches."""
    folder = cache.folder("sdist", suite.name)
    for existing in folder.glob("*.tar.gz"):
        if sha256_of(existing) == suite.sha256:
            return existing
    log(f"{suite.name}: downloading the {suite.dist}=={suite.version} source distribution")
    with tempfile.TemporaryDirectory(dir=folder) as download:
        run_logged([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
                    "--no-binary", suite.dist, f"{suite.dist}=={suite.version}", "-d", download],
                   folder / "download.log", f"pip download {suite.dist}=={suite.version}")
        fetched = [path for path in Path(download).iterdir() if path.name.endswith(".tar.gz")]
        if len(fetched) != 1:
            raise SetupError(f"pip download of {suite.dist}=={suite.version} gave no single .tar.gz sdist")
        if sha256_of(fetched[0]) != suite.sha256:
            raise SetupError(f"{fetched[0].name} does not match the pinned sha256 {suite.sha256}")
        return fetched[0].replace(folder / fetched[0].name)


def _unpack(sdist: Path, target: Path) -> None:
    """Unpack *sdist* into *target* without its top-level folder."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        members = []
        for member in archive.getmembers():
            top, _, rest = member.name.partition("/")
            if rest:
                member.name = rest
                members.append(member)
        archive.extractall(target, members=members, filter="data")


def ensure_source(cache: Cache, suite: Suite) -> Path:
    sdist = ensure_sdist(cache, suite)
    source = cache.root / "src" / suite.name
    stamp = source / STAMP
    if not (stamp.is_file() and stamp.read_text().strip() == suite.sha256):
        _unpack(sdist, source)
        stamp.write_text(suite.sha256 + "\n")
    return source


def fresh_tree(cache: Cache, suite: Suite, side: str) -> Path:
    """A copy of the unpacked sdist in which one side's tests run."""
    tree = cache.root / "run" / f"{suite.name}-{side}"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ensure_source(cache, suite), tree, ignore=shutil.ignore_patterns(STAMP))
    return tree


def _requirements(suite: Suite, source: Path) -> list[str]:
    return [spec.replace("{src}", str(source)) for spec in (*suite.requires, *COMMON_REQUIRES)]


def _pip(python: Path, *args: str) -> list[str]:
    return [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args]


def _venv_python(cache: Cache, suite: Suite, side: str, identity: str, base_python: str) -> tuple[Path, bool]:
    """The venv's python, and whether it already holds what *identity* describes."""
    venv = cache.venv(suite, side)
    python = venv / "bin" / "python"
    stamp = venv / STAMP
    if stamp.is_file() and stamp.read_text().strip() == identity and python.exists():
        return python, True
    shutil.rmtree(venv, ignore_errors=True)
    run_logged([base_python, "-m", "venv", str(venv)], cache.folder("venv") / f"{suite.name}-{side}.log", "venv")
    return python, False


def _identity(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def ensure_baseline(cache: Cache, suite: Suite, base_python: str) -> Path:
    """The extension with its test requirements and the real FastAPI 0.165.0; its versions are recorded."""
    source = ensure_source(cache, suite)
    requirements = [*_requirements(suite, source), f"fastapi=={FASTAPI_VERSION}"]
    python, ready = _venv_python(cache, suite, BASELINE, _identity(suite.sha256, *requirements), base_python)
    if ready and cache.frozen(suite).is_file():
        return python
    log(f"{suite.name}: building the FastAPI {FASTAPI_VERSION} environment")
    install_log = cache.folder("venv") / f"{suite.name}-{BASELINE}-install.log"
    run_logged(_pip(python, "install", *requirements), install_log, f"{suite.name}: pip install")
    frozen = subprocess.run(_pip(python, "freeze", "--exclude-editable"), capture_output=True, text=True, check=True)
    # the extension itself appears as `name @ file://...`: its version is the suite's pin
    pins = [line for line in frozen.stdout.splitlines() if line and " @ " not in line]
    cache.frozen(suite).write_text("\n".join(pins) + "\n")
    (python.parent.parent / STAMP).write_text(_identity(suite.sha256, *requirements) + "\n")
    return python


def ensure_nimbleapi_side(cache: Cache, suite: Suite, base_python: str) -> Path:
    """A copy of the baseline environment (so exactly its packages), then `activate_nimbleapi`.

    Copying is much faster than a second pip install and cannot resolve differently."""
    baseline_python = ensure_baseline(cache, suite, base_python)
    baseline, venv = baseline_python.parent.parent, cache.venv(suite, NIMBLEAPI)
    identity = (baseline / STAMP).read_text()
    if not ((venv / STAMP).is_file() and (venv / STAMP).read_text() == identity):
        log(f"{suite.name}: copying the baseline environment for the nimbleapi side")
        shutil.rmtree(venv, ignore_errors=True)
        shutil.copytree(baseline, venv, symlinks=True)
        _repoint_scripts(venv, baseline)
    python = venv / "bin" / "python"
    activate_nimbleapi(cache, python)
    return python


def _repoint_scripts(venv: Path, original: Path) -> None:
    """Console scripts name their interpreter by absolute path; make the copy's use the copy."""
    old, new = str(original).encode(), str(venv).encode()
    for script in (venv / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        content = script.read_bytes()
        if old in content[:4096]:
            script.write_bytes(content.replace(old, new))
    config = venv / "pyvenv.cfg"
    config.write_text(config.read_text().replace(str(original), str(venv)))


_wheels: dict[Path, Path] = {}


def nimbleapi_wheel(cache: Cache) -> Path:
    """This checkout built into a wheel, once per invocation, so every suite tests the checkout as it is now."""
    if cache.root not in _wheels:
        # a folder of this invocation's own, so that runs side by side never share a wheel
        folder = Path(tempfile.mkdtemp(prefix="build-", dir=cache.folder("wheel")))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        run_logged([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q", "--no-deps",
                    str(CHECKOUT), "-w", str(folder)], cache.folder("venv") / "nimbleapi-wheel.log",
                   "building nimbleapi's wheel")
        _wheels[cache.root] = next(folder.glob("nimbleapi-*.whl"))
    return _wheels[cache.root]


def activate_nimbleapi(cache: Cache, python: Path) -> None:
    """Make `import fastapi` in *python*'s environment give this checkout's nimbleapi, as a user does.

    The one step that differs between the two sides. It removes the real FastAPI
    (and the command-line packages that depend on it), installs this checkout's
    nimbleapi into the environment (a wheel built from it, as `pip install` of a
    release gives) with its requirements, then runs `nimbleapi alias install` there.
    Every Python process of the run, subprocesses included, then sees the alias
    through the environment itself; no variable is needed."""
    logs = cache.folder("venv")
    present = [dist for dist in REAL_FASTAPI_DISTS if installed(python, dist)]
    if present:
        run_logged(_pip(python, "uninstall", "-y", *present), logs / "uninstall.log", "uninstalling the real FastAPI")
    runtime = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]["dependencies"]
    run_logged(_pip(python, "install", *runtime), logs / "nimbleapi-deps.log", "installing nimbleapi's requirements")
    run_logged(_pip(python, "install", "--no-deps", "--force-reinstall", str(nimbleapi_wheel(cache))),
               logs / "nimbleapi-install.log", "installing nimbleapi")
    run_logged([str(python), "-m", "nimbleapi", "alias", "install"], logs / "nimbleapi-alias.log",
               "nimbleapi alias install")


def side_environment(cache: Cache, python: Path, suite: Suite) -> dict[str, str]:
    env = clean_environ()
    env.update(suite.env)
    env.update(
        PYTHONPYCACHEPREFIX=str(cache.folder("pycache")),
        VIRTUAL_ENV=str(python.parent.parent),
        PATH=os.pathsep.join([str(python.parent), env.get("PATH", "")]),
    )
    return env


def describe_fastapi(python: Path, env: dict[str, str], cwd: Path) -> str:
    """What `import fastapi` resolves to in that environment (checked before every run)."""
    check = ("import fastapi, importlib.metadata as m; "
             "print(fastapi.__name__, getattr(fastapi, '__version__', '?'), fastapi.__file__)")
    done = subprocess.run([str(python), "-c", check], env=env, cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise SetupError("import fastapi failed: " + (lines[-1] if lines else f"exit {done.returncode}"))
    return done.stdout.strip()
