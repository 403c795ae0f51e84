//go:build !goexperiment.simd

package network

// simdBuild says whether this is a build with GOEXPERIMENT=simd (see tanh).
const simdBuild = false
