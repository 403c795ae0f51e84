package plots_test

import (
	"testing"

	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestSamplingFigures renders the trajectory and angle figures and checks their errors.
func TestSamplingFigures(t *testing.T) {
	ring := toy.BlogRing
	field, err := plots.TrueField(ring)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := ring.Sample(300, 1)
	if err != nil {
		t.Fatal(err)
	}
	paths := [][][]float64{{{1.4, 0}, {1.1, 0.1}, {1, 0.2}}, {{-1, -1}, {-0.7, -0.7}}}
	traj, err := plots.TrajectoriesOnField("paths", field, pts, paths, nil, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := plots.TrajectoriesOnField("no field", plots.Field{}, nil, paths, []int{0, 5, 10}, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	angles, err := plots.AngleHistogram("angles", 24, plots.PointSet{Name: "a", Points: pts},
		plots.PointSet{Name: "b", Points: pts[:100]})
	if err != nil {
		t.Fatal(err)
	}
	png, err := plots.PNG(traj, bare, angles)
	if err != nil || len(png) < 1000 {
		t.Fatalf("rendering: %d bytes, error %v", len(png), err)
	}
	if _, err := plots.TrajectoriesOnField("bad", field, nil, [][][]float64{{{1}}}, nil, 1.6, 0.1); err == nil {
		t.Error("no error for a 1-D path point")
	}
	if _, err := plots.AngleHistogram("bad", 1, plots.PointSet{Name: "a", Points: pts}); err == nil {
		t.Error("no error for one bin")
	}
	if _, err := plots.AngleHistogram("bad", 10); err == nil {
		t.Error("no error for no point set")
	}
	if _, err := plots.AngleHistogram("bad", 10, plots.PointSet{Name: "empty"}); err == nil {
		t.Error("no error for an empty point set")
	}
}
