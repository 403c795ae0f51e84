// Package batch is the one boundary between host data and GoMLX: a batch of points is a [][]float64
// on the host (one row per point) and a float32 [N, D] tensor in a graph. It converts between the
// two, checks rows (count, width, finite in float32) with errors that name the bad point, and turns
// the panics by which GoMLX reports graph errors into errors (Recover).
package batch

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Check returns an error unless points is a non-empty batch of rows of dim coordinates (dim <= 0:
// the width of the first row, which must be positive), each finite in float32. The error names
// the first bad point and coordinate (counted from 0).
func Check(points [][]float64, dim int) error {
	if len(points) == 0 {
		return errors.New("no points given")
	}
	if dim <= 0 {
		if dim = len(points[0]); dim == 0 {
			return errors.New("points have no coordinates")
		}
	}
	for i, p := range points {
		if len(p) != dim {
			return fmt.Errorf("point %d has %d coordinates, want %d", i, len(p), dim)
		}
		for j, v := range p {
			if !Finite32(v) {
				return fmt.Errorf("point %d coordinate %d is %v, not a finite float32", i, j, v)
			}
		}
	}
	return nil
}

// Finite32 reports whether v is finite, also once rounded to float32.
func Finite32(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && !math.IsInf(float64(float32(v)), 0)
}

// FirstNonFinite returns the row and column of the first value of rows that is not finite in
// float32 (see Finite32): NaN, infinite, or beyond float32's range.
func FirstNonFinite(rows [][]float64) (row, col int, found bool) {
	for i, r := range rows {
		for j, v := range r {
			if !Finite32(v) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// Flat returns the checked points (see Check) as flat float32 data, row after row.
func Flat(points [][]float64, dim int) ([]float32, error) {
	if err := Check(points, dim); err != nil {
		return nil, err
	}
	flat := make([]float32, 0, len(points)*len(points[0]))
	for _, p := range points {
		for _, v := range p {
			flat = append(flat, float32(v))
		}
	}
	return flat, nil
}

// ToTensor returns the checked points (see Check) as a float32 tensor of shape [N, D].
func ToTensor(points [][]float64, dim int) (*tensors.Tensor, error) {
	flat, err := Flat(points, dim)
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(flat, len(points), len(points[0])), nil
}

// Rows cuts flat float32 data into rows of width values, as float64.
func Rows(flat []float32, width int) [][]float64 {
	out := make([][]float64, len(flat)/width)
	for i := range out {
		out[i] = make([]float64, width)
		for j := range width {
			out[i][j] = float64(flat[i*width+j])
		}
	}
	return out
}

// FromTensor copies a float32 tensor of shape [n, dim] to the host as rows, refusing any other
// dtype or shape.
func FromTensor(t *tensors.Tensor, n, dim int) ([][]float64, error) {
	if want := shapes.Make(dtypes.Float32, n, dim); !t.Shape().Equal(want) {
		return nil, fmt.Errorf("tensor of shape %s, want %s", t.Shape(), want)
	}
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	return Rows(flat, dim), nil
}

// Values copies a float32 tensor of any shape to the host as float64 values, in row-major order.
func Values(t *tensors.Tensor) ([]float64, error) {
	if t.DType() != dtypes.Float32 {
		return nil, fmt.Errorf("tensor of dtype %s, want Float32", t.DType())
	}
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(flat))
	for i, v := range flat {
		out[i] = float64(v)
	}
	return out, nil
}

// Scalar returns the first value of a float32 tensor (a loss) as a float64.
func Scalar(t *tensors.Tensor) (float64, error) {
	v, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return 0, err
	}
	if len(v) == 0 {
		return 0, errors.New("empty tensor where a scalar was expected")
	}
	return float64(v[0]), nil
}

// Recover turns a panic into an error in *err, prefixed by what was being done: GoMLX reports
// errors in building or running a graph (a shape mismatch, a backend failure) by panicking. Use it
// deferred, in a function with a named error result:
//
//	defer batch.Recover(&err, "evaluating the score network")
func Recover(err *error, what string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%s: %w", what, e)
		} else {
			*err = fmt.Errorf("%s: %v", what, r)
		}
	}
}

// Rows64 cuts flat float64 data into rows of width values (sharing no memory with flat).
func Rows64(flat []float64, width int) [][]float64 {
	out := make([][]float64, len(flat)/width)
	for i := range out {
		out[i] = append([]float64(nil), flat[i*width:(i+1)*width]...)
	}
	return out
}
