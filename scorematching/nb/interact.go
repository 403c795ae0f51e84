package nb

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/plots"
)

// A Control is one input of Interact: a Slider or a Choice.
type Control interface {
	label() string
	positions() int             // How many values the control can take.
	start() (int, error)        // The starting position, or an error naming the bad field.
	format(position int) string // The value at a position, as shown beside the control.
}

// Slider is a control that steps through Values (in the order given), shown as a range input with
// the current value beside it. Value is where it starts: the entry of Values nearest to it.
// Format formats the value shown (default "%.4g": 0.001, 2000, 1e-05).
type Slider struct {
	Label  string
	Values []float64
	Value  float64
	Format string
}

func (s Slider) label() string  { return s.Label }
func (s Slider) positions() int { return len(s.Values) }

func (s Slider) start() (int, error) {
	if len(s.Values) < 2 {
		return 0, fmt.Errorf("slider %q: %d values, it needs at least 2", s.Label, len(s.Values))
	}
	best := -1
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("slider %q: value %d is %v", s.Label, i, v)
		}
		if best < 0 || math.Abs(v-s.Value) < math.Abs(s.Values[best]-s.Value) {
			best = i
		}
	}
	return best, nil
}

func (s Slider) format(position int) string {
	f := s.Format
	if f == "" {
		f = "%.4g"
	}
	return fmt.Sprintf(f, s.Values[position])
}

// Choice is a control that picks one of Options, shown as a drop-down list. Value is the option
// it starts on.
type Choice struct {
	Label   string
	Options []string
	Value   string
}

func (c Choice) label() string  { return c.Label }
func (c Choice) positions() int { return len(c.Options) }

func (c Choice) start() (int, error) {
	for i, o := range c.Options {
		if o == c.Value {
			return i, nil
		}
	}
	return 0, fmt.Errorf("choice %q: the starting value %q is not one of its %d options %q", c.Label, c.Value, len(c.Options), c.Options)
}

func (c Choice) format(position int) string { return c.Options[position] }

// Values are the controls' current values, read by label.
type Values struct {
	numbers map[string]float64
	texts   map[string]string
	text    string
}

// Float is the value of the slider labelled label (NaN if there is none).
func (v Values) Float(label string) float64 {
	if x, ok := v.numbers[label]; ok {
		return x
	}
	return math.NaN()
}

// Choice is the option picked in the choice labelled label ("" if there is none).
func (v Values) Choice(label string) string { return v.texts[label] }

// String lists the values as "label = value" pairs, in the controls' order.
func (v Values) String() string { return v.text }

// View is what Interact shows for one setting of the controls: figures side by side, and lines
// of text under them.
type View struct {
	Plots []*plot.Plot
	Text  string
}

// NoWidgetsEnv is the environment variable that, set to 1, makes Interact draw only its starting
// view, at once: headless runners (nbclient, nbconvert) have no browser to draw the controls in.
// Without it, Interact waits up to WidgetTimeout for the browser before it does the same.
const NoWidgetsEnv = "GOSM_NO_WIDGETS"

// WidgetTimeout is how long Interact waits for the browser to draw its controls. StartTimeout is
// how long the controls stay live if nobody moves them (so that Run All goes on by itself), and
// IdleTimeout how long they stay live after a move without another, before Interact returns on
// its own.
var (
	WidgetTimeout = 10 * time.Second
	StartTimeout  = 2 * time.Minute
	IdleTimeout   = 30 * time.Minute
)

