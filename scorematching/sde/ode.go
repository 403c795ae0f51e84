package sde

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Deriv is the right-hand side of an ODE dy/dt = F(t, y), written into dy (len(y)).
type Deriv func(t float64, y, dy []float64) error

// RK4 integrates dy/dt = F(t, y) from t0 to t1 (either direction) in steps fixed steps of the
// classical fourth-order Runge-Kutta method, updating y in place. It stops with ctx's error if
// ctx is cancelled between steps.
func RK4(ctx context.Context, f Deriv, y []float64, t0, t1 float64, steps int) error {
	if steps < 1 {
		return fmt.Errorf("rk4: the number of steps must be positive, got %d", steps)
	}
	n := len(y)
	k1, k2, k3, k4, tmp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	h := (t1 - t0) / float64(steps)
	for i := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := t0 + float64(i)*h
		if err := f(t, y, k1); err != nil {
			return err
		}
		axpy(tmp, y, h/2, k1)
		if err := f(t+h/2, tmp, k2); err != nil {
			return err
		}
		axpy(tmp, y, h/2, k2)
		if err := f(t+h/2, tmp, k3); err != nil {
			return err
		}
		axpy(tmp, y, h, k3)
		if err := f(t+h, tmp, k4); err != nil {
			return err
		}
		for j := range y {
			y[j] += h / 6 * (k1[j] + 2*k2[j] + 2*k3[j] + k4[j])
		}
	}
	return checkFinite(y, "rk4")
}

// axpy sets out = y + a k.
func axpy(out, y []float64, a float64, k []float64) {
	for j := range out {
		out[j] = y[j] + a*k[j]
	}
}

func checkFinite(y []float64, who string) error {
	for j, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: the solution's component %d is %v: the ODE diverged", who, j, v)
		}
	}
	return nil
}

// Dormand-Prince 5(4) coefficients.
var (
	dpC = [7]float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	dpA = [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	dpB5 = [7]float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	dpB4 = [7]float64{5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}
)

// DoPriStats counts the work of an adaptive integration.
type DoPriStats struct {
	Evals, Accepted, Rejected int
}

// ErrTooManySteps is wrapped by DoPri's error when it needs more than its step budget.
var ErrTooManySteps = errors.New("too many steps")

// DoPri integrates dy/dt = F(t, y) from t0 to t1 (either direction) with the adaptive
// Dormand-Prince 5(4) method, updating y in place: a step is accepted when the error estimate,
// scaled by atol + rtol |y| and measured by its root mean square, is at most 1; the next step is
// chosen by the usual 0.9 (1/err)^(1/5) rule, within a factor 0.2 to 5. It gives up after
// maxSteps steps (ErrTooManySteps).
func DoPri(ctx context.Context, f Deriv, y []float64, t0, t1, rtol, atol float64, maxSteps int) (DoPriStats, error) {
	var st DoPriStats
	if !(rtol > 0) || !(atol > 0) {
		return st, fmt.Errorf("dopri: tolerances must be positive, got rtol %v and atol %v", rtol, atol)
	}
	n := len(y)
	var k [7][]float64
	for i := range k {
		k[i] = make([]float64, n)
	}
	tmp, y5 := make([]float64, n), make([]float64, n)
	dir := math.Copysign(1, t1-t0)
	h := dir * math.Abs(t1-t0) / 100
	t := t0
	if err := f(t, y, k[0]); err != nil {
		return st, err
	}
	st.Evals++
	for (t1-t)*dir > 1e-12*math.Abs(t1-t0) {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if st.Accepted+st.Rejected >= maxSteps {
			return st, fmt.Errorf("dopri: %w (%d) between t = %g and %g (reached %g)", ErrTooManySteps, maxSteps, t0, t1, t)
		}
		if (t+h-t1)*dir > 0 {
			h = t1 - t
		}
		for s := 1; s < 7; s++ {
			for j := range tmp {
				acc := y[j]
				for r := range s {
					acc += h * dpA[s][r] * k[r][j]
				}
				tmp[j] = acc
			}
			if err := f(t+dpC[s]*h, tmp, k[s]); err != nil {
				return st, err
			}
			st.Evals++
		}
		var errSum float64
		for j := range y {
			var hi, lo float64
			for s := range 7 {
				hi += dpB5[s] * k[s][j]
				lo += dpB4[s] * k[s][j]
			}
			y5[j] = y[j] + h*hi
			e := h * (hi - lo) / (atol + rtol*math.Max(math.Abs(y[j]), math.Abs(y5[j])))
			errSum += e * e
		}
		errNorm := math.Sqrt(errSum / float64(max(n, 1)))
		if math.IsNaN(errNorm) || math.IsInf(errNorm, 0) {
			return st, fmt.Errorf("dopri: the solution is not finite at t = %g: the ODE diverged", t)
		}
		factor := 5.0
		if errNorm > 0 {
			factor = math.Min(5, math.Max(0.2, 0.9*math.Pow(errNorm, -0.2)))
		}
		if errNorm <= 1 {
			t += h
			copy(y, y5)
			copy(k[0], k[6]) // First same as last.
			st.Accepted++
		} else {
			st.Rejected++
			factor = math.Min(factor, 1)
		}
		h *= factor
	}
	return st, checkFinite(y, "dopri")
}
