package loss

// Sliced score matching (Song, Garg, Shi and Ermon, "Sliced Score Matching: A Scalable Approach
// to Density and Score Estimation", UAI 2019).
//
// Hyvarinen's loss needs tr(d s / d x), which costs D reverse passes (or D forward tangents). For
// a random vector v with E[v v^T] = I, E_v[v^T A v] = tr(A) for every matrix A (Hutchinson's
// estimator), and v^T (d s / d x) v needs one reverse pass: the gradient of v . s(x) with respect
// to x is J^T v, whose dot product with v is v^T J v. With a batch, the gradient of
// sum_b v_b . s(x_b) with respect to the batch gives J_b^T v_b row by row, because each row of
// the network's output depends only on the same row of its input (see package autodiff).
//
// Two objectives, both unbiased estimators of Hyvarinen's J(theta) for any projection
// distribution with E[v v^T] = I:
//
//	SSM    (Sliced):   E_x E_v [ v^T J v + 0.5 (v^T s)^2 ]   (the paper's SSM: everything sliced)
//	SSM-VR (SlicedVR): E_x E_v [ v^T J v ] + 0.5 E_x ||s||^2  (the paper's variance-reduced form:
//	                   E_v[(v^T s)^2] = ||s||^2 is taken analytically, only the trace is sliced)
//
// With M projections per point both average the M values: the estimate is
// (1/M) sum_j (...), not the sum. Summing instead (a bug found in several implementations)
// multiplies the sliced terms by M. In SSM that scales the whole loss by M (same minimiser, an M
// times larger gradient); in SSM-VR it breaks the balance with the exact 0.5||s||^2 term:
// M tr(J) + 0.5||s||^2 is minimised by M times the data score.
//
// Note on ermongroup/sliced_score_matching: its sliced_score_estimation (n_particles version)
// normalises v to the unit sphere without the sqrt(D) factor, so E[v v^T] = I/D and its loss
// estimates J(theta)/D: the same minimiser, a D times smaller scale. Sphere here is scaled to
// radius sqrt(D), so that all three distributions estimate J(theta) itself.

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// Projection is the distribution of the projection vectors v of sliced score matching. All three
// have E[v v^T] = I, so E[v^T A v] = tr(A) for any square A and E[(v^T s)^2] = ||s||^2.
//
// Variance of the trace estimate v^T A v for one vector (A_s = (A + A^T)/2, D the dimension):
//
//	Gaussian:   2 ||A_s||_F^2
//	Rademacher: 2 (||A_s||_F^2 - sum_i A_ii^2)           (the least for the trace alone)
//	Sphere:     2D/(D+2) (||A_s||_F^2 - tr(A)^2 / D)
//
// and of the norm term's gradient v (v^T s) around s: E||v v^T s - s||^2 = (D+1)||s||^2 for
// Gaussian vectors, (D-1)||s||^2 for Rademacher ones. The zero value, DefaultProjection, stands
// for DefaultProjectionDist. In JSON a Projection is its name ("gaussian", ...; "default" for the
// zero value); the numbers 0, 1, 2 that files written before names were used hold are read as
// gaussian, rademacher, sphere.
type Projection int

const (
	// DefaultProjection, the zero value, is DefaultProjectionDist (see Resolve).
	DefaultProjection Projection = iota
	// Gaussian vectors: v ~ N(0, I).
	Gaussian
	// Rademacher vectors: independent entries +1 or -1 with probability 1/2.
	Rademacher
	// Sphere vectors: uniform on the sphere of radius sqrt(D) (a Gaussian vector normalised and
	// scaled by sqrt(D)), so that E[v v^T] = I like the others.
	Sphere
)

// projectionNames are the names of the distributions, indexed by Projection.
var projectionNames = []string{"default", "gaussian", "rademacher", "sphere"}

// knownProjections lists the names ParseProjection accepts, for error messages.
const knownProjections = "gaussian, rademacher, sphere"

// Resolve returns the distribution p stands for: DefaultProjectionDist for DefaultProjection, p
// itself otherwise.
func (p Projection) Resolve() Projection {
	if p == DefaultProjection {
		return DefaultProjectionDist
	}
	return p
}

