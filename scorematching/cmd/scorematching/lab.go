package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lab", "[--port N] [--no-browser] [--install-only]", stderr)
	port := fs.Int("port", 8888, "port for JupyterLab")
	noBrowser := fs.Bool("no-browser", false, "do not open a web browser")
	installOnly := fs.Bool("install-only", false, "set up the virtual environment and the GoNB kernel, then exit without starting JupyterLab")
	noXLA := fs.Bool("no-xla", false, "do not install the XLA CPU plugin (the notebooks then use the pure Go backend)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *port <= 0 || *port > 65535 {
		return fmt.Errorf("--port must be between 1 and 65535, got %d", *port)
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return errors.New("bash is needed to set up the notebooks' environment and was not found on PATH")
	}
	setup := exec.CommandContext(ctx, "bash", filepath.Join(root, "scorematching", "scripts", "setup.sh"))
	setup.Stdout, setup.Stderr, setup.Dir = stdout, stderr, root
	setup.Env = os.Environ()
	if *noXLA {
		setup.Env = append(setup.Env, "GOSM_XLA=0")
	}
	if err := setup.Run(); err != nil {
		return fmt.Errorf("setting up the notebooks' environment failed (see above): %w", err)
	}
	if *installOnly {
		fmt.Fprintf(stdout, "Kernel installed. Start JupyterLab with: %s\n", strings.Join(labCommand(root, *port, *noBrowser), " "))
		return nil
	}
	argv := labCommand(root, *port, *noBrowser)
	fmt.Fprintf(stdout, "Starting JupyterLab on the notebooks: %s\n(JupyterLab prints the URL to open, with its token; Ctrl-C stops it.)\n", strings.Join(argv, " "))
	lab := exec.CommandContext(ctx, argv[0], argv[1:]...)
	lab.Stdout, lab.Stderr, lab.Dir = stdout, stderr, filepath.Join(root, "notebooks")
	if err := lab.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("jupyter lab: %w", err)
	}
	return nil
}

// labCommand is the command line that starts JupyterLab from the project's virtual environment.
func labCommand(root string, port int, noBrowser bool) []string {
	argv := []string{filepath.Join(root, ".venv", "bin", "jupyter"), "lab",
		"--notebook-dir=" + filepath.Join(root, "notebooks"), "--port=" + strconv.Itoa(port)}
	if noBrowser {
		argv = append(argv, "--no-browser")
	}
	if os.Geteuid() == 0 {
		argv = append(argv, "--allow-root") // JupyterLab refuses to run as root without it.
	}
	return argv
}

// repoRoot finds this project's root: the folder of the go.mod that declares module
// github.com/gosm/gosm, from the working directory upwards.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/gosm/gosm\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this command inside the gosm repository (no go.mod of module github.com/gosm/gosm found above the working directory)")
		}
		dir = parent
	}
}
