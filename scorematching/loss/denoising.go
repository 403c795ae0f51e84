package loss

// Denoising score matching (Vincent, "A Connection Between Score Matching and Denoising
// Autoencoders", 2011), with one noise level.
//
// Perturb each point with Gaussian noise, x~ = x + sigma z with z ~ N(0, I). The score of the
// perturbation kernel q(x~ | x) = N(x~; x, sigma^2 I) is -(x~ - x)/sigma^2 = -z/sigma, and
//
//	L_DSM(s) = E_x E_z 0.5 || s(x~) + z/sigma ||^2
//	         = 0.5 E_x~ || s(x~) - grad log p_sigma(x~) ||^2 + C(sigma)
//
// where p_sigma = p_data * N(0, sigma^2 I) is the noisy data density and C(sigma) does not depend
// on s. So DSM learns the score of the noisy data, not of the data: the bias is small when sigma
// is small against the data's own scale, while the variance of the loss grows like D/sigma^2.
// No derivative of the network with respect to x is needed: DSM costs one forward and one reverse
// pass, whatever D.
//
// Scale. Denoising is the plain form above (on the scale of the Fisher divergence, like Exact).
// Its minimum value is C(sigma) = 0.5 (D/sigma^2 - E||grad log p_sigma||^2); for data
// N(mu, s^2 I) in D dimensions the noisy score is -(x~ - mu)/(s^2 + sigma^2) and the minimum is
// 0.5 D s^2 / (sigma^2 (s^2 + sigma^2)). Multiplying by sigma^2 gives the form of
// ermongroup/sliced_score_matching's dsm and of one level of NCSN (0.5 ||sigma s(x~) + z||^2,
// minimum 0.5 D s^2/(s^2 + sigma^2) for that Gaussian): the same minimiser, a sigma^2 times
// smaller loss and gradient.

import (
	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/network"
)

// DenoisingPerExample returns 0.5 || s(x_b + sigma z_b) + z_b / sigma ||^2 for every example b,
// shape [B], with z [B, D] drawn from m.Random(g, "normal", x's shape), fresh at every evaluation.
func DenoisingPerExample(m Model, x *graph.Node, sigma float64) *graph.Node {
	checkSigma(sigma)
	z := random(m, "denoising", x.Graph(), "normal", x.Shape())
	noisy := graph.Add(x, graph.MulScalar(z, sigma))
	r := graph.Add(m.Score(noisy), graph.MulScalar(z, 1/sigma))
	return graph.MulScalar(graph.ReduceSum(graph.Square(r), -1), 0.5)
}

// Denoising is denoising score matching with noise level sigma: the batch mean of
// DenoisingPerExample, mean_b 0.5 || s(x~_b) + z_b/sigma ||^2 with x~_b = x_b + sigma z_b. Its
// minimiser is the score of the noisy data x~ (see the package notes above for its minimum
// value). It panics if sigma is not positive and finite (New returns an error instead).
func Denoising(sigma float64) Func {
	checkSigma(sigma)
	return func(m Model, x *graph.Node) *graph.Node {
		return graph.ReduceAllMean(DenoisingPerExample(m, x, sigma))
	}
}

func checkSigma(sigma float64) {
	if err := network.CheckSigma(sigma); err != nil {
		panic(err)
	}
}
