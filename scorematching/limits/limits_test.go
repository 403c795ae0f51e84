package limits

import (
	"math"
	"strings"
	"testing"
)

func TestSizeArithmetic(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Size
		want int64
		ok   bool
	}{
		{"product", Of(512, 128, 4), 512 * 128 * 4, true},
		{"empty product", Of(), 1, true},
		{"zero", Of(0, math.MaxInt), 0, true},
		{"negative factor", Of(4, -1), 0, false},
		{"overflow", Of(math.MaxInt32, math.MaxInt32, math.MaxInt32), 0, false},
		// 2^32 * 2^32 wraps to 0 in int64 arithmetic: the case a naive check lets through.
		{"wrap to zero", Of(1<<32, 1<<32), 0, false},
		{"sum", Of(3).Plus(Of(4)), 7, true},
		{"sum overflow", Of(math.MaxInt64).Plus(Of(1)), 0, false},
		{"overflow sticks", Of(1<<40, 1<<40).Times(0), 0, false},
	} {
		got, ok := c.s.Bytes()
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Setenv(EnvVar, "1MiB")
	if err := Check("small", Of(1024, 1024)); err != nil {
		t.Errorf("1 MiB under a 1 MiB limit: %v", err)
	}
	err := Check("--sizes 2,1000000000,2", Of(1024, 1025))
	if err == nil || !strings.Contains(err.Error(), "--sizes 2,1000000000,2") || !strings.Contains(err.Error(), "1.0 MiB") ||
		!strings.Contains(err.Error(), EnvVar) {
		t.Errorf("over the limit: got %v, want an error naming the value, the limit and %s", err, EnvVar)
	}
	if err := Check("overflow", Of(1<<32, 1<<32)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("overflow: got %v", err)
	}
	t.Setenv(EnvVar, "lots")
	if err := Check("x", Of(1)); err == nil || !strings.Contains(err.Error(), `"lots"`) {
		t.Errorf("bad %s: got %v, want an error naming it", EnvVar, err)
	}
}

func TestDefaultIsHalfThePhysicalMemory(t *testing.T) {
	t.Setenv(EnvVar, "")
	m, err := Memory()
	if err != nil || m != physical()/2 || m <= 0 {
		t.Errorf("Memory() = %d, %v; physical %d", m, err, physical())
	}
	if f, _ := MaxFileBytes(); f != m/4 {
		t.Errorf("MaxFileBytes = %d, want %d", f, m/4)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"4GiB": 4 << 30, "512 MiB": 512 << 20, "2e9": 2e9, "1kb": 1000, "100B": 100} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "0", "NaN", "1e30GiB", "GiB", "four"} {
		if got, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1536: "1.5 KiB", 12 << 30: "12.0 GiB", math.MaxInt64: "8.0 EiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
