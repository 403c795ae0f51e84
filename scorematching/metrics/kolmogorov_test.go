package metrics

import (
	"math"
	"testing"
)

// TestKolmogorovQ checks the tail of the Kolmogorov distribution at its tabulated critical values
// (lambda for P(K > lambda) = 0.10, 0.05, 0.01, 0.001: 1.2238, 1.3581, 1.6276, 1.9495; the table
// gives 4 digits, so 2e-4 absolute) and its limits.
func TestKolmogorovQ(t *testing.T) {
	for _, tc := range []struct{ lambda, want float64 }{
		{1.2238, 0.10}, {1.3581, 0.05}, {1.6276, 0.01}, {1.9495, 0.001},
	} {
		if got := kolmogorovQ(tc.lambda); math.Abs(got-tc.want) > 2e-4 {
			t.Errorf("Q(%v) = %.6f, want %v", tc.lambda, got, tc.want)
		}
	}
	if kolmogorovQ(0) != 1 || kolmogorovQ(0.1) != 1 || !(kolmogorovQ(10) < 1e-80) {
		t.Errorf("Q(0), Q(0.1), Q(10) = %v, %v, %v; want 1, 1, < 1e-80", kolmogorovQ(0), kolmogorovQ(0.1), kolmogorovQ(10))
	}
}
