package precond

// Conditioning analysis (SPEC §1): the numbers behind the library's name.
//
// Gradient descent on a loss with Hessian H converges at rate (κ−1)/(κ+1),
// κ = λmax/λmin. Writing p = P z and descending on z is the preconditioned
// step p ← p − η M ∇L with M = P Pᵀ, whose rate depends on κ(PᵀHP). This
// file measures those condition numbers in float64 with gonum (mat.EigenSym):
// of a symmetric matrix (Cond, CondPlus), of a layer's extended input matrix
// Ĥ = [H; 1ᵀ] under the input transforms that normalization performs
// (InputCond, InputConditioning), of a Hessian under a diagonal
// preconditioner (CondDiag with Jacobi, SqrtJacobi, AdamLike) or any P
// (CondCongruent, with BNPFactor for BNP's implicit one), and a Hessian by
// central differences (FDHessian) to feed them. It is analysis code for
// tests, examples and experiments on small matrices, not a training kernel:
// everything is float64, allocates, and costs O(n³).

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNotPositiveDefinite is wrapped by the error of Cond (and the functions
// built on it) when the smallest eigenvalue is ≤ 0: κ is then reported as
// +Inf. Rounding can leave the computed λmin of a singular positive
// semidefinite matrix slightly positive, in which case Cond returns a huge
// finite κ instead; use CondPlus to ignore a null space on purpose.
var ErrNotPositiveDefinite = errors.New("matrix is not positive definite")

// ErrIndefinite is wrapped by CondPlus's error when an eigenvalue is below
// −tol (the matrix is not positive semidefinite), or when λmax ≤ 0.
var ErrIndefinite = errors.New("matrix is not positive semidefinite")

// Spectrum returns the eigenvalues of the symmetric matrix a in ascending
// order (mat.EigenSym, values only). It fails for an empty matrix, when the
// decomposition does not converge, or when an eigenvalue is NaN (a is not
// finite).
func Spectrum(a mat.Symmetric) ([]float64, error) {
	n := a.SymmetricDim()
	if n == 0 {
		return nil, errors.New("precond: Spectrum: empty matrix")
	}
	var es mat.EigenSym
	if !es.Factorize(a, false) {
		return nil, fmt.Errorf("precond: Spectrum: eigen decomposition of the %d×%d matrix did not converge", n, n)
	}
	vals := es.Values(nil)
	for i, l := range vals {
		if math.IsNaN(l) {
			return nil, fmt.Errorf("precond: Spectrum: eigenvalue %d is NaN (the %d×%d matrix is not finite)", i, n, n)
		}
	}
	return vals, nil
}

// Cond returns the spectral condition number κ(A) = λmax/λmin of the
// symmetric matrix a.
//
// When λmin ≤ 0 (a is not positive definite) it returns +Inf together with
// an error wrapping ErrNotPositiveDefinite that gives both eigenvalues, so
// a caller that only plots κ may ignore the error. Other errors (empty,
// non-finite) come with a NaN κ.
func Cond(a mat.Symmetric) (float64, error) {
	vals, err := Spectrum(a)
	if err != nil {
		return math.NaN(), err
	}
	lmin, lmax := vals[0], vals[len(vals)-1]
	if !(lmin > 0) {
		return math.Inf(1), fmt.Errorf("precond: Cond: λmin = %g ≤ 0 (λmax = %g): %w", lmin, lmax, ErrNotPositiveDefinite)
	}
	return lmax / lmin, nil
}

// CondPlus returns κ⁺ = λmax/λ⁺ of the symmetric positive semidefinite
// matrix a, where λ⁺ is the smallest eigenvalue above tol = rtol·λmax, and
// the numerical rank r (the number of eigenvalues above tol). Eigenvalues
// in [−tol, tol] are taken as the null space and ignored: κ⁺ is the
// condition number of a restricted to its range, which is what governs
// gradient descent when the loss is flat along the null space.
//
// rtol = 0 selects n·ε (n the dimension, ε = 2⁻⁵²), the tolerance numpy's
// matrix_rank uses; otherwise rtol must lie in (0, 1). An eigenvalue below
// −tol, or λmax ≤ 0, gives an error wrapping ErrIndefinite.
func CondPlus(a mat.Symmetric, rtol float64) (kappa float64, rank int, err error) {
	if !(rtol >= 0 && rtol < 1) {
		return math.NaN(), 0, fmt.Errorf("precond: CondPlus: rtol = %g, want 0 ≤ rtol < 1", rtol)
	}
	vals, err := Spectrum(a)
	if err != nil {
		return math.NaN(), 0, err
	}
	n := len(vals)
	lmax := vals[n-1]
	if !(lmax > 0) {
		return math.NaN(), 0, fmt.Errorf("precond: CondPlus: λmax = %g ≤ 0: %w", lmax, ErrIndefinite)
	}
	if rtol == 0 {
		rtol = float64(n) * 0x1p-52
	}
	tol := rtol * lmax
	if vals[0] < -tol {
		return math.NaN(), 0, fmt.Errorf("precond: CondPlus: λmin = %g < −tol = %g: %w", vals[0], -tol, ErrIndefinite)
	}
	lplus := lmax
	for i := n - 1; i >= 0 && vals[i] > tol; i-- {
		lplus = vals[i]
		rank++
	}
	return lmax / lplus, rank, nil
}

// Extended returns the extended input matrix Ĥ = [H; 1ᵀ] of a batch h of
// layer inputs (features × N, one column per sample): h with a row of ones
// appended. For a layer a = W h + b the Hessian block of (W, b) is
// Ĥ D Ĥᵀ, so κ(ĤĤᵀ) bounds how much the inputs alone worsen conditioning:
// κ(ĤDĤᵀ) ≤ κ(D)·κ(ĤĤᵀ).
func Extended(h mat.Matrix) *mat.Dense {
	f, n := h.Dims()
	e := mat.NewDense(f+1, n, nil)
	e.Slice(0, f, 0, n).(*mat.Dense).Copy(h)
	for j := 0; j < n; j++ {
		e.Set(f, j, 1)
	}
	return e
}

// ExtendedGram returns ĤĤᵀ, the (features+1)×(features+1) Gram matrix of
// the extended input matrix of h (see Extended). Its last row holds the
// feature sums and N.
func ExtendedGram(h mat.Matrix) *mat.SymDense {
	e := Extended(h)
	r, _ := e.Dims()
	g := mat.NewSymDense(r, nil)
	g.SymOuterK(1, e)
	return g
}

// InputTransform is a per-feature transform of a batch of layer inputs,
// with the batch mean μⱼ and population standard deviation σⱼ of feature j
// (σ² = mean of squared deviations, as BatchNorm's forward pass uses).
type InputTransform int

// The input transforms compared by InputConditioning.
const (
	Raw          InputTransform = iota // h unchanged
	Centred                            // h − μ
	Scaled                             // h / σ
	Standardized                       // (h − μ) / σ: input standardization, BatchNorm
)

// String returns the transform's name in lower case ("raw", "centred", …).
func (t InputTransform) String() string {
	switch t {
	case Raw:
		return "raw"
	case Centred:
		return "centred"
	case Scaled:
		return "scaled"
	case Standardized:
		return "standardized"
	}
	return fmt.Sprintf("InputTransform(%d)", int(t))
}

// TransformInputs returns a new features × N matrix: h with the transform t
// applied to each feature (row) using that row's mean and population
// standard deviation (two passes: mean, then centred squares). Scaled and
// Standardized fail for a feature whose σ is 0.
func TransformInputs(h mat.Matrix, t InputTransform) (*mat.Dense, error) {
	if t < Raw || t > Standardized {
		return nil, fmt.Errorf("precond: TransformInputs: unknown %v", t)
	}
	f, n := h.Dims()
	out := mat.DenseCopyOf(h)
	if t == Raw {
		return out, nil
	}
	for i := 0; i < f; i++ {
		row := out.RawRowView(i)
		mu := 0.0
		for _, x := range row {
			mu += x
		}
		mu /= float64(n)
		ss := 0.0
		for _, x := range row {
			ss += (x - mu) * (x - mu)
		}
		sigma := math.Sqrt(ss / float64(n))
		if (t == Scaled || t == Standardized) && !(sigma > 0) {
			return nil, fmt.Errorf("precond: TransformInputs: %v: feature %d has σ = %g", t, i, sigma)
		}
		for j, x := range row {
			switch t {
			case Centred:
				row[j] = x - mu
			case Scaled:
				row[j] = x / sigma
			case Standardized:
				row[j] = (x - mu) / sigma
			}
		}
	}
	return out, nil
}

// InputCond returns κ(ĤĤᵀ) for the inputs h (features × N) after the
// transform t: the conditioning of the extended input matrix that a layer
// fed with those inputs sees (SPEC §1). Errors are those of
// TransformInputs and Cond: a singular ĤĤᵀ (N ≤ features, a constant
// feature in Centred, collinear features) gives +Inf with an error, or a huge
// κ when rounding leaves λmin positive.
func InputCond(h mat.Matrix, t InputTransform) (float64, error) {
	x, err := TransformInputs(h, t)
	if err != nil {
		return math.NaN(), err
	}
	k, err := Cond(ExtendedGram(x))
	if err != nil {
		return k, fmt.Errorf("precond: InputCond(%v): %w", t, err)
	}
	return k, nil
}

// InputConds holds κ(ĤĤᵀ) of one batch under each InputTransform.
type InputConds struct {
	Raw, Centred, Scaled, Standardized float64
}

// InputConditioning returns κ(ĤĤᵀ) of the inputs h (features × N) raw,
// centred only, scaled only and standardized: how much of the conditioning
// benefit of normalization comes from removing means and how much from
// equalizing scales. It stops at the first error (see InputCond).
func InputConditioning(h mat.Matrix) (InputConds, error) {
	var c InputConds
	for _, x := range []struct {
		t   InputTransform
		dst *float64
	}{{Raw, &c.Raw}, {Centred, &c.Centred}, {Scaled, &c.Scaled}, {Standardized, &c.Standardized}} {
		k, err := InputCond(h, x.t)
		if err != nil {
			return c, err
		}
		*x.dst = k
	}
	return c, nil
}

// DiagPrecond is a diagonal preconditioner, given by the diagonal m of
// M = P Pᵀ: the matrix that multiplies the gradient, p ← p − η M ∇L.
// The factor is P = diag(√m) (see P), so the intrinsic parameters are
// zᵢ = pᵢ/√mᵢ. Entries must be positive and finite.
type DiagPrecond []float64

// P returns the diagonal of the factor P = diag(√mᵢ), p = P z.
func (m DiagPrecond) P() []float64 {
	d := make([]float64, len(m))
	for i, x := range m {
		d[i] = math.Sqrt(x)
	}
	return d
}

// Jacobi returns the Jacobi preconditioner of a symmetric matrix h with a
// positive diagonal: mᵢ = 1/hᵢᵢ, so PᵀhP has a unit diagonal. For
// h = S C S with S diagonal and C of unit diagonal, κ(PᵀhP) = κ(C).
func Jacobi(h mat.Symmetric) (DiagPrecond, error) {
	return diagFrom("Jacobi", h, func(x float64) float64 { return 1 / x })
}

// SqrtJacobi returns the square-root Jacobi preconditioner mᵢ = 1/√hᵢᵢ of a
// symmetric matrix with a positive diagonal: what an adaptive method
// converges to when |gᵢ| scales like √hᵢᵢ (h = S C S, g ∝ S): PᵀhP =
// S^½ C S^½, so it removes the square root of the scaling's damage.
func SqrtJacobi(h mat.Symmetric) (DiagPrecond, error) {
	return diagFrom("SqrtJacobi", h, func(x float64) float64 { return 1 / math.Sqrt(x) })
}

func diagFrom(name string, h mat.Symmetric, f func(float64) float64) (DiagPrecond, error) {
	n := h.SymmetricDim()
	m := make(DiagPrecond, n)
	for i := range m {
		x := h.At(i, i)
		if !(x > 0) || math.IsInf(x, 1) {
			return nil, fmt.Errorf("precond: %s: h[%d,%d] = %g, want finite and > 0", name, i, i, x)
		}
		m[i] = f(x)
	}
	return m, nil
}

// AdamLike returns the preconditioner of Adam, RMSProp and AdaGrad from a
// second-moment vector v (bias-corrected, v̂ᵢ ≥ 0) and eps > 0:
// mᵢ = 1/(√v̂ᵢ + ε), the M = PPᵀ of SPEC §1 (the kernels' denominator
// d = √v̂ + ε is 1/mᵢ).
func AdamLike(v []float64, eps float64) (DiagPrecond, error) {
	if !(eps > 0) || math.IsInf(eps, 1) {
		return nil, fmt.Errorf("precond: AdamLike: eps = %g, want finite and > 0", eps)
	}
	m := make(DiagPrecond, len(v))
	for i, x := range v {
		if !(x >= 0) || math.IsInf(x, 1) {
			return nil, fmt.Errorf("precond: AdamLike: v[%d] = %g, want finite and ≥ 0", i, x)
		}
		m[i] = 1 / (math.Sqrt(x) + eps)
	}
	return m, nil
}

// CondDiag returns κ(PᵀhP) for the diagonal preconditioner m (P = diag(√m),
// so PᵀhP = M^½ h M^½, similar to M h): the condition number that governs
// the preconditioned step p ← p − η M ∇L. It panics if len(m) differs from
// h's dimension, fails (NaN κ) if an entry of m is not finite and positive,
// and otherwise fails as Cond does.
func CondDiag(h mat.Symmetric, m DiagPrecond) (float64, error) {
	n := h.SymmetricDim()
	if len(m) != n {
		panic(fmt.Sprintf("precond: CondDiag: len(m) = %d, h is %d×%d", len(m), n, n))
	}
	for i, x := range m {
		if !(x > 0) || math.IsInf(x, 1) {
			return math.NaN(), fmt.Errorf("precond: CondDiag: m[%d] = %g, want finite and > 0", i, x)
		}
	}
	d := m.P()
	b := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			b.SetSym(i, j, d[i]*h.At(i, j)*d[j])
		}
	}
	return Cond(b)
}

