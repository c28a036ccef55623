package precond

import (
	"github.com/kappa-ml/kappa"
)

// AdaGradConfig holds the hyperparameters of one AdaGrad param group, with
// torch.optim.Adagrad names. PyTorch's weight_decay is Reg.L2 on the
// parameters; L2 on z is not available (the kernel has no decoupled decay);
// every L1 placement is. Start from DefaultAdaGrad.
type AdaGradConfig struct {
	LR                      float64 // lr, ≥ 0
	LRDecay                 float64 // lr_decay, ≥ 0: step t uses lr/(1 + (t−1)·lr_decay)
	InitialAccumulatorValue float64 // initial_accumulator_value, ≥ 0
	Eps                     float64 // eps, > 0
	Maximize                bool    // maximize: ascend
	Reg                     Reg     // L2 OnParams; L1 anywhere
}

// DefaultAdaGrad returns torch.optim.Adagrad's defaults: lr 1e-2, eps 1e-10.
func DefaultAdaGrad() AdaGradConfig { return AdaGradConfig{LR: 1e-2, Eps: 1e-10} }

func (c AdaGradConfig) kappaConfig() (kappa.AdaGradConfig, error) {
	f, err := c.Reg.fields(regCaps{opt: "AdaGrad", l1: true})
	if err != nil {
		return kappa.AdaGradConfig{}, err
	}
	k := kappa.AdaGradConfig{
		LR: c.LR, LRDecay: c.LRDecay, WeightDecay: f.weightDecay,
		InitialAccumulatorValue: c.InitialAccumulatorValue, Eps: c.Eps,
		Maximize: c.Maximize, L1: f.l1, L1Placement: f.l1At,
	}
	if _, err := k.Coeffs(1, 1); err != nil {
		return kappa.AdaGradConfig{}, rootErr("AdaGrad", err)
	}
	return k, nil
}

// AdaGrad is the AdaGrad optimizer over parameter tensors in param groups,
// with torch.optim.Adagrad's update (SPEC §3, kappa.AdaGrad):
//
//	s ← s + g²,  p ← p − lr/(1 + (t−1)·lr_decay) · g/(√s + ε)
//
// It owns the state sum s, filled with InitialAccumulatorValue at
// construction.
type AdaGrad struct {
	core
	groupConfigs[AdaGradConfig, kappa.AdaGradConfig, kappa.AdaGradCoeffs]
}

const adagradSum = 0

// NewAdaGrad returns an AdaGrad optimizer for params, one group with
// config cfg.
func NewAdaGrad(params [][]float32, cfg AdaGradConfig) (*AdaGrad, error) {
	return NewAdaGradGroups(Group[AdaGradConfig]{Params: params, Config: cfg})
}

// NewAdaGradGroups returns an AdaGrad optimizer for param groups with their
// own configs; errors as NewAdamGroups.
func NewAdaGradGroups(groups ...Group[AdaGradConfig]) (*AdaGrad, error) {
	o := &AdaGrad{}
	rt := func(k *kappa.AdaGradConfig, t int, gs float64) (kappa.AdaGradCoeffs, error) { return k.Coeffs(t, gs) }
	if err := o.initGroups("AdaGrad", configsOf(groups), rt); err != nil {
		return nil, err
	}
	err := o.init("AdaGrad", o, groupsOf(groups), []string{"sum"}, func(g, k int) bool { return true })
	if err != nil {
		return nil, err
	}
	for i, s := range o.state[adagradSum] {
		o.root[o.group[i]].InitState(s)
	}
	return o, nil
}

// Config returns group's configuration, with the current learning rate.
func (o *AdaGrad) Config(group int) AdaGradConfig {
	o.checkGroup("Config", group)
	return o.cfg[group]
}

func (o *AdaGrad) update(i, lo, hi int, g []float32) {
	kappa.AdaGrad(&o.coeffs[o.group[i]], o.params[i][lo:hi], g[lo:hi], o.state[adagradSum][i][lo:hi])
}

func (c AdaGradConfig) learningRate() float64 { return c.LR }

func (c AdaGradConfig) withLR(lr float64) AdaGradConfig {
	c.LR = lr
	return c
}
