package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gosm/gosm/scorematching/toy"
)

func runDatasets(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("datasets", "", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, name := range toy.Names() {
		d, err := toy.New(name, nil)
		if err != nil {
			return err
		}
		ps, err := toy.ParamsOf(name)
		if err != nil {
			return err
		}
		var params []string
		for _, p := range ps {
			params = append(params, fmt.Sprintf("%s=%g", p.Name, p.Default))
		}
		fmt.Fprintf(stdout, "%-13s %dD: %s\n    --data-params %s\n", name, d.Dim(), toy.Describe(name), strings.Join(params, ","))
	}
	return nil
}
