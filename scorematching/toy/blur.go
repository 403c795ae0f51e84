package toy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// BlurredSampler returns a sampler of d convolved with N(0, sigma^2 I): points of d with
// independent normal noise of standard deviation sigma added to each coordinate. It is the
// distribution annealed Langevin dynamics ends at when its last noise level is sigma, the right
// reference for its samples. sigma 0 gives d's own sampler.
func BlurredSampler(d Dataset, sigma float64) (func(n int, seed uint64) ([][]float64, error), error) {
	if d == nil {
		return nil, errors.New("blurred sampler: no data set")
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("blurred sampler: sigma must be non-negative and finite, got %v", sigma)
	}
	return func(n int, seed uint64) ([][]float64, error) {
		pts, err := d.Sample(n, seed)
		if err != nil || sigma == 0 {
			return pts, err
		}
		rng := rand.New(rand.NewPCG(seed, 0xb1a2_2ed))
		for _, p := range pts {
			for j := range p {
				p[j] += sigma * rng.NormFloat64()
			}
		}
		return pts, nil
	}, nil
}
