#!/usr/bin/env python3
"""Run notebook 01 in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Usage:
    .venv/bin/python scorematching/internal/nbtest/browser.py [--out out/browser] [--timeout 600] [--inject-error compile|panic]

What it does, as a student would:
  1. Copies notebooks/01-ring-exact-score-matching.ipynb to <out>/notebooks/ (inside the repository, so
     the notebook's set-up cell still finds the repository root), with small parameters written into
     the source of its cell tagged `parameters` (Epochs = 3, ModelDir = <out>/model)
     and no saved outputs. A set-up cell that names the repository as "$GONB_DIR/.." (the notebook's
     parent folder) gets the repository's path instead in the copy. The original is never modified.
  2. Starts `.venv/bin/jupyter lab` on a free port of 127.0.0.1 with a random token, root_dir <out>,
     and fresh Jupyter config, settings and workspace folders under <out>/jupyter.
  3. Launches Debian's Chromium (/usr/bin/chromium, or $GOSM_CHROMIUM) headless through Playwright,
     with a fresh profile and the flags that keep it off the network.
  4. Opens the copy, waits for the GoNB kernel, runs Run > Run All Cells from the menu bar, and waits
     until no cell is queued or running and the kernel is idle.
  5. Checks, in the page: every code cell has an execution count; no output is an error (stderr that
     looks like an error by nbrun.py's rules, or GoNB's HTML compile errors); at least --expect-images
     images are shown (scrolled to, visible, loaded); the toolbar and the status bar show the kernel
     "Go (gonb)". Then saves the notebook with File > Save Notebook and applies nbrun.py's rules to
     the saved outputs too (an `error` output is drawn like stderr in the page; the file tells them
     apart). <out>/state.json keeps what was read from the page.
     While Run All runs, the cell of notebook 01 with live controls (nb.Interact: a slider for the
     ring's std and a Done button) is used as a student would: the slider is dragged with the
     mouse, the view must be redrawn (its image compared pixel by pixel before and after, in the page:
     at least 1% of the pixels must change, and its caption must name the new value), then Done is
     clicked and the cell must end. Every animation (an <img> of an animated GIF) must decode, with
     the browser's ImageDecoder, to more than one frame; notebook 01 must have at least one (the
     learned field during training, nb.Live).
  6. Opens notebook 04 (a copy, no outputs) in the same JupyterLab, runs the cells above its
     data-set selector (Run > Run All Above Selected Cell) and then the selector, picks another data
     set in the drop-down list, and checks the redraw the same way; then clicks Done.
  7. Saves <out>/screenshot.png (the whole notebook) and <out>/learned-field.png (scrolled to the
     learned score field), also on failure, <out>/<name>-before.png and -after.png (the views of the
     live controls), and shuts JupyterLab and its kernel down, always.

--inject-error adds a failing cell to the copy (a compile error, or a program that panics), to check
that the checks catch it: the run must then fail.

Exit status: 0 ok, 1 the notebook failed in the browser, 2 set-up problem (no venv, kernel, Playwright
or Chromium; JupyterLab did not start).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # This folder is scorematching/internal/nbtest.
VENV = ROOT / ".venv"
NOTEBOOK = "01-ring-exact-score-matching.ipynb"
SELECTOR_NOTEBOOK = "04-toy-datasets.ipynb"  # Its data-set selector is exercised too (step 6).
KERNEL_DISPLAY_NAME = "Go (gonb)"
PARAMETERS_TAG = "parameters"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}

sys.path.insert(0, str(HERE))
try:
    import nbformat
    import nbrun  # The error rules of the headless runner, shared.
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"browser: missing Python package ({exc}).\n"
        "Set up with: bash scorematching/scripts/setup.sh && "
        ".venv/bin/pip install -r scorematching/scripts/requirements-dev.txt\n"
        "and run this script with .venv/bin/python.\n")
    sys.exit(2)


class Failure(Exception):
    """The notebook failed in the browser (exit status 1)."""


class KernelTrouble(Failure):
    """The kernel or the page got stuck or died: JupyterLab's log (with the kernel's) is worth showing."""


class SetupError(Exception):
    """Something this check needs is missing (exit status 2)."""


def log(msg):
    print(f"browser: {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# 1. The copy of the notebook.
# ---------------------------------------------------------------------------------------------

INJECTED_ERRORS = {
    # Both are cells a student could write; each must make the run fail.
    "compile": "// Injected by browser.py --inject-error=compile: must fail to build.\n"
               "%%\nvar injected int = \"not an int\"\nfmt.Println(injected)",
    "panic": "// Injected by browser.py --inject-error=panic: builds, then panics.\n"
             "%%\nvar injected []int\nfmt.Println(injected[3])",
}


def set_parameters(source, values):
    """Rewrites `NAME = VALUE` lines of a parameters cell's Go source; values are Go source."""
    params = nbrun.parse_go_params(source)
    lines = source.split("\n")
    for name, value in values.items():
        if name not in params or not params[name][2]:
            raise SetupError(f"the 'parameters' cell of {NOTEBOOK} has no `{name} = ...` line "
                             f"(declared there: {', '.join(sorted(params)) or 'nothing'})")
        kind, typ, original = params[name]
        new = nbrun.go_value(name, value, original, typ)
        for i, line in enumerate(lines):
            m = re.match(rf"^(\s*(?:(?:var|const)\s+)?{re.escape(name)}\b[^=]*=\s*)", line)
            if m and line[m.end():].startswith(original):
                lines[i] = m.group(1) + new + line[m.end() + len(original):]
                break
        else:
            raise SetupError(f"cannot rewrite parameter {name} (declared on several lines?)")
    return "\n".join(lines)


