"""Everything a conformance run needs on disk, kept in a cache outside the checkout.

Layout of the cache (``--cache``, ``$NIMBLEAPI_CONFORMANCE_CACHE`` or
``~/.cache/nimbleapi-conformance-project``):

    venv-<hash>/   test environment built from requirements.txt (hash of the file + Python version)
    sdist/         FastAPI's source distribution, downloaded once, checked against SDIST_SHA256
    run/tree/      a fresh copy of the sdist without its fastapi/ package, per run
    run/impl/      nimbleapi (a symlink to the checkout's package), the only thing answering `import fastapi`
    run/site/      the start-up hook (alias/sitecustomize.py)
    pycache/       bytecode of the run, so that nothing is written into the checkout
    results/       junit.xml, pytest.log, summary.txt, passing.txt of the last run

FastAPI's code never enters the checkout, and its ``fastapi/`` package is never
unpacked at all.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

FASTAPI_VERSION = "0.165.0"
SDIST_NAME = f"fastapi-{FASTAPI_VERSION}.tar.gz"
SDIST_SHA256 = "dd94d4128319c1e1d50535ab023ab698f850a4d2822f0e181747b46f4ff3c0ab"
# never unpacked: nothing but this checkout's nimbleapi may answer `import fastapi`
LEFT_OUT = "fastapi"

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
REQUIREMENTS = HERE / "requirements.txt"
ALIAS_HOOK = HERE / "alias" / "sitecustomize.py"
VENV_STAMP = ".nimbleapi-conformance-requirements"


class SetupError(Exception):
    """The run could not be prepared; the message says what to do."""


def log(message: str) -> None:
    print(f"conformance: {message}", flush=True)


def default_cache() -> Path:
    configured = os.environ.get("NIMBLEAPI_CONFORMANCE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nimbleapi-conformance-project"


def enclosing_work_tree(path: Path) -> Path | None:
    """The git work tree holding *path*, if any (found by its `.git` entry)."""
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@dataclass(frozen=True)
class Cache:
    root: Path

    @classmethod
    def open(cls, path: Path) -> Cache:
        root = path.expanduser().resolve()
        work_tree = enclosing_work_tree(root)
        if work_tree is not None:
            raise SetupError(
                f"cache {root} is inside the git work tree {work_tree}; FastAPI's sources are unpacked "
                "there and must stay out of any repository. Choose another --cache."
            )
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    def lock(self) -> IO[str]:
        """Hold the cache for this run; a second run in the same cache waits."""
        handle = (self.root / ".lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another run using {self.root}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def tree(self) -> Path:
        return self.run_dir / "tree"

    @property
    def pycache(self) -> Path:
        return self.root / "pycache"

    def results_dir(self) -> Path:
        path = self.root / "results"
        path.mkdir(exist_ok=True)
        return path


def _run_logged(command: list[str], log_file: Path, what: str) -> None:
    with log_file.open("w") as out:
        completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-20:]
        raise SetupError(f"{what} failed (exit {completed.returncode}, log {log_file}):\n" + "\n".join(tail))


def _python_version(python: str) -> str:
    completed = subprocess.run(
        [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    if completed.returncode != 0:
        raise SetupError(f"cannot run {python}: {completed.stderr.strip()}")
    version = completed.stdout.strip()
    if tuple(int(part) for part in version.split(".")[:2]) < (3, 11):
        raise SetupError(f"FastAPI {FASTAPI_VERSION}'s tests need Python >= 3.11; {python} is {version}")
    return version


def _has_distribution(python: Path, name: str) -> bool:
    probe = (f"import importlib.metadata as m\ntry: m.distribution({name!r})\n"
             "except m.PackageNotFoundError: raise SystemExit(1)")
    return subprocess.run([str(python), "-c", probe], stdin=subprocess.DEVNULL).returncode == 0


def ensure_venv(cache: Cache, base_python: str) -> Path:
    """Return the python of a venv holding exactly the pinned test requirements."""
    version = _python_version(base_python)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes() + version.encode()).hexdigest()
    venv = cache.root / f"venv-{digest[:12]}"
    python = venv / "bin" / "python"
    stamp = venv / VENV_STAMP
    if not (stamp.is_file() and stamp.read_text().strip() == digest and python.exists()):
        log(f"building the test environment {venv} from requirements.txt (Python {version})")
        shutil.rmtree(venv, ignore_errors=True)
        _run_logged([base_python, "-m", "venv", str(venv)], cache.root / "venv.log", "creating the venv")
        _run_logged(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(REQUIREMENTS)],
            cache.root / "pip-install.log",
            "installing requirements.txt",
        )
        stamp.write_text(digest + "\n")
        for stale in cache.root.glob("venv-*"):  # built from an older requirements.txt
            if stale != venv:
                shutil.rmtree(stale, ignore_errors=True)
    # the real FastAPI would answer `import fastapi` in place of nimbleapi
    if _has_distribution(python, "fastapi"):
        log(f"removing a 'fastapi' distribution from {venv}")
        _run_logged([str(python), "-m", "pip", "uninstall", "-y", "-q", "fastapi"],
                    cache.root / "pip-uninstall.log", "uninstalling fastapi")
    return python


def check_given_venv(venv: Path) -> Path:
    """Use an environment the caller manages; it is checked, never modified."""
    python = venv.expanduser().resolve() / "bin" / "python"
    if not python.exists():
        raise SetupError(f"--venv {venv}: no bin/python in it")
    _python_version(str(python))
    if _has_distribution(python, "fastapi"):
        raise SetupError(f"--venv {venv} has the real 'fastapi' installed; uninstall it, or drop --venv")
    return python


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_sdist(cache: Cache, python: Path) -> Path:
    """Download FastAPI's source distribution once and check it against SDIST_SHA256."""
    sdist_dir = cache.root / "sdist"
    sdist = sdist_dir / SDIST_NAME
    if sdist.is_file() and _sha256(sdist) == SDIST_SHA256:
        return sdist
    log(f"downloading the fastapi=={FASTAPI_VERSION} source distribution from PyPI")
    sdist_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=sdist_dir) as download:
        _run_logged(
            [str(python), "-m", "pip", "download", "--disable-pip-version-check", "-q",
             "--no-binary", ":all:", "--no-deps", f"fastapi=={FASTAPI_VERSION}", "-d", download],
            sdist_dir / "download.log",
            f"pip download fastapi=={FASTAPI_VERSION}",
        )
        fetched = Path(download) / SDIST_NAME
        if not fetched.is_file():
            raise SetupError(f"pip download did not produce {SDIST_NAME} (log {sdist_dir / 'download.log'})")
        if _sha256(fetched) != SDIST_SHA256:
            raise SetupError(f"{SDIST_NAME} from the index does not match the pinned sha256 {SDIST_SHA256}")
        fetched.replace(sdist)
    return sdist


