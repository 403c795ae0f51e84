package main

import (
	"strings"
	"testing"
)

// TestHelpExitsZero: help asked for in any of its spellings, at the top level and for every
// command, prints the usage on stderr and exits 0 without running anything.
func TestHelpExitsZero(t *testing.T) {
	var cases [][]string
	for _, h := range []string{"help", "-h", "--help", "-help"} {
		cases = append(cases, []string{h})
	}
	for name := range commands {
		for _, h := range []string{"-h", "--help", "-help"} {
			cases = append(cases, []string{name, h})
		}
		cases = append(cases, []string{"help", name})
	}
	cases = append(cases, []string{"train", "--epochs", "3", "-h"}, []string{"score", "--model", "nope", "--help"})
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, args...)
			want := "Usage: scorematching COMMAND"
			if len(args) > 1 {
				want = "Usage: scorematching " + args[0]
				if args[0] == "help" {
					want = "Usage: scorematching " + args[1]
				}
			}
			checkFailure(t, code, 0, stderr, []string{want})
			if stdout != "" {
				t.Errorf("help wrote to stdout: %q", stdout)
			}
		})
	}
}

// TestUsageExitsTwo: bad flags, stray arguments and missing required flags print a line naming
// the problem and the usage, and exit 2.
func TestUsageExitsTwo(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--epochs", "1"}, "scorematching train: missing required flag --out"},
		{[]string{"reproduce", "--epochs", "1"}, "scorematching reproduce: missing required flag --out"},
		{[]string{"score", "--model", dir}, "scorematching score: missing required flag --points"},
		{[]string{"score", "--points", "p.csv"}, "scorematching score: missing required flag --model"},
		{[]string{"sample", "--n", "3"}, "scorematching sample: missing required flag --model"},
		{[]string{"bench", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"bench", "--steps", "x"}, `invalid value "x"`},
		{[]string{"bench", "extra"}, "unexpected argument(s): extra"},
		{[]string{"datasets", "extra"}, "unexpected argument(s): extra"},
		{[]string{"sample", "--model", dir, "more"}, "unexpected argument(s): more"},
		{[]string{"reproduce", "--out", dir, "--seed", "-1"}, `invalid value "-1"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"help", "train", "score"}, "unexpected argument(s): score"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, c.args...)
			usage := "Usage: scorematching "
			if c.args[0] != "help" {
				usage += c.args[0]
			}
			checkFailure(t, code, 2, stderr, []string{c.want, usage})
			if stdout != "" {
				t.Errorf("usage error wrote to stdout: %q", stdout)
			}
		})
	}
}