// Interact shows controls (sliders, choices) above a view that draw builds for their values, and
// redraws the view in place whenever a control moves; while a slider is dragged, only its latest
// position is drawn. The view starts at the controls' starting values and is drawn at once, so
// a reader of the saved notebook sees it even without a kernel; its caption names the values it
// shows. An error from draw is shown in the view, in red, and the controls stay live.
//
// The cell keeps running while the controls are live (a notebook's Run All waits there): it ends
// when the Done button is clicked, the kernel is interrupted (the stop button), after
// StartTimeout if the controls are never moved, or after IdleTimeout without a move. Outside a
// browser (a plain program, a headless runner, NoWidgetsEnv set to 1, or no answer from the
// browser within WidgetTimeout) only the starting view is drawn. A bad control (a slider of fewer
// than two values, a choice whose starting value is not an option) stops the cell with a message
// naming it.
func Interact(controls []Control, draw func(Values) (View, error)) {
	pos := make([]int, len(controls))
	for i, c := range controls {
		pos[i] = Must(c.start())
	}
	viewID := "interact_view_" + gonbui.UniqueID()
	still := !gonbui.IsNotebook || os.Getenv(NoWidgetsEnv) == "1"
	note := "Run this cell in JupyterLab to move the controls; this is the view at their starting values."
	var v Values
	var view View
	var drawErr error
	redraw := func() { v = valuesAt(controls, pos); view, drawErr = draw(v) }
	show := func(n string) {
		if !gonbui.IsNotebook {
			printView(v, view, drawErr)
			return
		}
		gonbui.UpdateHTML(viewID, viewHTML(v, view, drawErr, n))
		gonbui.Sync()
	}
	redraw()
	if still {
		show(note)
		return
	}
	divID := dom.CreateTransientDiv() // The controls go above the view.
	show("")
	live, err := startControls(divID, controls, pos)
	if err != nil {
		show(note) // The same view, with the note for readers.
		return
	}
	why := live.loop(Context(), func() {
		live.mu.Lock()
		copy(pos, live.pos)
		live.mu.Unlock()
		redraw()
		show("")
	})
	live.close(why, valuesAt(controls, pos))
}

// valuesAt is the controls' values at the positions pos.
func valuesAt(controls []Control, pos []int) Values {
	v := Values{numbers: map[string]float64{}, texts: map[string]string{}}
	var parts []string
	for i, c := range controls {
		switch c := c.(type) {
		case Slider:
			v.numbers[c.Label] = c.Values[pos[i]]
		case Choice:
			v.texts[c.Label] = c.Options[pos[i]]
		}
		parts = append(parts, c.label()+" = "+c.format(pos[i]))
	}
	v.text = strings.Join(parts, ", ")
	return v
}

// viewHTML is the view as HTML: the figures, the values they show, the view's text, an error in
// red, and a note in grey.
func viewHTML(v Values, view View, err error, note string) string {
	var b strings.Builder
	b.WriteString(`<div>`)
	if err == nil && len(view.Plots) > 0 {
		if png, perr := plots.PNG(view.Plots...); perr != nil {
			err = perr
		} else {
			b.WriteString(plots.PNGHTML(png, v.text))
		}
	}
	fmt.Fprintf(&b, `<pre style="margin:0.3em 0">%s`, html.EscapeString(v.text))
	if view.Text != "" {
		b.WriteString("\n" + html.EscapeString(strings.TrimRight(view.Text, "\n")))
	}
	b.WriteString(`</pre>`)
	if err != nil {
		fmt.Fprintf(&b, `<pre style="color:#c00;margin:0.3em 0">error: %s</pre>`, html.EscapeString(err.Error()))
	}
	if note != "" {
		fmt.Fprintf(&b, `<div style="color:#777;font-size:small">%s</div>`, html.EscapeString(note))
	}
	b.WriteString(`</div>`)
	return b.String()
}

// printView is the view outside a notebook: its values, text and error on standard output.
func printView(v Values, view View, err error) {
	fmt.Println(v.text)
	if view.Text != "" {
		fmt.Println(strings.TrimRight(view.Text, "\n"))
	}
	if err != nil {
		fmt.Println("error:", err)
	}
}

// liveControls are the controls drawn in the browser, and what their moves change.
type liveControls struct {
	controls []Control
	divID    string
	valueIDs []string      // The elements showing each control's value.
	done     chan struct{} // A click of the Done button.
	moved    chan struct{} // A control moved (one pending signal at most).
	mu       sync.Mutex
	pos      []int // The controls' positions, guarded by mu.
	closers  []func()
}

