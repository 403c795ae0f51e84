package plots

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/gif"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// AnimationOptions set up an animated GIF (see GIF). Zero fields take the defaults.
type AnimationOptions struct {
	// Side is the side of one square panel (default AnimationSide).
	Side vg.Length
	// Delay is how long each frame shows (default 150 ms), and Hold how long the last one does
	// before the animation loops (default 1.5 s). GIF counts in hundredths of a second.
	Delay, Hold time.Duration
	// MaxBytes bounds the GIF's size (default MaxAnimationBytes): a larger one is an error that
	// says by how much, so that a notebook never stores a huge image.
	MaxBytes int
}

// Defaults of AnimationOptions: panels of 4 inches (384 pixels at 96 dpi), and at most 2 MB, so
// that a notebook with a few animations stays easy to store and to open.
const (
	AnimationSide     = 4 * vg.Inch
	MaxAnimationBytes = 2 << 20
)

// GIF renders frames as an animated GIF that loops for ever: frames[k] are the panels of frame k,
// side by side (every frame must have the same number of panels). All the frames share one
// palette, the 255 colours that cover the most pixels over all of them, so that nothing flickers
// from frame to frame, and each frame after the first stores only what changed (a rectangle, its
// unchanged pixels transparent), which keeps animations of plots small. It returns an error naming
// the problem for no frames, a frame of no or of another number of panels, and a GIF larger than
// MaxBytes.
func GIF(frames [][]*plot.Plot, opts AnimationOptions) ([]byte, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("animation: no frames")
	}
	if opts.Side <= 0 {
		opts.Side = AnimationSide
	}
	if opts.Delay <= 0 {
		opts.Delay = 150 * time.Millisecond
	}
	if opts.Hold <= 0 {
		opts.Hold = 1500 * time.Millisecond
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = MaxAnimationBytes
	}
	panels := len(frames[0])
	imgs := make([]*image.RGBA, len(frames))
	for k, f := range frames {
		if len(f) == 0 || len(f) != panels {
			return nil, fmt.Errorf("animation: frame %d has %d panels, frame 0 has %d (and each needs at least one)", k, len(f), panels)
		}
		img, err := renderRGBA(opts.Side, f)
		if err != nil {
			return nil, fmt.Errorf("animation: frame %d: %w", k, err)
		}
		imgs[k] = img
	}
	// One colour is kept for "unchanged": each frame after the first stores only the rectangle that
	// changed since the previous one, with its unchanged pixels transparent (see deltaFrame).
	palette := commonPalette(maxColors-1, imgs...)
	withClear := append(append(color.Palette{}, palette...), color.RGBA{})
	bounds := imgs[0].Bounds()
	anim := &gif.GIF{LoopCount: 0, Config: image.Config{ColorModel: withClear, Width: bounds.Dx(), Height: bounds.Dy()}}
	var previous *image.Paletted
	for k, img := range imgs {
		full := toPaletted(img, palette)
		full.Palette = withClear
		frame := full
		if previous != nil {
			frame = deltaFrame(previous, full, uint8(len(palette)))
		}
		previous = full
		anim.Image = append(anim.Image, frame)
		anim.Disposal = append(anim.Disposal, gif.DisposalNone)
		delay := opts.Delay
		if k == len(imgs)-1 {
			delay = opts.Hold
		}
		anim.Delay = append(anim.Delay, max(1, int(delay/(10*time.Millisecond))))
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return nil, fmt.Errorf("animation: encoding the GIF: %w", err)
	}
	if buf.Len() > opts.MaxBytes {
		return nil, fmt.Errorf("animation: %d frames make a GIF of %.2f MB, more than the %.2f MB allowed: use fewer frames or smaller panels",
			len(frames), float64(buf.Len())/(1<<20), float64(opts.MaxBytes)/(1<<20))
	}
	return buf.Bytes(), nil
}

// deltaFrame is the frame that turns previous into next when drawn over it: the smallest rectangle
// holding every pixel that differs, with the pixels that do not differ set to the transparent
// index clear (a 1 x 1 transparent frame if nothing changed). Most of a plot (axes, titles, still
// panels) does not move, so an animation shrinks several times.
func deltaFrame(previous, next *image.Paletted, clear uint8) *image.Paletted {
	b := next.Bounds()
	changed := image.Rectangle{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		p, n := previous.Pix[previous.PixOffset(b.Min.X, y):], next.Pix[next.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			if p[x] != n[x] {
				changed = changed.Union(image.Rect(b.Min.X+x, y, b.Min.X+x+1, y+1))
			}
		}
	}
	if changed.Empty() {
		changed = image.Rect(b.Min.X, b.Min.Y, b.Min.X+1, b.Min.Y+1)
	}
	out := image.NewPaletted(changed, next.Palette)
	for y := changed.Min.Y; y < changed.Max.Y; y++ {
		for x := changed.Min.X; x < changed.Max.X; x++ {
			i := next.PixOffset(x, y)
			c := next.Pix[i]
			if c == previous.Pix[i] {
				c = clear
			}
			out.Pix[out.PixOffset(x, y)] = c
		}
	}
	return out
}

// renderRGBA draws panels side by side in squares of the given side, at 96 dpi.
func renderRGBA(side vg.Length, panels []*plot.Plot) (*image.RGBA, error) {
	c := vgimg.NewWith(vgimg.UseWH(side*vg.Length(len(panels)), side), vgimg.UseDPI(96))
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	img, ok := c.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("the canvas is a %T, not an RGBA image", c.Image())
	}
	return img, nil
}

// AnimationHTML is an HTML <img> showing an animated GIF from a data URI, with alt text: it plays
// in JupyterLab, on a repository's page and in an exported HTML file, with no file beside the
// notebook.
func AnimationHTML(gifData []byte, alt string) string { return imageHTML("image/gif", gifData, alt) }

// PNGHTML is an HTML <img> showing a PNG (see PNG) from a data URI, with alt text: a figure that a
// notebook can redraw in place (an updatable HTML output), stored with the notebook.
func PNGHTML(pngData []byte, alt string) string { return imageHTML("image/png", pngData, alt) }

// imageHTML is an HTML <img> of data (of the MIME type mime) from a data URI, with alt text.
func imageHTML(mime string, data []byte, alt string) string {
	return fmt.Sprintf(`<img src="data:%s;base64,%s" alt="%s"/>`, mime, base64.StdEncoding.EncodeToString(data), html.EscapeString(alt))
}
