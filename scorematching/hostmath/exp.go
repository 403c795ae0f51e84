// Package hostmath holds the elementary functions the library calls in hot loops on the host (MMD
// kernels, densities, mixture scores), chosen to stay fast in every build. With Go 1.26.8, in a
// build with GOEXPERIMENT=simd (the fast build of GoMLX's pure Go backend) the assembly behind
// math.Exp on amd64 can run up to 150 times slower, depending on what ran before it (1.3 to 1.9
// us per call in our loops, against 12 ns in a plain build), and math.Tanh with it. There Exp is
// the pure Go algorithm of Go's own math package (about 25 ns in any context), and elsewhere
// math.Exp itself.
package hostmath

import "math"

// Exp returns e**x, as math.Exp does (same special cases; within 1 ulp of it).
func Exp(x float64) float64 {
	if SIMDBuild {
		return pureExp(x)
	}
	return math.Exp(x)
}

// pureExp is e**x by the algorithm of Go's math.exp (FreeBSD's e_exp.c): reduce x to
// r = x - k ln 2 with |r| <= ln(2)/2, a Remez polynomial for exp(r), and scale by 2**k. No
// assembly, so it runs at the same speed in every build.
func pureExp(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28)
	)
	switch {
	case math.IsNaN(x):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	var k int
	if x < 0 {
		k = int(log2e*x - 0.5)
	} else {
		k = int(log2e*x + 0.5)
	}
	hi := x - float64(k)*ln2Hi
	lo := float64(k) * ln2Lo
	const (
		p1 = 1.66666666666666657415e-01
		p2 = -2.77777777770155933842e-03
		p3 = 6.61375632143793436117e-05
		p4 = -1.65339022054652515390e-06
		p5 = 4.13813679705723846039e-08
	)
	r := hi - lo
	t := r * r
	c := r - t*(p1+t*(p2+t*(p3+t*(p4+t*p5))))
	y := 1 - ((lo - (r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}
