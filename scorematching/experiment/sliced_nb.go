package experiment

// Helpers of notebook 02 (sliced score matching): Hutchinson's trace estimator on the host, the
// spread of a stochastic loss on a fixed batch, and the figures that compare runs and step costs.

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"sort"

	hostbatch "github.com/gosm/gosm/scorematching/batch"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gosm/gosm/scorematching/bench"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// HutchinsonMatrix returns a d x d matrix with independent standard normal entries, plus diagonal
// on the diagonal, drawn with seed: a stand-in for a Jacobian whose diagonal dominates.
func HutchinsonMatrix(d int, diagonal float64, seed uint64) ([][]float64, error) {
	if d < 1 {
		return nil, fmt.Errorf("matrix size must be positive, got %d", d)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	a := make([][]float64, d)
	for i := range a {
		a[i] = make([]float64, d)
		for j := range a[i] {
			a[i][j] = rng.NormFloat64()
		}
		a[i][i] += diagonal
	}
	return a, nil
}

// ProjectionVector draws one projection vector of dimension d from dist with rng, on the host:
// the same distributions as loss.DrawProjections (all with E[v v^T] = I).
func ProjectionVector(rng *rand.Rand, dist loss.Projection, d int) []float64 {
	v := make([]float64, d)
	switch dist.Resolve() {
	case loss.Rademacher:
		for i := range v {
			v[i] = 1
			if rng.Uint64()&1 == 0 {
				v[i] = -1
			}
		}
	case loss.Sphere:
		var norm float64
		for i := range v {
			v[i] = rng.NormFloat64()
			norm += v[i] * v[i]
		}
		scale := math.Sqrt(float64(d) / norm)
		for i := range v {
			v[i] *= scale
		}
	default:
		for i := range v {
			v[i] = rng.NormFloat64()
		}
	}
	return v
}

// MatrixTrace returns the trace of the square matrix a.
func MatrixTrace(a [][]float64) float64 {
	var t float64
	for i := range a {
		t += a[i][i]
	}
	return t
}

// slicedCheckSquare returns an error unless a is a non-empty square matrix.
func slicedCheckSquare(a [][]float64) error {
	if len(a) == 0 {
		return fmt.Errorf("empty matrix")
	}
	for i, row := range a {
		if len(row) != len(a) {
			return fmt.Errorf("matrix is not square: row %d has %d entries for %d rows", i, len(row), len(a))
		}
	}
	return nil
}

// HutchinsonStd returns the standard deviation of one draw v^T A v for v from dist (the formulas
// of loss.Projection): with A_s = (A + A^T)/2, the variance is 2 ||A_s||_F^2 for Gaussian vectors,
// 2 (||A_s||_F^2 - sum_i A_ii^2) for Rademacher vectors and 2D/(D+2) (||A_s||_F^2 - tr(A)^2/D) for
// vectors on the sphere of radius sqrt(D). The mean of M draws has M times less variance.
func HutchinsonStd(a [][]float64, dist loss.Projection) (float64, error) {
	if err := slicedCheckSquare(a); err != nil {
		return 0, err
	}
	if err := dist.Validate(); err != nil {
		return 0, err
	}
	d := len(a)
	var frob, diag float64
	for i := range a {
		for j := range a {
			s := (a[i][j] + a[j][i]) / 2
			frob += s * s
		}
		diag += a[i][i] * a[i][i]
	}
	var variance float64
	switch dist.Resolve() {
	case loss.Rademacher:
		variance = 2 * (frob - diag)
	case loss.Sphere:
		tr := MatrixTrace(a)
		variance = 2 * float64(d) / float64(d+2) * (frob - tr*tr/float64(d))
	default:
		variance = 2 * frob
	}
	return math.Sqrt(math.Max(variance, 0)), nil
}

// HutchinsonCurve is how Hutchinson's estimate (1/M) sum_j v_j^T A v_j of tr(A) converges as the
// number M of vectors grows, for one distribution of the vectors.
type HutchinsonCurve struct {
	Dist loss.Projection
	// M are the numbers of vectors at which the estimate is recorded: about 20 per decade, from 1
	// to the largest M asked for.
	M []int
	// Running is one sequence of draws: the running mean after M[k] vectors.
	Running []float64
	// RMSError is the root-mean-square error of the running mean after M[k] vectors, over the
	// independent sequences (the first of which is Running).
	RMSError []float64
	// Std is the exact standard deviation of one draw (HutchinsonStd); the RMS error of the mean
	// of M draws is Std/sqrt(M).
	Std float64
}

// HutchinsonConvergence draws repeats independent sequences of maxM vectors from dist (seeded by
// seed and the distribution) and records the running means of v^T A v against tr(A).
func HutchinsonConvergence(a [][]float64, dist loss.Projection, maxM, repeats int, seed uint64) (HutchinsonCurve, error) {
	std, err := HutchinsonStd(a, dist)
	if err != nil {
		return HutchinsonCurve{}, err
	}
	if maxM < 1 || repeats < 1 {
		return HutchinsonCurve{}, fmt.Errorf("need at least one vector and one sequence, got maxM %d and repeats %d", maxM, repeats)
	}
	c := HutchinsonCurve{Dist: dist, M: hutchinsonGrid(maxM), Std: std}
	c.Running = make([]float64, len(c.M))
	sq := make([]float64, len(c.M))
	tr, d := MatrixTrace(a), len(a)
	rng := rand.New(rand.NewPCG(seed, uint64(dist)+1))
	av := make([]float64, d)
	for r := range repeats {
		sum, k := 0.0, 0
		for m := 1; m <= maxM; m++ {
			v := ProjectionVector(rng, dist, d)
			for i := range a {
				av[i] = 0
				for j, x := range a[i] {
					av[i] += x * v[j]
				}
			}
			for i := range v {
				sum += v[i] * av[i]
			}
			if m == c.M[k] {
				mean := sum / float64(m)
				if r == 0 {
					c.Running[k] = mean
				}
				sq[k] += (mean - tr) * (mean - tr)
				k++
			}
		}
	}
	c.RMSError = make([]float64, len(c.M))
	for k := range sq {
		c.RMSError[k] = math.Sqrt(sq[k] / float64(repeats))
	}
	return c, nil
}

// hutchinsonGrid returns about 20 distinct integers per decade from 1 to maxM (included).
func hutchinsonGrid(maxM int) []int {
	var out []int
	for e := 0.0; ; e += 0.05 {
		m := int(math.Round(math.Pow(10, e)))
		if m >= maxM {
			break
		}
		if len(out) == 0 || m > out[len(out)-1] {
			out = append(out, m)
		}
	}
	return append(out, maxM)
}

func slicedLine(pts plotter.XYs, i int, dashed bool) (*plotter.Line, error) {
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	line.Color = plots.PaletteColor(i)
	line.Width = vg.Points(1.5)
	if dashed {
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return line, nil
}

func slicedLogLogPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = LogTicks125{}, LogTicks125{}
	p.Add(plotter.NewGrid())
	return p
}

// LogTicks125 labels a logarithmic axis at 1, 2 and 5 times the powers of ten (see
// plots.LogTicks125, where it now lives).
type LogTicks125 = plots.LogTicks125

// HutchinsonFigures draws the curves of HutchinsonConvergence for the matrix whose trace is
// trace: the running mean of one sequence against M (log scale) with tr(A) dashed, and the RMS
// error over all sequences against M (log-log) with the exact Std/sqrt(M) dashed.
func HutchinsonFigures(trace float64, curves []HutchinsonCurve) (running, rms *plot.Plot, err error) {
	if len(curves) == 0 {
		return nil, nil, fmt.Errorf("no Hutchinson curve to draw")
	}
	running = plot.New()
	running.Title.Text = "One run: the running mean of v'Av tends to tr(A)"
	running.X.Label.Text, running.Y.Label.Text = "number of vectors M", "estimate of tr(A)"
	running.X.Scale, running.X.Tick.Marker = plot.LogScale{}, LogTicks125{}
	running.Add(plotter.NewGrid())
	running.Legend.Top = true
	rms = slicedLogLogPlot("Error over many runs: RMS error ~ 1/sqrt(M)", "number of vectors M", "RMS error of the estimate")
	rms.Legend.Top = true
	lo, hi := trace, trace
	maxM := 1
	for i, c := range curves {
		run, errPts := make(plotter.XYs, len(c.M)), make(plotter.XYs, 0, len(c.M))
		for k, m := range c.M {
			run[k].X, run[k].Y = float64(m), c.Running[k]
			lo, hi = math.Min(lo, c.Running[k]), math.Max(hi, c.Running[k])
			if c.RMSError[k] > 0 {
				errPts = append(errPts, plotter.XY{X: float64(m), Y: c.RMSError[k]})
			}
			maxM = max(maxM, m)
		}
		line, err := slicedLine(run, i, false)
		if err != nil {
			return nil, nil, err
		}
		running.Add(line)
		running.Legend.Add(c.Dist.String(), line)
		if len(errPts) == 0 {
			continue
		}
		eline, err := slicedLine(errPts, i, false)
		if err != nil {
			return nil, nil, err
		}
		rms.Add(eline)
		rms.Legend.Add(fmt.Sprintf("%s: measured", c.Dist), eline)
		if c.Std > 0 {
			first, last := float64(c.M[0]), float64(c.M[len(c.M)-1])
			theory, err := slicedLine(plotter.XYs{{X: first, Y: c.Std / math.Sqrt(first)}, {X: last, Y: c.Std / math.Sqrt(last)}}, i, true)
			if err != nil {
				return nil, nil, err
			}
			rms.Add(theory)
			rms.Legend.Add(fmt.Sprintf("%s: predicted %.1f/sqrt(M)", c.Dist, c.Std), theory)
		}
	}
	exact, err := slicedLine(plotter.XYs{{X: 1, Y: trace}, {X: float64(maxM), Y: trace}}, 3, true)
	if err != nil {
		return nil, nil, err
	}
	exact.Color = color.Black
	running.Add(exact)
	running.Legend.Add(fmt.Sprintf("tr(A) = %.2f", trace), exact)
	// Leave room above the curves for the legend.
	if span := hi - lo; span > 0 {
		running.Y.Min, running.Y.Max = lo-0.05*span, hi+0.45*span
	}
	return running, rms, nil
}

// RepeatGradient evaluates the loss called lossName (configured by opts, zero fields taking the
// defaults as in Options.LossConfig) on points draws times, with the random generator seeded by
// seed, and returns each value and each gradient with respect to all the trained network's weights
// and biases, flattened layer by layer into one vector. The exact loss gives the same value and
// gradient every time; a sliced loss a new unbiased estimate of both at each draw (fresh projection
// vectors), so the spread of the draws (see SampleMeanStd, RMSDistance) is the noise that the
// optimiser sees.
func (o *Outcome) RepeatGradient(lossName string, opts loss.Options, points [][]float64, draws int, seed uint64) (losses []float64, grads [][]float64, err error) {
	defer slicedRecover(&err)
	if draws < 1 {
		return nil, nil, fmt.Errorf("number of draws must be positive, got %d", draws)
	}
	if loss.NoiseConditional(lossName) || loss.NoiseConditional(o.Options.Loss) {
		return nil, nil, fmt.Errorf("RepeatGradient takes plain score networks and losses")
	}
	fn, err := loss.New(lossName, opts.WithDefaults())
	if err != nil {
		return nil, nil, err
	}
	batch, err := hostbatch.ToTensor(points, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := o.Store.SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, nil, err
	}
	mlp := o.Model.MLP()
	exec, err := model.NewExec(o.backend, o.Store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		store, g := scope.Store(), x.Graph()
		m := train.LossModel(o.Model, store)
		var params []*graph.Node
		for i := range mlp.NumLayers() {
			for _, path := range []string{network.WeightsPath(i), network.BiasesPath(i)} {
				v := store.GetVariable(path)
				if v == nil {
					panic(fmt.Errorf("variable %s is missing from the store", path))
				}
				params = append(params, v.NodeValue(g))
			}
		}
		l := fn(m, x)
		parts := graph.Gradient(l, params...)
		for i, p := range parts {
			parts[i] = graph.Reshape(p, p.Shape().Size())
		}
		return l, graph.Concatenate(parts, 0)
	})
	if err != nil {
		return nil, nil, err
	}
	for range draws {
		out, err := exec.Call(batch)
		if err != nil {
			return nil, nil, err
		}
		value, err := tensors.CopyFlatData[float32](out[0])
		if err != nil {
			return nil, nil, err
		}
		flat, err := tensors.CopyFlatData[float32](out[1])
		if err != nil {
			return nil, nil, err
		}
		losses = append(losses, float64(value[0]))
		g := make([]float64, len(flat))
		for i, v := range flat {
			g[i] = float64(v)
		}
		grads = append(grads, g)
	}
	return losses, grads, nil
}

