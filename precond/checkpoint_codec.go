package precond

import (
	"fmt"

	"github.com/kappa-ml/kappa"
)

// The per-optimizer part of the checkpoint format: the optimizer byte, each
// config's fields in order, and which state slices a config needs (the rule
// the constructors give core.init, restated for a config that is not yet
// installed; TestCheckpointUsesMatchConstructors keeps the two equal).

// ckptKind is the kind byte of a checkpoint's header: an optimizer type or
// a BNP layer (bnp_checkpoint.go).
type ckptKind uint8

const (
	kindSGD ckptKind = 1 + iota
	kindAdam
	kindRMSProp
	kindAdaGrad
	kindBNPDense
	kindBNPConv
)

func (k ckptKind) String() string {
	switch k {
	case kindSGD:
		return "SGD"
	case kindAdam:
		return "Adam"
	case kindRMSProp:
		return "RMSProp"
	case kindAdaGrad:
		return "AdaGrad"
	case kindBNPDense:
		return "BNPDense"
	case kindBNPConv:
		return "BNPConv"
	}
	return fmt.Sprintf("optimizer %d", uint8(k))
}

// checkpointer is implemented by the optimizer types (core.alg).
type checkpointer interface {
	checkpointCodec() ckptCodec
}

// ckptCodec encodes an optimizer's configs and makes decoders for them.
type ckptCodec interface {
	kind() ckptKind
	// appendConfig appends group g's config.
	appendConfig(b []byte, g int) []byte
	// decoder returns an empty set of n configs to read into.
	decoder(n int) ckptConfigs
}

// ckptConfigs are decoded configs, not yet installed.
type ckptConfigs interface {
	// read decodes group g's config from r and validates it as the
	// constructor does. A failed read sets r.err; an invalid config is the
	// returned error.
	read(r *ckptReader, g int) error
	// uses reports whether group g's config needs state slice k.
	uses(g, k int) bool
	// install replaces the optimizer's configs (and root configs).
	install()
}

// configCodec is the ckptCodec of an optimizer with config type C and root
// config type K.
type configCodec[C, K any] struct {
	k     ckptKind
	cfg   *[]C
	root  *[]K
	put   func(b []byte, c C) []byte
	get   func(r *ckptReader) C
	check func(c C) (K, error) // C's kappaConfig
	needs func(c C, k int) bool
}

func (cc *configCodec[C, K]) kind() ckptKind { return cc.k }

func (cc *configCodec[C, K]) appendConfig(b []byte, g int) []byte { return cc.put(b, (*cc.cfg)[g]) }

func (cc *configCodec[C, K]) decoder(n int) ckptConfigs {
	return &pendingConfigs[C, K]{cc: cc, cfg: make([]C, n), root: make([]K, n)}
}

type pendingConfigs[C, K any] struct {
	cc   *configCodec[C, K]
	cfg  []C
	root []K
}

func (p *pendingConfigs[C, K]) read(r *ckptReader, g int) error {
	c := p.cc.get(r)
	if r.err != nil {
		return r.err
	}
	k, err := p.cc.check(c)
	if err != nil {
		return err
	}
	p.cfg[g], p.root[g] = c, k
	return nil
}

func (p *pendingConfigs[C, K]) uses(g, k int) bool { return p.cc.needs(p.cfg[g], k) }

func (p *pendingConfigs[C, K]) install() {
	copy(*p.cc.cfg, p.cfg)
	copy(*p.cc.root, p.root)
}

// Reg: L2 float64, L2On uint8, L1 float64, L1On uint8. The placements are
// validated with the config (Reg.fields).
func appendReg(b []byte, r Reg) []byte {
	b = appendF64(b, r.L2)
	b = append(b, byte(r.L2On))
	b = appendF64(b, r.L1)
	return append(b, byte(r.L1On))
}

func readReg(r *ckptReader) Reg {
	var g Reg
	g.L2 = r.f64("Reg.L2")
	g.L2On = Placement(r.u8("Reg.L2On"))
	g.L1 = r.f64("Reg.L1")
	g.L1On = Placement(r.u8("Reg.L1On"))
	return g
}

