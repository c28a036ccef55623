package paper

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Table is one printed result: a title, a header, rows of cells and notes
// below.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string
}

// add appends a row of cells.
func (t *Table) add(cells ...string) { t.Rows = append(t.Rows, cells) }

// note appends a line under the table.
func (t *Table) note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// Fprint writes the table aligned in columns.
func (t *Table) Fprint(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%s\n%s\n", t.Title, strings.Repeat("=", len([]rune(t.Title)))); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(cells []string) {
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}
	line(t.Header)
	rule := make([]string, len(t.Header))
	for i, h := range t.Header {
		rule[i] = strings.Repeat("-", len([]rune(h)))
	}
	line(rule)
	for _, r := range t.Rows {
		line(r)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range t.Notes {
		if _, err := fmt.Fprintf(w, "  %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

// g formats a number with 3 significant digits ("—" for NaN, "∞" for +Inf).
func g(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case math.IsInf(x, 1):
		return "∞"
	}
	return fmt.Sprintf("%.3g", x)
}

// gp formats a number with p significant digits.
func gp(x float64, p int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return g(x)
	}
	return fmt.Sprintf("%.*g", p, x)
}

// printTables prints tables separated by blank lines.
func printTables(w io.Writer, ts ...*Table) error {
	for i, t := range ts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := t.Fprint(w); err != nil {
			return err
		}
	}
	return nil
}
