package kernels

// The optimizer kernels update one tensor in place. Slices must have equal
// lengths (state slices that a variant does not use may be nil); the root
// package checks lengths and overlap before calling here or the assembly.

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

// Adam is one Adam/AdamW/AMSGrad step (PyTorch semantics), canonical order:
//
//	g  = fma(λc, p, g·gs)          [L1Coupled: g = fma(λ1, sign(p), g)]
//	p  = p·dec
//	m  = fma(β1, m, c1·g)
//	v  = fma(c2·g, g, β2·v)
//	vm = Max32(vmax, v); vmax = vm  (AMSGrad; else vm = v)
//	d  = fma(√vm, rb2, ε)
//	p  = fma(−ss, m/d, p)          [L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
func Adam(q *AdamParams, p, g, m, v, vmax []float32) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	ams := q.Flags&FlagAMSGrad != 0
	if ams {
		vmax = vmax[:n]
	}
	l1 := l1Of(q.Flags)
	for i := range p {
		pi := p[i]
		gi := preprocess(g[i], q.GradScale, q.WeightDecay, pi, q.L1, l1 == L1Coupled)
		pi = float32(pi * q.Decay)
		mi := FMA32(q.Beta1, m[i], float32(q.OneMinusBeta1*gi))
		vi := FMA32(float32(q.OneMinusBeta2*gi), gi, float32(q.Beta2*v[i]))
		m[i], v[i] = mi, vi
		if ams {
			vi = Max32(vmax[i], vi)
			vmax[i] = vi
		}
		d := FMA32(Sqrt32(vi), q.RBias2, q.Eps)
		pi = FMA32(q.NegStepSize, float32(mi/d), pi)
		p[i] = postL1(pi, d, q.L1, l1)
	}
}

// RMSProp is one RMSProp step (PyTorch torch.optim.RMSprop), canonical order:
//
//	g  = fma(λc, p, g·gs)          [L1Coupled as in Adam]
//	s  = fma(c·g, g, α·s)
//	a  = fma(α, a, c·g); s' = Max32(0, fma(−a, a, s))   (centered; else s' = s)
//	d  = √s' + ε
//	buf = fma(μ, buf, g/d); p = fma(−lr, buf, p)         (momentum)
//	p  = fma(−lr, g/d, p)                                (otherwise)
//	[L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
//
// avg is used only with FlagCentered and buf only with FlagMomentum.
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
	for i := range p {
		pi := p[i]
		gi := preprocess(g[i], q.GradScale, q.WeightDecay, pi, q.L1, l1 == L1Coupled)
		si := FMA32(float32(q.OneMinusAlpha*gi), gi, float32(q.Alpha*s[i]))
		s[i] = si
		if centered {
			a := FMA32(q.Alpha, avg[i], float32(q.OneMinusAlpha*gi))
			avg[i] = a
			si = Max32(0, FMA32(-a, a, si))
		}
		d := float32(Sqrt32(si) + q.Eps)
		if momentum {
			b := FMA32(q.Momentum, buf[i], float32(gi/d))
			buf[i] = b
			pi = FMA32(q.NegLR, b, pi)
		} else {
			pi = FMA32(q.NegLR, float32(gi/d), pi)
		}
		p[i] = postL1(pi, d, q.L1, l1)
	}
}

// AdaGrad is one AdaGrad step (PyTorch torch.optim.Adagrad), canonical order:
//
//	g = fma(λc, p, g·gs)           [L1Coupled as in Adam]
//	s = fma(g, g, s)
//	d = √s + ε
//	p = fma(−clr, g/d, p)          [L1Intrinsic/L1Decoupled: p = SoftThreshold(p, τ)]
func AdaGrad(q *AdaGradParams, p, g, s []float32) {
	n := len(p)
	g, s = g[:n], s[:n]
	l1 := l1Of(q.Flags)
	for i := range p {
		pi := p[i]
		gi := preprocess(g[i], q.GradScale, q.WeightDecay, pi, q.L1, l1 == L1Coupled)
		si := FMA32(gi, gi, s[i])
		s[i] = si
		d := float32(Sqrt32(si) + q.Eps)
		pi = FMA32(q.NegLR, float32(gi/d), pi)
		p[i] = postL1(pi, d, q.L1, l1)
	}
}

// SGD is one SGD step (PyTorch torch.optim.SGD), canonical order:
//
//	g = fma(λc, p, g·gs)
//	momentum: buf = g on the first step, else buf = fma(μ, buf, (1−δ)·g);
//	          g = fma(μ, buf, g) with Nesterov, else g = buf
//	p = fma(−lr, g, p)
//
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
	for i := range p {
		pi := p[i]
		gi := FMA32(q.WeightDecay, pi, float32(g[i]*q.GradScale))
		if momentum {
			b := gi
			if !first {
				b = FMA32(q.Momentum, buf[i], float32(q.OneMinusDampening*gi))
			}
			buf[i] = b
			if nesterov {
				gi = FMA32(q.Momentum, b, gi)
			} else {
				gi = b
			}
		}
		p[i] = FMA32(q.NegLR, gi, pi)
	}
}