// String returns the projection's name as ParseProjection reads it ("default" for the zero value).
func (p Projection) String() string {
	if p < 0 || int(p) >= len(projectionNames) {
		return fmt.Sprintf("Projection(%d)", int(p))
	}
	return projectionNames[p]
}

// Validate returns an error unless p is DefaultProjection, Gaussian, Rademacher or Sphere.
func (p Projection) Validate() error {
	if p < 0 || int(p) >= len(projectionNames) {
		return fmt.Errorf("unknown projection distribution %d: known distributions are %s", int(p), knownProjections)
	}
	return nil
}

// ParseProjection reads a projection distribution by name: "gaussian", "rademacher" or "sphere"
// (the values of the command's --projection-dist flag), or "default".
func ParseProjection(name string) (Projection, error) {
	for i, n := range projectionNames {
		if n == name {
			return Projection(i), nil
		}
	}
	return 0, fmt.Errorf("unknown projection distribution %q: known distributions are %s", name, knownProjections)
}

// MarshalJSON writes the projection's name.
func (p Projection) MarshalJSON() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(p.String())
}

// UnmarshalJSON reads a name, or one of the numbers of the files written before names were used
// (0 gaussian, 1 rademacher, 2 sphere).
func (p *Projection) UnmarshalJSON(data []byte) error {
	var name string
	if err := json.Unmarshal(data, &name); err == nil {
		q, err := ParseProjection(name)
		if err != nil {
			return err
		}
		*p = q
		return nil
	}
	var legacy int
	if err := json.Unmarshal(data, &legacy); err != nil || legacy < 0 || legacy > 2 {
		return fmt.Errorf("projection distribution %s: want one of %s", data, knownProjections)
	}
	*p = Gaussian + Projection(legacy)
	return nil
}

// random returns m.Random(g, dist, shape), or panics with a message naming the loss if the model
// has no random source.
func random(m Model, lossName string, g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
	if m.Random == nil {
		panic(fmt.Errorf("loss %s draws random noise: loss.Model.Random must be set (train sets it from the model.Store's generator)", lossName))
	}
	return m.Random(g, dist, shape)
}

// DrawProjections draws projections vectors for every row of x [B, D] from m.Random and returns
// them as a [projections, B, D] tensor of x's dtype: v[j, b] is the j-th vector of example b.
//
// The noise is requested in one call of shape [projections, B, D]: Random(g, "normal", ...) for
// Gaussian and Sphere (a sphere vector is the normal draw divided by its norm, times sqrt(D)), and
// Random(g, "uniform", ...) for Rademacher (-1 below 0.5, +1 from 0.5 on).
func DrawProjections(m Model, dist Projection, projections int, x *graph.Node) *graph.Node {
	checkSliced(projections, dist)
	batch, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	shape := shapes.Make(x.DType(), projections, batch, d)
	g := x.Graph()
	switch dist.Resolve() {
	case Rademacher:
		u := random(m, "sliced", g, "uniform", shape)
		half := graph.BroadcastToDims(graph.ConstAs(u, 0.5), u.Shape().Dimensions...)
		return graph.Where(graph.LessThan(u, half), graph.ConstAs(u, -1), graph.ConstAs(u, 1))
	case Sphere:
		n := random(m, "sliced", g, "normal", shape)
		norm := graph.Sqrt(graph.ReduceAndKeep(graph.Square(n), graph.ReduceSum, -1))
		return graph.MulScalar(graph.Div(n, norm), math.Sqrt(float64(d)))
	default: // Gaussian.
		return random(m, "sliced", g, "normal", shape)
	}
}

