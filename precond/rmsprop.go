package precond

import (
	"github.com/kappa-ml/kappa"
)

// RMSPropConfig holds the hyperparameters of one RMSProp param group, with
// torch.optim.RMSprop names. PyTorch's weight_decay is Reg.L2 on the
// parameters; L2 on z is not available (the kernel has no decoupled decay);
// every L1 placement is. Start from DefaultRMSProp.
type RMSPropConfig struct {
	LR       float64 // lr, ≥ 0
	Alpha    float64 // alpha: smoothing constant, in [0, 1)
	Eps      float64 // eps, > 0
	Momentum float64 // momentum μ, ≥ 0; > 0 keeps a momentum buffer
	Centered bool    // centered: divide by the estimated standard deviation
	Maximize bool    // maximize: ascend
	Reg      Reg     // L2 OnParams; L1 anywhere
}

// DefaultRMSProp returns torch.optim.RMSprop's defaults: lr 1e-2, alpha
// 0.99, eps 1e-8.
func DefaultRMSProp() RMSPropConfig { return RMSPropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} }

func (c RMSPropConfig) kappaConfig() (kappa.RMSPropConfig, error) {
	f, err := c.Reg.fields(regCaps{opt: "RMSProp", l1: true})
	if err != nil {
		return kappa.RMSPropConfig{}, err
	}
	k := kappa.RMSPropConfig{
		LR: c.LR, Alpha: c.Alpha, Eps: c.Eps, WeightDecay: f.weightDecay,
		Momentum: c.Momentum, Centered: c.Centered, Maximize: c.Maximize,
		L1: f.l1, L1Placement: f.l1At,
	}
	if _, err := k.Coeffs(1); err != nil {
		return kappa.RMSPropConfig{}, rootErr("RMSProp", err)
	}
	return k, nil
}

// RMSProp is the RMSProp optimizer over parameter tensors in param groups,
// with torch.optim.RMSprop's update (SPEC §3, kappa.RMSProp):
//
//	s ← α·s + (1−α)·g²,  d = √s + ε   (centered: √(s − a²) with a ← α·a + (1−α)·g)
//	p ← p − lr·g/d                     (momentum: buf ← μ·buf + g/d, p ← p − lr·buf)
//
// It owns the state: square_avg s, and grad_avg a (Centered) and
// momentum_buffer (Momentum > 0) for the groups that use them.
type RMSProp struct {
	core
	groupConfigs[RMSPropConfig, kappa.RMSPropConfig, kappa.RMSPropCoeffs]
}

const (
	rmsS = iota
	rmsAvg
	rmsBuf
)

// NewRMSProp returns an RMSProp optimizer for params, one group with
// config cfg.
func NewRMSProp(params [][]float32, cfg RMSPropConfig) (*RMSProp, error) {
	return NewRMSPropGroups(Group[RMSPropConfig]{Params: params, Config: cfg})
}

// NewRMSPropGroups returns an RMSProp optimizer for param groups with their
// own configs; errors as NewAdamGroups.
func NewRMSPropGroups(groups ...Group[RMSPropConfig]) (*RMSProp, error) {
	o := &RMSProp{}
	rt := func(k *kappa.RMSPropConfig, t int, gs float64) (kappa.RMSPropCoeffs, error) { return k.Coeffs(gs) }
	if err := o.initGroups("RMSProp", configsOf(groups), rt); err != nil {
		return nil, err
	}
	err := o.init("RMSProp", o, groupsOf(groups), []string{"square_avg", "grad_avg", "momentum_buffer"},
		func(g, k int) bool {
			switch k {
			case rmsAvg:
				return o.cfg[g].Centered
			case rmsBuf:
				return o.cfg[g].Momentum > 0
			}
			return true
		})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Config returns group's configuration, with the current learning rate.
func (o *RMSProp) Config(group int) RMSPropConfig {
	o.checkGroup("Config", group)
	return o.cfg[group]
}

// prepare: RMSProp has no bias correction, so t is not used.
func (o *RMSProp) update(i, lo, hi int, g []float32) {
	avg, buf := o.state[rmsAvg][i], o.state[rmsBuf][i]
	if avg != nil {
		avg = avg[lo:hi]
	}
	if buf != nil {
		buf = buf[lo:hi]
	}
	kappa.RMSProp(&o.coeffs[o.group[i]], o.params[i][lo:hi], g[lo:hi], o.state[rmsS][i][lo:hi], avg, buf)
}

func (c RMSPropConfig) learningRate() float64 { return c.LR }

func (c RMSPropConfig) withLR(lr float64) RMSPropConfig {
	c.LR = lr
	return c
}
