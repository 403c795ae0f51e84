package bench

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMeasureRounds: with several rounds, measure reports the fastest one (here the middle one,
// whose calls sleep 1 ms against 20 ms in the others: neither the first, the last nor the mean),
// each call gets the next input, and a number of rounds that is not positive is refused with an
// error naming it.
func TestMeasureRounds(t *testing.T) {
	var inputs []int
	const steps, perCall = 4, 2 // Two calls a round.
	r, err := measure(context.Background(), "test", "test", 2, steps, perCall, 3, func(i int) error {
		inputs = append(inputs, i)
		switch {
		case i > warmUpSteps+2 && i <= warmUpSteps+4: // The middle round: fast.
			time.Sleep(time.Millisecond)
		case i > warmUpSteps:
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.MsPerStep < 0.5 || r.MsPerStep > 5 { // 1 ms a call of two steps: 0.5 ms a step, plus scheduling.
		t.Errorf("%.2f ms a step, want the fast round's (about 0.5; a slow one gives 10)", r.MsPerStep)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(inputs, want) { // Compile, 3 warm-ups, 3 rounds of 2 calls.
		t.Errorf("inputs %v, want %v", inputs, want)
	}
	if _, err := measure(context.Background(), "test", "test", 2, steps, perCall, 0, func(int) error { return nil }); err == nil || !strings.Contains(err.Error(), "got 0") {
		t.Errorf("0 rounds: error %v", err)
	}
}
