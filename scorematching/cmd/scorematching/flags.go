package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags returns a flag set for command name whose errors and help go to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: scorematching %s %s\n\nOptions:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and refuses stray positional arguments. Help (-h, -help, --help) returns
// errHelp after the usage is printed; bad flags and stray arguments return errUsage after it.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "scorematching %s: unexpected argument(s): %s\n", fs.Name(), strings.Join(fs.Args(), " "))
		fs.Usage()
		return errUsage
	}
	return nil
}

// required checks that every flag in names was set. For the first one that was not, it prints a
// line naming it and the usage, and returns an error that wraps errUsage (exit status 2).
func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			fmt.Fprintf(fs.Output(), "scorematching %s: missing required flag --%s\n", fs.Name(), n)
			fs.Usage()
			return fmt.Errorf("missing required flag --%s: %w", n, errUsage)
		}
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// setFlagsExcept returns the flags given on the command line other than allowed.
func setFlagsExcept(fs *flag.FlagSet, allowed ...string) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		for _, a := range allowed {
			if f.Name == a {
				return
			}
		}
		out = append(out, f.Name)
	})
	return out
}
