//go:build !goexperiment.simd

package hostmath

// SIMDBuild says whether this is a build with GOEXPERIMENT=simd (see Exp).
const SIMDBuild = false
