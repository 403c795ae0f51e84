package plots

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
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
// palette, the 256 colours that cover the most pixels over all of them, so that nothing flickers
// from frame to frame. It returns an error naming the problem for no frames, a frame of no or of
// another number of panels, and a GIF larger than MaxBytes.
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
	palette := commonPalette(imgs...)
	anim := &gif.GIF{LoopCount: 0}
	for k, img := range imgs {
		anim.Image = append(anim.Image, toPaletted(img, palette))
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
func AnimationHTML(gifData []byte, alt string) string {
	return fmt.Sprintf(`<img src="data:image/gif;base64,%s" alt="%s"/>`, base64.StdEncoding.EncodeToString(gifData), html.EscapeString(alt))
}
