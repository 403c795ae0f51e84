package loss

import (
	"fmt"
	"sort"
	"strings"
)

// byName lists the losses the command line and the notebooks can ask for by name.
var byName = map[string]Func{
	"exact":       Exact,
	"blog-flawed": BlogFlawed,
}

// ByName returns the loss called name ("exact", or "blog-flawed" for demonstrations).
func ByName(name string) (Func, error) {
	if f, ok := byName[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown loss %q: known losses are %s", name, strings.Join(Names(), ", "))
}

// Names lists the known loss names in alphabetical order.
func Names() []string {
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