// startControls draws the controls and a Done button in the browser, in the element divID, and
// starts following them. GoNB's widgets wait for the browser to answer: if it has not within
// WidgetTimeout (no browser), the error says so.
func startControls(divID string, controls []Control, pos []int) (*liveControls, error) {
	l := &liveControls{controls: controls, divID: divID, pos: append([]int(nil), pos...),
		done: make(chan struct{}, 1), moved: make(chan struct{}, 1)}
	built := make(chan struct{})
	go func() { // Each widget's Done blocks until the browser answers.
		for i, c := range controls {
			row, valueID := "interact_row_"+gonbui.UniqueID(), "interact_value_"+gonbui.UniqueID()
			l.valueIDs = append(l.valueIDs, valueID)
			dom.Append(l.divID, fmt.Sprintf(`<div id="%s" style="font-family:monospace;margin:0.2em 0">`+
				`<span style="display:inline-block;min-width:10em">%s</span></div>`, row, html.EscapeString(c.label())))
			switch c := c.(type) {
			case Slider:
				s := widgets.Slider(0, len(c.Values)-1, pos[i]).AppendTo(row).Done()
				l.follow(i, s.Listen().LatestOnly())
			case Choice:
				s := widgets.Select(c.Options).SetDefault(pos[i]).AppendTo(row).Done()
				l.follow(i, s.Listen().LatestOnly())
			}
			dom.Append(row, fmt.Sprintf(` <span id="%s">%s</span>`, valueID, html.EscapeString(c.format(pos[i]))))
		}
		clicks := widgets.Button("Done").AppendTo(l.divID).Done().Listen()
		l.closers = append(l.closers, clicks.Close)
		go func() {
			for range clicks.C {
				select {
				case l.done <- struct{}{}:
				default:
				}
			}
		}()
		close(built)
	}()
	select {
	case <-built:
		return l, nil
	case <-time.After(WidgetTimeout):
		dom.Remove(l.divID)
		return nil, errors.New("the browser did not draw the controls")
	}
}

// follow records the moves of control i, arriving on ch, and signals them on l.moved.
func (l *liveControls) follow(i int, ch *comms.AddressChan[int]) {
	l.closers = append(l.closers, ch.Close)
	go func() {
		for p := range ch.C {
			if p < 0 || p >= l.controls[i].positions() {
				continue // Not a position of this control.
			}
			l.mu.Lock()
			l.pos[i] = p
			l.mu.Unlock()
			select {
			case l.moved <- struct{}{}:
			default: // A redraw is already pending: it will read the latest positions.
			}
		}
	}()
}

// loop redraws (with redraw) after every move, until the Done button, ctx's end, StartTimeout
// without a first move or IdleTimeout without another. It returns why it stopped.
func (l *liveControls) loop(ctx context.Context, redraw func()) string {
	idle, limit := time.NewTimer(StartTimeout), StartTimeout
	defer idle.Stop()
	for {
		select {
		case <-l.moved:
			l.mu.Lock()
			for i, id := range l.valueIDs {
				dom.SetInnerText(id, l.controls[i].format(l.pos[i]))
			}
			l.mu.Unlock()
			redraw()
			idle.Reset(IdleTimeout)
			limit = IdleTimeout
		case <-l.done:
			return "Done clicked"
		case <-ctx.Done():
			return "interrupted"
		case <-idle.C:
			return fmt.Sprintf("no move for %s", limit)
		}
	}
}

// close stops following the controls and replaces them by a line saying why they closed.
func (l *liveControls) close(why string, v Values) {
	for _, c := range l.closers {
		c()
	}
	dom.SetInnerHtml(l.divID, fmt.Sprintf(`<div style="color:#777;font-size:small">Controls closed (%s) at %s; run the cell again to reopen them.</div>`,
		html.EscapeString(why), html.EscapeString(v.String())))
}

// Range is n evenly spaced values from lo to hi, both included: the values of a Slider.
func Range(lo, hi float64, n int) ([]float64, error) {
	if n < 2 || !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, fmt.Errorf("range from %v to %v in %d values: it needs lo < hi, both finite, and n >= 2", lo, hi, n)
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	out[n-1] = hi
	return out, nil
}

// LogRange is n values from lo to hi, both included, evenly spaced on a log scale (each the
// previous one times the same factor): the values of a Slider over several orders of magnitude.
func LogRange(lo, hi float64, n int) ([]float64, error) {
	if !(lo > 0) {
		return nil, fmt.Errorf("log range from %v to %v: lo must be positive", lo, hi)
	}
	logs, err := Range(math.Log(lo), math.Log(hi), n)
	if err != nil {
		return nil, fmt.Errorf("log range from %v to %v in %d values: it needs 0 < lo < hi, both finite, and n >= 2", lo, hi, n)
	}
	for i, l := range logs {
		logs[i] = math.Exp(l)
	}
	logs[0], logs[n-1] = lo, hi
	return logs, nil
}
