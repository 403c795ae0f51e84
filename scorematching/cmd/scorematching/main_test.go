package main

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
)

// runCmd runs the command line and returns its exit status, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// checkFailure reports an exit status other than want and every string of wants missing from stderr.
func checkFailure(t *testing.T, code, want int, stderr string, wants []string) {
	t.Helper()
	if code != want {
		t.Errorf("exit status %d, want %d (stderr %q)", code, want, stderr)
	}
	for _, w := range wants {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want []string // Substrings of stderr.
	}{
		{"no args", nil, 2, []string{"Usage: scorematching COMMAND", "reproduce", "train", "score"}},
		{"help", []string{"help"}, 0, []string{"Usage: scorematching COMMAND"}},
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"train", "--nope", "--out", out}, 2, []string{"flag provided but not defined: -nope"}},
		{"bad flag value", []string{"train", "--epochs", "many", "--out", out}, 2, []string{"invalid value \"many\""}},
		{"stray argument", []string{"train", "--out", out, "extra"}, 2, []string{"unexpected argument(s): extra"}},
		{"score stray argument", []string{"score", "--model", out, "--points", "p.csv", "more"}, 2, []string{"unexpected argument(s): more"}},
		{"train -h", []string{"train", "-h"}, 0, []string{"Usage: scorematching train", "-epochs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, c.args...)
			checkFailure(t, code, c.code, stderr, c.want)
			if stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", stdout)
			}
		})
	}
}

// TestTrainErrors checks that bad training options fail (exit 1) before any training, with a
// message that names the bad value, and write nothing on stdout.
func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"zero epochs", []string{"--epochs", "0", "--out", out}, []string{"epochs must be positive, got 0"}},
		{"negative lr", []string{"--lr", "-1", "--out", out}, []string{"learning rate", "got -1"}},
		{"zero batch", []string{"--batch", "0", "--out", out}, []string{"batch size must be positive"}},
		{"batch > samples", []string{"--batch", "600", "--samples", "500", "--out", out}, []string{"batch size 600 is larger than the data (500 points)"}},
		{"unknown dataset", []string{"--dataset", "nope", "--out", out}, []string{`unknown dataset "nope"`}},
		{"unknown loss", []string{"--loss", "nope", "--out", out}, []string{`unknown loss "nope"`, "exact"}},
		{"sizes not 2-D", []string{"--sizes", "3,8,2", "--out", out}, []string{"sizes are [3 8 2]"}},
		{"sizes not numbers", []string{"--sizes", "2,x,2", "--out", out}, []string{"--sizes", `"2,x,2"`}},
		{"sizes not integers", []string{"--sizes", "2,64.5,2", "--out", out}, []string{"--sizes", `"2,64.5,2"`}},
		{"bad std", []string{"--std", "0", "--out", out}, []string{"ring std must be positive"}},
		{"--out under a file", []string{"--epochs", "1", "--batch", "10", "--samples", "10", "--out", filepath.Join(file, "sub")}, []string{"output directory", "a-file/sub"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"train"}, c.args...)...)
			checkFailure(t, code, 1, stderr, c.want)
			if !strings.HasPrefix(stderr, "scorematching train: ") {
				t.Errorf("stderr %q does not start with the command name", stderr)
			}
			if stdout != "" {
				t.Errorf("failed before training, yet wrote to stdout: %q", stdout)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed validation created the output directory %s", out)
	}
}

