package kernels

// The optimizer kernels update one tensor in place. Slices must have equal
// lengths (state slices that a variant does not use may be nil); the root
// package checks lengths and overlap before calling here or the assembly.
//
// Each kernel has an element function (adamElem, …): the definition, written
// with FMA32 in the canonical order. The exported kernel computes the same
// operations with FMA32's fast path inline (round32, see fast.go) and
// recomputes an element with the element function when any of its roundings
// might differ from FMA32's.

// preprocess is the gradient preprocessing shared by every optimizer:
// g = fma(λc, p, g·gs), then for coupled L1 g = fma(λ1, sign(p), g).
func preprocess(g, gs, wd, p, l1 float32, coupledL1 bool) float32 {
	g = FMA32(wd, p, float32(g*gs))
	if coupledL1 {
		g = FMA32(l1, Sign32(p), g)
	}
	return g
}

// postL1 applies the decoupled L1 placements after the update: intrinsic
// τ = tl1/√d, unscaled τ = tl1.
func postL1(p, d, tl1 float32, mode L1Mode) float32 {
	switch mode {
	case L1Intrinsic:
		return SoftThreshold(p, tl1/Sqrt32(d))
	case L1Decoupled:
		return SoftThreshold(p, tl1)
	}
	return p
}

// adamElem is one element of Adam, the definition:
//
//	g  = fma(λc, p, g·gs)          [L1Coupled: g = fma(λ1, sign(p), g)]
//	p  = p·dec
//	m  = fma(β1, m, c1·g)
//	v  = fma(c2·g, g, β2·v)
//	vm = Max32(vmax, v); vmax = vm  (AMSGrad; else vm = v)
//	d  = fma(√vm, rb2, ε)
//	p  = fma(−ss, m/d, p)          [L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
//
// It returns the new p, m, v and vm.
func adamElem(q *AdamParams, ams bool, l1 L1Mode, p, g, m, v, vmax float32) (float32, float32, float32, float32) {
	g = preprocess(g, q.GradScale, q.WeightDecay, p, q.L1, l1 == L1Coupled)
	p = float32(p * q.Decay)
	m = FMA32(q.Beta1, m, float32(q.OneMinusBeta1*g))
	v = FMA32(float32(q.OneMinusBeta2*g), g, float32(q.Beta2*v))
	vm := v
	if ams {
		vm = Max32(vmax, v)
	}
	d := FMA32(Sqrt32(vm), q.RBias2, q.Eps)
	p = FMA32(q.NegStepSize, float32(m/d), p)
	return postL1(p, d, q.L1, l1), m, v, vm
}

// rmspropElem is one element of RMSProp, the definition:
//
//	g  = fma(λc, p, g·gs)          [L1Coupled as in Adam]
//	s  = fma(c·g, g, α·s)
//	a  = fma(α, a, c·g); s' = Max32(0, fma(−a, a, s))   (centered; else s' = s)
//	d  = √s' + ε
//	buf = fma(μ, buf, g/d); p = fma(−lr, buf, p)         (momentum)
//	p  = fma(−lr, g/d, p)                                (otherwise)
//	[L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
//
// It returns the new p, s, a and buf.
func rmspropElem(q *RMSPropParams, centered, momentum bool, l1 L1Mode, p, g, s, a, buf float32) (float32, float32, float32, float32) {
	g = preprocess(g, q.GradScale, q.WeightDecay, p, q.L1, l1 == L1Coupled)
	s = FMA32(float32(q.OneMinusAlpha*g), g, float32(q.Alpha*s))
	s2 := s
	if centered {
		a = FMA32(q.Alpha, a, float32(q.OneMinusAlpha*g))
		s2 = Max32(0, FMA32(-a, a, s))
	}
	d := float32(Sqrt32(s2) + q.Eps)
	if momentum {
		buf = FMA32(q.Momentum, buf, float32(g/d))
		p = FMA32(q.NegLR, buf, p)
	} else {
		p = FMA32(q.NegLR, float32(g/d), p)
	}
	return postL1(p, d, q.L1, l1), s, a, buf
}