// RMSDistance returns sqrt(mean_k ||vectors[k] - ref||^2): how far, on average, the vectors are
// from ref (e.g. gradient estimates from the exact gradient).
func RMSDistance(vectors [][]float64, ref []float64) (float64, error) {
	if len(vectors) == 0 {
		return 0, fmt.Errorf("no vectors")
	}
	var sum float64
	for k, v := range vectors {
		if len(v) != len(ref) {
			return 0, fmt.Errorf("vector %d has %d entries, the reference %d", k, len(v), len(ref))
		}
		for i := range v {
			d := v[i] - ref[i]
			sum += d * d
		}
	}
	return math.Sqrt(sum / float64(len(vectors))), nil
}

// MeanVector returns the entry-by-entry mean of vectors of equal length (nil for none).
func MeanVector(vectors [][]float64) []float64 {
	if len(vectors) == 0 {
		return nil
	}
	mean := make([]float64, len(vectors[0]))
	for _, v := range vectors {
		for i := range mean {
			mean[i] += v[i] / float64(len(vectors))
		}
	}
	return mean
}

// VectorNorm returns the Euclidean norm of v.
func VectorNorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// slicedRecover turns a panic raised while building or running a GoMLX graph into an error.
func slicedRecover(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("gomlx: %v", r)
	}
}

