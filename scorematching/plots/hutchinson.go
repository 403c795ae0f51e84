package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// HutchinsonCurve is how Hutchinson's estimate of a trace converges with the number of vectors,
// for one distribution of the vectors, as HutchinsonFigures draws it (package loss computes it:
// loss.HutchinsonConvergence; copy its fields, with the distribution's name as Name).
type HutchinsonCurve struct {
	// Name names the distribution of the vectors in the legends.
	Name string
	// M are the numbers of vectors at which the estimate is recorded, increasing from 1.
	M []int
	// Running is the running mean of one sequence of draws after M[k] vectors.
	Running []float64
	// RMSError is the root-mean-square error of the running mean after M[k] vectors, over many
	// independent sequences.
	RMSError []float64
	// Std is the exact standard deviation of one draw: the RMS error of the mean of M draws is
	// Std/sqrt(M), drawn dashed (not drawn if 0).
	Std float64
}

// HutchinsonFigures draws Hutchinson curves for the matrix whose trace is trace: the running mean
// of one sequence against M (log scale) with tr(A) dashed, and the RMS error over all sequences
// against M (log-log) with the exact Std/sqrt(M) dashed.
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
	rms = logLogPlot("Error over many runs: RMS error ~ 1/sqrt(M)", "number of vectors M", "RMS error of the estimate")
	rms.Legend.Top = true
	lo, hi := trace, trace
	maxM := 1
	for i, c := range curves {
		if len(c.M) == 0 || len(c.Running) != len(c.M) || len(c.RMSError) != len(c.M) {
			return nil, nil, fmt.Errorf("Hutchinson curve %q: %d running means and %d errors for %d numbers of vectors",
				c.Name, len(c.Running), len(c.RMSError), len(c.M))
		}
		run, errPts := make(plotter.XYs, len(c.M)), make(plotter.XYs, 0, len(c.M))
		for k, m := range c.M {
			run[k].X, run[k].Y = float64(m), c.Running[k]
			lo, hi = math.Min(lo, c.Running[k]), math.Max(hi, c.Running[k])
			if c.RMSError[k] > 0 {
				errPts = append(errPts, plotter.XY{X: float64(m), Y: c.RMSError[k]})
			}
			maxM = max(maxM, m)
		}
		line, err := paletteLine(run, i, false)
		if err != nil {
			return nil, nil, err
		}
		running.Add(line)
		running.Legend.Add(c.Name, line)
		if len(errPts) == 0 {
			continue
		}
		eline, err := paletteLine(errPts, i, false)
		if err != nil {
			return nil, nil, err
		}
		rms.Add(eline)
		rms.Legend.Add(fmt.Sprintf("%s: measured", c.Name), eline)
		if c.Std > 0 {
			first, last := float64(c.M[0]), float64(c.M[len(c.M)-1])
			theory, err := paletteLine(plotter.XYs{{X: first, Y: c.Std / math.Sqrt(first)}, {X: last, Y: c.Std / math.Sqrt(last)}}, i, true)
			if err != nil {
				return nil, nil, err
			}
			rms.Add(theory)
			rms.Legend.Add(fmt.Sprintf("%s: predicted %.1f/sqrt(M)", c.Name, c.Std), theory)
		}
	}
	exact, err := paletteLine(plotter.XYs{{X: 1, Y: trace}, {X: float64(maxM), Y: trace}}, 3, true)
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
