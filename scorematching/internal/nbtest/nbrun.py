#!/usr/bin/env python3
"""Run a GoNB (Go kernel) notebook headless and fail loudly on any error.

Usage:
    .venv/bin/python scorematching/internal/nbtest/nbrun.py notebooks/01-ring.ipynb \
        --set Epochs=3 --set 'Dataset="moons"' --out /tmp/01-ring.out.ipynb --timeout 600

What it does:
  * --set NAME=VALUE (repeatable) overrides a Go variable or constant declared in the cell tagged
    `parameters`: a new code cell is inserted right after that cell, re-declaring NAME with the same
    kind (var/const) and the same explicit type, if any, e.g. `var (\n\tEpochs = 3\n)`. GoNB keeps the
    last declaration of a name, so every later cell sees the new value. VALUE is Go source
    (`3`, `1e-3`, `"moons"`); if the original value is a string literal, an unquoted VALUE is quoted, and
    if it is an untyped float literal (`1e-4`), an integer VALUE (`1`) becomes `1.0` (else it would be an int).
  * Runs every code cell with the `gonb` kernel (nbclient), with the notebook's folder as the working
    directory, as JupyterLab does.
  * Fails (exit status 1) and stops at the first cell with
      - an `error` output (GoNB: compile errors, failed `go get`, bad % commands), or
      - stderr output that looks like an error: GoNB v0.11.3 reports a cell program that panics or exits
        non-zero, and a failing `!cmd` line, only as "exit status N" on stderr, with no error output;
        also "panic:", "fatal error:", file.go:L:C: messages, klog E/F lines, "Error:" lines, and
        GoNB's note on an unknown %command (which it otherwise skips) (--allow-stderr turns this
        check off);
    and on a cell running longer than --timeout seconds, a dead kernel, or fewer than --expect-images
    image/png outputs. The message names the cell (its index in the .ipynb file, counting markdown cells,
    from 0, plus GoNB's In [n] number) and the error text; the kernel's own log tail is added when the
    kernel itself failed.
  * Sets GOSM_NO_WIDGETS=1 for the kernel (unless set): with no browser to draw them, nb.Interact's
    sliders are skipped and only their starting view is drawn (and stored, with --render).
  * Prints one summary line: cells run, image/png outputs, wall time.
  * --render runs the notebook at its defaults (no --set) in a fresh working folder
    (out/render/<name>/ under the repository, so that nothing a student trained is reused), and on
    success writes it back in place with its outputs, free of machine detail (the repository's
    and the home folder's paths, the host name), without per-cell timings, and with the hash of
    its code cells in its metadata (gosm.code_sha256, see code_hash), which the freshness test
    (rendered_test.go) compares with the code it finds. scorematching/scripts/render.sh calls it,
    with --workdir: one fresh folder for all the notebooks it renders, in order, so that a notebook
    finds what the ones before it saved, as a student running the course in order does (05 shows
    04's results beside its own, 03 reuses 01's ring model).

Exit status: 0 ok, 1 notebook failed, 2 usage / set-up problem (e.g. kernel not installed).
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from jupyter_client.kernelspec import NoSuchKernel
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"nbrun: missing Python package ({exc}).\n"
        "Set up the environment with: bash scorematching/scripts/setup.sh\n"
        "and run this script with .venv/bin/python.\n")
    sys.exit(2)

warnings.filterwarnings("ignore", category=nbformat.validator.MissingIDFieldWarning)

ROOT = Path(__file__).resolve().parents[3]  # This file is scorematching/internal/nbtest/nbrun.py.
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

# stderr lines that mean something went wrong even when the cell "succeeded".
# GoNB (v0.11.3) does not report a cell whose program panics or exits with a non-zero status as an error:
# the cell "succeeds" and its stderr ends with "exit status N". The same goes for `!cmd` shell lines.
STDERR_ERROR_RE = re.compile(
    r"^(?:"
    r"exit status \d+$"                                  # GoNB: program / shell command failed
    r"|panic: |fatal error: |goroutine \d+ \[running\]"  # Go runtime
    r"|[^\s:]+\.go:\d+:\d+: "                            # compiler / vet messages
    r"|[EF]\d{4} \d\d:\d\d:\d\d"                         # klog ERROR / FATAL lines
    r"|(?:error|Error|ERROR): "                         # "error: ...", as nb.Check prints
    r'|"%[^"]*" unknown or not implemented yet'          # GoNB: a misspelt %command (else ignored)
    r")",
    re.MULTILINE)


class UsageError(Exception):
    pass


class StderrFailure(Exception):
    """Raised from the on_cell_executed hook to stop at the first cell whose stderr shows an error."""

    def __init__(self, cell_index, lines):
        super().__init__(f"cell {cell_index}: {lines[0]}")
        self.cell_index, self.lines = cell_index, lines


def strip_ansi(text):
    return ANSI_RE.sub("", text)


def strip_html(html):
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|pre|h\d)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")):
        text = text.replace(a, b)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def text_of(value):
    return "".join(value) if isinstance(value, list) else (value or "")


# ---------------------------------------------------------------------------------------------
# A tiny scanner for the Go declarations of the parameters cell.
# ---------------------------------------------------------------------------------------------

def _skip_string(src, i):
    """src[i] opens a string/rune literal; returns the index just after it."""
    quote = src[i]
    i += 1
    while i < len(src):
        c = src[i]
        if quote != "`" and c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        i += 1
    return i


def _blank_comments(src):
    """Replaces comments by spaces (keeping newlines and offsets)."""
    out = list(src)
    i = 0
    while i < len(src):
        c = src[i]
        if c in "\"'`":
            i = _skip_string(src, i)
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = len(src) if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = len(src) if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in src[i:j]]
            i = j
        else:
            i += 1
    return "".join(out)


def _code_chars(src, start=0):
    """Yields (index, char, depth) for the characters of src from start that are outside string
    literals, depth being the bracket nesting ((, [, {) before that character."""
    depth, i = 0, start
    while i < len(src):
        c = src[i]
        if c in "\"'`":
            i = _skip_string(src, i)
            continue
        yield i, c, depth
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        i += 1


def _split_top(src, seps):
    """Splits src at depth-0 occurrences of any single-char separator in seps."""
    parts, start = [], 0
    for i, c, depth in _code_chars(src):
        if depth == 0 and c in seps:
            parts.append(src[start:i])
            start = i + 1
    parts.append(src[start:])
    return parts


def _find_assign(spec):
    """Index of the `=` of a var/const spec at depth 0 (not ==, <=, >=, !=, :=), or -1."""
    for i, c, depth in _code_chars(spec):
        if c == "=" and depth == 0:
            prev = spec[i - 1] if i > 0 else ""
            nxt = spec[i + 1] if i + 1 < len(spec) else ""
            if nxt != "=" and prev not in "=<>!:":
                return i
    return -1


def _matching_close(src, i):
    """Index of the bracket that closes the one at src[i], or len(src)."""
    for j, c, depth in _code_chars(src, i):
        if c in ")]}" and depth == 1:
            return j
    return len(src)


def parse_go_params(source):
    """Returns {name: (kind, type_or_empty, value_source)} for the single-name var/const specs."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    src = _blank_comments("\n".join(lines))
    params = {}
    for m in re.finditer(r"(?m)^\s*(var|const)\b", src):
        kind, i = m.group(1), m.end()
        while i < len(src) and src[i] in " \t":
            i += 1
        if i < len(src) and src[i] == "(":
            j = _matching_close(src, i)  # Grouped declaration.
            specs = _split_top(src[i + 1:j], "\n;")
        else:
            end = src.find("\n", i)
            specs = [src[i:] if end < 0 else src[i:end]]
        for spec in specs:
            spec = spec.strip()
            if not spec:
                continue
            eq = _find_assign(spec)
            lhs = spec if eq < 0 else spec[:eq]
            value = "" if eq < 0 else spec[eq + 1:].strip()
            m2 = re.match(r"\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(.*)$", lhs, re.S)
            if not m2:
                continue
            names = [n.strip() for n in m2.group(1).split(",")]
            typ = m2.group(2).strip()
            for n in names:
                params[n] = (kind, typ, value if len(names) == 1 else None)
    return params


FLOAT_LITERAL_RE = re.compile(r"[+-]?(\d[\d_]*\.[\d_]*|\.\d[\d_]*|\d[\d_]*)([eE][+-]?\d+)?")
INT_LITERAL_RE = re.compile(r"[+-]?\d[\d_]*")


def go_value(name, value, original, typ):
    """VALUE as Go source, keeping the parameter's type when it is implicit:
    a string parameter gets an unquoted VALUE quoted; an untyped float parameter (`1e-4`) given an
    integer VALUE (`1`) gets `1.0`, so that it does not turn into an int."""
    if original and original[0] in "\"`" and value[:1] not in ("\"", "`"):
        return json.dumps(value)
    if (not typ and FLOAT_LITERAL_RE.fullmatch(original) and not INT_LITERAL_RE.fullmatch(original)
            and INT_LITERAL_RE.fullmatch(value)):
        return value + ".0"
    return value


def inject_parameters(nb, overrides):
    """Inserts a cell re-declaring the overridden parameters after the `parameters` cell."""
    if not overrides:
        return None
    index = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise UsageError("--set given, but the notebook has no code cell tagged 'parameters' "
                         "(in JupyterLab: property inspector > cell tags).")
    params = parse_go_params(text_of(nb.cells[index].source))
    groups = {"var": [], "const": []}
    for name, value in overrides:
        if name not in params:
            raise UsageError(f"--set {name}=...: no such parameter in the 'parameters' cell "
                             f"(cell {index}); declared there: {', '.join(sorted(params)) or 'nothing'}.")
        kind, typ, original = params[name]
        if original is None:
            raise UsageError(f"--set {name}=...: {name} is declared together with other names "
                             f"(e.g. `var a, b = 1, 2`); give it a declaration of its own to override it.")
        if not original:
            raise UsageError(f"--set {name}=...: {name} has no explicit value (iota or zero value) "
                             f"in the 'parameters' cell; give it one to override it.")
        groups[kind].append(f"\t{name}{' ' + typ if typ else ''} = {go_value(name, value, original, typ)}")
    body = ["// Parameters injected by nbrun.py (--set): they replace the values declared above."]
    for kind in ("var", "const"):
        if groups[kind]:
            body += [f"{kind} (", *groups[kind], ")"]
    cell = nbformat.v4.new_code_cell("\n".join(body))
    cell.metadata["tags"] = [INJECTED_TAG]
    if nb.nbformat_minor < 5:
        cell.pop("id", None)
    nb.cells.insert(index + 1, cell)
    return index + 1


# ---------------------------------------------------------------------------------------------
# Running and checking.
# ---------------------------------------------------------------------------------------------

def describe_cell(nb, index, injected_index):
    """'cell 3 (In [2]: `first line`)' using the index in the original notebook."""
    cell = nb.cells[index]
    if injected_index is not None and index == injected_index:
        where = "injected parameters cell (after cell %d)" % (index - 1)
    else:
        orig = index - 1 if injected_index is not None and index > injected_index else index
        where = "cell %d" % orig
    first = next((ln.strip() for ln in text_of(cell.source).splitlines() if ln.strip()), "")
    if len(first) > 70:
        first = first[:67] + "..."
    count = cell.get("execution_count")
    return f"{where} (In [{count if count is not None else ' '}]: {first})"


GONB_HTML_KEEP_RE = re.compile(r"Cell\[\d+\]: Line \d+|\.go:\d+:\d+:")


def gonb_html_error(html):
    """The useful lines of GoNB's HTML rendering of compiler output."""
    text = strip_html(html)
    lines = [ln.strip() for ln in text.splitlines()]
    keep = []
    for i, ln in enumerate(lines):
        if re.match(r"Cell\[\d+\]: Line \d+$", ln) and i + 1 < len(lines):
            continue  # Joined with the next line below.
        if GONB_HTML_KEEP_RE.search(ln):
            prev = lines[i - 1] if i > 0 and re.match(r"Cell\[\d+\]: Line \d+$", lines[i - 1]) else ""
            keep.append(f"{prev}: {ln}" if prev else ln)
    return "\n".join(keep) if keep else "\n".join(lines[:60])


def stderr_text(cell):
    return strip_ansi("".join(text_of(o.get("text")) for o in cell.get("outputs", [])
                              if o.get("output_type") == "stream" and o.get("name") == "stderr"))


def error_text(cell):
    """Error output of a cell, as plain text."""
    pieces = []
    stderr = stderr_text(cell).strip()
    if stderr:
        pieces.append(stderr if len(stderr) < 4000 else "...\n" + stderr[-4000:])
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = strip_ansi("\n".join(out.get("traceback") or [])).strip()
            head = strip_ansi(f"{out.get('ename', '')}: {out.get('evalue', '')}").strip(": ")
            pieces.append(head if not tb or tb in head else f"{head}\n{tb}")
        elif out.get("output_type") in ("display_data", "execute_result"):
            html = text_of(out.get("data", {}).get("text/html", ""))
            if "gonb-err" in html:  # GoNB shows compile errors, with context, as HTML.
                pieces.append(gonb_html_error(html))
    text = "\n".join(p for p in pieces if p)
    return text or "(no error text in the outputs)"


def stderr_errors(cell):
    return [ln for ln in stderr_text(cell).splitlines() if STDERR_ERROR_RE.match(ln)]


def count_images(nb):
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if o.get("output_type") in ("display_data", "execute_result")
               and "image/png" in o.get("data", {}))


def parse_set(values):
    overrides = []
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name) or not value.strip():
            raise UsageError(f"--set {item!r}: expected NAME=VALUE with a Go identifier and a non-empty value")
        overrides.append((name, value.strip()))
    return overrides


def code_hash(nb):
    """sha256 of the notebook's code cells, their sources joined by NUL bytes (rendered_test.go
    computes the same)."""
    import hashlib
    sources = [text_of(c.source) for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256("\0".join(sources).encode("utf-8")).hexdigest()


def machine_details(workdir):
    """The strings that a rendered notebook must not show, longest first, each with what replaces it."""
    import socket
    subs = [(str(workdir) + os.sep, ""), (str(workdir), "."), (str(ROOT) + os.sep, ""), (str(ROOT), ".")]
    home = os.path.expanduser("~")
    if home not in ("", "/"):
        subs.append((home, "~"))
    host = socket.gethostname()
    if len(host) >= 4:
        subs.append((host, "<host>"))
    return sorted(subs, key=lambda s: -len(s[0]))


def scrub(value, subs):
    if isinstance(value, list):
        return [scrub(v, subs) for v in value]
    if isinstance(value, str):
        for old, new in subs:
            value = value.replace(old, new)
    return value


def finish_render(nb, workdir):
    """Cleans the executed notebook for storing: machine detail out of text outputs, no timings,
    the code hash in the metadata."""
    subs = machine_details(workdir)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for out in cell.outputs:
            if "text" in out:
                out["text"] = scrub(out["text"], subs)
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/"):
                    out["data"][mime] = scrub(data, subs)
    nb.metadata["gosm"] = {"code_sha256": code_hash(nb)}


def add_venv_kernels_to_path():
    """Lets a python outside the venv find the kernel installed by setup.sh in <repo>/.venv."""
    share = ROOT / ".venv" / "share" / "jupyter"
    if share.is_dir():
        current = os.environ.get("JUPYTER_PATH", "")
        if str(share) not in current.split(os.pathsep):
            os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(share), current) if p)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebook", help="path of the .ipynb to run")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                    help="override a Go parameter of the cell tagged 'parameters' (repeatable)")
    ap.add_argument("--out", help="save the executed notebook here (also when it fails)")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds a single cell may run (default 600; <= 0 for no limit)")
    ap.add_argument("--startup-timeout", type=float, default=120, help="seconds for the kernel to start")
    ap.add_argument("--expect-images", type=int, default=0, metavar="N",
                    help="fail unless the run produces at least N image/png outputs")
    ap.add_argument("--allow-stderr", action="store_true",
                    help="do not treat error-looking stderr output as a failure")
    ap.add_argument("--kernel", default="gonb", help="kernel name (default gonb)")
    ap.add_argument("--twice", action="store_true",
                    help="run all the cells a second time in the same kernel (as a student re-running the notebook)")
    ap.add_argument("--render", action="store_true",
                    help="run at the defaults in a fresh folder and write the notebook back in place with "
                         "its outputs and code hash (see above)")
    ap.add_argument("--workdir", metavar="DIR",
                    help="with --render: run in DIR (which must exist) instead of a fresh out/render/<name>/")
    ap.add_argument("--kernel-log", metavar="PATH",
                    help="write the kernel's own log (stdout/stderr) here; by default a temporary file "
                         "whose tail is printed when the run fails")
    args = ap.parse_args(argv)

    path = Path(args.notebook)
    name = path.name
    if args.render and (args.sets or args.twice or args.out):
        print("nbrun: --render runs the notebook as it is: no --set, --twice or --out", file=sys.stderr)
        return 2
    if args.workdir and not (args.render and Path(args.workdir).is_dir()):
        print(f"nbrun: --workdir {args.workdir}: must be an existing folder, with --render", file=sys.stderr)
        return 2
    workdir = path.resolve().parent
    if args.workdir:
        workdir = Path(args.workdir).resolve()
    elif args.render:
        import shutil
        workdir = ROOT / "out" / "render" / path.stem
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
    try:
        overrides = parse_set(args.sets)
        nb = nbformat.read(str(path), as_version=4)
        injected = inject_parameters(nb, overrides)
    except (UsageError, OSError, nbformat.reader.NotJSONError) as exc:
        print(f"nbrun: {name}: {exc}", file=sys.stderr)
        return 2

    if args.twice:
        import copy
        again = [copy.deepcopy(c) for c in nb.cells]
        for c in again:
            if "id" in c:
                c["id"] = c["id"] + "-again"  # Cell ids must stay unique.
        nb.cells += again

    # Start clean: outputs saved in the file must not count as this run's (nor survive a failure).
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)

    add_venv_kernels_to_path()
    # No browser draws widgets here: nb.Interact shows its starting view at once (see NoWidgetsEnv).
    os.environ.setdefault("GOSM_NO_WIDGETS", "1")
    state = {"index": None}

    def on_cell_start(cell, cell_index, **_):
        state["index"] = cell_index

    def on_cell_executed(cell, cell_index, **_):
        if not args.allow_stderr:
            bad = stderr_errors(cell)
            if bad:
                raise StderrFailure(cell_index, bad)

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout if args.timeout > 0 else None,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": str(workdir)}},
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
        coalesce_streams=True,  # Also applies the \r of progress bars, as a browser would show them.
    )

    if args.kernel_log:
        log_file = open(args.kernel_log, "w+b")
    else:
        log_file = tempfile.TemporaryFile(prefix="nbrun-kernel-")

    start = time.monotonic()
    failure = None
    kernel_trouble = False
    try:
        client.execute(stdout=log_file, stderr=log_file)
    except CellTimeoutError:
        kernel_trouble = True
        failure = (f"{describe_cell(nb, state['index'], injected)} timed out after {args.timeout:g} s"
                   if state["index"] is not None else f"timed out after {args.timeout:g} s")
    except CellExecutionError:
        i = state["index"]
        failure = f"{describe_cell(nb, i, injected)} failed:\n{error_text(nb.cells[i])}"
    except StderrFailure as exc:
        i = exc.cell_index
        failure = (f"{describe_cell(nb, i, injected)} failed (error on stderr: "
                   f"{exc.lines[0].strip()}):\n{error_text(nb.cells[i])}")
    except DeadKernelError as exc:
        kernel_trouble = True
        where = describe_cell(nb, state["index"], injected) if state["index"] is not None else "start-up"
        failure = f"the kernel died during {where}: {exc}"
    except NoSuchKernel:
        print(f"nbrun: {name}: no Jupyter kernel named {args.kernel!r}. Install it with: "
              "bash scorematching/scripts/setup.sh", file=sys.stderr)
        return 2
    except (RuntimeError, TimeoutError) as exc:  # e.g. the kernel did not start in time.
        kernel_trouble = True
        failure = f"kernel error: {type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - start

    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    ran = sum(1 for i in code_cells if nb.cells[i].get("execution_count") is not None)
    images = count_images(nb)

    if failure is None and images < args.expect_images:
        failure = f"expected at least {args.expect_images} image/png outputs, got {images}"

    if kernel_trouble:
        log_file.seek(0)
        tail = strip_ansi(log_file.read().decode("utf-8", "replace")).splitlines()[-25:]
        if tail:
            failure += "\n--- kernel log (last lines) ---\n" + "\n".join(tail)
    log_file.close()

    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out))
    if args.render and failure is None:
        finish_render(nb, workdir)
        tmp = path.with_name("." + path.name + ".tmp")
        nbformat.write(nb, str(tmp))
        os.replace(tmp, path)

    summary = (f"{ran}/{len(code_cells)} code cells run, {images} image/png outputs, "
               f"{elapsed:.1f}s" + (f", overrides: {' '.join(a for a in args.sets)}" if args.sets else ""))
    if failure is not None:
        print(f"nbrun: FAIL {name}: {failure}", file=sys.stderr)
        print(f"nbrun: FAIL {name}: {summary}")
        return 1
    print(f"nbrun: OK {name}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
