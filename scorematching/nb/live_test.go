package nb

import "testing"

func TestGeometricEpochs(t *testing.T) {
	got := geometricEpochs(1000, 12)
	for _, e := range []int{0, 1, 999} {
		if !got[e] {
			t.Errorf("epochs of a 1000-epoch run: %v lacks %d", got, e)
		}
	}
	if len(got) < 10 || len(got) > 12 {
		t.Errorf("%d epochs picked, want about 12: %v", len(got), got)
	}
	early := 0
	for e := range got {
		if e < 100 {
			early++
		}
	}
	if early < 6 {
		t.Errorf("only %d of the epochs are in the first tenth of the run: %v", early, got)
	}
	if short := geometricEpochs(3, 12); len(short) != 3 {
		t.Errorf("a 3-epoch run: %v, want every epoch", short)
	}
}