def prepare_notebook(out, model_dir, inject):
    """Writes the copy with small parameters; returns its path relative to `out`."""
    src = ROOT / "notebooks" / NOTEBOOK
    nb = nbformat.read(str(src), as_version=4)
    clear_outputs(nb)
    index = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])),
                 None)
    if index is None:
        raise SetupError(f"{NOTEBOOK} has no code cell tagged 'parameters'")
    cell = nb.cells[index]
    cell.source = set_parameters(nbrun.text_of(cell.source),
                                 {"Epochs": "3", "ModelDir": str(model_dir)})
    if inject:
        bad = nbformat.v4.new_code_cell(INJECTED_ERRORS[inject])
        bad.metadata["tags"] = ["injected-error"]
        nb.cells.insert(index + 1, bad)
    dest = out / "notebooks" / NOTEBOOK
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))
    log(f"notebook copy: {dest.relative_to(ROOT)} (parameters cell {index}: Epochs=3, "
        f"ModelDir={model_dir.relative_to(ROOT)}{', injected error: ' + inject if inject else ''})")
    return dest.relative_to(out)


def clear_outputs(nb):
    """Start clean: saved outputs must not count as this run's. Collapsed cells (the set-up cell, the
    exercises' solutions) show no prompt and no outputs in the page, where this script reads
    execution counts and errors: they are expanded. (The set-up cell finds the repository with
    `go env GOMOD`, which works from the copy as it is.)"""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
        c.metadata.pop("jupyter", None)


def prepare_selector_notebook(out):
    """Writes a copy of SELECTOR_NOTEBOOK without outputs; returns its path relative to `out` and the
    index of its data-set selector cell (the code cell calling nb.Interact with an nb.Choice)."""
    nb = nbformat.read(str(ROOT / "notebooks" / SELECTOR_NOTEBOOK), as_version=4)
    clear_outputs(nb)
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  and "nb.Interact(" in c.source and "nb.Choice{" in c.source), None)
    if index is None:
        raise SetupError(f"{SELECTOR_NOTEBOOK} has no cell calling nb.Interact with an nb.Choice")
    dest = out / "notebooks" / SELECTOR_NOTEBOOK
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))
    log(f"notebook copy: {dest.relative_to(ROOT)} (its selector: cell {index})")
    return dest.relative_to(out), index


# ---------------------------------------------------------------------------------------------
# 2. JupyterLab.
# ---------------------------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_lab_settings(settings_dir):
    """No news or update pop-ups (they would fetch from the web and cover the page); every cell of a
    notebook laid out (no windowing), so that a cell below the fold can be scrolled to and clicked
    as soon as the notebook is open (with windowing, a cell not drawn yet is "not visible")."""
    for plugin, values in (("apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False}),
                           ("notebook-extension/tracker", {"windowingMode": "none"})):
        path = settings_dir / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values) + "\n")