// TestTrainAndScore runs a tiny training (2 epochs of 1000 points in batches of 256, so 8 steps),
// checks every output file, then scores points with the saved model.
func TestTrainAndScore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCmd(t, "train", "--epochs", "2", "--batch", "256", "--samples", "1000",
		"--report-every", "1", "--lr", "1e-3", "--out", dir)
	if code != 0 {
		t.Fatalf("train: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"Backend: ", "Initial loss: ", "End of epoch 0: loss=", "End of epoch 1: loss=", "Fisher divergence on 10000 fresh points", "Wrote " + dir} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout does not contain %q:\n%s", w, stdout)
		}
	}

	// model.json loads and has the default blog sizes.
	saved, err := network.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Sizes; len(got) != 5 || got[1] != 64 || got[2] != 128 {
		t.Errorf("saved sizes %v, want the blog's [2 64 128 64 2]", got)
	}
	if saved.Data.Name != "ring" || saved.Data.Params["radius"] != 1 || saved.Data.Params["std"] != 0.1 || saved.Loss != "exact" || saved.Epochs != 2 || saved.Kind != network.KindMLP {
		t.Errorf("model records data %v, loss %q, epochs %d, kind %q", saved.Data, saved.Loss, saved.Epochs, saved.Kind)
	}

	// log.csv: header and one row per epoch.
	logData, err := os.ReadFile(filepath.Join(dir, "log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(logData), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "epoch,loss,seconds" {
		t.Fatalf("log.csv:\n%s\nwant a header epoch,loss,seconds and 2 rows", logData)
	}
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 3 || f[0] != strconv.Itoa(i) {
			t.Errorf("log.csv row %q", l)
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err != nil || math.IsNaN(v) {
			t.Errorf("log.csv row %q: loss %q", l, f[1])
		}
	}

	// summary.json.
	s := readSummary(t, dir)
	if s.Epochs != 2 || s.CompletedEpochs != 2 || s.Steps != 8 || s.ModelFile != "model.json" || s.LogFile != "log.csv" {
		t.Errorf("summary %+v", s)
	}
	if s.FisherRelative == nil || s.ExactLossFloor == nil || !(*s.FisherRelative > 0) || math.Abs(*s.ExactLossFloor+49.484) > 0.01 {
		t.Errorf("summary: relative Fisher %v, exact-loss floor %v (want > 0 and -49.484)", s.FisherRelative, s.ExactLossFloor)
	}

	// The four figures are PNGs: one panel (576 px square) or two side by side.
	wantPNG := map[string]int{"true_score.png": 576, "learned_score.png": 576, "comparison.png": 1152, "loss.png": 576}
	if strings.Join(s.FigureFilesSaved, ",") != "comparison.png,learned_score.png,loss.png,true_score.png" {
		t.Errorf("summary lists figures %v", s.FigureFilesSaved)
	}
	for name, w := range wantPNG {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != w || cfg.Height != 576 {
			t.Errorf("%s: %dx%d, %v; want %dx576", name, cfg.Width, cfg.Height, err, w)
		}
	}

	// score: header, one row per point, values equal to network.Scorer on the loaded model.
	pointsFile := filepath.Join(t.TempDir(), "points.csv")
	pts := [][]float64{{1, 0}, {0, -0.9}, {0.3, 0.4}, {-1.2, 0.7}}
	var csv strings.Builder
	csv.WriteString("x,y\n")
	for _, p := range pts {
		csv.WriteString(strconv.FormatFloat(p[0], 'g', -1, 64) + "," + strconv.FormatFloat(p[1], 'g', -1, 64) + "\n")
	}
	if err := os.WriteFile(pointsFile, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCmd(t, "score", "--model", dir, "--points", pointsFile)
	if code != 0 {
		t.Fatalf("score: exit status %d, stderr %s", code, stderr)
	}
	rows := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if len(rows) != len(pts)+1 || rows[0] != "x,y,sx,sy" {
		t.Fatalf("score output:\n%s\nwant header x,y,sx,sy and %d rows", stdout, len(pts))
	}
	store := model.NewStore()
	if err := network.SetParams(store, saved.Params); err != nil {
		t.Fatal(err)
	}
	scorer, err := network.NewScorer(testutil.Backend(t), store, saved.Model())
	if err != nil {
		t.Fatal(err)
	}
	want, err := scorer.Scores(pts)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows[1:] {
		f := strings.Split(row, ",")
		if len(f) != 4 {
			t.Errorf("row %q", row)
			continue
		}
		vals := make([]float64, 4)
		for j := range f {
			vals[j], _ = strconv.ParseFloat(f[j], 64)
		}
		// The command prints 8 significant digits ('g' format) of the same float32
		// computation, so the printed value is within half a unit of the 8th digit, at most
		// 5e-8 relative, of the scorer's; 1e-7 is that bound with a factor 2.
		testutil.Close(t, "score row "+strconv.Itoa(i), vals, []float64{pts[i][0], pts[i][1], want[i][0], want[i][1]}, testutil.Tol{Rel: 1e-7, Abs: 1e-12})
	}
}

func TestScoreErrors(t *testing.T) {
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	p, err := network.MLP{Sizes: []int{2, 8, 2}}.InitParams(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := network.Save(modelDir, network.Saved{Kind: network.KindMLP, Params: p}); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("x,y\n1,2\n"), 0o644)
	os.WriteFile(bad, []byte("x,y\n1,2\n3,4\n5,oops\n"), 0o644)

	// The good file works with this model (so the failures below are for their own reason).
	if code, stdout, stderr := runCmd(t, "score", "--model", modelDir, "--points", good); code != 0 || !strings.HasPrefix(stdout, "x,y,sx,sy\n1,2,") {
		t.Fatalf("good score: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"missing model dir", []string{"--model", filepath.Join(dir, "nope"), "--points", good}, []string{"loading model", "nope"}},
		{"bad line", []string{"--model", modelDir, "--points", bad}, []string{"bad.csv", "line 4", `"oops"`}},
		{"missing points file", []string{"--model", modelDir, "--points", filepath.Join(dir, "none.csv")}, []string{"points file", "none.csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"score"}, c.args...)...)
			checkFailure(t, code, 1, stderr, c.want)
			if stdout != "" {
				t.Errorf("a failed score wrote to stdout: %q", stdout)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	if h := header(2); h != "x,y,sx,sy" {
		t.Errorf("header(2) = %q", h)
	}
	if h := header(3); h != "x1,x2,x3,s1,s2,s3" {
		t.Errorf("header(3) = %q", h)
	}
}

func TestSplitInts(t *testing.T) {
	got, err := splitInts("2, 64,128,64 ,2")
	if err != nil || len(got) != 5 || got[2] != 128 {
		t.Errorf("splitInts = %v, %v", got, err)
	}
	// Trailing junk after a number must be refused, not truncated ("64.5" is not 64).
	for _, s := range []string{"", "2,,2", "a", "2;3", "2,64.5,2", "2,8x,2"} {
		if _, err := splitInts(s); err == nil {
			t.Errorf("splitInts(%q): no error", s)
		}
	}
}