// adagradElem is one element of AdaGrad, the definition:
//
//	g = fma(λc, p, g·gs)           [L1Coupled as in Adam]
//	s = fma(g, g, s)
//	d = √s + ε
//	p = fma(−clr, g/d, p)          [L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
//
// It returns the new p and s.
func adagradElem(q *AdaGradParams, l1 L1Mode, p, g, s float32) (float32, float32) {
	g = preprocess(g, q.GradScale, q.WeightDecay, p, q.L1, l1 == L1Coupled)
	s = FMA32(g, g, s)
	d := float32(Sqrt32(s) + q.Eps)
	p = FMA32(q.NegLR, float32(g/d), p)
	return postL1(p, d, q.L1, l1), s
}

// sgdElem is one element of SGD, the definition:
//
//	g = fma(λc, p, g·gs)
//	momentum: buf = g on the first step, else buf = fma(μ, buf, (1−δ)·g);
//	          g = fma(μ, buf, g) with Nesterov, else g = buf
//	p = fma(−lr, g, p)
//
// It returns the new p and buf.
func sgdElem(q *SGDParams, momentum, nesterov, first bool, p, g, buf float32) (float32, float32) {
	g = FMA32(q.WeightDecay, p, float32(g*q.GradScale))
	if momentum {
		if first {
			buf = g
		} else {
			buf = FMA32(q.Momentum, buf, float32(q.OneMinusDampening*g))
		}
		if nesterov {
			g = FMA32(q.Momentum, buf, g)
		} else {
			g = buf
		}
	}
	return FMA32(q.NegLR, g, p), buf
}

// Adam is one Adam/AdamW/AMSGrad step (PyTorch semantics): adamElem for
// every element. vmax is used only with FlagAMSGrad.
func Adam(q *AdamParams, p, g, m, v, vmax []float32) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	ams := q.Flags&FlagAMSGrad != 0
	if ams {
		vmax = vmax[:n]
	}
	l1 := l1Of(q.Flags)
	coupled := l1 == L1Coupled
	gs, dec, c1, b2, c2 := q.GradScale, q.Decay, q.OneMinusBeta1, q.Beta2, q.OneMinusBeta2
	wd, b1, lambda1 := float64(q.WeightDecay), float64(q.Beta1), float64(q.L1)
	rb2, eps, nss := float64(q.RBias2), float64(q.Eps), float64(q.NegStepSize)
	for i, pi := range p {
		gi, f := round32(wd*float64(pi) + float64(float32(g[i]*gs)))
		if coupled {
			var fc uint64
			gi, fc = round32(lambda1*float64(Sign32(pi)) + float64(gi))
			f |= fc
		}
		mi, fm := round32(b1*float64(m[i]) + float64(float32(c1*gi)))
		vi, fv := round32(float64(float32(c2*gi))*float64(gi) + float64(float32(b2*v[i])))
		vm := vi
		if ams {
			vm = Max32(vmax[i], vi)
		}
		d, fd := round32(float64(Sqrt32(vm))*rb2 + eps)
		pn, fp := round32(nss*float64(float32(mi/d)) + float64(float32(pi*dec)))
		if l1 >= L1Intrinsic {
			pn = postL1(pn, d, q.L1, l1)
		}
		if (f|fm|fv|fd|fp)>>63 != 0 {
			var x float32
			if ams {
				x = vmax[i]
			}
			pn, mi, vi, vm = adamElem(q, ams, l1, pi, g[i], m[i], v[i], x)
		}
		p[i], m[i], v[i] = pn, mi, vi
		if ams {
			vmax[i] = vm
		}
	}
}

