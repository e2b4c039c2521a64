"""A dependency solver written out as straight-line Python for one route (``exec``, once).

``generate_solver(steps, ...)`` turns the step list of ``nimbleapi._compile.deps`` into
the code the step loop would run for it, one nested block per sub-dependency, so that a
request pays no loop, no step dispatch and no frame bookkeeping (the in-process benchmark
of a three-level dependency chain measures the difference). Its behaviour is the step
loop's, line for line: the same overrides check on entering a sub-dependency, the same
"no errors in its subtree" test before calling it, the same per-request cache rules.

The source is registered with ``linecache`` under a name of its own per route, such as
``<nimbleapi solver GET /items/{item_id} app.items:read_item>``, so tracebacks and
debuggers show the route's own lines, and the names in it are the dependencies' own
(``await get_db(**v1)``, ``get_db_key``), not numbers.
"""

from __future__ import annotations

import keyword
import linecache
import re
from collections.abc import Callable, Collection
from types import CodeType
from typing import Any

from .exits import AsyncGeneratorDependency

# The step kinds of ``nimbleapi._compile.deps`` (kept in one place there).
Step = tuple[int, Any, Any]

# Deeper trees keep the step loop (each level is one more indented block).
MAX_DEPTH = 24


# Names the generated code itself uses: a dependency called ``errors`` gets another.
_RESERVED = frozenset({
    "ctx", "errors", "cache", "overrides", "value", "solve", "solve_overridden", "collect", "len", "generator", "stack",
    "anext", "StopAsyncIteration", "RuntimeError", "scope", "receive", "send", "content", "exc", "body", "isinstance",
    "type", "str", "BaseException", "Exception", "route_app",
})
_FRAME_NAME = re.compile(r"[ev]\d+")


def solver_title(methods: Collection[str] | None, path: str, call: Any) -> str:
    """What a route's generated solver is called: ``GET /items/{item_id} app.items:read_item``."""
    endpoint = getattr(call, "__qualname__", None) or getattr(call, "__name__", None) or type(call).__name__
    module = getattr(call, "__module__", None)
    where = " ".join(part for part in (",".join(sorted(methods or ())), path) if part)
    return f"{where} {module}:{endpoint}" if module else f"{where} {endpoint}"


def function_name(call: Any, fallback: str = "dependency") -> str:
    """*call*'s own name as a Python identifier, or *fallback* when it has none to use."""
    name = re.sub(r"\W", "_", str(getattr(call, "__name__", "")))
    if not name.isidentifier() or keyword.iskeyword(name) or name in _RESERVED or _FRAME_NAME.fullmatch(name):
        return fallback
    return name


def _source_name(source: Any) -> str:
    """``query_params`` for ``attrgetter("query_params")``: what a parameter filler reads."""
    found = re.fullmatch(r"operator\.attrgetter\('(\w+)'\)", repr(source))
    return found.group(1) if found else "params"


# Sources read straight from the ASGI scope (what the context's properties of that name return).
_SCOPE_SOURCES = {"raw_headers": 'ctx.scope["headers"]'}


