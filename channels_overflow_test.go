package kappa

import (
	"fmt"
	"math"
	"testing"
)

// TestChannelsLenOverflowPanics: a strided layout whose last index,
// (N−1)·Stride + C·HW, overflows int must panic with the kernel's name, at
// every level. (N−1)·Stride alone fits, so only the sum overflows; Len()
// then wraps negative and "len(x) ≥ Len()" holds for any x. Unchecked, the
// Go reference fails with a bare slice-bounds panic, and the assembly's
// sample stride in bytes, 4·(MaxInt−4), wraps to −20: it reads and writes
// row 1 five elements before x and y. The slices sit inside guarded buffers
// at offset 8 so that such a write only hits the guards.
func TestChannelsLenOverflowPanics(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		for _, sh := range []Channels{
			{N: 2, C: 8, HW: 1, Stride: math.MaxInt - 4}, // NC
			{N: 2, C: 1, HW: 8, Stride: math.MaxInt - 4}, // NCHW
		} {
			const n, off = 16, 8
			g := make([]guarded, 8)
			s := make([][]float32, 8)
			for i := range g {
				g[i] = newGuarded(off, n)
				s[i] = g[i].s()
				for j := range s[i] {
					s[i][j] = 1
				}
			}
			v := func(i int) []float32 { return s[i][:sh.C] } // per-channel vectors
			d := func() []float64 { return make([]float64, sh.C) }
			cases := []struct {
				name string
				f    func()
			}{
				{"ChannelMoments", func() { ChannelMoments(d(), d(), s[0], sh) }},
				{"ChannelScaleShift", func() { ChannelScaleShift(s[0], s[1], v(2), v(3), sh) }},
				{"ChannelGradSums", func() { ChannelGradSums(d(), d(), s[0], s[1], v(2), v(3), sh) }},
				{"BatchNormInputGrad", func() { BatchNormInputGrad(s[0], s[1], s[2], v(3), v(4), v(5), v(6), v(7), sh) }},
			}
			for _, c := range cases {
				t.Run(fmt.Sprintf("%s/HW=%d", c.name, sh.HW), func(t *testing.T) {
					mustPanicWith(t, c.f, "kappa: "+c.name, "overflows int")
					for i := range g {
						g[i].checkGuards(t, fmt.Sprintf("%s %+v: slice %d", c.name, sh, i))
					}
				})
			}
		}
	})
}
