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

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/limits"
)

// MaxLineBytes is the longest line Read accepts.
const MaxLineBytes = 1 << 20

// Read parses CSV rows of dim numbers each. A UTF-8 byte-order mark at the start is skipped. A
// first line with no number in it is taken as a header (it must have dim columns) and skipped;
// blank lines are skipped. Every value must be finite as a float32 (the networks compute in float32). Errors name
// the line, the column and the bad value; a line longer than MaxLineBytes, or more rows than the
// memory limit allows (package limits), is an error too.
func Read(r io.Reader, dim int) ([][]float64, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("points dimension must be positive, got %d", dim)
	}
	var out [][]float64
	header := "" // The header line, if one was skipped.
	br := bufio.NewReaderSize(r, 64*1024)
	line, first := 0, true
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\uFEFF") // A byte-order mark, as spreadsheets write.
		}
		text := strings.TrimSpace(raw)
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if first && noNumbers(fields) {
			// The first non-blank line is a header when none of it is a number ("x,y"); a line
			// with a number in it is data, and any mistake in it is reported.
			first, header = false, text
			if len(fields) != dim {
				return nil, fmt.Errorf("line %d: the header %q has %d columns, but the model takes %d-D points", line, shorten(text), len(fields), dim)
			}
			continue
		}
		first = false
		row, err := parseRow(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(row) != dim {
			return nil, fmt.Errorf("line %d: want %d columns, got %d (%q): the model takes %d-D points", line, dim, len(row), shorten(text), dim)
		}
		if len(out)%4096 == 0 { // Each row costs its slice header and dim float64s.
			if err := limits.Check(fmt.Sprintf("%d points of dimension %d (line %d)", len(out)+4096, dim, line), limits.Of(len(out)+4096, 24+8*dim)); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	if len(out) == 0 && header != "" {
		return nil, fmt.Errorf("no points: the input's only line, %q, has no number and was read as a header", shorten(header))
	}
	if len(out) == 0 {
		return nil, errors.New("no points: the input has no data rows")
	}
	return out, nil
}

// readLine returns the next line without its line ending, io.EOF at the end of the input, and an
// error naming the limit for a line longer than MaxLineBytes.
func readLine(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, err := br.ReadSlice('\n')
		if b.Len()+len(chunk) > MaxLineBytes+2 { // +2: the line ending.
			return "", fmt.Errorf("longer than %d bytes, the limit for one line", MaxLineBytes)
		}
		b.Write(chunk)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && b.Len() > 0:
			return b.String(), nil
		case err != nil:
			if err != io.EOF {
				err = fmt.Errorf("reading points: %w", err)
			}
			return "", err
		}
		return strings.TrimRight(b.String(), "\r\n"), nil
	}
}

// shorten cuts a long line for an error message.
func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// noNumbers reports whether no field is a number (NaN, Inf and numbers beyond float64's range
// count as numbers).
func noNumbers(fields []string) bool {
	for _, f := range fields {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

func parseRow(fields []string) ([]float64, error) {
	row := make([]float64, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if errors.Is(err, strconv.ErrRange) && !math.IsInf(v, 0) {
			err = nil // Too small: it underflows to 0 (or a subnormal), as float32 would make it anyway.
		}
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("column %d: %q is beyond the float32 range (magnitude at most %.4g) in which the networks compute", i+1, strings.TrimSpace(f), math.MaxFloat32)
		}
		if err != nil {
			return nil, fmt.Errorf("column %d: %q is not a number", i+1, shorten(f))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("column %d: %q is not a finite number", i+1, f)
		}
		if !batch.Finite32(v) { // 3.4028235e38, float32's largest as printed, rounds to it.
			return nil, fmt.Errorf("column %d: %q is beyond the float32 range (magnitude at most %.4g) in which the networks compute", i+1, strings.TrimSpace(f), math.MaxFloat32)
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
