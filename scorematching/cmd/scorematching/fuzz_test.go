package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// FuzzSplitInts: a list either parses into the integers it spells or gives an error naming it.
func FuzzSplitInts(f *testing.F) {
	for _, s := range []string{"2,64,128,64,2", "", ",", "2,,2", "2;3", "1e3", "-1,2", " 3 , 4 ", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := splitInts(s)
		if err != nil {
			if !strings.Contains(err.Error(), "integers") {
				t.Errorf("error %q does not say what was expected", err)
			}
			return
		}
		if len(got) != len(strings.Split(s, ",")) {
			t.Errorf("%q parsed into %v", s, got)
		}
	})
}

// FuzzFlags: any command line of the train, reproduce and score commands either fails fast with a
// usage error or a message (exit 2 or 1) or is a valid run; it never panics. Runs that would
// train are cut short by a cancelled context.
func FuzzFlags(f *testing.F) {
	for _, s := range []string{"train --epochs 0", "train --lr -1 --out /nonexistent/x", "score --model", "train --sizes 2,x",
		"train --resume", "score --points /nope.csv --model /nope", "train --seed -1", "train --dataset nope --out x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) > 0 && (args[0] == "lab" || args[0] == "bench") {
			return // lab starts a server, bench runs for as many steps as asked: not for fuzzing.
		}
		for _, a := range args {
			if a == "-" {
				return // Reads standard input.
			}
			if strings.HasPrefix(a, "--out") || strings.HasPrefix(a, "--resume") || strings.HasPrefix(a, "-out") || strings.HasPrefix(a, "-resume") {
				return // Would write to the file system.
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Anything that gets as far as training stops at once.
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, &stdout, &stderr)
		if code < 0 || code > 2 {
			t.Errorf("%q: exit status %d", line, code)
		}
		if code != 0 && strings.Contains(stderr.String(), "goroutine ") {
			t.Errorf("%q: a panic trace on stderr: %s", line, stderr.String())
		}
	})
}