// SlicedTerms returns the pieces of the sliced objectives for a batch x [B, D] and projection
// vectors v [M, B, D] (see DrawProjections):
//
//	scores [B, D]: s(x_b);
//	vJv    [M, B]: v_jb^T (d s / d x)(x_b) v_jb, the sliced trace;
//	vs     [M, B]: v_jb . s(x_b).
//
// x is tiled to [M*B, D] so that one reverse pass gives all M*B products J^T v: the gradient of
// sum_r v_r . s(x_r) over the tiled rows r, with respect to the tiled batch, is J_r^T v_r row by
// row. Everything stays differentiable with respect to the network's weights.
func SlicedTerms(score ScoreFunc, x, v *graph.Node) (scores, vJv, vs *graph.Node) {
	batch, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if v.Rank() != 3 || v.Shape().Dimensions[1] != batch || v.Shape().Dimensions[2] != d {
		panic(fmt.Errorf("SlicedTerms: projections must have shape [M, %d, %d], got %s", batch, d, v.Shape()))
	}
	projections := v.Shape().Dimensions[0]
	xt := graph.Reshape(graph.BroadcastToDims(graph.ExpandAxes(x, 0), projections, batch, d), projections*batch, d)
	vt := graph.Reshape(v, projections*batch, d)
	st := score(xt) // [M*B, D]
	jtv := graph.Gradient(graph.ReduceAllSum(graph.Mul(st, vt)), xt)[0]
	vJv = graph.Reshape(graph.ReduceSum(graph.Mul(jtv, vt), -1), projections, batch)
	vs = graph.Reshape(graph.ReduceSum(graph.Mul(st, vt), -1), projections, batch)
	// The M copies of the scores are equal; keep the first.
	scores = graph.Reshape(graph.Slice(graph.Reshape(st, projections, batch, d), graph.AxisElem(0)), batch, d)
	return scores, vJv, vs
}

// SlicedPerExample returns, for every example b, the SSM estimate with M = projections vectors
// drawn by DrawProjections: (1/M) sum_j [ v_jb^T J_b v_jb + 0.5 (v_jb . s(x_b))^2 ], shape [B].
// Its expectation over the vectors is ExactPerExample.
func SlicedPerExample(m Model, x *graph.Node, projections int, dist Projection) *graph.Node {
	v := DrawProjections(m, dist, projections, x)
	_, vJv, vs := SlicedTerms(m.Score, x, v)
	per := graph.Add(vJv, graph.MulScalar(graph.Square(vs), 0.5)) // [M, B]
	return graph.ReduceMean(per, 0)                               // Divide by M.
}

// SlicedVRPerExample returns, for every example b, the SSM-VR estimate with M = projections
// vectors: (1/M) sum_j v_jb^T J_b v_jb + 0.5 ||s(x_b)||^2, shape [B]. Its expectation over the
// vectors is ExactPerExample.
func SlicedVRPerExample(m Model, x *graph.Node, projections int, dist Projection) *graph.Node {
	v := DrawProjections(m, dist, projections, x)
	scores, vJv, _ := SlicedTerms(m.Score, x, v)
	halfNormSq := graph.MulScalar(graph.ReduceSum(graph.Square(scores), -1), 0.5)
	return graph.Add(graph.ReduceMean(vJv, 0), halfNormSq) // Divide the M traces by M.
}

// Sliced is sliced score matching (SSM, Song et al. 2019): the batch mean of
// SlicedPerExample, mean_b (1/M) sum_j [ v^T (d s / d x) v + 0.5 (v^T s)^2 ] with M = projections
// vectors per point from dist, drawn afresh at every evaluation through Model.Random. It is an
// unbiased estimate of Hyvarinen's loss (Exact), at the cost of one reverse pass over M copies of
// the batch instead of D passes. It panics if projections < 1 or dist is invalid (New returns
// errors instead).
func Sliced(projections int, dist Projection) Func {
	checkSliced(projections, dist)
	return func(m Model, x *graph.Node) *graph.Node {
		return graph.ReduceAllMean(SlicedPerExample(m, x, projections, dist))
	}
}

// SlicedVR is variance-reduced sliced score matching (SSM-VR, Song et al. 2019): the batch mean
// of SlicedVRPerExample, mean_b [ (1/M) sum_j v^T (d s / d x) v + 0.5 ||s||^2 ]. The norm term is
// exact, only the trace is sliced, so its variance is that of the trace estimate alone (lower than
// SSM's, whose 0.5 (v^T s)^2 adds the variance of a squared projection). It has the same
// expectation as Sliced and Exact.
func SlicedVR(projections int, dist Projection) Func {
	checkSliced(projections, dist)
	return func(m Model, x *graph.Node) *graph.Node {
		return graph.ReduceAllMean(SlicedVRPerExample(m, x, projections, dist))
	}
}

func checkSliced(projections int, dist Projection) {
	if projections < 1 {
		panic(fmt.Errorf("sliced score matching needs at least one projection, got %d", projections))
	}
	if err := dist.Validate(); err != nil {
		panic(err)
	}
}
