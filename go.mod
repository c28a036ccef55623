module github.com/kappa-ml/kappa

go 1.26.8

require golang.org/x/sys v0.50.0
