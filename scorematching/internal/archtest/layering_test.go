// Package archtest checks the library's architecture: its packages import each other in the
// layered order the README's library map lists them.
package archtest

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/gosm/gosm/scorematching/"

// TestLayering reads the package order of the README's library map (each package imports only
// packages listed above it) and checks every package's imports against it with `go list`: no
// package may import one listed below it (so there are no cycles), and every package must be in
// the map.
func TestLayering(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## The library")
	if start < 0 {
		t.Fatal("README.md has no section \"## The library\"")
	}
	block := text[start:]
	if end := strings.Index(block[strings.Index(block, "```")+3:], "```"); end >= 0 {
		block = block[:strings.Index(block, "```")+3+end]
	}
	var order []string
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z][a-z/]*)/\s`).FindAllStringSubmatch(block, -1) {
		order = append(order, m[1])
	}
	if len(order) < 10 {
		t.Fatalf("read only %v from the README's library map", order)
	}
	index := map[string]int{}
	for i, p := range order {
		index[p] = i
	}
	cmd := exec.Command("go", "list", "-json", "./scorematching/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var pkg struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&pkg); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(pkg.ImportPath, module)
		if strings.HasPrefix(name, "internal/") {
			continue // Test helpers and harnesses.
		}
		at, ok := index[name]
		if !ok {
			t.Errorf("package %s is not in the README's library map", name)
			continue
		}
		for _, imp := range pkg.Imports {
			if !strings.HasPrefix(imp, module) || strings.HasPrefix(imp, module+"internal/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if j, ok := index[dep]; !ok || j >= at {
				t.Errorf("%s imports %s, which the README's library map lists below it (or not at all)", name, dep)
			}
		}
	}
}