// CondCongruent returns κ(PᵀhP) for any n×k matrix p (h n×n symmetric):
// the conditioning of gradient descent on the intrinsic parameters z of
// p = P z. PᵀhP is symmetrized ((B+Bᵀ)/2) before the eigenvalues are
// taken. It panics if p has the wrong number of rows, and fails as Cond
// does (κ = +Inf when k > n or P is singular).
func CondCongruent(h mat.Symmetric, p mat.Matrix) (float64, error) {
	n := h.SymmetricDim()
	r, k := p.Dims()
	if r != n {
		panic(fmt.Sprintf("precond: CondCongruent: P is %d×%d, h is %d×%d", r, k, n, n))
	}
	var hp, b mat.Dense
	hp.Mul(h, p)
	b.Mul(p.T(), &hp)
	s := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			s.SetSym(i, j, (b.At(i, j)+b.At(j, i))/2)
		}
	}
	return Cond(s)
}

// BNPFactor returns BNP's implicit factor T, (n+1)×(n+1), for one row
// (w, b) of a layer a = W h + b whose n inputs have running mean mu and
// variance sigma2 (SPEC §1):
//
//	T = [ diag(r)     0 ]      rⱼ = 1/√(σⱼ² + ε)
//	    [ −μᵀdiag(r)  1 ]
//
// (w, b) = T (v, c) maps the standardized layer a = V((h−μ)/√(σ²+ε)) + c
// to the plain one, so TᵀĤ is the standardized extended input matrix and
// κ(Tᵀ ĤĤᵀ T) is its κ (CondCongruent). M = T Tᵀ is BNP's gradient
// transform: M (g_w, g_b) = (U, u_b) with U = (g_w − g_b μ)·r²,
// u_b = g_b − Uᵀμ. eps ≥ 0; every σⱼ² + ε must be positive.
func BNPFactor(mu, sigma2 []float64, eps float64) (*mat.Dense, error) {
	n := len(mu)
	if len(sigma2) != n {
		panic(fmt.Sprintf("precond: BNPFactor: len(mu) = %d, len(sigma2) = %d", n, len(sigma2)))
	}
	if !(eps >= 0) || math.IsInf(eps, 1) {
		return nil, fmt.Errorf("precond: BNPFactor: eps = %g, want finite and ≥ 0", eps)
	}
	t := mat.NewDense(n+1, n+1, nil)
	for j := 0; j < n; j++ {
		s := sigma2[j] + eps
		if !(s > 0) || math.IsInf(s, 1) || math.IsNaN(mu[j]) || math.IsInf(mu[j], 0) {
			return nil, fmt.Errorf("precond: BNPFactor: input %d: μ = %g, σ² + ε = %g, want finite and σ² + ε > 0", j, mu[j], s)
		}
		r := 1 / math.Sqrt(s)
		t.Set(j, j, r)
		t.Set(n, j, -mu[j]*r)
	}
	t.Set(n, n, 1)
	return t, nil
}