// SampleMeanStd returns the mean and the (sample) standard deviation of values.
func SampleMeanStd(values []float64) (mean, std float64) {
	if len(values) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range values {
		mean += v
	}
	mean /= float64(len(values))
	if len(values) < 2 {
		return mean, 0
	}
	for _, v := range values {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(values)-1))
}

// RunsLossFigure plots the mean mini-batch loss per epoch of several runs on one figure, each
// named by its loss, with minimum (if not nil) as a dashed line: the exact, sliced and
// variance-reduced sliced losses all estimate the same quantity, so their curves can be compared.
// With a minimum, an inset shows each run's gap to it on a log scale (see LossCurves).
func RunsLossFigure(title string, minimum *float64, runs ...*Outcome) (*plot.Plot, error) {
	var curves []plots.Curve
	last := 0.0
	for _, r := range runs {
		if r == nil || len(r.Result.History) == 0 {
			return nil, fmt.Errorf("a run has no loss history")
		}
		c := recordCurve(r.Options.Loss, r.Result.History)
		last = math.Max(last, c.Epochs[len(c.Epochs)-1])
		curves = append(curves, c)
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("no run to plot")
	}
	if minimum != nil {
		curves = append(curves, minimumCurve(*minimum, last))
	}
	return lossWithFloor(title, minimum, curves)
}

