package kappa

import (
	"testing"

	"github.com/kappa-ml/kappa/internal/isa"
	"github.com/kappa-ml/kappa/kernels"
)

// TestEveryKernelHasAssemblyAtEveryLevel calls each kernel's dispatch function
// at every usable SIMD level and fails when one sends the call to the Go
// reference instead of assembly: a machine that reports a level (say AVX-512)
// must exercise that level's code for every kernel, or the table, guard and
// fuzz tests "at avx512" would silently be testing the fallback.
func TestEveryKernelHasAssemblyAtEveryLevel(t *testing.T) {
	const n, rows, cols = 37, 2, 19
	f := func(k int) []float32 { return make([]float32, k) }
	d := func(k int) []float64 { return make([]float64, k) }
	sh := kernels.Channels{N: 2, C: 3, HW: 5}
	kernelsRun := map[string]func() bool{
		"Adam":       func() bool { return adamAsm(&kernels.AdamParams{}, f(n), f(n), f(n), f(n), nil) },
		"RMSProp":    func() bool { return rmspropAsm(&kernels.RMSPropParams{}, f(n), f(n), f(n), nil, nil) },
		"AdaGrad":    func() bool { return adagradAsm(&kernels.AdaGradParams{}, f(n), f(n), f(n)) },
		"SGD":        func() bool { return sgdAsm(&kernels.SGDParams{}, f(n), f(n), nil) },
		"Scale":      func() bool { return scaleAsm(f(n), 2) },
		"Roofline":   func() bool { return rooflineAsm(f(n), f(n), f(n), f(n)) },
		"NormCopy":   func() bool { return normCopyAsm(f(n), f(n)) },
		"SumSquares": func() bool { _, ok := sumSquaresAsm(f(n)); return ok },
		"AllFinite":  func() bool { _, ok := allFiniteAsm(f(n)); return ok },
		"LayerNormForward": func() bool {
			return layerNormForwardAsm(f(rows*cols), f(rows*cols), f(cols), f(cols), f(rows), f(rows), rows, cols, 1e-5)
		},
		"LayerNormBackward": func() bool {
			return layerNormBackwardAsm(f(rows*cols), f(cols), f(cols), f(rows*cols), f(rows*cols), f(cols), f(rows), f(rows), rows, cols)
		},
		"RMSNormForward": func() bool { return rmsNormForwardAsm(f(rows*cols), f(rows*cols), f(cols), f(rows), rows, cols, 1e-5) },
		"RMSNormBackward": func() bool {
			return rmsNormBackwardAsm(f(rows*cols), f(cols), f(rows*cols), f(rows*cols), f(cols), f(rows), rows, cols)
		},
		"ChannelSums":           func() bool { return channelSumsAsm(d(3), f(30), sh) },
		"ChannelCentredSquares": func() bool { return channelCentredSquaresAsm(d(3), f(30), d(3), sh) },
		"ChannelScaleShift":     func() bool { return channelScaleShiftAsm(f(30), f(30), f(3), f(3), sh) },
		"ChannelGradSums":       func() bool { return channelGradSumsAsm(d(3), d(3), f(30), f(30), f(3), f(3), sh) },
		"BatchNormInputGrad": func() bool {
			return batchNormInputGradAsm(f(30), f(30), f(30), f(3), f(3), f(3), f(3), f(3), sh)
		},
		"BNPDense": func() bool { return bnpDenseAsm(f(3*n), f(3), f(n), f(n), 3, n) },
	}
	levels := 0
	for _, l := range isa.Usable() {
		if l == isa.Generic {
			continue
		}
		levels++
		t.Run("isa="+l.String(), func(t *testing.T) {
			defer isa.SetForTest(l)()
			for name, run := range kernelsRun {
				if !run() {
					t.Errorf("%s: level %s is usable here, but the kernel fell back to the Go reference", name, l)
				}
			}
		})
	}
	if levels == 0 {
		t.Skipf("no SIMD level usable here (%v): nothing to route", isa.Usable())
	}
}