// RMSProp is one RMSProp step (PyTorch torch.optim.RMSprop): rmspropElem for
// every element. avg is used only with FlagCentered and buf only with
// FlagMomentum.
func RMSProp(q *RMSPropParams, p, g, s, avg, buf []float32) {
	n := len(p)
	g, s = g[:n], s[:n]
	centered := q.Flags&FlagCentered != 0
	momentum := q.Flags&FlagMomentum != 0
	if centered {
		avg = avg[:n]
	}
	if momentum {
		buf = buf[:n]
	}
	l1 := l1Of(q.Flags)
	coupled := l1 == L1Coupled
	gs, c, alpha32, eps := q.GradScale, q.OneMinusAlpha, q.Alpha, q.Eps
	wd, alpha, lambda1, mu, nlr := float64(q.WeightDecay), float64(q.Alpha), float64(q.L1), float64(q.Momentum), float64(q.NegLR)
	for i, pi := range p {
		gi, f := round32(wd*float64(pi) + float64(float32(g[i]*gs)))
		if coupled {
			var fc uint64
			gi, fc = round32(lambda1*float64(Sign32(pi)) + float64(gi))
			f |= fc
		}
		si, fs := round32(float64(float32(c*gi))*float64(gi) + float64(float32(alpha32*s[i])))
		f |= fs
		s2 := si
		var ai, bi float32
		if centered {
			var fa, ft uint64
			ai, fa = round32(alpha*float64(avg[i]) + float64(float32(c*gi)))
			s2, ft = round32(-float64(ai)*float64(ai) + float64(si))
			s2 = Max32(0, s2)
			f |= fa | ft
		}
		d := float32(Sqrt32(s2) + eps)
		u := float32(gi / d)
		if momentum {
			var fb uint64
			bi, fb = round32(mu*float64(buf[i]) + float64(u))
			u = bi
			f |= fb
		}
		pn, fp := round32(nlr*float64(u) + float64(pi))
		if l1 >= L1Intrinsic {
			pn = postL1(pn, d, q.L1, l1)
		}
		if (f|fp)>>63 != 0 {
			var a, b float32
			if centered {
				a = avg[i]
			}
			if momentum {
				b = buf[i]
			}
			pn, si, ai, bi = rmspropElem(q, centered, momentum, l1, pi, g[i], s[i], a, b)
		}
		p[i], s[i] = pn, si
		if centered {
			avg[i] = ai
		}
		if momentum {
			buf[i] = bi
		}
	}
}

// AdaGrad is one AdaGrad step (PyTorch torch.optim.Adagrad): adagradElem for
// every element.
func AdaGrad(q *AdaGradParams, p, g, s []float32) {
	n := len(p)
	g, s = g[:n], s[:n]
	l1 := l1Of(q.Flags)
	coupled := l1 == L1Coupled
	gs, eps := q.GradScale, q.Eps
	wd, lambda1, nlr := float64(q.WeightDecay), float64(q.L1), float64(q.NegLR)
	for i, pi := range p {
		gi, f := round32(wd*float64(pi) + float64(float32(g[i]*gs)))
		if coupled {
			var fc uint64
			gi, fc = round32(lambda1*float64(Sign32(pi)) + float64(gi))
			f |= fc
		}
		si, fs := round32(float64(gi)*float64(gi) + float64(s[i]))
		d := float32(Sqrt32(si) + eps)
		pn, fp := round32(nlr*float64(float32(gi/d)) + float64(pi))
		if l1 >= L1Intrinsic {
			pn = postL1(pn, d, q.L1, l1)
		}
		if (f|fs|fp)>>63 != 0 {
			pn, si = adagradElem(q, l1, pi, g[i], s[i])
		}
		p[i], s[i] = pn, si
	}
}

// SGD is one SGD step (PyTorch torch.optim.SGD): sgdElem for every element.
// buf is used only with FlagMomentum.
func SGD(q *SGDParams, p, g, buf []float32) {
	n := len(p)
	g = g[:n]
	momentum := q.Flags&FlagMomentum != 0
	nesterov := q.Flags&FlagNesterov != 0
	first := q.Flags&FlagFirstStep != 0
	if momentum {
		buf = buf[:n]
	}
	gs, damp := q.GradScale, q.OneMinusDampening
	wd, mu, nlr := float64(q.WeightDecay), float64(q.Momentum), float64(q.NegLR)
	for i, pi := range p {
		gi, f := round32(wd*float64(pi) + float64(float32(g[i]*gs)))
		var b float32
		if momentum {
			b = gi
			if !first {
				var fb uint64
				b, fb = round32(mu*float64(buf[i]) + float64(float32(damp*gi)))
				f |= fb
			}
			if nesterov {
				var fn uint64
				gi, fn = round32(mu*float64(b) + float64(gi))
				f |= fn
			} else {
				gi = b
			}
		}
		pn, fp := round32(nlr*float64(gi) + float64(pi))
		if (f|fp)>>63 != 0 {
			var b0 float32
			if momentum {
				b0 = buf[i]
			}
			pn, b = sgdElem(q, momentum, nesterov, first, pi, g[i], b0)
		}
		p[i] = pn
		if momentum {
			buf[i] = b
		}
	}
}
