package nb_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/nb"
)

func TestAnswerTo(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name              string
		question, hint    string
		got, want, relTol float64
		ok                bool
		contains, lacks   []string
	}{
		{name: "exact", question: "score at x = -2.5", got: 2, want: 2, relTol: 0.02, ok: true,
			contains: []string{"✓ score at x = -2.5: 2 is correct (exact value 2)."}},
		{name: "within tolerance", question: "q", got: 0.449, want: 0.45, relTol: 0.01, ok: true,
			contains: []string{"✓", "0.449 is correct", "exact value 0.45"}},
		{name: "negative want", question: "q", got: -1.99, want: -2, relTol: 0.01, ok: true, contains: []string{"✓"}},
		{name: "outside tolerance", question: "q", hint: "look at the figure", got: 0.5, want: 0.45, relTol: 0.01,
			contains: []string{"✗ q: 0.5 is not it yet. Hint: look at the figure"}, lacks: []string{"0.45"}},
		{name: "wrong sign", question: "q", got: 2, want: -2, relTol: 0.5, contains: []string{"✗"}},
		{name: "no hint", question: "q", got: 1, want: 2, relTol: 0.1, contains: []string{"not it yet. Try again."}},
		{name: "zero want is absolute", question: "q", got: 0.004, want: 0, relTol: 0.01, ok: true, contains: []string{"✓"}},
		{name: "zero want, too far", question: "q", got: 0.02, want: 0, relTol: 0.01, contains: []string{"✗"}},
		{name: "default tolerance", question: "q", got: 1 + 1e-7, want: 1, relTol: 0, ok: true, contains: []string{"✓"}},
		{name: "default tolerance, too far", question: "q", got: 1 + 1e-5, want: 1, relTol: nan, contains: []string{"✗"}},
		{name: "negative tolerance", question: "q", got: 1.5, want: 1, relTol: -1, contains: []string{"✗"}},
		{name: "NaN answer", question: "q", hint: "h", got: nan, want: 1, relTol: 0.1, contains: []string{"✗ q: your answer is NaN, not a number. Hint: h"}},
		{name: "infinite answer", question: "q", got: -inf, want: 1, relTol: 0.1, contains: []string{"-Inf, not a number"}},
		{name: "NaN want", question: "q", got: 1, want: nan, relTol: 0.1, contains: []string{"? q: cannot check"}},
		{name: "infinite want", question: "q", got: inf, want: inf, relTol: 0.1, contains: []string{"cannot check"}},
		{name: "multi-line text", question: "line one\n  line two", hint: "a\nb", got: 3, want: 1, relTol: 0.1,
			contains: []string{"✗ line one line two: 3 is not it yet. Hint: a b"}},
		{name: "empty question", got: 1, want: 1, relTol: 0.1, ok: true, contains: []string{"✓ answer: 1 is correct"}},
		{name: "large values", question: "q", got: 123456789, want: 123456000, relTol: 1e-3, ok: true, contains: []string{"1.23457e+08"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			ok := nb.AnswerTo(&buf, c.question, c.got, c.want, c.relTol, c.hint)
			out := buf.String()
			if ok != c.ok {
				t.Errorf("ok = %v, want %v (output %q)", ok, c.ok, out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("output %q is not exactly one line", out)
			}
			for _, s := range c.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output %q lacks %q", out, s)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(out, s) {
					t.Errorf("output %q gives away %q", out, s)
				}
			}
		})
	}
}

// failingWriter fails every write: AnswerTo must still return its verdict, without panicking.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestAnswerToFailingWriter(t *testing.T) {
	if !nb.AnswerTo(failingWriter{}, "q", 1, 1, 0.1, "") {
		t.Error("right answer reported wrong when the writer fails")
	}
}