class Lab:
    """A JupyterLab server in its own process group; stop() shuts it and its kernels down."""

    def __init__(self, out, run_id):
        self.out, self.run_id = out, run_id
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc, self.log_path = None, out / "jupyter.log"

    def start(self, timeout=90):
        jdir = self.out / "jupyter"
        env = dict(os.environ)
        env.update({
            # Fresh per run: the user's own Jupyter config, settings and workspaces must not matter.
            "JUPYTER_CONFIG_DIR": str(jdir / "config"),
            "JUPYTER_RUNTIME_DIR": str(jdir / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(jdir / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(jdir / "workspaces"),
            # Marks every process of this run (server, kernel, cell programs), for the final clean-up.
            "GOSM_BROWSER_RUN": self.run_id,
        })
        env.setdefault("GOMLX_NO_AUTO_INSTALL", "1")  # Never download the XLA plugin in a test.
        write_lab_settings(jdir / "lab-settings")
        cmd = [str(VENV / "bin" / "jupyter"), "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.out}",
               # Nothing that would reach out to the web: no update checks, no extension search on PyPI.
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=str(self.out), env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"jupyter lab exited with status {self.proc.returncode} at start-up:\n"
                                 + self.log_tail())
            try:
                with urllib.request.urlopen(self.url("/api/status"), timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise SetupError(f"jupyter lab did not answer on {self.base} within {timeout} s:\n" + self.log_tail())

    def url(self, path):
        return f"{self.base}{path}{'&' if '?' in path else '?'}token={self.token}"

    def log_tail(self, n=30):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:]).replace(self.token, "<token>")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # Clean shutdown first: the server shuts its kernels down, then exits.
            try:
                req = urllib.request.Request(self.url("/api/shutdown"), method="POST", data=b"")
                urllib.request.urlopen(req, timeout=10).close()
            except (urllib.error.URLError, OSError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                signal_group(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    signal_group(self.proc.pid, signal.SIGKILL)
                    try:
                        self.proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        log(f"jupyter lab (pid {self.proc.pid}) did not exit after SIGKILL")
        # Kernels run in process groups of their own: kill whatever of this run is still alive.
        for pid in marked_processes(self.run_id):
            log(f"killing leftover process {pid} ({proc_name(pid)}) and its group")
            signal_group(pid, signal.SIGKILL)
        self.log_file.close()


def signal_group(pid, sig):
    """Signals pid's process group (pid alone if that group is this script's own)."""
    try:
        pgid = os.getpgid(pid)
        if pgid == os.getpgrp():
            raise ProcessLookupError
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def marked_processes(run_id):
    marker = f"GOSM_BROWSER_RUN={run_id}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def proc_name(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


# ---------------------------------------------------------------------------------------------
# 3-5. The browser.
# ---------------------------------------------------------------------------------------------

# Page-side state of the notebook, read in one go. Cells are listed in notebook order.
STATE_JS = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const text = el => (el ? (el.innerText || el.textContent || '').trim() : '');
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map((cell, index) => {
    const code = cell.classList.contains('jp-CodeCell');
    // Top-level outputs only: GoNB's compile-error HTML itself contains a .jp-OutputArea-output.
    const outputs = code ? [...cell.querySelectorAll(
        '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output')].map(o => {
      const rendered = o.querySelector('[data-mime-type]');
      const mime = o.getAttribute('data-mime-type') || (rendered ? rendered.getAttribute('data-mime-type') : '');
      // Stream text keeps its newlines in textContent, also in a cell the browser has not drawn yet
      // (content-visibility), where innerText would lose them.
      const body = mime.startsWith('application/vnd.jupyter.std') ? o.textContent.trim() : text(o);
      return {
        mime, text: body.slice(-20000),
        gonbErr: o.innerHTML.includes('gonb-err'),
        images: o.querySelectorAll('img').length,
      };
    }) : [];
    return {
      index, code,
      prompt: code ? text(cell.querySelector('.jp-InputArea-prompt')) : '',
      source: [...cell.querySelectorAll('.jp-InputArea-editor .cm-line')].map(l => l.textContent)
                .join('\n').slice(0, 300),
      outputs,
    };
  });
  const kernelName = text(panel.querySelector('.jp-Toolbar-kernelName, [data-jp-item-name="kernelName"]'));
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const status = text(document.querySelector('#jp-main-statusbar'));
  const dialogs = [...document.querySelectorAll('.jp-Dialog')].map(d => text(d));
  return {cells, kernelName, indicatorStatus: indicator ? indicator.getAttribute('data-status') : null,
          statusBar: status, dialogs};
}
"""


def describe(cell):
    first = next((ln.strip() for ln in cell["source"].splitlines() if ln.strip()), "")
    return f"cell {cell['index']} ({cell['prompt'] or '[ ]:'} {first[:60]})"


def output_errors(state):
    """Error outputs in the page, by nbrun.py's rules: [(cell, message)], one per distinct error text
    of a cell (GoNB shows a compile error twice: as HTML, and as an error output)."""
    errors = []
    for cell in state["cells"]:
        seen = set()
        for o in cell["outputs"]:
            mime, text = o["mime"], o["text"]
            if o["gonbErr"]:
                what, detail = "GoNB compile error (HTML with class gonb-err)", nbrun.gonb_html_error(text)
            elif mime == "application/vnd.jupyter.error":  # Only with an error renderer installed.
                what, detail = "error output", text[-3000:]
            elif mime == "application/vnd.jupyter.stderr":
                bad = [ln for ln in text.splitlines() if nbrun.STDERR_ERROR_RE.match(ln)]
                if not bad:
                    continue
                what, detail = f"error on stderr ({bad[0].strip()})", text[-3000:]
            elif mime == "text/html" and nbrun.GONB_HTML_KEEP_RE.search(text):
                what, detail = "compiler message in an HTML output", nbrun.gonb_html_error(text)
            else:
                continue
            key = " ".join(detail.split())
            if key not in seen:
                seen.add(key)
                errors.append((cell, f"{what}:\n{detail}"))
    return errors


def wait_for(what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise KernelTrouble(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def run_in_browser(args, lab, nb_rel, out, chromium):
    shots = []
    with sync_playwright() as p:
        profile = out / "chromium-profile"
        shutil.rmtree(profile, ignore_errors=True)
        try:
            ctx = p.chromium.launch_persistent_context(
                str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                viewport=VIEWPORT, timeout=60_000)
        except PlaywrightError as exc:
            raise SetupError(f"Chromium ({chromium}) did not start: {exc}")
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        console = []
        page.on("console", lambda m: m.type == "error" and console.append(m.text))
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        try:
            try:
                drive(args, page, lab, nb_rel, out, shots)
            except PlaywrightError as exc:  # A step of the page did not work (time-outs included).
                raise KernelTrouble(f"in the page: {exc}")
            finally:
                for name in ("screenshot.png",):
                    if name not in shots:
                        try:
                            full_screenshot(page, out / name)
                            log(f"saved {(out / name).relative_to(ROOT)} (the run did not finish)")
                        except Exception as exc:  # The browser may be gone: never hide the first error.
                            log(f"could not save {name}: {type(exc).__name__}: {exc}")
        except Failure:
            if console:
                log("browser console errors (last 10):\n  " + "\n  ".join(c[:300] for c in console[-10:]))
            raise
        finally:
            try:
                ctx.close()
            except Exception as exc:  # Already gone (e.g. interrupted).
                log(f"closing Chromium: {type(exc).__name__}: {exc}")
            shutil.rmtree(profile, ignore_errors=True)


def state_of(page):
    return page.evaluate(STATE_JS)


PROMPT_DONE_RE = re.compile(r"^\[\d+\]:$")
MAX_REPORTED = 5  # Error outputs named in the failure message (all are in state.json).
# Kernel states in which the kernel is up: GoNB publishes no status until it first executes something,
# so JupyterLab shows "Unknown" until then.
KERNEL_UP = ("idle", "unknown", "busy")


def drive(args, page, lab, nb_rel, out, shots):
    t0 = time.monotonic()
    page.goto(lab.url(f"/lab/tree/{nb_rel.as_posix()}"), wait_until="domcontentloaded", timeout=60_000)
    try:
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell", timeout=90_000)
    except PlaywrightTimeout:
        raise KernelTrouble("the notebook did not open in JupyterLab within 90 s")
    log(f"notebook open in JupyterLab after {time.monotonic() - t0:.1f}s")

    s = wait_for_kernel(page, NOTEBOOK)
    log(f"kernel {s['kernelName']!r} up after {time.monotonic() - t0:.1f}s "
        f"(status bar: {one_line(s['statusBar'])!r})")

    # Run > Run All Cells, from the menu bar, as a student would.
    run_menu(page, "runmenu:run-all", "Run All Cells")
    t_run = time.monotonic()
    controls = LiveControls(page, out, "slider", move_slider)
    s = wait_until_finished(page, args.timeout, t_run, controls.poll)
    log(f"run finished after {time.monotonic() - t_run:.1f}s")
    (out / "state.json").write_text(json.dumps(s, indent=1) + "\n")  # What the checks below read.

    problems = []
    code = [c for c in s["cells"] if c["code"]]
    not_run = [c for c in code if not PROMPT_DONE_RE.match(c["prompt"])]
    errors = output_errors(s)
    for cell, msg in errors[:MAX_REPORTED]:
        problems.append(f"{describe(cell)}: {msg}")
    if len(errors) > MAX_REPORTED:
        problems.append(f"... and {len(errors) - MAX_REPORTED} more error outputs "
                        f"(see {out.relative_to(ROOT)}/state.json)")
    if not_run:
        problems.append(f"{len(not_run)} of {len(code)} code cells have no execution count, first "
                        f"{describe(not_run[0])}")
    if s["kernelName"] != KERNEL_DISPLAY_NAME:
        problems.append(f"the toolbar shows the kernel {s['kernelName']!r}, not {KERNEL_DISPLAY_NAME!r}")
    if KERNEL_DISPLAY_NAME not in s["statusBar"]:
        problems.append(f"the status bar does not name {KERNEL_DISPLAY_NAME!r}: {one_line(s['statusBar'])!r}")

    # The notebook as the browser saves it (File > Save Notebook), by nbrun.py's rules: this also
    # catches what the page cannot tell apart (an error output is drawn like stderr text).
    flagged = {cell["index"] for cell, _ in errors}
    saved_problems, saved_pngs = check_saved(page, out / nb_rel, flagged)
    problems += saved_problems[:MAX_REPORTED]
    if len(saved_problems) > MAX_REPORTED:
        problems.append(f"... and {len(saved_problems) - MAX_REPORTED} more in the saved notebook")

    problems += controls.problems(f"the std slider of {NOTEBOOK}")
    animations = check_animations(page)
    if not animations:
        problems.append("no animation (an <img> of an animated GIF) in the outputs: nb.Live should leave one")
    for i, a in enumerate(animations):
        if a.get("error") or a.get("frames", 0) < 2:
            problems.append(f"animation {i + 1} of {len(animations)} ({a.get('alt', '')[:60]!r}): "
                            f"{a.get('error') or str(a.get('frames')) + ' frame(s), want more than 1'}")
    log("animations: " + ", ".join(f"{a.get('frames')} frames of {a.get('w')}x{a.get('h')}" for a in animations))

    images, shown = check_images(page)
    if shown < args.expect_images:
        problems.append(f"expected at least {args.expect_images} images shown in outputs, got {shown} "
                        f"(of {len(images)} img elements: {images})")

    # Screenshots: the learned score field, then the whole notebook.
    learned = learned_field_image(page)
    if learned is None:
        problems.append('no image in the output of the cell that draws FieldFigure("Learned score", ...)')
    else:
        learned.evaluate("img => img.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(1000)
        path = out / "learned-field.png"
        page.screenshot(path=str(path))
        shots.append(path.name)
        log(f"saved {path.relative_to(ROOT)}")
    full_screenshot(page, out / "screenshot.png")
    shots.append("screenshot.png")
    log(f"saved {(out / 'screenshot.png').relative_to(ROOT)}")

    log(f"{len(code) - len(not_run)}/{len(code)} code cells run, {shown} images shown "
        f"({saved_pngs} image/png outputs in the saved notebook), kernel {s['kernelName']!r}; "
        f"{time.monotonic() - t0:.1f}s in the browser")
    if problems:
        raise Failure("\n".join(problems))
    try:
        drive_selector(args, page, lab, out)
    finally:
        try:
            page.screenshot(path=str(out / "selector.png"))
        except PlaywrightError as exc:
            log(f"could not save selector.png: {exc}")


def wait_for_kernel(page, name):
    """Waits until the open notebook's toolbar names the kernel KERNEL_DISPLAY_NAME and it is up;
    returns the page's state. A dialog in its place, or a time-out, is KernelTrouble saying what
    the toolbar and the status bar show."""
    def kernel_ready():
        s = state_of(page)
        if s and s["dialogs"]:
            raise KernelTrouble("a dialog opened instead of the kernel: " + " | ".join(s["dialogs"]))
        return s if s and s["kernelName"] == KERNEL_DISPLAY_NAME and s["indicatorStatus"] in KERNEL_UP else None
    try:
        return wait_for(f"the kernel {KERNEL_DISPLAY_NAME!r} of {name}", kernel_ready, 120)
    except Failure as exc:
        s = state_of(page) or {}
        raise KernelTrouble(f"{exc}: the toolbar shows the kernel {s.get('kernelName')!r}, status "
                            f"{s.get('indicatorStatus')!r}; status bar: {one_line(s.get('statusBar'))!r}")


def drive_selector(args, page, lab, out):
    """Step 6: the data-set selector of SELECTOR_NOTEBOOK, in the same JupyterLab."""
    nb_rel, index = args.selector
    t0 = time.monotonic()
    page.goto(lab.url(f"/lab/tree/{nb_rel.as_posix()}"), wait_until="domcontentloaded", timeout=60_000)
    cell = lambda: page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(index)
    try:  # The notebook's tab is the current one, and its cells are there.
        page.wait_for_function(OPENED_JS, arg=[SELECTOR_NOTEBOOK, index], timeout=90_000)
    except PlaywrightTimeout:
        raise KernelTrouble(f"{SELECTOR_NOTEBOOK} did not open in JupyterLab within 90 s")
    wait_for_kernel(page, SELECTOR_NOTEBOOK)
    select_cell(cell())
    run_menu(page, "notebook:run-all-above", "Run All Above Selected Cell")
    t_run = time.monotonic()
    wait_until_finished(page, 300, t_run)
    log(f"{SELECTOR_NOTEBOOK}: the cells above the selector ran in {time.monotonic() - t_run:.1f}s")
    select_cell(cell())
    run_menu(page, "notebook:run-cell", "Run Selected Cell and Do not Advance")
    controls = LiveControls(page, out, "selector", move_choice)
    s = wait_until_finished(page, 300, time.monotonic(), controls.poll)
    problems = controls.problems(f"the data-set selector of {SELECTOR_NOTEBOOK}")
    errors = [f"{describe(c)}: {msg}" for c, msg in output_errors(s)]
    if errors:
        problems += errors[:MAX_REPORTED]
    log(f"{SELECTOR_NOTEBOOK}: selector checked in {time.monotonic() - t0:.1f}s")
    if problems:
        raise Failure("\n".join(problems))


# True once the current tab of the main area is the notebook `name` and its panel holds more than
# `index` cells.
OPENED_JS = """([name, index]) => {
  const tab = document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');
  if (!tab || tab.textContent.trim() !== name) return false;
  return document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length > index;
}"""


def select_cell(cell):
    """Makes cell the active one, as a click on it does (in its editor: JupyterLab's Run menu then
    acts on it)."""
    cell.evaluate("c => c.scrollIntoView({block: 'center'})")
    cell.locator(".jp-InputArea-editor").first.click(timeout=30_000)


def run_menu(page, command, label):
    """Clicks Run > label in the menu bar (the item of the given JupyterLab command)."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(r"^\s*Run\s*$")).click()
    page.locator(f'#jp-mainmenu-run .lm-Menu-item[data-command="{command}"]').first.click()
    log(f"clicked Run > {label}")


# ---------------------------------------------------------------------------------------------
# Live controls (nb.Interact) and animations.
# ---------------------------------------------------------------------------------------------

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# Compares two images (data URIs) pixel by pixel in the page; returns their size and the share of
# pixels that differ.
DIFF_JS = r"""
async ([a, b]) => {
  const load = src => new Promise((ok, bad) => {
    const i = new Image(); i.onload = () => ok(i); i.onerror = () => bad(new Error('image did not load')); i.src = src; });
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  const w = Math.max(ia.naturalWidth, ib.naturalWidth), h = Math.max(ia.naturalHeight, ib.naturalHeight);
  const pixels = img => {
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, w, h); g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, w, h).data;
  };
  const pa = pixels(ia), pb = pixels(ib);
  let diff = 0;
  for (let i = 0; i < pa.length; i += 4) {
    if (pa[i] !== pb[i] || pa[i + 1] !== pb[i + 1] || pa[i + 2] !== pb[i + 2]) diff++;
  }
  return {w, h, changed: diff / (w * h)};
}
"""

# Decodes an animated GIF <img> with the browser's ImageDecoder (WebCodecs): its frame count, and the
# size of its last frame (decoding it proves the whole file decodes).
GIF_FRAMES_JS = r"""
async img => {
  const alt = img.getAttribute('alt') || '';
  if (typeof ImageDecoder === 'undefined') return {alt, error: 'this browser has no ImageDecoder'};
  try {
    const data = await (await fetch(img.src)).arrayBuffer();
    const d = new ImageDecoder({data, type: 'image/gif'});
    await d.tracks.ready;
    const frames = d.tracks.selectedTrack.frameCount;
    const last = await d.decode({frameIndex: frames - 1});
    return {alt, frames, w: last.image.displayWidth, h: last.image.displayHeight};
  } catch (e) {
    return {alt, error: 'does not decode: ' + e};
  }
}
"""

MIN_CHANGED = 0.01  # Share of the view's pixels that moving a control must change.


def move_slider(cell):
    """Drags the first slider of the cell with the mouse, from its position to 80% of its length.
    (Arrow keys on the focused slider did not move it in JupyterLab when we tried.)"""
    slider = cell.locator("input[type=range]").first
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    start = slider.input_value()
    y = box["y"] + box["height"] / 2
    mouse = slider.page.mouse
    mouse.move(box["x"] + box["width"] * (float(start) - lo) / (hi - lo), y)
    mouse.down()
    mouse.move(box["x"] + box["width"] * 0.8, y, steps=10)
    mouse.up()
    return f"slider dragged from position {start} to {slider.input_value()} (of {lo:g}-{hi:g})"


def move_choice(cell):
    """Picks the last option of the cell's first drop-down list."""
    select = cell.locator("select").first
    options = select.locator("option")
    label = options.nth(options.count() - 1).inner_text()
    select.select_option(label=label)
    return f"picked {label!r}"


class LiveControls:
    """Finds the cell whose nb.Interact controls are live (a Done button in its outputs) while the
    notebook runs, and uses them once: move(cell) changes a control; the view (the cell's image)
    must be redrawn with its caption changed and at least MIN_CHANGED of its pixels different; then
    Done is clicked and the controls must close."""

    def __init__(self, page, out, name, move):
        self.page, self.out, self.name, self.move = page, out, name, move
        self.done, self.errors, self.summary = False, [], ""

    def poll(self, state):
        if self.done:
            return
        cells = self.page.locator(f"{PANEL} .jp-CodeCell").filter(
            has=self.page.locator(".jp-OutputArea-output button", has_text=re.compile(r"^\s*Done\s*$")))
        if cells.count() == 0:
            return
        self.done = True
        # The cell by its place in the notebook: once Done is clicked it has no button any more.
        index = cells.first.evaluate("c => [...c.closest('.jp-Notebook').querySelectorAll('.jp-Cell')].indexOf(c)")
        cell = self.page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(index)
        try:
            self.exercise(cell)
        except (PlaywrightError, Failure) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            log(f"{self.name}: FAILED: {self.errors[-1]}")
            try:  # End the cell, so that the run goes on and its other checks still count.
                cell.get_by_role("button", name="Done").click(timeout=5_000)
            except PlaywrightError:
                pass

    def exercise(self, cell):
        view = cell.locator(".jp-OutputArea-output img").first
        view.scroll_into_view_if_needed()
        before, caption = view.get_attribute("src"), view.get_attribute("alt") or ""
        view.screenshot(path=str(self.out / f"{self.name}-before.png"))
        how = self.move(cell)
        t0 = time.monotonic()
        wait_for(f"the view to be redrawn after: {how}",
                 lambda: view.get_attribute("src") not in (None, before) or None, 60)
        redraw = time.monotonic() - t0
        after, new_caption = view.get_attribute("src"), view.get_attribute("alt") or ""
        self.page.wait_for_timeout(300)
        view.screenshot(path=str(self.out / f"{self.name}-after.png"))
        diff = self.page.evaluate(DIFF_JS, [before, after])
        if diff["changed"] < MIN_CHANGED:
            self.errors.append(f"{how}: only {100 * diff['changed']:.2f}% of the view's pixels changed")
        if new_caption == caption:
            self.errors.append(f"{how}: the view's caption still reads {caption!r}")
        cell.get_by_role("button", name="Done").click()
        wait_for("the controls to close after Done",
                 lambda: "Controls closed" in cell.inner_text() or None, 60)
        self.summary = (f"{how}: redrawn in {redraw:.1f}s, {100 * diff['changed']:.1f}% of "
                        f"{diff['w']}x{diff['h']} pixels changed, caption {caption!r} -> {new_caption!r}; Done closed it")
        log(f"{self.name}: {self.summary}")

    def problems(self, what):
        if not self.done:
            return [f"{what}: no live controls (a Done button) appeared while the cells ran"]
        return [f"{what}: {e}" for e in self.errors]


def check_animations(page):
    """Every animated GIF <img> of the outputs, decoded in the page (see GIF_FRAMES_JS)."""
    imgs = page.locator(f'{PANEL} .jp-OutputArea-output img[src^="data:image/gif"]')
    return [imgs.nth(i).evaluate(GIF_FRAMES_JS) for i in range(imgs.count())]


def check_saved(page, path, flagged):
    """Saves the notebook from the File menu, reads the file back and applies nbrun.py's rules to the
    cells not in `flagged`; returns (problems, number of image/png outputs)."""
    before = path.stat().st_mtime_ns
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(r"^\s*File\s*$")).click()
    page.locator('#jp-mainmenu-file .lm-Menu-item[data-command="docmanager:save"]').click()

    def saved():
        if path.stat().st_mtime_ns == before:
            return None
        try:
            return nbformat.read(str(path), as_version=4)
        except (OSError, ValueError, nbformat.reader.NotJSONError):
            return None  # Not written yet.
    nb = wait_for("File > Save Notebook to write the notebook", saved, 30)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in flagged:
            continue
        error = any(o.get("output_type") == "error" for o in cell.outputs)
        gonb = any("gonb-err" in nbrun.text_of(o.get("data", {}).get("text/html", ""))
                   for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result"))
        if error or gonb or nbrun.stderr_errors(cell):
            problems.append(f"cell {i} (In [{cell.get('execution_count')}], in the saved notebook): "
                            f"{nbrun.error_text(cell)}")
    return problems, nbrun.count_images(nb)


def one_line(text):
    return " ".join((text or "").split())


def wait_until_finished(page, timeout, t_run, on_poll=None):
    """Waits until no code cell is queued or running ([*]) and the kernel is idle, for 3 s in a row.
    on_poll, if given, sees the page's state at every look (e.g. to use live controls)."""
    deadline, started, stable, last_report = t_run + timeout, False, None, t_run
    while True:
        s = state_of(page)
        if on_poll is not None and s is not None:
            on_poll(s)
            s = state_of(page)
        now = time.monotonic()
        if s is None:
            raise Failure("the notebook panel disappeared")
        if s["dialogs"]:
            raise KernelTrouble("a dialog opened during the run: " + " | ".join(one_line(d) for d in s["dialogs"]))
        if s["indicatorStatus"] == "dead":
            raise KernelTrouble("the kernel died during the run; status bar: " + one_line(s["statusBar"]))
        code = [c for c in s["cells"] if c["code"]]
        busy = [c for c in code if "*" in c["prompt"]]
        done = sum(1 for c in code if PROMPT_DONE_RE.match(c["prompt"]))
        started = started or bool(busy) or done > 0
        if started and not busy and s["indicatorStatus"] == "idle":
            stable = stable or now
            if now - stable >= 3:
                return s
        else:
            stable = None
        if now - last_report >= 30:
            last_report = now
            log(f"  {now - t_run:.0f}s: {done}/{len(code)} code cells done"
                + (f", running {describe(busy[0])}" if busy else "") + f", kernel {s['indicatorStatus']}")
        if now > deadline:
            raise KernelTrouble(f"still running after {timeout:g} s: {done}/{len(code)} code cells done"
                          + (f", running {describe(busy[0])}" if busy else ""))
        time.sleep(0.5)


IMAGE_JS = "img => ({w: img.naturalWidth, h: img.naturalHeight, complete: img.complete})"


def check_images(page):
    """Scrolls to each image of the outputs; returns ([(w, h, visible)], how many are loaded and visible)."""
    imgs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img")
    found, shown = [], 0
    for i in range(imgs.count()):
        img = imgs.nth(i)
        try:
            img.scroll_into_view_if_needed(timeout=5_000)
        except PlaywrightError:
            pass
        info = img.evaluate(IMAGE_JS)
        visible = img.is_visible()
        found.append((info["w"], info["h"], visible))
        if visible and info["complete"] and info["w"] > 0 and info["h"] > 0:
            shown += 1
    return found, shown


def learned_field_image(page):
    """The image of the learned score field: the last image of the cell drawing FieldFigure("Learned score")."""
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text='"Learned score"'))
    if cell.count() == 0:
        return None
    imgs = cell.first.locator(".jp-OutputArea-output img")
    return imgs.last if imgs.count() else None


