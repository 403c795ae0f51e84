package plots_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/gif"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/plots"
)

// animationFrames returns n frames of two panels: points moving along a line.
func animationFrames(t *testing.T, n int) [][]*plot.Plot {
	t.Helper()
	var frames [][]*plot.Plot
	for k := range n {
		var pts [][]float64
		for i := range 50 {
			pts = append(pts, []float64{float64(i)/25 - 1, float64(k)/float64(n) - 0.5})
		}
		a, err := plots.Samples(fmt.Sprintf("frame %d", k), pts, 1.5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := plots.Samples("still", pts[:10], 1.5)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, []*plot.Plot{a, b})
	}
	return frames
}

// TestGIF: the GIF decodes to one image per frame, the first of the whole size (two panels side
// by side), the others only the rectangle that changed (not the still right panel), with the delays asked for (the last frame held) and at most 256 colours; the same frames
// give the same bytes; the size bound, an empty animation and frames of different numbers of
// panels are errors naming the problem; AnimationHTML embeds the bytes in a data URI.
func TestGIF(t *testing.T) {
	frames := animationFrames(t, 6)
	opts := plots.AnimationOptions{Side: 2 * 96, Delay: 100 * time.Millisecond, Hold: time.Second}
	data, err := plots.GIF(frames, opts)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 6 || g.LoopCount != 0 {
		t.Fatalf("%d images, loop count %d; want 6 looping", len(g.Image), g.LoopCount)
	}
	for k, img := range g.Image {
		if !img.Bounds().In(g.Image[0].Bounds()) || len(img.Palette) > 256 {
			t.Errorf("frame %d: bounds %v (first %v), %d colours", k, img.Bounds(), g.Image[0].Bounds(), len(img.Palette))
		}
		if k > 0 && img.Bounds().Dx() >= g.Image[0].Bounds().Dx()*3/4 {
			t.Errorf("frame %d stores a rectangle %v: the still right panel should be left out", k, img.Bounds())
		}
	}
	if b := g.Image[0].Bounds(); b.Dx() != 2*b.Dy() {
		t.Errorf("frame size %v: want two square panels side by side", b)
	}
	if g.Delay[0] != 10 || g.Delay[5] != 100 {
		t.Errorf("delays %v: want 10 and, for the last frame, 100 hundredths", g.Delay)
	}
	again, err := plots.GIF(animationFrames(t, 6), opts)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("the same frames gave other bytes (%v)", err)
	}
	opts.MaxBytes = 1000
	if _, err := plots.GIF(frames, opts); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("size bound: %v", err)
	}
	if _, err := plots.GIF(nil, plots.AnimationOptions{}); err == nil || !strings.Contains(err.Error(), "no frames") {
		t.Errorf("no frames: %v", err)
	}
	ragged := append(animationFrames(t, 2), frames[0][:1])
	if _, err := plots.GIF(ragged, plots.AnimationOptions{}); err == nil || !strings.Contains(err.Error(), "frame 2 has 1 panels") {
		t.Errorf("ragged frames: %v", err)
	}
	h := plots.AnimationHTML(data, `paths "x" & y`)
	if !strings.HasPrefix(h, `<img src="data:image/gif;base64,`) || !strings.Contains(h, `alt="paths &#34;x&#34; &amp; y"`) {
		t.Errorf("HTML %q", h[:min(80, len(h))])
	}
	enc := h[len(`<img src="data:image/gif;base64,`):strings.Index(h, `" alt=`)]
	if dec, err := base64.StdEncoding.DecodeString(enc); err != nil || !bytes.Equal(dec, data) {
		t.Errorf("the data URI does not hold the GIF (%v)", err)
	}
}
