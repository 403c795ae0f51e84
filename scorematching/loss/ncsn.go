package loss

// Multi-level denoising score matching for a noise-conditional score network (NCSN: Song and
// Ermon, "Generative Modeling by Estimating Gradients of the Data Distribution", 2019).
//
// One network s(x, sigma) learns the scores of the data perturbed at every level of a geometric
// sequence sigma_1 > sigma_2 > ... > sigma_L: large levels fill the space between the data (where
// the data score is undefined or never seen), small ones approach the data score, and annealed
// Langevin dynamics walks down the levels. Each example b of a batch gets a level drawn uniformly,
// sigma_b, and noise z_b ~ N(0, I); with x~_b = x_b + sigma_b z_b the loss is
//
//	mean_b 0.5 || sigma_b s(x~_b, sigma_b) + z_b ||^2
//
// the denoising loss of each level weighted by lambda(sigma) = sigma^2 (NCSN's choice, which
// makes every level's term of order 1 since ||s|| ~ 1/sigma). For data N(mu, s^2 I) in D
// dimensions its minimum is the mean over the levels of 0.5 D s^2 / (s^2 + sigma_k^2), reached by
// s(x~, sigma) = -(x~ - mu)/(s^2 + sigma^2).

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/network"
)

// NoiseScoreFunc is a noise-conditional score network applied to a batch: x [B, D] and the noise
// level of every row, sigma [B, 1] (same dtype as x), give the scores [B, D] of the data perturbed
// at those levels. network.Model.ApplyAt of a noise-conditional model has this form.
type NoiseScoreFunc func(x, sigma *graph.Node) *graph.Node

// GeometricSigmas returns n noise levels from sigmaMax down to sigmaMin in geometric progression:
// sigma_k = sigmaMax (sigmaMin/sigmaMax)^(k/(n-1)), k = 0..n-1 (NCSN's sequence, largest first).
// With n = 1 it returns [sigmaMax] (and sigmaMin must equal it). It panics unless
// 0 < sigmaMin <= sigmaMax are finite and n >= 1 (ParseSigmas returns errors instead).
func GeometricSigmas(sigmaMax, sigmaMin float64, n int) []float64 {
	if err := checkGeometric(sigmaMax, sigmaMin, n); err != nil {
		panic(err)
	}
	if n == 1 {
		return []float64{sigmaMax}
	}
	out := make([]float64, n)
	logRatio := math.Log(sigmaMin / sigmaMax)
	for k := range n {
		out[k] = sigmaMax * math.Exp(logRatio*float64(k)/float64(n-1))
	}
	out[0], out[n-1] = sigmaMax, sigmaMin // Exact ends.
	return out
}

func checkGeometric(sigmaMax, sigmaMin float64, n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("number of noise levels must be at least 1, got %d", n)
	case n > network.MaxNoiseLevels:
		return fmt.Errorf("number of noise levels %d is more than %d, the most this program takes", n, network.MaxNoiseLevels)
	case network.CheckSigma(sigmaMin) != nil || network.CheckSigma(sigmaMax) != nil:
		return fmt.Errorf("noise levels must be positive and finite, got min %v and max %v", sigmaMin, sigmaMax)
	case sigmaMin > sigmaMax:
		return fmt.Errorf("smallest noise level %v is larger than the largest %v", sigmaMin, sigmaMax)
	case n == 1 && sigmaMin != sigmaMax:
		return fmt.Errorf("one noise level needs min = max, got min %v and max %v", sigmaMin, sigmaMax)
	}
	return nil
}

// ParseSigmas reads the command's --sigmas value "min,max,n" (e.g. "0.01,1,10") and returns
// GeometricSigmas(max, min, n).
func ParseSigmas(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return nil, fmt.Errorf("noise levels %q: want min,max,n (e.g. 0.01,1,10)", s)
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	n, err3 := strconv.Atoi(strings.TrimSpace(parts[2]))
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("noise levels %q: want min,max,n with two numbers and an integer (e.g. 0.01,1,10)", s)
	}
	if err := checkGeometric(hi, lo, n); err != nil {
		return nil, fmt.Errorf("noise levels %q: %w", s, err)
	}
	return GeometricSigmas(hi, lo, n), nil
}

