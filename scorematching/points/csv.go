// Package points reads and writes points as CSV: one point per line, one column per coordinate,
// with an optional header line.
package points

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Read parses CSV rows of dim numbers each. A first line that does not parse as numbers is taken
// as a header and skipped; blank lines are skipped. Errors name the line and the bad value.
func Read(r io.Reader, dim int) ([][]float64, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("points dimension must be positive, got %d", dim)
	}
	var out [][]float64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line, first := 0, true
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if first && !allNumbers(fields) {
			first = false
			continue // The first non-blank line is a header when some of it is not a number.
		}
		first = false
		row, err := parseRow(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(row) != dim {
			return nil, fmt.Errorf("line %d: want %d columns, got %d (%q)", line, dim, len(row), text)
		}
		out = append(out, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading points: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("no points: the input has no data rows")
	}
	return out, nil
}

// allNumbers reports whether every field parses as a number (NaN and Inf included).
func allNumbers(fields []string) bool {
	for _, f := range fields {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
			return false
		}
	}
	return true
}

func parseRow(fields []string) ([]float64, error) {
	row := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("column %d: %q is not a number", i+1, f)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("column %d: %q is not a finite number", i+1, f)
		}
		row[i] = v
	}
	return row, nil
}

// Write writes a header line and then one line per row, joining the columns of every row of
// each table side by side: Write(w, "x,y,sx,sy", points, scores).
func Write(w io.Writer, header string, tables ...[][]float64) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, header)
	if len(tables) > 0 {
		for i := range tables[0] {
			var cols []string
			for _, t := range tables {
				for _, v := range t[i] {
					cols = append(cols, strconv.FormatFloat(v, 'g', 8, 64))
				}
			}
			fmt.Fprintln(bw, strings.Join(cols, ","))
		}
	}
	return bw.Flush()
}
