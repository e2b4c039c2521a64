"""Throw-away virtualenvs for the alias tests: the alias is installed into them, never into the running one."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def site(self) -> Path:
        return next((self.root / "lib").glob("python3*/site-packages"))

    def run(self, *command: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a program of this venv (``python``, ``nimbleapi``, ``pip`` ...) as an activated shell would."""
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(VIRTUAL_ENV=str(self.root), PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}")
        env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONIOENCODING="utf-8")
        program = str(self.bin / command[0])
        return subprocess.run(
            [program, *command[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )

    def files(self) -> set[str]:
        """Every path in the venv, relative to its root: what an install or uninstall may change."""
        return {str(path.relative_to(self.root)) for path in self.root.rglob("*")}


def create(root: Path, *, with_pip: bool) -> Venv:
    command = [sys.executable, "-m", "venv", str(root)]
    subprocess.run(command if with_pip else [*command, "--without-pip"], check=True, timeout=300)
    return Venv(root)


def borrowing_this_environment(root: Path) -> Venv:
    """A venv whose interpreter also imports everything installed here (nimbleapi, pytest, pip).

    Its own site-packages stays empty, so what ``nimbleapi alias`` writes there is all there is;
    ``site.addsitedir`` also runs this environment's .pth files (an editable install's).
    """
    venv = create(root, with_pip=False)
    borrowed = sysconfig.get_path("purelib")
    (venv.site / "00-borrow.pth").write_text(f"import site; site.addsitedir({borrowed!r})\n", encoding="utf-8")
    return venv
