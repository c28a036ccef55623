package precond

import (
	"github.com/kappa-ml/kappa"
)

// SGDConfig holds the hyperparameters of one SGD param group, with
// torch.optim.SGD names. PyTorch's weight_decay is Reg.L2 on the
// parameters (SGD's preconditioner is the identity, so that is also L2 on
// z); SGD has no L1. Start from DefaultSGD.
type SGDConfig struct {
	LR        float64 // lr, ≥ 0
	Momentum  float64 // momentum μ, ≥ 0; > 0 keeps a momentum buffer
	Dampening float64 // dampening δ, in [0, 1]
	Nesterov  bool    // nesterov: needs Momentum > 0 and Dampening = 0
	Maximize  bool    // maximize: ascend
	Reg       Reg     // weight decay: L2 OnParams only
}

// DefaultSGD returns torch.optim.SGD's defaults: lr 1e-3, no momentum.
func DefaultSGD() SGDConfig { return SGDConfig{LR: 1e-3} }

func (c SGDConfig) kappaConfig() (kappa.SGDConfig, error) {
	f, err := c.Reg.fields(regCaps{opt: "SGD"})
	if err != nil {
		return kappa.SGDConfig{}, err
	}
	k := kappa.SGDConfig{
		LR: c.LR, Momentum: c.Momentum, Dampening: c.Dampening,
		WeightDecay: f.weightDecay, Nesterov: c.Nesterov, Maximize: c.Maximize,
	}
	if _, err := k.Coeffs(1, 1); err != nil {
		return kappa.SGDConfig{}, rootErr("SGD", err)
	}
	return k, nil
}

// SGD is stochastic gradient descent with optional (Nesterov) momentum
// over parameter tensors in param groups, with torch.optim.SGD's update
// (SPEC §3, kappa.SGD):
//
//	buf ← g at step 1, then μ·buf + (1−δ)·g      (Momentum > 0)
//	p   ← p − lr·(g + μ·buf if Nesterov, else buf)
//
// It owns the state momentum_buffer for groups with momentum. Step 1 is the
// optimizer's first step, for every tensor.
type SGD struct {
	core
	groupConfigs[SGDConfig, kappa.SGDConfig, kappa.SGDCoeffs]
}

const sgdBuf = 0

// NewSGD returns an SGD optimizer for params, one group with config cfg.
func NewSGD(params [][]float32, cfg SGDConfig) (*SGD, error) {
	return NewSGDGroups(Group[SGDConfig]{Params: params, Config: cfg})
}

// NewSGDGroups returns an SGD optimizer for param groups with their own
// configs; errors as NewAdamGroups.
func NewSGDGroups(groups ...Group[SGDConfig]) (*SGD, error) {
	o := &SGD{}
	rt := func(k *kappa.SGDConfig, t int, gs float64) (kappa.SGDCoeffs, error) { return k.Coeffs(t, gs) }
	if err := o.initGroups("SGD", configsOf(groups), rt); err != nil {
		return nil, err
	}
	err := o.init("SGD", o, groupsOf(groups), []string{"momentum_buffer"},
		func(g, k int) bool { return o.cfg[g].Momentum > 0 })
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Config returns group's configuration, with the current learning rate.
func (o *SGD) Config(group int) SGDConfig {
	o.checkGroup("Config", group)
	return o.cfg[group]
}

func (o *SGD) update(i, lo, hi int, g []float32) {
	buf := o.state[sgdBuf][i]
	if buf != nil {
		buf = buf[lo:hi]
	}
	kappa.SGD(&o.coeffs[o.group[i]], o.params[i][lo:hi], g[lo:hi], buf)
}

func (c SGDConfig) learningRate() float64 { return c.LR }

func (c SGDConfig) withLR(lr float64) SGDConfig {
	c.LR = lr
	return c
}
