package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
)

// maxColors is the size of a PNG palette.
const maxColors = 256

// encodePNG writes img as a compact PNG: paletted, with the 256 colours that cover the most pixels
// (a plot's backgrounds, fills, lines and text), every other colour (antialiased edges) mapped to the
// nearest of them. A figure is then about a third of the size of a full-colour PNG, with no visible
// difference, which keeps the rendered notebooks small enough to review.
func encodePNG(w io.Writer, img *image.RGBA) error {
	out := toPaletted(img, commonPalette(maxColors, img))
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, out); err != nil {
		return fmt.Errorf("encoding PNG: %w", err)
	}
	return nil
}

// commonPalette returns the (at most n) colours that cover the most pixels of the images, most
// frequent first, ties in a fixed order (the same images give the same palette).
func commonPalette(n int, imgs ...*image.RGBA) color.Palette {
	counts := map[color.RGBA]int{}
	for _, img := range imgs {
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 4 {
				counts[color.RGBA{row[i], row[i+1], row[i+2], row[i+3]}]++
			}
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	// Most frequent first; ties in a fixed order, so that the same figure gives the same bytes.
	slices.SortFunc(colors, func(a, c color.RGBA) int {
		if d := counts[c] - counts[a]; d != 0 {
			return d
		}
		return int(rgbaKey(a)) - int(rgbaKey(c))
	})
	palette := make(color.Palette, 0, n)
	for _, c := range colors[:min(len(colors), n)] {
		palette = append(palette, c)
	}
	return palette
}

// toPaletted maps every pixel of img to the nearest colour of palette.
func toPaletted(img *image.RGBA, palette color.Palette) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, palette)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		dst := out.Pix[out.PixOffset(b.Min.X, y):]
		for i := 0; i < len(row); i += 4 {
			c := color.RGBA{row[i], row[i+1], row[i+2], row[i+3]}
			k, ok := index[c]
			if !ok {
				k = uint8(palette.Index(c))
				index[c] = k
			}
			dst[i/4] = k
		}
	}
	return out
}

// rgbaKey packs a colour into one number, to order colours.
func rgbaKey(c color.RGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}

// pngBytes encodes img with encodePNG.
func pngBytes(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodePNG(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
