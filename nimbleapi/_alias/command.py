"""``nimbleapi alias install | uninstall | status``: the command line over ``environment``."""

from __future__ import annotations

import argparse

from .._version import FASTAPI_VERSION
from .environment import Environment, State, Status, install, inspect, nimbleapi_version, uninstall

HELP = "make this environment's 'fastapi' (imports, the fastapi command, pip) be nimbleapi"
ACTIONS = {
    "install": "install the alias: import fastapi gives nimbleapi in every new process, pip sees FastAPI",
    "uninstall": "remove every file the alias added",
    "status": "say what 'fastapi' is in this environment (exit status 0 only when the alias is installed)",
}


def add_alias_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alias = commands.add_parser("alias", help=HELP, description=HELP)
    actions = alias.add_subparsers(dest="alias_action", required=True, metavar="{install,uninstall,status}")
    for name, help_text in ACTIONS.items():
        actions.add_parser(name, help=help_text, description=help_text)


def run_alias_command(action: str, environment: Environment | None = None) -> int:
    """Carry out *action*, print what happened and return the exit status."""
    environment = environment or Environment.current()
    if action == "install":
        return report_install(install(environment), environment)
    if action == "uninstall":
        return report_uninstall(uninstall(environment), environment)
    return report_status(inspect(environment), environment)


def describe(status: Status, environment: Environment) -> str:
    site = environment.site_dir
    if status.state is State.ABSENT:
        return f"The fastapi alias is not installed in {site}, and neither is FastAPI."
    if status.state is State.REAL_FASTAPI:
        by = f" (installed by {status.installer})" if status.installer else ""
        return (
            f"fastapi in {site} is FastAPI {status.version} itself{by}, not the alias: "
            "'import fastapi' gives FastAPI. To serve with nimbleapi: "
            "pip uninstall fastapi && nimbleapi alias install"
        )
    if status.state is State.STALE:
        return (
            f"The fastapi alias in {site} was written by nimbleapi {status.problems[0] or '(unknown)'}, "
            f"this is nimbleapi {nimbleapi_version()}: run 'nimbleapi alias install' again."
        )
    if status.state is State.DAMAGED:
        return f"The fastapi alias in {site} is damaged ({'; '.join(status.problems)}): run 'nimbleapi alias install' again."
    return (
        f"fastapi {status.version} is nimbleapi {nimbleapi_version()} in {site}: 'import fastapi', "
        f"the fastapi command and pip all see nimbleapi as FastAPI {FASTAPI_VERSION}."
    )


def report_status(status: Status, environment: Environment) -> int:
    print(describe(status, environment))
    return 0 if status.state is State.INSTALLED else 1


def report_install(status: Status, environment: Environment) -> int:
    if status.state is State.REAL_FASTAPI:
        print(f"Not installed: {describe(status, environment)}")
        return 1
    print(describe(status, environment))
    print("Processes started from now on use it; 'nimbleapi alias uninstall' removes it.")
    return 0 if status.state is State.INSTALLED else 1


def report_uninstall(status: Status, environment: Environment) -> int:
    if status.state is State.REAL_FASTAPI:
        print(f"Left in place: {describe(status, environment)}")
        return 1
    if status.state is State.ABSENT:
        print(describe(status, environment) + " Nothing to remove.")
        return 0
    print(f"Removed the fastapi alias from {environment.site_dir}.")
    return 0