NOTEBOOK_HEIGHT_JS = """top => {
  // The window height that shows the whole notebook: the notebook's content (down to the bottom of its
  // last cell; the scroll area itself has extra room below) plus the rest of the page around it.
  const sc = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
  const cells = sc ? sc.querySelectorAll('.jp-Cell') : [];
  if (!sc || !cells.length) return window.innerHeight;
  if (top) sc.scrollTop = 0;
  const box = sc.getBoundingClientRect();
  const content = cells[cells.length - 1].getBoundingClientRect().bottom - box.top + sc.scrollTop;
  return Math.ceil(box.top + content + 24 + (window.innerHeight - box.bottom));
}"""
MAX_SHOT_HEIGHT = 16_000


def full_screenshot(page, path):
    """The whole notebook in one picture: JupyterLab scrolls inside its own panel, so the notebook is
    scrolled to the top and the window made as tall as the notebook (at most 16,000 px) for the shot,
    then put back. Cells out of view are laid out with estimated heights (content-visibility), so the
    height is measured again once they are drawn."""
    height = page.evaluate(NOTEBOOK_HEIGHT_JS, True)
    try:
        for _ in range(3):
            want = max(VIEWPORT["height"], min(int(height), MAX_SHOT_HEIGHT))
            page.set_viewport_size({"width": VIEWPORT["width"], "height": want})
            page.wait_for_timeout(1000)
            height = page.evaluate(NOTEBOOK_HEIGHT_JS, True)
            if abs(max(VIEWPORT["height"], min(int(height), MAX_SHOT_HEIGHT)) - want) < 40:
                break
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)


