package nbtest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// courseCell is the part of a notebook cell the course-structure test reads.
type courseCell struct {
	CellType string          `json:"cell_type"`
	Source   json.RawMessage `json:"source"`
	Metadata struct {
		Tags    []string `json:"tags"`
		Jupyter struct {
			SourceHidden  bool `json:"source_hidden"`
			OutputsHidden bool `json:"outputs_hidden"`
		} `json:"jupyter"`
	} `json:"metadata"`
}

// minExercises is the least number of exercises a notebook has.
const minExercises = 2

// TestCourseStructure: every notebook is a lesson a teacher can hand out: a collapsed set-up cell
// first, whose first line says what it does; a cell tagged parameters; at least minExercises
// exercises (a markdown cell tagged exercise), each followed, before the next exercise, by a
// solution (a cell tagged solution, collapsed: its source hidden, and its outputs too for code).
func TestCourseStructure(t *testing.T) {
	names := storedNotebooks(t)
	for _, path := range names {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			for _, p := range courseProblems(data) {
				t.Errorf("%s: %s", name, p)
			}
		})
	}
}

// courseProblems lists what a notebook lacks as a lesson (see TestCourseStructure).
func courseProblems(data []byte) []string {
	var nb struct{ Cells []courseCell }
	if err := json.Unmarshal(data, &nb); err != nil {
		return []string{fmt.Sprintf("not a notebook: %v", err)}
	}
	var problems []string
	first := slices.IndexFunc(nb.Cells, func(c courseCell) bool { return c.CellType == "code" })
	if first < 0 {
		return []string{"no code cell"}
	}
	setup := nb.Cells[first]
	if src := text(setup.Source); !setup.Metadata.Jupyter.SourceHidden || !strings.HasPrefix(src, "// ") || !strings.Contains(src, "go mod edit") {
		problems = append(problems, "the first code cell is not the collapsed set-up cell, starting with a comment line")
	}
	if !slices.ContainsFunc(nb.Cells, func(c courseCell) bool { return slices.Contains(c.Metadata.Tags, "parameters") }) {
		problems = append(problems, "no cell tagged parameters")
	}
	exercises := 0
	for i, c := range nb.Cells {
		if !slices.Contains(c.Metadata.Tags, "exercise") {
			continue
		}
		exercises++
		if c.CellType != "markdown" {
			problems = append(problems, fmt.Sprintf("cell %d: an exercise is a markdown cell", i))
		}
		solved := false
		for _, next := range nb.Cells[i+1:] {
			if slices.Contains(next.Metadata.Tags, "exercise") {
				break
			}
			if !slices.Contains(next.Metadata.Tags, "solution") {
				continue
			}
			solved = true
			hidden := next.Metadata.Jupyter.SourceHidden && (next.CellType != "code" || next.Metadata.Jupyter.OutputsHidden)
			if !hidden {
				problems = append(problems, fmt.Sprintf("the solution of the exercise in cell %d is not collapsed", i))
			}
			break
		}
		if !solved {
			problems = append(problems, fmt.Sprintf("the exercise in cell %d has no solution cell after it", i))
		}
	}
	if exercises < minExercises {
		problems = append(problems, fmt.Sprintf("%d exercises, want at least %d", exercises, minExercises))
	}
	return problems
}

// TestCourseProblems: the structure check catches what it should.
func TestCourseProblems(t *testing.T) {
	setup := `{"cell_type": "code", "source": "// Set-up: x\n!*go mod edit", "metadata": {"jupyter": {"source_hidden": true}}}`
	params := `{"cell_type": "code", "source": "var X = 1", "metadata": {"tags": ["parameters"]}}`
	ex := `{"cell_type": "markdown", "source": "Do it", "metadata": {"tags": ["exercise"]}}`
	sol := `{"cell_type": "code", "source": "%%", "metadata": {"tags": ["solution"], "jupyter": {"source_hidden": true, "outputs_hidden": true}}}`
	open := `{"cell_type": "code", "source": "%%", "metadata": {"tags": ["solution"]}}`
	doc := func(cells ...string) []byte { return []byte(`{"cells": [` + strings.Join(cells, ",") + `]}`) }
	if p := courseProblems(doc(setup, params, ex, sol, ex, sol)); len(p) != 0 {
		t.Errorf("a good lesson: %v", p)
	}
	for _, c := range []struct {
		name  string
		cells []string
		want  string
	}{
		{"one exercise", []string{setup, params, ex, sol}, "1 exercises"},
		{"open solution", []string{setup, params, ex, open, ex, sol}, "not collapsed"},
		{"no solution", []string{setup, params, ex, ex, sol}, "no solution"},
		{"no parameters", []string{setup, ex, sol, ex, sol}, "parameters"},
		{"set-up shown", []string{strings.Replace(setup, "true", "false", 1), params, ex, sol, ex, sol}, "set-up"},
	} {
		if p := strings.Join(courseProblems(doc(c.cells...)), "; "); !strings.Contains(p, c.want) {
			t.Errorf("%s: problems %q, want one saying %q", c.name, p, c.want)
		}
	}
}
