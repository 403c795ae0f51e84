package metrics

import (
	"fmt"
	"math"
)

// RadialProfile returns the radial component s(x) . x/|x| of a score field on the ring's plane,
// averaged over angles equally spaced directions, at each distance in radii from the centre.
// score evaluates the field at a batch of points (e.g. a trained run's scores, or toy.Ring.Scores
// wrapped).
func RadialProfile(score func([][]float64) ([][]float64, error), radii []float64, angles int) ([]float64, error) {
	if angles < 1 || len(radii) == 0 {
		return nil, fmt.Errorf("need at least one angle and one radius, got %d and %d", angles, len(radii))
	}
	points := make([][]float64, 0, len(radii)*angles)
	for _, r := range radii {
		for k := range angles {
			a := 2 * math.Pi * float64(k) / float64(angles)
			points = append(points, []float64{r * math.Cos(a), r * math.Sin(a)})
		}
	}
	scores, err := score(points)
	if err != nil {
		return nil, err
	}
	if len(scores) != len(points) {
		return nil, fmt.Errorf("%d scores for %d points", len(scores), len(points))
	}
	out := make([]float64, len(radii))
	for i, r := range radii {
		for k := range angles {
			p, s := points[i*angles+k], scores[i*angles+k]
			out[i] += (s[0]*p[0] + s[1]*p[1]) / r / float64(angles)
		}
	}
	return out, nil
}
