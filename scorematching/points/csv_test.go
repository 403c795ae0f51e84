package points_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/points"
)

func TestReadValid(t *testing.T) {
	cases := []struct {
		name string
		in   string
		dim  int
		want [][]float64
	}{
		{"no header", "1,2\n3.5,-4\n", 2, [][]float64{{1, 2}, {3.5, -4}}},
		{"header", "x,y\n1,2\n", 2, [][]float64{{1, 2}}},
		{"blank lines and spaces", " x , y \n\n 1 , 2 \n\n\n-1e-3,5E2\n\n", 2, [][]float64{{1, 2}, {-0.001, 500}}},
		{"no final newline, CRLF", "x,y\r\n0.5,0.25\r\n1,1", 2, [][]float64{{0.5, 0.25}, {1, 1}}},
		{"3-D", "a,b,c\n1,2,3\n", 3, [][]float64{{1, 2, 3}}},
		{"1-D", "7\n8\n", 1, [][]float64{{7}, {8}}},
		{"leading blank lines, no header", "\n\n1,2\n", 2, [][]float64{{1, 2}}},
		// A spreadsheet's byte-order mark must not turn the first data row into a "header".
		{"BOM, no header", "\uFEFF1,2\n3,4\n", 2, [][]float64{{1, 2}, {3, 4}}},
		{"BOM and header", "\uFEFFx,y\n1,2\n", 2, [][]float64{{1, 2}}},
		{"largest float32", "3.4e38,-3.4e38\n", 2, [][]float64{{3.4e38, -3.4e38}}},
		{"largest float32 as Go prints it", "3.4028235e38,0\n", 2, [][]float64{{3.4028235e38, 0}}},
		{"underflow to zero", "1e-400,1\n", 2, [][]float64{{0, 1}}},
		{"a line just under the limit", "1," + strings.Repeat("0", points.MaxLineBytes-4) + "2\n", 2, [][]float64{{1, 2}}},
	}
	for _, c := range cases {
		got, err := points.Read(strings.NewReader(c.in), c.dim)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			for j := range got[i] {
				if got[i][j] != c.want[i][j] {
					t.Errorf("%s: row %d = %v, want %v", c.name, i, got[i], c.want[i])
				}
			}
		}
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		dim  int
		want []string // Substrings of the error.
	}{
		{"too many columns", "x,y\n1,2\n1,2,3\n", 2, []string{"line 3", "want 2 columns, got 3"}},
		{"too few columns", "1,2\n3\n", 2, []string{"line 2", "want 2 columns, got 1"}},
		{"wrong columns on line 1", "1,2,3\n", 2, []string{"line 1", "got 3"}},
		{"not a number", "x,y\n1,2\n3,abc\n", 2, []string{"line 3", "column 2", `"abc"`}},
		{"second header", "x,y\nx,y\n", 2, []string{"line 2", "not a number"}},
		{"NaN", "1,2\nNaN,1\n", 2, []string{"line 2", "column 1", "not a finite number"}},
		{"Inf", "1,2\n\n1,+Inf\n", 2, []string{"line 3", "column 2", "not a finite number"}},
		{"empty", "", 2, []string{"no points"}},
		{"only blank lines", "\n\n  \n", 2, []string{"no points"}},
		{"header only", "x,y\n", 2, []string{"no points", `"x,y"`}},
		{"bad dim", "1,2\n", 0, []string{"dimension must be positive"}},
		{"beyond float32", "x,y\n1,2\n1e39,0\n", 2, []string{"line 3", "column 1", `"1e39"`, "float32"}},
		// A first line with a number in it is data: its mistakes are reported, not skipped as a header.
		{"beyond float64 on line 1", "1e400,2\n3,4\n", 2, []string{"line 1", "column 1", `"1e400"`, "float32"}},
		{"empty field on line 1", "1,,2\n3,4\n", 2, []string{"line 1", "column 2"}},
		{"typo on line 1", "1,2x\n3,4\n", 2, []string{"line 1", "column 2", `"2x"`}},
		{"header with too many columns", "x,y,z\n3,4\n", 2, []string{"line 1", `header "x,y,z" has 3 columns`, "2-D"}},
		{"header with too few columns", "x\n3,4\n", 2, []string{"line 1", "header", "1 columns"}},
		{"semicolons", "1;2\n3;4\n", 2, []string{"line 1", `header "1;2" has 1 columns`}},
		{"beyond float32, negative", "1,-1e308\n", 2, []string{"line 1", "column 2", "float32"}},
		{"line too long", "x,y\n1,2\n" + strings.Repeat("1", points.MaxLineBytes+10) + ",2\n", 2, []string{"line 3", "longer than 1048576 bytes"}},
	}
	for _, c := range cases {
		got, err := points.Read(strings.NewReader(c.in), c.dim)
		if err == nil {
			t.Errorf("%s: no error, got %v", c.name, got)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	pts := [][]float64{{0.1, -2.5}, {1.0 / 3, 1e-9}}
	scores := [][]float64{{100, -0.000125}, {123456789, 2}}
	if err := points.Write(&buf, "x,y,sx,sy", pts, scores); err != nil {
		t.Fatal(err)
	}
	// 8 significant digits, %g style.
	want := "x,y,sx,sy\n0.1,-2.5,100,-0.000125\n0.33333333,1e-09,1.2345679e+08,2\n"
	if buf.String() != want {
		t.Errorf("Write:\n%s\nwant:\n%s", buf.String(), want)
	}
	// Written points read back (header skipped) to 8 significant digits.
	back, err := points.Read(&buf, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[1][0] != 0.33333333 || back[0][3] != -0.000125 {
		t.Errorf("read back %v", back)
	}
	buf.Reset()
	if err := points.Write(&buf, "h"); err != nil || buf.String() != "h\n" {
		t.Errorf("Write with no tables: %q, %v", buf.String(), err)
	}
}

// TestReadHeaderRule pins the header rule: the first non-blank line is a header only when one of
// its fields is not a number; a NaN row is data (and an error), never a header.
func TestReadHeaderRule(t *testing.T) {
	got, err := points.Read(strings.NewReader("\n\nx,y\n2,3\n"), 2)
	if err != nil || len(got) != 1 || got[0][0] != 2 {
		t.Errorf("header after blank lines: got %v, %v", got, err)
	}
	if _, err := points.Read(strings.NewReader("NaN,1\n2,3\n"), 2); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("NaN first row: want an error naming line 1, got %v", err)
	}
}

// More rows than the memory limit allows are refused while reading, naming the limit.
func TestReadMemoryLimit(t *testing.T) {
	t.Setenv(limits.EnvVar, "64KiB")
	in := strings.Repeat("1,2\n", 5000)
	if _, err := points.Read(strings.NewReader(in), 2); err == nil || !strings.Contains(err.Error(), limits.EnvVar) {
		t.Errorf("5000 rows under a 64 KiB limit: got %v, want an error naming %s", err, limits.EnvVar)
	}
	t.Setenv(limits.EnvVar, "64MiB")
	if pts, err := points.Read(strings.NewReader(in), 2); err != nil || len(pts) != 5000 {
		t.Errorf("5000 rows under a 64 MiB limit: %d rows, %v", len(pts), err)
	}
}
