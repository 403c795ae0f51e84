package nb

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// DefaultTolerance is the relative tolerance Answer uses when it is given none (relTol <= 0 or
// NaN).
const DefaultTolerance = 1e-6

// Answer checks a student's numeric answer to an exercise and prints a one-line verdict on
// standard output: "✓ <question>: <got> is correct" when got is within relTol of want, else
// "✗ <question>: <got> is not it yet. Hint: <hint>". It returns whether the answer was right.
//
// The tolerance is relative: |got - want| <= relTol |want|, or |got - want| <= relTol when want
// is 0. Use it for answers a student derives by hand or reads off a figure (e.g. relTol 0.02
// for "about 2%"); relTol <= 0 (or NaN) means DefaultTolerance. The verdict never gives the
// expected value away before the answer is right; once it is, it shows the exact value, so a
// rounded answer can be compared with it.
//
// Answer never panics and never stops the cell: a NaN or infinite answer, or an expected value
// that cannot be checked, gets a verdict line like any other. Exercises in every notebook use it,
// in a cell the student edits:
//
//	%%
//	myAnswer := 0.0 // ← your value
//	nb.Answer("score at x = -2.5", myAnswer, mix.ScoreAt(-2.5), 0.02, "one component dominates there")
func Answer(question string, got, want, relTol float64, hint string) bool {
	return AnswerTo(os.Stdout, question, got, want, relTol, hint)
}

// AnswerTo is Answer writing its verdict to w (errors writing are ignored).
func AnswerTo(w io.Writer, question string, got, want, relTol float64, hint string) bool {
	ok, line := verdict(oneLine(question), got, want, relTol, oneLine(hint))
	_, _ = io.WriteString(w, line+"\n")
	return ok
}

// verdict returns whether got is right and the line that says so.
func verdict(question string, got, want, relTol float64, hint string) (bool, string) {
	if question == "" {
		question = "answer"
	}
	if math.IsNaN(relTol) || relTol <= 0 {
		relTol = DefaultTolerance
	}
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return false, fmt.Sprintf("? %s: cannot check, the expected value is %v (a bug in the notebook, not in your answer)", question, want)
	}
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return false, fmt.Sprintf("✗ %s: your answer is %v, not a number. %s", question, got, hintText(hint))
	}
	tol := relTol * math.Abs(want)
	if want == 0 {
		tol = relTol
	}
	if math.Abs(got-want) <= tol {
		return true, fmt.Sprintf("✓ %s: %s is correct (exact value %s).", question, number(got), number(want))
	}
	return false, fmt.Sprintf("✗ %s: %s is not it yet. %s", question, number(got), hintText(hint))
}

func hintText(hint string) string {
	if hint == "" {
		return "Try again."
	}
	return "Hint: " + hint
}

// number formats a value with up to 6 significant digits ("0.45", "-2", "1.23457e+08").
func number(v float64) string { return fmt.Sprintf("%.6g", v) }

// oneLine joins the lines of s with spaces and trims it, so that the verdict stays on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
