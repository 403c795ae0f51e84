package points_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/points"
)

// FuzzRead: any input gives either points or an error, never a panic; points always have the
// asked dimension and values finite in float32. CI runs it briefly (go test -fuzz FuzzRead -fuzztime 10s);
// inputs that once failed are kept in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{"x,y\n1,2\n", "1,2\n3,4\n", "", "\n\n", "x,y\n", "1,NaN\n", "1,2,3\n", "a\n1,2\n", "1e308,1e308\n", "\uFEFF1,2\n", "-0,+1\n", " 1 , 2 \n"} {
		f.Add(seed, 2)
	}
	f.Fuzz(func(t *testing.T, input string, dim int) {
		if dim < -2 || dim > 8 {
			return
		}
		pts, err := points.Read(strings.NewReader(input), dim)
		if err != nil {
			if pts != nil {
				t.Errorf("error %v with points %v", err, pts)
			}
			return
		}
		if len(pts) == 0 {
			t.Error("no error and no points")
		}
		for i, p := range pts {
			if len(p) != dim {
				t.Fatalf("point %d has %d coordinates, want %d", i, len(p), dim)
			}
			for _, v := range p {
				if math.IsNaN(v) || math.IsInf(float64(float32(v)), 0) {
					t.Fatalf("point %d holds %v", i, v)
				}
			}
		}
	})
}
