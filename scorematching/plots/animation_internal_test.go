package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"testing"

	"gonum.org/v1/plot"
)

// TestGIFDeltaFramesAreExact: drawing the stored frames one over the other, as a browser does
// (disposal "none", transparent pixels keep what is under them), gives every frame exactly: each
// pixel is the palette colour nearest to the rendered figure's pixel.
func TestGIFDeltaFramesAreExact(t *testing.T) {
	var frames [][]*plot.Plot
	for k := range 5 {
		var pts [][]float64
		for i := range 40 {
			pts = append(pts, []float64{float64(i)/20 - 1, float64(k)/5 - 0.5})
		}
		a, err := Samples(fmt.Sprintf("frame %d", k), pts, 1.5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Samples("still", pts[:5], 1.5)
		if err != nil {
			t.Fatal(err)
		}
		if k == 3 { // A frame identical to the one before: stored as one transparent pixel.
			a, b = frames[2][0], frames[2][1]
		}
		frames = append(frames, []*plot.Plot{a, b})
	}
	const side = 150
	data, err := GIF(frames, AnimationOptions{Side: side})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := g.Image[3].Bounds(); b.Dx()*b.Dy() != 1 {
		t.Errorf("frame 3 repeats frame 2 but stores %v", b)
	}
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	palette := g.Image[0].Palette
	for k, f := range g.Image {
		if g.Disposal[k] != gif.DisposalNone {
			t.Fatalf("frame %d: disposal %d, want none", k, g.Disposal[k])
		}
		draw.Draw(canvas, f.Bounds(), f, f.Bounds().Min, draw.Over)
		want, err := renderRGBA(side, frames[k])
		if err != nil {
			t.Fatal(err)
		}
		b := want.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				w := palette[palette.Index(want.At(x, y))]
				if got := canvas.RGBAAt(x, y); color.RGBAModel.Convert(w) != got {
					t.Fatalf("frame %d, pixel (%d, %d): drawn %v, want %v", k, x, y, got, w)
				}
			}
		}
	}
}
