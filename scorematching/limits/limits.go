// Package limits bounds every size a user can ask for (layer sizes, numbers of points, particles,
// projections, steps, dimensions, shapes read from files, file sizes) by the memory it implies.
// Sizes are computed with overflow-safe arithmetic and checked before anything is allocated or
// written, so that an absurd request is an error naming the value and the limit, never an
// out-of-memory crash.
//
// The limit is half of this machine's physical memory (8 GiB where that cannot be read), or the
// value of GOSM_MEMORY_LIMIT: a number of bytes with an optional unit, e.g. "512MiB", "4GiB", "2e9".
// A file read into memory may be at most a quarter of it (decoding JSON needs a few times its size).
package limits

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync"
)

// EnvVar overrides the memory limit (bytes, with an optional unit: KiB, MiB, GiB, TiB, KB, MB, GB, TB).
const EnvVar = "GOSM_MEMORY_LIMIT"

// fallbackMemory is the machine memory assumed where /proc/meminfo cannot be read.
const fallbackMemory = 16 << 30

// Size is a number of bytes computed with overflow detection: once a product or sum overflows
// (or a factor is negative), the Size stays overflowed and Check refuses it.
type Size struct {
	bytes    uint64
	overflow bool
}

// Of returns the product of factors as a Size (e.g. Of(n, dim, 4) for n float32 rows of dim).
func Of(factors ...int) Size {
	s := Size{bytes: 1}
	for _, f := range factors {
		s = s.Times(f)
	}
	return s
}

// Times returns s multiplied by n.
func (s Size) Times(n int) Size {
	if s.overflow || n < 0 {
		return Size{overflow: true}
	}
	hi, lo := bits.Mul64(s.bytes, uint64(n))
	if hi != 0 || lo > math.MaxInt64 {
		return Size{overflow: true}
	}
	return Size{bytes: lo}
}

// Plus returns s + t.
func (s Size) Plus(t Size) Size {
	if s.overflow || t.overflow {
		return Size{overflow: true}
	}
	sum, carry := bits.Add64(s.bytes, t.bytes, 0)
	if carry != 0 || sum > math.MaxInt64 {
		return Size{overflow: true}
	}
	return Size{bytes: sum}
}

// Bytes returns the size and whether it is exact (false: it overflowed int64).
func (s Size) Bytes() (int64, bool) { return int64(s.bytes), !s.overflow }

// String is the size in readable units, or "more than 9.2 EB" after an overflow.
func (s Size) String() string {
	if s.overflow {
		return "more than " + FormatBytes(math.MaxInt64)
	}
	return FormatBytes(int64(s.bytes))
}

// Check returns nil when s fits under the memory limit, and otherwise an error naming what, its
// size and the limit, e.g. Check("--sizes 2,1000000000,2", ...).
func Check(what string, s Size) error {
	max, err := Memory()
	if err != nil {
		return err
	}
	if b, ok := s.Bytes(); ok && b <= max {
		return nil
	}
	return fmt.Errorf("%s needs %s of memory, over the limit of %s (%s)", what, s, FormatBytes(max), Explain())
}

// MaxFileBytes is the largest file the project reads into memory: a quarter of the memory limit.
func MaxFileBytes() (int64, error) {
	max, err := Memory()
	return max / 4, err
}

var physical = sync.OnceValue(readPhysicalMemory)

// Memory returns the memory limit in bytes: GOSM_MEMORY_LIMIT when set, else half the physical
// memory. An unreadable GOSM_MEMORY_LIMIT is an error naming it.
func Memory() (int64, error) {
	if v := strings.TrimSpace(os.Getenv(EnvVar)); v != "" {
		b, err := ParseBytes(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q: %w", EnvVar, v, err)
		}
		return b, nil
	}
	return physical() / 2, nil
}

// Explain says where the memory limit comes from, for error messages.
func Explain() string {
	if v := strings.TrimSpace(os.Getenv(EnvVar)); v != "" {
		return fmt.Sprintf("set by %s=%s", EnvVar, v)
	}
	return fmt.Sprintf("half of this machine's %s; set %s to change it", FormatBytes(physical()), EnvVar)
}

// readPhysicalMemory reads MemTotal from /proc/meminfo, or returns fallbackMemory.
func readPhysicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallbackMemory
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil && kb > 0 && kb < math.MaxInt64/1024 {
				return kb * 1024
			}
		}
	}
	return fallbackMemory
}

var units = []struct {
	suffix string
	scale  float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseBytes reads a positive number of bytes with an optional unit: "4GiB", "512 MiB", "2e9".
func ParseBytes(s string) (int64, error) {
	num, scale := strings.TrimSpace(s), 1.0
	for _, u := range units {
		if strings.HasSuffix(strings.ToLower(num), strings.ToLower(u.suffix)) {
			num, scale = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v*scale >= 1) || v*scale >= math.MaxInt64 {
		return 0, fmt.Errorf("not a number of bytes (e.g. 4GiB, 512MiB, 2e9)")
	}
	return int64(v * scale), nil
}

// FormatBytes writes n bytes in binary units: "512 B", "3.5 MiB", "12.0 GiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
