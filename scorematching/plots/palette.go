package plots

import (
	"image/color"
	"math"
)

// The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008): eight colours that people
// with the common forms of colour blindness (protanopia, deuteranopia, tritanopia) can still tell
// apart. Every curve, path and marker colour of the project's figures comes from it.
var (
	OkabeBlack         = color.NRGBA{R: 0, G: 0, B: 0, A: 255}
	OkabeOrange        = color.NRGBA{R: 230, G: 159, B: 0, A: 255}
	OkabeSkyBlue       = color.NRGBA{R: 86, G: 180, B: 233, A: 255}
	OkabeBluishGreen   = color.NRGBA{R: 0, G: 158, B: 115, A: 255}
	OkabeYellow        = color.NRGBA{R: 240, G: 228, B: 66, A: 255}
	OkabeBlue          = color.NRGBA{R: 0, G: 114, B: 178, A: 255}
	OkabeVermillion    = color.NRGBA{R: 213, G: 94, B: 0, A: 255}
	OkabeReddishPurple = color.NRGBA{R: 204, G: 121, B: 167, A: 255}
)

// Palette is the order in which line plots (loss curves, histograms, costs) colour their lines:
// the Okabe-Ito colours that read well on white (its yellow does not, and is left out).
var Palette = []color.Color{OkabeBlue, OkabeVermillion, OkabeBluishGreen, OkabeReddishPurple, OkabeOrange, OkabeSkyBlue, OkabeBlack}

// PaletteColor returns the colour of the i-th line of a plot (Palette, cycled).
func PaletteColor(i int) color.Color {
	return Palette[((i%len(Palette))+len(Palette))%len(Palette)]
}

// PathPalette colours particle paths (AddPaths) and other curves drawn over samples (which are
// blue): the Okabe-Ito colours, vermillion first, with a mid grey instead of the yellow that does
// not read on the light density shading.
var PathPalette = []color.Color{
	OkabeVermillion, OkabeBluishGreen, OkabeReddishPurple, OkabeOrange,
	OkabeBlack, OkabeBlue, OkabeSkyBlue, color.NRGBA{R: 120, G: 120, B: 120, A: 255},
}

var (
	// sampleColor: data points, translucent Okabe-Ito blue.
	sampleColor = color.NRGBA{R: 0, G: 114, B: 178, A: 90}
	arrowColor  = color.NRGBA{R: 20, G: 20, B: 20, A: 255}
)

// Density shading (QuiverOptions.LogDensity): log p in bands of ShadingNats nats below its largest
// value on the window, ShadingBands of them, from a light gold (most likely) to almost white, with
// thin contour lines between them; the rest of the plane is white. The colours are the light end
// of ColorBrewer's YlOrBr ramp: one hue whose lightness rises steadily, so it reads in grey and
// with any colour vision, and black arrows, blue samples and coloured paths stay readable on it.
const (
	ShadingNats  = 3.0
	ShadingBands = 5
)

var (
	shadingDark  = color.NRGBA{R: 254, G: 217, B: 142, A: 255} // YlOrBr #fed98e
	shadingLight = color.NRGBA{R: 255, G: 251, B: 232, A: 255} // Close to YlOrBr #ffffe5.
	shadingLine  = color.NRGBA{R: 204, G: 140, B: 40, A: 150}  // The band edges, a translucent YlOrBr #cc8c28.
)

// ShadingColor returns the colour of band k of the density shading (0: the ShadingNats nats
// below the largest log p, the darkest; ShadingBands-1 the lightest), and white beyond.
func ShadingColor(k int) color.NRGBA {
	if k < 0 {
		k = 0
	}
	if k >= ShadingBands {
		return color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	}
	t := float64(k) / float64(ShadingBands-1)
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + t*(float64(b)-float64(a)))) }
	return color.NRGBA{R: mix(shadingDark.R, shadingLight.R), G: mix(shadingDark.G, shadingLight.G), B: mix(shadingDark.B, shadingLight.B), A: 255}
}
