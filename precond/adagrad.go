package precond

import (
	"fmt"

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
	cfg    []AdaGradConfig
	root   []kappa.AdaGradConfig
	coeffs []kappa.AdaGradCoeffs
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
	o := &AdaGrad{
		cfg:    make([]AdaGradConfig, len(groups)),
		root:   make([]kappa.AdaGradConfig, len(groups)),
		coeffs: make([]kappa.AdaGradCoeffs, len(groups)),
	}
	for g, gr := range groups {
		k, err := gr.Config.kappaConfig()
		if err != nil {
			return nil, fmt.Errorf("precond: AdaGrad: group %d: %w", g, err)
		}
		o.cfg[g], o.root[g] = gr.Config, k
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

func (o *AdaGrad) prepare(t int, gs float64) error {
	for g := range o.root {
		c, err := o.root[g].Coeffs(t, gs)
		if err != nil {
			return fmt.Errorf("group %d: %w", g, rootErr("AdaGrad", err))
		}
		o.coeffs[g] = c
	}
	return nil
}

func (o *AdaGrad) update(i, lo, hi int, g []float32) {
	kappa.AdaGrad(&o.coeffs[o.group[i]], o.params[i][lo:hi], g[lo:hi], o.state[adagradSum][i][lo:hi])
}

func (o *AdaGrad) lr(g int) float64 { return o.cfg[g].LR }

func (o *AdaGrad) setLR(g int, lr float64) error {
	c := o.cfg[g]
	c.LR = lr
	k, err := c.kappaConfig()
	if err != nil {
		return err
	}
	o.cfg[g], o.root[g] = c, k
	return nil
}