// DefaultFDStep is FDHessian's relative step when it is given step ≤ 0:
// ε^¼ = 2⁻¹³ ≈ 1.2e-4 (ε = 2⁻⁵²), which balances the O(h²) truncation error
// of central second differences against their O(ε/h²) rounding error.
const DefaultFDStep = 0x1p-13

// FDHessian returns the Hessian of loss at p by central differences, with
// step hᵢ = step·max(1, |pᵢ|) per coordinate (step ≤ 0 selects
// DefaultFDStep), nudged so that pᵢ+hᵢ is exact:
//
//	Hᵢᵢ = (f(p+hᵢeᵢ) − 2f(p) + f(p−hᵢeᵢ)) / hᵢ²
//	Hᵢⱼ = (f(p+hᵢeᵢ+hⱼeⱼ) − f(p+hᵢeᵢ−hⱼeⱼ) − f(p−hᵢeᵢ+hⱼeⱼ) + f(p−hᵢeᵢ−hⱼeⱼ)) / (4hᵢhⱼ)
//
// Both are exact for quadratics up to rounding, about ε·|f|/h². It costs
// 2n² + 1 evaluations of loss (n = len(p)), calls it sequentially with a
// scratch slice it may not keep, and leaves p unchanged. Non-finite loss
// values give non-finite entries. It panics if p is empty.
func FDHessian(loss func([]float64) float64, p []float64, step float64) *mat.SymDense {
	n := len(p)
	if n == 0 {
		panic("precond: FDHessian: len(p) = 0")
	}
	if !(step > 0) {
		step = DefaultFDStep
	}
	h := make([]float64, n)
	for i, x := range p {
		hi := step * math.Max(1, math.Abs(x))
		h[i] = (x + hi) - x
	}
	x := append([]float64(nil), p...)
	at := func(i int, si float64, j int, sj float64) float64 {
		copy(x, p)
		x[i] += si * h[i]
		if j >= 0 {
			x[j] += sj * h[j]
		}
		return loss(x)
	}
	f0 := loss(x)
	hs := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		hs.SetSym(i, i, (at(i, 1, -1, 0)-2*f0+at(i, -1, -1, 0))/(h[i]*h[i]))
		for j := i + 1; j < n; j++ {
			v := at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)
			hs.SetSym(i, j, v/(4*h[i]*h[j]))
		}
	}
	return hs
}
