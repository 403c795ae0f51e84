package toy

import (
	"fmt"
	"math/rand/v2"
)

// Gaussian is the standard normal distribution in Dim dimensions: log p(x) = -||x||^2/2 + const,
// score s(x) = -x.
type Gaussian struct {
	Dim int
}

// Sample draws n points with a generator seeded by seed.
func (g Gaussian) Sample(n int, seed uint64) ([][]float64, error) {
	if g.Dim <= 0 {
		return nil, fmt.Errorf("gaussian dimension must be positive, got %d", g.Dim)
	}
	if n <= 0 {
		return nil, fmt.Errorf("number of samples must be positive, got %d", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9a055))
	points := make([][]float64, n)
	for i := range points {
		points[i] = make([]float64, g.Dim)
		for j := range points[i] {
			points[i][j] = rng.NormFloat64()
		}
	}
	return points, nil
}

// Score is the gradient of the log-density, -x.
func (g Gaussian) Score(x []float64) []float64 {
	s := make([]float64, len(x))
	for i, v := range x {
		s[i] = -v
	}
	return s
}