// SGD: LR, Momentum, Dampening, Nesterov, Maximize, Reg.
func (o *SGD) checkpointCodec() ckptCodec {
	return &configCodec[SGDConfig, kappa.SGDConfig]{
		k: kindSGD, cfg: &o.cfg, root: &o.root,
		put: func(b []byte, c SGDConfig) []byte {
			b = appendF64(b, c.LR)
			b = appendF64(b, c.Momentum)
			b = appendF64(b, c.Dampening)
			b = appendBool(b, c.Nesterov)
			b = appendBool(b, c.Maximize)
			return appendReg(b, c.Reg)
		},
		get: func(r *ckptReader) SGDConfig {
			var c SGDConfig
			c.LR = r.f64("LR")
			c.Momentum = r.f64("Momentum")
			c.Dampening = r.f64("Dampening")
			c.Nesterov = r.bool("Nesterov")
			c.Maximize = r.bool("Maximize")
			c.Reg = readReg(r)
			return c
		},
		check: SGDConfig.kappaConfig,
		needs: func(c SGDConfig, k int) bool { return c.Momentum > 0 },
	}
}

// Adam: LR, Beta1, Beta2, Eps, AMSGrad, Maximize, Reg.
func (o *Adam) checkpointCodec() ckptCodec {
	return &configCodec[AdamConfig, kappa.AdamConfig]{
		k: kindAdam, cfg: &o.cfg, root: &o.root,
		put: func(b []byte, c AdamConfig) []byte {
			b = appendF64(b, c.LR)
			b = appendF64(b, c.Beta1)
			b = appendF64(b, c.Beta2)
			b = appendF64(b, c.Eps)
			b = appendBool(b, c.AMSGrad)
			b = appendBool(b, c.Maximize)
			return appendReg(b, c.Reg)
		},
		get: func(r *ckptReader) AdamConfig {
			var c AdamConfig
			c.LR = r.f64("LR")
			c.Beta1 = r.f64("Beta1")
			c.Beta2 = r.f64("Beta2")
			c.Eps = r.f64("Eps")
			c.AMSGrad = r.bool("AMSGrad")
			c.Maximize = r.bool("Maximize")
			c.Reg = readReg(r)
			return c
		},
		check: AdamConfig.kappaConfig,
		needs: func(c AdamConfig, k int) bool { return k != adamVMax || c.AMSGrad },
	}
}

// RMSProp: LR, Alpha, Eps, Momentum, Centered, Maximize, Reg.
func (o *RMSProp) checkpointCodec() ckptCodec {
	return &configCodec[RMSPropConfig, kappa.RMSPropConfig]{
		k: kindRMSProp, cfg: &o.cfg, root: &o.root,
		put: func(b []byte, c RMSPropConfig) []byte {
			b = appendF64(b, c.LR)
			b = appendF64(b, c.Alpha)
			b = appendF64(b, c.Eps)
			b = appendF64(b, c.Momentum)
			b = appendBool(b, c.Centered)
			b = appendBool(b, c.Maximize)
			return appendReg(b, c.Reg)
		},
		get: func(r *ckptReader) RMSPropConfig {
			var c RMSPropConfig
			c.LR = r.f64("LR")
			c.Alpha = r.f64("Alpha")
			c.Eps = r.f64("Eps")
			c.Momentum = r.f64("Momentum")
			c.Centered = r.bool("Centered")
			c.Maximize = r.bool("Maximize")
			c.Reg = readReg(r)
			return c
		},
		check: RMSPropConfig.kappaConfig,
		needs: func(c RMSPropConfig, k int) bool {
			switch k {
			case rmsAvg:
				return c.Centered
			case rmsBuf:
				return c.Momentum > 0
			}
			return true
		},
	}
}

// AdaGrad: LR, LRDecay, InitialAccumulatorValue, Eps, Maximize, Reg. The
// sum comes from the checkpoint; InitialAccumulatorValue is kept as config.
func (o *AdaGrad) checkpointCodec() ckptCodec {
	return &configCodec[AdaGradConfig, kappa.AdaGradConfig]{
		k: kindAdaGrad, cfg: &o.cfg, root: &o.root,
		put: func(b []byte, c AdaGradConfig) []byte {
			b = appendF64(b, c.LR)
			b = appendF64(b, c.LRDecay)
			b = appendF64(b, c.InitialAccumulatorValue)
			b = appendF64(b, c.Eps)
			b = appendBool(b, c.Maximize)
			return appendReg(b, c.Reg)
		},
		get: func(r *ckptReader) AdaGradConfig {
			var c AdaGradConfig
			c.LR = r.f64("LR")
			c.LRDecay = r.f64("LRDecay")
			c.InitialAccumulatorValue = r.f64("InitialAccumulatorValue")
			c.Eps = r.f64("Eps")
			c.Maximize = r.bool("Maximize")
			c.Reg = readReg(r)
			return c
		},
		check: AdaGradConfig.kappaConfig,
		needs: func(AdaGradConfig, int) bool { return true },
	}
}
