package metrics_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
)

func TestSampleMeanStd(t *testing.T) {
	m, s := metrics.SampleMeanStd([]float64{1, 2, 3, 4})
	if m != 2.5 || math.Abs(s-math.Sqrt(5.0/3)) > 1e-12 {
		t.Errorf("mean %v std %v", m, s)
	}
	if m, s := metrics.SampleMeanStd([]float64{7}); m != 7 || s != 0 {
		t.Errorf("one value: mean %v std %v", m, s)
	}
}

// TestVectors: the norm, the mean and the RMS distance of small vectors, and the refusal of
// vectors of another length than the reference.
func TestVectors(t *testing.T) {
	if v := metrics.VectorNorm([]float64{3, 4}); v != 5 {
		t.Errorf("VectorNorm = %v", v)
	}
	if m := metrics.MeanVector([][]float64{{1, 2}, {3, 6}}); m[0] != 2 || m[1] != 4 {
		t.Errorf("MeanVector = %v", m)
	}
	if m := metrics.MeanVector(nil); m != nil {
		t.Errorf("MeanVector of no vectors = %v, want nil", m)
	}
	// Distances 5 and 0 from the reference: sqrt((25 + 0)/2).
	if d, err := metrics.RMSDistance([][]float64{{4, 6}, {1, 2}}, []float64{1, 2}); err != nil || math.Abs(d-math.Sqrt(12.5)) > 1e-12 {
		t.Errorf("RMSDistance = %v, %v; want sqrt(12.5)", d, err)
	}
	if _, err := metrics.RMSDistance([][]float64{{1, 2}, {3, 4}}, []float64{1}); err == nil {
		t.Error("RMSDistance of vectors of different lengths: no error")
	}
	if _, err := metrics.RMSDistance(nil, []float64{1}); err == nil {
		t.Error("RMSDistance of no vectors: no error")
	}
}
