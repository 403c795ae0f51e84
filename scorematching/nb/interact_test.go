package nb

import (
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func TestSliderStart(t *testing.T) {
	s := Slider{Label: "std", Values: []float64{0.05, 0.1, 0.2, 0.4}, Value: 0.17}
	if p, err := s.start(); err != nil || p != 2 {
		t.Errorf("start of %v at 0.17 = %d, %v; want 2 (the nearest value, 0.2)", s.Values, p, err)
	}
	if got := s.format(2); got != "0.2" {
		t.Errorf("format(2) = %q, want 0.2", got)
	}
	s.Format = "%.3f"
	if got := s.format(0); got != "0.050" {
		t.Errorf("format with %%.3f = %q, want 0.050", got)
	}
	for _, bad := range []Slider{
		{Label: "one", Values: []float64{1}},
		{Label: "nan", Values: []float64{1, math.NaN()}},
		{Label: "inf", Values: []float64{math.Inf(-1), 1}},
	} {
		if _, err := bad.start(); err == nil || !strings.Contains(err.Error(), `"`+bad.Label+`"`) {
			t.Errorf("slider %v: error %v, want one naming it", bad.Values, err)
		}
	}
}

func TestChoiceStart(t *testing.T) {
	c := Choice{Label: "data set", Options: []string{"ring", "moons"}, Value: "moons"}
	if p, err := c.start(); err != nil || p != 1 {
		t.Errorf("start = %d, %v; want 1", p, err)
	}
	c.Value = "moon"
	if _, err := c.start(); err == nil || !strings.Contains(err.Error(), `"moon"`) {
		t.Errorf("a starting value not among the options: error %v, want one naming it", err)
	}
}

func TestValuesAt(t *testing.T) {
	controls := []Control{
		Slider{Label: "eps", Values: []float64{1e-4, 1e-3}, Value: 1e-3},
		Choice{Label: "set", Options: []string{"ring", "moons"}, Value: "ring"},
	}
	v := valuesAt(controls, []int{0, 1})
	if v.Float("eps") != 1e-4 || v.Choice("set") != "moons" {
		t.Errorf("values: eps %v, set %q; want 1e-4 and moons", v.Float("eps"), v.Choice("set"))
	}
	if !math.IsNaN(v.Float("steps")) || v.Choice("eps") != "" {
		t.Errorf("unknown labels: %v and %q, want NaN and empty", v.Float("steps"), v.Choice("eps"))
	}
	if got, want := v.String(), "eps = 0.0001, set = moons"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestViewHTML(t *testing.T) {
	v := valuesAt([]Control{Slider{Label: "std", Values: []float64{0.1, 0.2}, Value: 0.1}}, []int{0})
	p := plot.New()
	p.Title.Text = "a figure"
	got := viewHTML(v, View{Plots: []*plot.Plot{p}, Text: "floor <-49.5>\n"}, nil, "a note")
	for _, want := range []string{`<img src="data:image/png;base64,`, "std = 0.1", "floor &lt;-49.5&gt;", "a note"} {
		if !strings.Contains(got, want) {
			t.Errorf("view HTML lacks %q:\n%.300s", want, got)
		}
	}
	got = viewHTML(v, View{Plots: []*plot.Plot{p}}, errors.New("diverged <at step 3>"), "")
	if strings.Contains(got, "<img") || !strings.Contains(got, "color:#c00") || !strings.Contains(got, "diverged &lt;at step 3&gt;") {
		t.Errorf("an error must replace the figure and show in red:\n%.300s", got)
	}
}

// TestInteractOutsideNotebook: in a plain program Interact draws its starting view once, as text
// on standard output, and returns.
func TestInteractOutsideNotebook(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	calls := 0
	Interact([]Control{Slider{Label: "std", Values: []float64{0.05, 0.1, 0.2}, Value: 0.1}}, func(v Values) (View, error) {
		calls++
		return View{Text: "drawn at " + v.String()}, nil
	})
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if calls != 1 || !strings.Contains(string(out), "drawn at std = 0.1") {
		t.Errorf("draw called %d times (want 1); output %q", calls, out)
	}
}

func TestRanges(t *testing.T) {
	r, err := Range(0.02, 0.5, 25)
	if err != nil || len(r) != 25 || r[0] != 0.02 || r[24] != 0.5 || math.Abs(r[1]-0.04) > 1e-12 {
		t.Errorf("Range(0.02, 0.5, 25) = %v, %v", r, err)
	}
	l, err := LogRange(1e-5, 1e-1, 9)
	if err != nil || len(l) != 9 || l[0] != 1e-5 || l[8] != 1e-1 || math.Abs(l[2]/1e-4-1) > 1e-9 {
		t.Errorf("LogRange(1e-5, 0.1, 9) = %v, %v", l, err)
	}
	for _, bad := range []func() ([]float64, error){
		func() ([]float64, error) { return Range(1, 1, 5) },
		func() ([]float64, error) { return Range(0, 1, 1) },
		func() ([]float64, error) { return Range(0, math.Inf(1), 5) },
		func() ([]float64, error) { return LogRange(0, 1, 5) },
		func() ([]float64, error) { return LogRange(2, 1, 5) },
	} {
		if v, err := bad(); err == nil {
			t.Errorf("a bad range gave %v and no error", v)
		}
	}
}