def _tree_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    top = f"fastapi-{FASTAPI_VERSION}/"
    chosen = []
    for member in archive.getmembers():
        if not member.name.startswith(top):
            continue
        relative = member.name[len(top):]
        if relative and relative.split("/", 1)[0] != LEFT_OUT:
            member.name = relative
            chosen.append(member)
    return chosen


def unpack_tree(cache: Cache, sdist: Path) -> Path:
    """A fresh test tree for every run, so that no earlier run's leftovers count.

    It holds tests/, docs_src/, scripts/, pyproject.toml (the suite's pytest settings) and
    docs/ (an image two tutorial tests serve): the whole sdist except the fastapi/ package."""
    shutil.rmtree(cache.run_dir, ignore_errors=True)
    cache.tree.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        members = _tree_members(archive)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(cache.tree, members=members, filter="data")
        else:  # Python < 3.11.4: members were already narrowed to plain relative paths
            archive.extractall(cache.tree, members=members)
    if not (cache.tree / "tests").is_dir() or (cache.tree / "fastapi").exists():
        raise SetupError(f"unexpected layout of {sdist}: tests/ missing or fastapi/ present")
    return cache.tree


def prepare_imports(cache: Cache) -> list[Path]:
    """Folders for PYTHONPATH: the alias hook, nimbleapi, and docs_src (as FastAPI's own test script does)."""
    package = CHECKOUT / "nimbleapi"
    if not package.is_dir():
        raise SetupError(f"no nimbleapi package in {CHECKOUT}")
    site = cache.run_dir / "site"
    impl = cache.run_dir / "impl"
    site.mkdir()
    impl.mkdir()
    shutil.copyfile(ALIAS_HOOK, site / "sitecustomize.py")
    # only the package itself is importable, not the checkout's tests/ or conformance/
    (impl / "nimbleapi").symlink_to(package, target_is_directory=True)
    return [site, impl, cache.tree / "docs_src"]


def run_environment(python: Path, cache: Cache, import_paths: list[Path]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONSAFEPATH"}}
    venv_bin = python.parent
    env.update(
        PYTHONPATH=os.pathsep.join(str(path) for path in import_paths),
        PYTHONPYCACHEPREFIX=str(cache.pycache),
        VIRTUAL_ENV=str(venv_bin.parent),
        PATH=os.pathsep.join([str(venv_bin), env.get("PATH", "")]),
        NIMBLEAPI_CONFORMANCE_ALIAS="1",
    )
    return env


_PROBE = """
import importlib.util
spec = importlib.util.find_spec("fastapi")
if spec is not None:
    raise SystemExit(f"a real fastapi is importable ({spec.origin}); the run would not measure nimbleapi")
"""


def describe_alias(python: Path, env: dict[str, str], tree: Path) -> str:
    """Check that only nimbleapi can answer `import fastapi`, and say what it resolves to."""
    plain = dict(env, NIMBLEAPI_CONFORMANCE_ALIAS="0")
    probe = subprocess.run([str(python), "-c", _PROBE], env=plain, cwd=tree,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if probe.returncode != 0:
        raise SetupError((probe.stdout + probe.stderr).strip() or "the import probe failed")
    check = "import fastapi; print('import fastapi ->', fastapi.__name__, getattr(fastapi, '__file__', None))"
    aliased = subprocess.run([str(python), "-c", check], env=env, cwd=tree,
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if aliased.returncode == 0:
        return aliased.stdout.strip()
    lines = aliased.stderr.strip().splitlines()
    return "import fastapi FAILED: " + (lines[-1] if lines else f"exit {aliased.returncode}")