// PackedNoiseScore turns a plain network f that takes rows [x, log sigma] (D+1 columns) and
// returns D columns into a NoiseScoreFunc: s(x, sigma) = f([x, log sigma]) / sigma. This is
// the convention of network.KindNoiseMLP (an MLP with sizes D+1, ..., D), so a loss.Model whose
// Score is that MLP's Apply gives NCSN its noise-conditional score; NCSN uses it when it is given
// no NoiseScoreFunc.
func PackedNoiseScore(f ScoreFunc) NoiseScoreFunc {
	return network.PackedNoiseScore(f)
}

// DrawNoiseLevels draws a noise level for every row of x from sigmas, uniformly, through
// m.Random(g, "uniform", [B]), and returns them as a [B, 1] column of x's dtype: row b gets
// sigmas[min(floor(u_b L), L-1)].
func DrawNoiseLevels(m Model, sigmas []float64, x *graph.Node) *graph.Node {
	if err := network.CheckSigmas(sigmas); err != nil {
		panic(err)
	}
	g := x.Graph()
	batch := x.Shape().Dimensions[0]
	levels := len(sigmas)
	u := random(m, "ncsn", g, "uniform", shapes.Make(x.DType(), batch))
	idx := graph.MinScalar(graph.Floor(graph.MulScalar(u, float64(levels))), float64(levels-1))
	oneHot := graph.OneHot(graph.ConvertDType(idx, dtypes.Int32), levels, x.DType()) // [B, L]
	table := graph.ExpandAxes(graph.ConstAsDType(g, x.DType(), sigmas), 0)           // [1, L]
	return graph.ReduceAndKeep(graph.Mul(oneHot, table), graph.ReduceSum, -1)        // [B, 1]
}

// NCSNPerExample returns 0.5 || sigma_b s(x~_b, sigma_b) + z_b ||^2 for every example b, shape
// [B], for given levels sigma [B, 1] (or a scalar, or [B]); z is drawn from m.Random(g, "normal").
// With noiseScore nil, it uses m.NoiseScore, or else PackedNoiseScore(m.Score).
func NCSNPerExample(m Model, x, sigma *graph.Node, noiseScore NoiseScoreFunc) *graph.Node {
	if noiseScore == nil {
		noiseScore = m.NoiseScore
	}
	if noiseScore == nil {
		noiseScore = PackedNoiseScore(m.Score)
	}
	col := network.SigmaColumn(sigma, x.Shape().Dimensions[0], x.DType())
	z := random(m, "ncsn", x.Graph(), "normal", x.Shape())
	noisy := graph.Add(x, graph.Mul(col, z))
	r := graph.Add(graph.Mul(col, noiseScore(noisy, col)), z)
	return graph.MulScalar(graph.ReduceSum(graph.Square(r), -1), 0.5)
}

// NCSN is the noise-conditional denoising loss over the levels sigmas: every example draws a
// level uniformly (DrawNoiseLevels) and noise z, and the loss is the batch mean of
// 0.5 || sigma_b s(x_b + sigma_b z_b, sigma_b) + z_b ||^2 (see the notes above).
//
// noiseScore, if set, is the network (m.Score is then ignored); with noiseScore nil, NCSN uses
// m.NoiseScore, or else reads m.Score as a network on packed rows [x, log sigma]
// (PackedNoiseScore: the network.KindNoiseMLP convention). It panics when sigmas is empty or holds a level that is not
// positive and finite.
func NCSN(sigmas []float64, noiseScore NoiseScoreFunc) Func {
	if err := network.CheckSigmas(sigmas); err != nil {
		panic(err)
	}
	sigmas = append([]float64(nil), sigmas...)
	return func(m Model, x *graph.Node) *graph.Node {
		return graph.ReduceAllMean(NCSNPerExample(m, x, DrawNoiseLevels(m, sigmas, x), noiseScore))
	}
}