# ---------------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------------

def check_setup(chromium):
    if not (VENV / "bin" / "jupyter").exists():
        raise SetupError(f"no JupyterLab in {VENV}: set up with bash scorematching/scripts/setup.sh")
    spec = VENV / "share" / "jupyter" / "kernels" / "gonb" / "kernel.json"
    if not spec.exists():
        raise SetupError(f"no GoNB kernel spec at {spec}: set up with bash scorematching/scripts/setup.sh")
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        raise SetupError(f"no Chromium at {chromium} (Debian: apt-get install chromium; or set GOSM_CHROMIUM)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "out" / "browser"),
                    help="working folder, inside the repository (default out/browser)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for Run All Cells (default 600)")
    ap.add_argument("--expect-images", type=int, default=4, metavar="N",
                    help="least number of images the outputs must show (default 4)")
    ap.add_argument("--inject-error", choices=sorted(INJECTED_ERRORS),
                    help="add a failing cell to the copy (to check that the run then fails)")
    ap.add_argument("--chromium", default=os.environ.get("GOSM_CHROMIUM", "/usr/bin/chromium"),
                    help="the Chromium executable (default $GOSM_CHROMIUM or /usr/bin/chromium)")
    args = ap.parse_args(argv)

    start = time.monotonic()
    out = Path(args.out).resolve()
    lab = None
    try:
        check_setup(args.chromium)
        try:
            out.relative_to(ROOT)
        except ValueError:
            raise SetupError(f"--out {out} must be inside the repository {ROOT} "
                             "(the notebook finds the repository from its folder)")
        for old in ("notebooks", "model", "jupyter", "screenshot.png", "learned-field.png", "state.json", "selector.png",
                    "slider-before.png", "slider-after.png", "selector-before.png", "selector-after.png"):
            p = out / old
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        nb_rel = prepare_notebook(out, out / "model", args.inject_error)
        args.selector = prepare_selector_notebook(out)
        lab = Lab(out, secrets.token_hex(8))
        lab.start()
        log(f"JupyterLab up on {lab.base} after {time.monotonic() - start:.1f}s "
            f"(log: {lab.log_path.relative_to(ROOT)})")
        run_in_browser(args, lab, nb_rel, out, args.chromium)
    except SetupError as exc:
        print(f"browser: SETUP: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        print(f"browser: FAIL {NOTEBOOK} in Chromium after {time.monotonic() - start:.1f}s: {exc}", file=sys.stderr)
        if lab is not None and isinstance(exc, KernelTrouble):
            print("browser: JupyterLab log (last lines):\n" + lab.log_tail(), file=sys.stderr)
        print(f"browser: screenshots in {out.relative_to(ROOT)}/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM / SIGHUP (see below): still shut JupyterLab down.
        print(f"browser: interrupted after {time.monotonic() - start:.1f}s; shutting JupyterLab down", file=sys.stderr)
        return 130
    finally:
        if lab is not None:
            lab.stop()
    print(f"browser: OK {NOTEBOOK} (and the selector of {SELECTOR_NOTEBOOK}) in Chromium: {time.monotonic() - start:.1f}s in all; "
          f"screenshots: {(out / 'screenshot.png').relative_to(ROOT)}, {(out / 'learned-field.png').relative_to(ROOT)}")
    return 0


def interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


if __name__ == "__main__":
    # JupyterLab runs in a session of its own (a Ctrl-C or a kill of this process group does not reach
    # it): a SIGTERM or SIGHUP here unwinds like Ctrl-C, so that it is always shut down.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    sys.exit(main())
