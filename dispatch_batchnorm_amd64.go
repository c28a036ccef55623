//go:build !purego && !noasm

package kappa

import (
	"unsafe"

	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// Per-channel kernels at the active level (batchnorm_avx512_amd64.s,
// batchnorm_amd64.s). Each returns false to send the caller to the Go
// reference. Lengths were checked; the assembly takes the whole layout with
// its row stride.

func channelSumsAsm(sum []float64, x []float32, sh kernels.Channels) bool {
	switch isa.Active() {
	case isa.AVX512:
		channelSumsAVX512(unsafe.SliceData(sum), ptr(x), sh.N, sh.C, sh.HW, sh.RowStride())
	case isa.AVX2:
		channelSumsAVX2(unsafe.SliceData(sum), ptr(x), sh.N, sh.C, sh.HW, sh.RowStride())
	default:
		return false
	}
	return true
}

func channelCentredSquaresAsm(ssq []float64, x []float32, centre []float64, sh kernels.Channels) bool {
	switch isa.Active() {
	case isa.AVX512:
		channelCentredSquaresAVX512(unsafe.SliceData(ssq), ptr(x), unsafe.SliceData(centre), sh.N, sh.C, sh.HW, sh.RowStride())
	case isa.AVX2:
		channelCentredSquaresAVX2(unsafe.SliceData(ssq), ptr(x), unsafe.SliceData(centre), sh.N, sh.C, sh.HW, sh.RowStride())
	default:
		return false
	}
	return true
}

func channelScaleShiftAsm(y, x, scale, shift []float32, sh kernels.Channels) bool {
	switch isa.Active() {
	case isa.AVX512:
		channelScaleShiftAVX512(ptr(y), ptr(x), ptr(scale), ptr(shift), sh.N, sh.C, sh.HW, sh.RowStride())
	case isa.AVX2:
		channelScaleShiftAVX2(ptr(y), ptr(x), ptr(scale), ptr(shift), sh.N, sh.C, sh.HW, sh.RowStride())
	default:
		return false
	}
	return true
}

func channelGradSumsAsm(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh kernels.Channels) bool {
	switch isa.Active() {
	case isa.AVX512:
		channelGradSumsAVX512(unsafe.SliceData(sdy), unsafe.SliceData(sdyxh), ptr(dy), ptr(x), ptr(mean), ptr(rstd), sh.N, sh.C, sh.HW, sh.RowStride())
	case isa.AVX2:
		channelGradSumsAVX2(unsafe.SliceData(sdy), unsafe.SliceData(sdyxh), ptr(dy), ptr(x), ptr(mean), ptr(rstd), sh.N, sh.C, sh.HW, sh.RowStride())
	default:
		return false
	}
	return true
}

func batchNormInputGradAsm(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh kernels.Channels) bool {
	switch isa.Active() {
	case isa.AVX512:
		batchNormInputGradAVX512(ptr(dx), ptr(dy), ptr(x), ptr(mean), ptr(rstd), ptr(alpha), ptr(k1), ptr(k2), sh.N, sh.C, sh.HW, sh.RowStride())
	case isa.AVX2:
		batchNormInputGradAVX2(ptr(dx), ptr(dy), ptr(x), ptr(mean), ptr(rstd), ptr(alpha), ptr(k1), ptr(k2), sh.N, sh.C, sh.HW, sh.RowStride())
	default:
		return false
	}
	return true
}
