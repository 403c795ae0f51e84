package testutil

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/plots"
)

// Render draws the plots side by side as plots.PNG does and decodes the image, failing the test
// on any error.
func Render(t testing.TB, ps ...*plot.Plot) image.Image {
	t.Helper()
	data, err := plots.PNG(ps...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// ColorFraction returns the fraction of the pixels of img within tol (per channel, of 255) of c;
// tol 0 counts the pixels of exactly that colour.
func ColorFraction(img image.Image, c color.Color, tol int) float64 {
	cr, cg, cb, _ := c.RGBA()
	want := [3]int{int(cr >> 8), int(cg >> 8), int(cb >> 8)}
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			got := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
			ok := true
			for i := range got {
				if d := got[i] - want[i]; d > tol || d < -tol {
					ok = false
				}
			}
			if ok {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// ArrowLine returns the line of a quiver plot's title that states its arrow scale ("arrows ..."),
// failing the test if there is none.
func ArrowLine(t testing.TB, p *plot.Plot) string {
	t.Helper()
	for _, l := range strings.Split(p.Title.Text, "\n") {
		if strings.HasPrefix(l, "arrows ") {
			return l
		}
	}
	t.Fatalf("title %q states no arrow scale", p.Title.Text)
	return ""
}
