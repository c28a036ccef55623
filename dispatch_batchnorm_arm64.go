//go:build !purego && !noasm

package kappa

import (
	"unsafe"

	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// BatchNorm channel passes and the BNP transform at the active level (NEON:
// batchnorm_arm64.s, bnp_arm64.s); false sends the caller to the Go
// reference. Lengths and overlaps were checked; the assembly takes the whole
// layout with its row stride.

func channelSumsAsm(sum []float64, x []float32, sh kernels.Channels) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	channelSumsNEON(unsafe.SliceData(sum), ptr(x), sh.N, sh.C, sh.HW, sh.RowStride())
	return true
}

func channelCentredSquaresAsm(ssq []float64, x []float32, centre []float64, sh kernels.Channels) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	channelCentredSquaresNEON(unsafe.SliceData(ssq), ptr(x), unsafe.SliceData(centre), sh.N, sh.C, sh.HW, sh.RowStride())
	return true
}

func channelScaleShiftAsm(y, x, scale, shift []float32, sh kernels.Channels) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	channelScaleShiftNEON(ptr(y), ptr(x), ptr(scale), ptr(shift), sh.N, sh.C, sh.HW, sh.RowStride())
	return true
}

func channelGradSumsAsm(sdy, sdyxh []float64, dy, x, mean, rstd []float32, sh kernels.Channels) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	channelGradSumsNEON(unsafe.SliceData(sdy), unsafe.SliceData(sdyxh), ptr(dy), ptr(x), ptr(mean), ptr(rstd), sh.N, sh.C, sh.HW, sh.RowStride())
	return true
}

func batchNormInputGradAsm(dx, dy, x, mean, rstd, alpha, k1, k2 []float32, sh kernels.Channels) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	batchNormInputGradNEON(ptr(dx), ptr(dy), ptr(x), ptr(mean), ptr(rstd), ptr(alpha), ptr(k1), ptr(k2), sh.N, sh.C, sh.HW, sh.RowStride())
	return true
}

func bnpDenseAsm(g, gb, mu, r []float32, m, n int) bool {
	if isa.Active() != isa.NEON {
		return false
	}
	bnpDenseNEON(ptr(g), ptr(gb), ptr(mu), ptr(r), m, n)
	return true
}