// StepCostFigure plots bench results (e.g. of bench.DimLoss) as milliseconds per training step
// against the data's dimension D, log-log, one line with markers per loss.
func StepCostFigure(title string, results []bench.Result) (*plot.Plot, error) {
	byLoss := map[string]plotter.XYs{}
	var names []string
	for _, r := range results {
		name := r.Loss
		if name == "" {
			name = r.Workload
		}
		if r.Dim <= 0 || !(r.MsPerStep > 0) {
			return nil, fmt.Errorf("bench result %s D=%d: no positive dimension and time (%v ms)", name, r.Dim, r.MsPerStep)
		}
		if _, ok := byLoss[name]; !ok {
			names = append(names, name)
		}
		byLoss[name] = append(byLoss[name], plotter.XY{X: float64(r.Dim), Y: r.MsPerStep})
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no bench result to plot")
	}
	p := slicedLogLogPlot(title, "dimension D of the data", "milliseconds per training step")
	p.Legend.Top, p.Legend.Left = true, true
	for i, name := range names {
		pts := byLoss[name]
		sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
		line, err := slicedLine(pts, i, false)
		if err != nil {
			return nil, err
		}
		marks, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		marks.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(3), Color: line.Color}
		p.Add(line, marks)
		p.Legend.Add(name, line, marks)
	}
	return p, nil
}

// RadialProfile returns the radial component s(x) . x/|x| of a score field on the ring's plane,
// averaged over angles equally spaced directions, at each distance in radii from the centre.
// score evaluates the field at a batch of points (e.g. Outcome.Scores, or toy.Ring.Scores wrapped).
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

// RadialScoreFigure plots the radial component of the ring's true score and of each run's learned
// score (averaged over 64 directions; see RadialProfile) against the distance from the centre,
// from R - 4 std to R + 4 std, where nearly all the data are: the closer a curve to the true one,
// the better the run learned the score where it matters.
func RadialScoreFigure(title string, ring toy.Ring, runs ...*Outcome) (*plot.Plot, error) {
	if err := ring.Validate(); err != nil {
		return nil, err
	}
	const n, angles = 61, 64
	lo, hi := math.Max(ring.Radius-4*ring.Std, ring.Radius/20), ring.Radius+4*ring.Std
	radii := make([]float64, n)
	for i := range radii {
		radii[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	curve := func(name string, score func([][]float64) ([][]float64, error)) (plots.Curve, error) {
		values, err := RadialProfile(score, radii, angles)
		return plots.Curve{Name: name, Epochs: radii, Values: values}, err
	}
	var curves []plots.Curve
	for _, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("nil run")
		}
		c, err := curve("learned with "+r.Options.Loss, r.Scores)
		if err != nil {
			return nil, err
		}
		curves = append(curves, c)
	}
	truth, err := curve("true score", func(p [][]float64) ([][]float64, error) { return ring.Scores(p), nil })
	if err != nil {
		return nil, err
	}
	truth.Dashed, truth.Color = true, plots.OkabeBlack
	curves = append(curves, truth)
	p, err := plots.Loss(title, curves...)
	if err != nil {
		return nil, err
	}
	p.X.Label.Text = "distance r from the centre"
	p.Y.Label.Text = "radial component of the score, s(x) . x/r"
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, v := range c.Values {
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	if span := ymax - ymin; span > 0 && !math.IsInf(span, 0) { // Room above the curves for the legend.
		p.Y.Min, p.Y.Max = ymin-0.05*span, ymax+0.3*span
	}
	return p, nil
}
