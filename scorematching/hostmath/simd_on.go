//go:build goexperiment.simd

package hostmath

// simdBuild says whether this is a build with GOEXPERIMENT=simd (see Exp).
const simdBuild = true