class Writer:
    """Lines of code and the objects they refer to by name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self._named: dict[int, str] = {}  # id(object) -> its name, so one object has one name
        self.indent = 1
        self.frames = 0  # argument dicts named so far (v0 is the node's own)

    def new_frame(self) -> int:
        self.frames += 1
        return self.frames

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def name(self, value: Any, wanted: str) -> str:
        """The name *value* has in the generated code: *wanted*, numbered if already taken."""
        known = self._named.get(id(value))
        if known is not None and self.names[known] is value:
            return known
        base = name = wanted
        count = 1
        while name in self.names:
            count += 1
            name = f"{base}_{count}"
        self.names[name] = value
        self._named[id(value)] = name
        return name


def generate_solver(
    steps: tuple[Step, ...], kinds: tuple[int, int, int, int, int], helpers: dict[str, Any], title: str
) -> Callable[..., Any] | None:
    """``async solve(ctx) -> (values, errors)`` for *steps*; None when the tree is too deep.

    *kinds* are the step kinds (fill, enter, exit, body, specials); *helpers* the functions
    the code calls by name (``solve_overridden``, ``collect``); *title* names the route
    (``solver_title``) in tracebacks.
    """
    writer = Writer()
    writer.line("errors = []")
    writer.line("cache, overrides = ctx.cache, ctx.overrides")
    writer.line("v0 = {}")
    if not write_solver_steps(writer, steps, kinds):
        return None
    writer.line("return v0, errors")
    return compile_function(writer, "async def solve(ctx):", {**helpers, **writer.names}, f"<nimbleapi solver {title}>")


def write_solver_steps(writer: Writer, steps: tuple[Step, ...], kinds: tuple[int, int, int, int, int]) -> bool:
    """Write the code solving *steps* into ``v0`` (the node's arguments) and ``errors``, with
    ``ctx``, ``cache`` and ``overrides`` in scope; False when the tree is too deep."""
    fill, enter, leave, body, _ = kinds
    frames = [0]
    for op, target, extra in steps:
        frame = frames[-1]
        if op == fill:
            attribute = _source_name(extra)
            fill_name = writer.name(target, f"fill_{attribute}")
            source = _SCOPE_SOURCES.get(attribute) or f"{writer.name(extra, f'get_{attribute}')}(ctx)"
            writer.line(f"{fill_name}({source}, v{frame}, errors)")
        elif op == enter:
            if len(frames) > MAX_DEPTH:
                return False
            frames.append(writer.new_frame())
            _enter(writer, writer.name(target, f"{function_name(target.call)}_dependency"), frame, frames[-1])
        elif op == leave:
            frames.pop()
            _leave(writer, target, frame, frames[-1])
        elif op == body:
            writer.line(f"collect(await {writer.name(target, 'read_body')}(ctx.body), v{frame}, errors)")
        else:
            writer.line(f"{writer.name(target, 'fill_framework_objects')}(ctx, v{frame})")
    return True


def _enter(writer: Writer, child: str, parent: int, frame: int) -> None:
    writer.line(f"if overrides and {child}.call in overrides:")
    writer.line(f"    await solve_overridden({child}, ctx, v{parent}, errors, overrides[{child}.call])")
    writer.line("else:")
    writer.indent += 1
    writer.line(f"e{frame} = len(errors)")
    writer.line(f"v{frame} = {{}}")


def _leave(writer: Writer, child: Any, frame: int, parent: int) -> None:
    writer.line(f"if len(errors) == e{frame}:  # nothing wrong in this dependency's subtree")
    writer.indent += 1
    function = function_name(child.call)
    key = writer.name(child.key, f"{function}_key")
    if child.entered is not None:
        _enter_generator(writer, child, key, f"{writer.name(child.entered, function)}(**v{frame})")
    else:
        if child.direct is not None:
            call = f"await {writer.name(child.direct, function)}(**v{frame})"
        else:
            call = f"await {writer.name(child.run, 'run_' + function)}(ctx, v{frame})"
        if child.use_cache:
            writer.line(f"value = cache[{key}] if {key} in cache else {call}")
        else:
            writer.line(f"value = {call}")
    if child.name is not None:
        writer.line(f"v{parent}[{child.name!r}] = value")
    writer.line(f"if {key} not in cache:")
    writer.line(f"    cache[{key}] = value")
    writer.indent -= 2


def _enter_generator(writer: Writer, child: Any, key: str, generator: str) -> None:
    """An async generator dependency entered on its exit stack: advanced to its ``yield``
    right here when its cleanup needs no shielding scope (``ctx.unshielded_stack``)."""
    if child.use_cache:
        writer.line(f"if {key} in cache:")
        writer.line(f"    value = cache[{key}]")
        writer.line("else:")
        writer.indent += 1
    scoped = repr(child.function_scoped)
    for text in (
        f"generator = {generator}",
        f"stack = ctx.unshielded_stack({scoped})",
        "if stack is None:",
        f"    value = await ctx.enter_async_generator(generator, {scoped})",
        "else:",
        "    try:",
        "        value = await anext(generator)",
        "    except StopAsyncIteration:",
        "        raise RuntimeError(\"generator didn't yield\") from None",
        # ``stack.push_entered_generator(generator)``, without its call
        f"    stack._exit_callbacks.append((False, {writer.name(AsyncGeneratorDependency, 'AsyncGeneratorDependency')}(generator)))",
    ):
        writer.line(text)
    if child.use_cache:
        writer.indent -= 1


# Routes of the same shape get the same source: compile it once (bounded: shapes, not routes).
_compiled: dict[str, CodeType] = {}
_COMPILED_LIMIT = 1024


def compile_function(writer: Writer, signature: str, names: dict[str, Any], filename: str) -> Callable[..., Any]:
    """The function *signature* with *writer*'s lines as its body, over *names*, compiled
    from *filename* (numbered if another source holds it) and registered with ``linecache``."""
    source = "\n".join([signature, *writer.lines]) + "\n"
    filename = _unique_filename(filename, source)
    code = _compiled.get(source)
    if code is None:
        code = compile(source, filename, "exec")
        if len(_compiled) < _COMPILED_LIMIT:
            _compiled[source] = code
    elif code.co_filename != filename:
        code = _renamed(code, filename)
    namespace = dict(names)
    exec(code, namespace)  # noqa: S102 - our own generated code
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    defined = signature.split("(", 1)[0].split()[-1]
    return namespace[defined]  # type: ignore[no-any-return]


def _unique_filename(filename: str, source: str) -> str:
    """*filename*, numbered when another source already holds it (the same route declared
    again with other dependencies, in another application), so no traceback shows the
    other solver's line."""
    candidate, count = filename, 1
    while True:
        held = linecache.cache.get(candidate)
        if held is None or (len(held) == 4 and "".join(held[2]) == source):
            return candidate
        count += 1
        candidate = f"{filename[:-1]} #{count}>"


def _renamed(code: CodeType, filename: str) -> CodeType:
    """*code* (and the functions it defines) as compiled from *filename*."""
    consts = tuple(_renamed(const, filename) if isinstance(const, CodeType) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)
