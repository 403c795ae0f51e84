package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Checkerboard is "checkerboard": the uniform distribution on the black squares of a Size x Size
// board of squares of side Cell, centred at the origin. Square (i, j), i, j = 0..Size-1 counted
// from the lower left corner, covers [-H + i Cell, -H + (i+1) Cell) x [-H + j Cell, -H + (j+1)
// Cell) with H = Size Cell / 2, and is black when i + j is even (so the lower left one is
// black). A point is drawn by choosing a black square uniformly, then a uniform point in it.
//
// Defaults (New("checkerboard", nil)): Size 4, Cell 2, i.e. 8 black squares of side 2 on
// [-4, 4]^2: FFJORD's checkerboard. The density is 1 / (B Cell^2) on the B = ceil(Size^2 / 2)
// black squares and 0 elsewhere; it has no score (it is flat, and jumps at the edges), so
// Checkerboard is not Analytic. The mean is 0 (the board is symmetric about the origin).
type Checkerboard struct {
	Size int     // Number of squares per side (>= 2).
	Cell float64 // Side of a square.
}

var _ Dataset = Checkerboard{}

// Validate checks that Size >= 2 and Cell is positive and finite.
func (c Checkerboard) Validate() error {
	if c.Size < 2 || c.Size > maxIntParam {
		return fmt.Errorf("checkerboard size must be an integer in [2, %d], got %d", maxIntParam, c.Size)
	}
	return checkPositive("checkerboard", "cell", c.Cell)
}

// Name is "checkerboard".
func (c Checkerboard) Name() string { return "checkerboard" }

// Dim is 2.
func (c Checkerboard) Dim() int { return 2 }

// Params returns "size" and "cell".
func (c Checkerboard) Params() map[string]float64 {
	return map[string]float64{"size": float64(c.Size), "cell": c.Cell}
}

// BlackSquares returns the (i, j) indices of the black squares, in the order Sample numbers them.
func (c Checkerboard) BlackSquares() [][2]int {
	var out [][2]int
	for i := range c.Size {
		for j := range c.Size {
			if (i+j)%2 == 0 {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

// Sample draws n points with a generator seeded by seed.
func (c Checkerboard) Sample(n int, seed uint64) ([][]float64, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xc4ec_3000))
	squares := c.BlackSquares()
	h := float64(c.Size) * c.Cell / 2
	points := make([][]float64, n)
	for i := range points {
		sq := squares[rng.IntN(len(squares))]
		points[i] = []float64{
			-h + c.Cell*(float64(sq[0])+rng.Float64()),
			-h + c.Cell*(float64(sq[1])+rng.Float64()),
		}
	}
	return points, nil
}

// Square returns the indices (i, j) of the square that contains x, and false if x is off the
// board.
func (c Checkerboard) Square(x []float64) (i, j int, ok bool) {
	h := float64(c.Size) * c.Cell / 2
	fi := math.Floor((x[0] + h) / c.Cell)
	fj := math.Floor((x[1] + h) / c.Cell)
	if !(fi >= 0 && fi < float64(c.Size) && fj >= 0 && fj < float64(c.Size)) {
		return 0, 0, false
	}
	return int(fi), int(fj), true
}

// OnBlack reports whether x lies on a black square.
func (c Checkerboard) OnBlack(x []float64) bool {
	i, j, ok := c.Square(x)
	return ok && (i+j)%2 == 0
}

// BlackFraction returns the fraction of the points that lie on black squares: 1 for samples of
// the checkerboard, about 1/2 for points spread uniformly over the board.
func (c Checkerboard) BlackFraction(points [][]float64) float64 {
	if len(points) == 0 {
		return math.NaN()
	}
	var k int
	for _, p := range points {
		if c.OnBlack(p) {
			k++
		}
	}
	return float64(k) / float64(len(points))
}

// Statistic is the share of points on the black squares.
func (c Checkerboard) Statistic(points [][]float64) (string, float64) {
	return "share on black squares", c.BlackFraction(points)
}
