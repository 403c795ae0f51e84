package files

import "testing"

func TestUnmarshalStrict(t *testing.T) {
	type rec struct {
		A int
		B []struct{ C int }
	}
	var r rec
	if err := UnmarshalStrict([]byte(` {"A": 1, "B": [{"C": 2}]} `), &r); err != nil || r.A != 1 || r.B[0].C != 2 {
		t.Errorf("a good document: %+v, %v", r, err)
	}
	for _, bad := range []string{`{"A": 1, "X": 2}`, `{"B": [{"C": 2, "D": 3}]}`, `{"A": 1} {"A": 2}`, `{"A": 1`, ``} {
		if err := UnmarshalStrict([]byte(bad), &rec{}); err == nil {
			t.Errorf("UnmarshalStrict(%q): no error", bad)
		}
	}
}
