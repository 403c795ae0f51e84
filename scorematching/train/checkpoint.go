package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
)

// Checkpoint file identification; LoadCheckpoint refuses anything else.
const (
	CheckpointFormat = "gosm-checkpoint"
	// CheckpointVersion 2 added the run's identity (Checkpoint.Identity); version 1 files are
	// refused, since what run they belong to cannot be checked.
	CheckpointVersion = 2
	// CheckpointFile is the checkpoint's file name inside a run directory.
	CheckpointFile = "checkpoint.json"
)

// Checkpoint is the whole state of a training run after a number of complete epochs: every
// variable of the model.Store (the network's weights, Adam's moments and step counter, the random
// generator's state), the loss history, the configuration and the run's identity. Resuming from it
// continues the run exactly as if it had not stopped (see Trainer.Resume).
type Checkpoint struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Identity is Trainer.Identity of the run that wrote it; a run with another identity refuses
	// to resume from it.
	Identity  map[string]string `json:"identity"`
	Epochs    int               `json:"epochs_completed"`
	Steps     int               `json:"steps"`
	Config    Config            `json:"config"`
	History   []Record          `json:"history"`
	Reports   []Record          `json:"reports"`
	Variables []SavedVariable   `json:"variables"`
}

// SavedVariable is one model.Store variable: its path, whether the optimiser trains it, its dtype,
// shape and raw little-endian bytes (base64 in the JSON file).
type SavedVariable struct {
	Path      string `json:"path"`
	Trainable bool   `json:"trainable"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Data      []byte `json:"data"`
}

// VariableSpec describes one variable a checkpoint must hold (see CheckpointVariables).
type VariableSpec struct {
	Path      string
	DType     dtypes.DType
	Shape     []int
	Trainable bool
}

// Paths of the variables that GoMLX creates besides the network's: the random generator's state
// (seeded by Run), and Adam's learning rate, step counters and moments (see NewStep).
var (
	rngStatePath     = model.JoinPath("/", model.RNGStateVariableName)                   // "/#rngState"
	learningRatePath = model.JoinPath("/", optimizer.Scope, optimizer.ParamLearningRate) // "/optimizers/learning_rate"
	globalStepPath   = model.JoinPath("/", optimizer.GlobalStepVariableName)             // "/global_step"
	adamStepPath     = model.JoinPath("/", optimizer.AdamDefaultScope, "step")           // "/AdamOptimizer/step"
)

// adamMomentPath names Adam's first (k = 1) or second (k = 2) moment of the variable at path.
func adamMomentPath(path string, k int) string {
	suffix := "_1st_moment"
	if k == 2 {
		suffix = secondMomentSuffix
	}
	return model.JoinPath("/", optimizer.AdamDefaultScope, path) + suffix
}

// CheckpointVariables lists the variables that a checkpoint of a run training m holds, and that
// resuming requires, no more and no fewer: the network's weights and biases (float32, trainable),
// the random generator's state (uint64 [3]), Adam's learning rate and step (float32 scalars), the
// global step (int64 scalar), and Adam's two moments of every weight and bias (float32, their
// shapes).
func CheckpointVariables(m network.MLP) []VariableSpec {
	var weights, moments []VariableSpec
	for i := range m.NumLayers() {
		in, out := m.Sizes[i], m.Sizes[i+1]
		for _, v := range []VariableSpec{
			{Path: network.WeightsPath(i), DType: dtypes.Float32, Shape: []int{in, out}, Trainable: true},
			{Path: network.BiasesPath(i), DType: dtypes.Float32, Shape: []int{out}, Trainable: true},
		} {
			weights = append(weights, v)
			for k := 1; k <= 2; k++ {
				moments = append(moments, VariableSpec{Path: adamMomentPath(v.Path, k), DType: v.DType, Shape: v.Shape})
			}
		}
	}
	rng := graph.RNGStateShape
	return slices.Concat(weights, []VariableSpec{
		{Path: rngStatePath, DType: rng.DType, Shape: slices.Clone(rng.Dimensions)},
		{Path: learningRatePath, DType: dtypes.Float32, Shape: []int{}},
		{Path: globalStepPath, DType: dtypes.Int64, Shape: []int{}},
		{Path: adamStepPath, DType: dtypes.Float32, Shape: []int{}},
	}, moments)
}

// savedDTypes are the dtypes a checkpoint may hold, by name.
var savedDTypes = map[string]dtypes.DType{}

func init() {
	for _, d := range []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Int32, dtypes.Int64, dtypes.Uint32, dtypes.Uint64} {
		savedDTypes[d.String()] = d
	}
}

// checkVariable checks that sv's dtype is one a checkpoint holds, that its shape has no negative
// dimension and asks for no more memory than the limit, and that its data have exactly the bytes
// the shape implies, all before anything is allocated; with finite, also that a float variable
// holds only finite values. It returns the dtype.
func checkVariable(sv SavedVariable, finite bool) (dtypes.DType, error) {
	dtype, ok := savedDTypes[sv.DType]
	if !ok {
		names := make([]string, 0, len(savedDTypes))
		for n := range savedDTypes {
			names = append(names, n)
		}
		sort.Strings(names)
		return 0, fmt.Errorf("variable %s: dtype %q is not one a checkpoint holds (%s)", sv.Path, sv.DType, strings.Join(names, ", "))
	}
	for _, d := range sv.Shape {
		if d < 0 {
			return 0, fmt.Errorf("variable %s: negative dimension %d in shape %v", sv.Path, d, sv.Shape)
		}
	}
	size := limits.Of(sv.Shape...).Times(dtype.Size())
	if err := limits.Check(fmt.Sprintf("checkpoint variable %s (shape %v %s)", sv.Path, sv.Shape, sv.DType), size); err != nil {
		return 0, err
	}
	if want, _ := size.Bytes(); want != int64(len(sv.Data)) {
		return 0, fmt.Errorf("variable %s: %d bytes of data for shape %v %s, want %d (truncated or tampered?)", sv.Path, len(sv.Data), sv.Shape, sv.DType, want)
	}
	if finite {
		if i, v, bad := firstNonFinite(dtype, sv.Data); bad {
			return 0, fmt.Errorf("variable %s holds %v at index %d: a checkpoint holds finite values only", sv.Path, v, i)
		}
		if strings.HasSuffix(sv.Path, secondMomentSuffix) {
			if i, v, bad := firstNegative(dtype, sv.Data); bad {
				return 0, fmt.Errorf("variable %s holds %v at index %d: Adam's second moments are averages of squares, never negative", sv.Path, v, i)
			}
		}
	}
	return dtype, nil
}

// secondMomentSuffix ends the path of Adam's second-moment variables (see CheckpointVariables).
const secondMomentSuffix = "_2nd_moment"

// firstNegative returns the index and value of the first negative value of a float32 or float64
// variable's little-endian data.
func firstNegative(dtype dtypes.DType, data []byte) (int, float64, bool) {
	switch dtype {
	case dtypes.Float32:
		for i := 0; i+4 <= len(data); i += 4 {
			if v := float64(math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))); v < 0 {
				return i / 4, v, true
			}
		}
	case dtypes.Float64:
		for i := 0; i+8 <= len(data); i += 8 {
			if v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:])); v < 0 {
				return i / 8, v, true
			}
		}
	}
	return 0, 0, false
}

// firstNonFinite returns the index and value of the first NaN or infinite value of a float32 or
// float64 variable's little-endian data.
func firstNonFinite(dtype dtypes.DType, data []byte) (int, float64, bool) {
	switch dtype {
	case dtypes.Float32:
		for i := 0; i+4 <= len(data); i += 4 {
			if v := float64(math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))); math.IsNaN(v) || math.IsInf(v, 0) {
				return i / 4, v, true
			}
		}
	case dtypes.Float64:
		for i := 0; i+8 <= len(data); i += 8 {
			if v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:])); math.IsNaN(v) || math.IsInf(v, 0) {
				return i / 8, v, true
			}
		}
	}
	return 0, 0, false
}

// Validate checks the checkpoint on its own, without knowing the network it is for: format and
// version, configuration, history, reports and step count consistent with each other, every
// variable's dtype, shape (bounded by the memory limit) and byte count, finite float values, no
// variable twice, and counters (learning rate, steps) that agree with the configuration and the
// step count. Trainer.Run checks in addition that the variables are those of its network (see
// CheckpointVariables) and that the checkpoint belongs to its run (Trainer.Identity).
func (cp Checkpoint) Validate() error {
	switch {
	case cp.Format != CheckpointFormat:
		return fmt.Errorf("format %q, want %q", cp.Format, CheckpointFormat)
	case cp.Version < CheckpointVersion:
		return fmt.Errorf("version %d was written by an older version of this program and does not record which run "+
			"it belongs to (data, loss, network, seeds), so resuming from it cannot be checked: start a new run", cp.Version)
	case cp.Version > CheckpointVersion:
		return fmt.Errorf("version %d, this program reads version %d", cp.Version, CheckpointVersion)
	}
	if err := cp.Config.Validate(); err != nil {
		return fmt.Errorf("its configuration is not valid: %w", err)
	}
	switch {
	case cp.Epochs != len(cp.History):
		return fmt.Errorf("%d epochs completed but %d history records", cp.Epochs, len(cp.History))
	case cp.Epochs < 1:
		return fmt.Errorf("%d epochs completed: a checkpoint is written after at least one", cp.Epochs)
	case cp.Epochs > cp.Config.Epochs:
		return fmt.Errorf("%d epochs completed, more than the %d of its configuration", cp.Epochs, cp.Config.Epochs)
	case cp.Steps < 0:
		return fmt.Errorf("negative step count %d", cp.Steps)
	case cp.Steps < cp.Epochs || cp.Steps%cp.Epochs != 0:
		return fmt.Errorf("%d steps in %d epochs: every epoch takes the same number of steps, at least one", cp.Steps, cp.Epochs)
	}
	for i, r := range cp.History {
		if r.Epoch != i || !(r.Seconds >= 0) {
			return fmt.Errorf("history record %d is %+v, want epoch %d and a time >= 0", i, r, i)
		}
	}
	prev := -2
	for i, r := range cp.Reports {
		if r.Epoch <= prev || r.Epoch >= cp.Epochs || !(r.Seconds >= 0) {
			return fmt.Errorf("report %d is %+v: reports are for epochs -1 to %d in increasing order, with a time >= 0", i, r, cp.Epochs-1)
		}
		prev = r.Epoch
	}
	seen := make(map[string]bool, len(cp.Variables))
	for _, sv := range cp.Variables {
		if seen[sv.Path] {
			return fmt.Errorf("variable %s appears twice", sv.Path)
		}
		seen[sv.Path] = true
		if _, err := checkVariable(sv, true); err != nil {
			return err
		}
	}
	return cp.checkCounters()
}

// checkCounters checks the values of the learning rate and the step counters, where the checkpoint
// has them with their usual dtype and shape (whether it must have them is checked against the
// network, see CheckpointVariables).
func (cp Checkpoint) checkCounters() error {
	for _, sv := range cp.Variables {
		if len(sv.Shape) != 0 {
			continue
		}
		switch {
		case sv.Path == learningRatePath && sv.DType == dtypes.Float32.String():
			got := math.Float32frombits(binary.LittleEndian.Uint32(sv.Data))
			if want := float32(cp.Config.LearningRate); got != want {
				return fmt.Errorf("variable %s holds the learning rate %s, but the checkpoint's configuration says %g",
					sv.Path, strconv.FormatFloat(float64(got), 'g', -1, 32), cp.Config.LearningRate)
			}
		case sv.Path == globalStepPath && sv.DType == dtypes.Int64.String():
			if got := int64(binary.LittleEndian.Uint64(sv.Data)); got != int64(cp.Steps) {
				return fmt.Errorf("variable %s counts %d steps, but the checkpoint says %d", sv.Path, got, cp.Steps)
			}
		case sv.Path == adamStepPath && sv.DType == dtypes.Float32.String():
			if got := math.Float32frombits(binary.LittleEndian.Uint32(sv.Data)); got != float32(cp.Steps) {
				return fmt.Errorf("variable %s counts %s steps, but the checkpoint says %d", sv.Path, strconv.FormatFloat(float64(got), 'g', -1, 32), cp.Steps)
			}
		}
	}
	return nil
}

// checkVariableSet checks that vars are exactly the variables of want, with their dtypes, shapes
// and trainable flags, and names every one that is not (up to a few).
func checkVariableSet(vars []SavedVariable, want []VariableSpec) error {
	byPath := make(map[string]VariableSpec, len(want))
	for _, w := range want {
		byPath[w.Path] = w
	}
	var problems []string
	seen := make(map[string]bool, len(vars))
	for _, sv := range vars {
		w, ok := byPath[sv.Path]
		if !ok {
			problems = append(problems, fmt.Sprintf("variable %s is not one of this run's network and optimiser", sv.Path))
			continue
		}
		seen[sv.Path] = true
		if sv.DType != w.DType.String() || !slices.Equal(sv.Shape, w.Shape) {
			problems = append(problems, fmt.Sprintf("variable %s is %s %v, want %s %v", sv.Path, sv.DType, sv.Shape, w.DType, w.Shape))
		} else if sv.Trainable != w.Trainable {
			problems = append(problems, fmt.Sprintf("variable %s has trainable %v, want %v", sv.Path, sv.Trainable, w.Trainable))
		}
	}
	for _, w := range want {
		if !seen[w.Path] {
			problems = append(problems, fmt.Sprintf("variable %s (%s %v) is missing", w.Path, w.DType, w.Shape))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	const most = 6
	if len(problems) > most {
		problems = append(problems[:most], fmt.Sprintf("and %d more", len(problems)-most))
	}
	return errors.New(strings.Join(problems, "; "))
}

// identityDiff describes every key on which two run identities differ (a key on one side only
// counts), or returns "" when they are the same.
func identityDiff(saved, run map[string]string) string {
	keys := make([]string, 0, len(saved)+len(run))
	for k := range saved {
		keys = append(keys, k)
	}
	for k := range run {
		if _, ok := saved[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var diffs []string
	for _, k := range keys {
		s, inSaved := saved[k]
		r, inRun := run[k]
		switch {
		case !inSaved:
			diffs = append(diffs, fmt.Sprintf("%s is absent from the checkpoint, %q in this run's options", k, r))
		case !inRun:
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint, absent from this run's options", k, s))
		case s != r:
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint, %q in this run's options", k, s, r))
		}
	}
	return strings.Join(diffs, "; ")
}

// DataFingerprint returns a fingerprint of a training data set, for Trainer.Identity: the hex
// SHA-256 of the number of rows and, row by row, the row's length and its values as float32 (the
// precision training sees), all little-endian.
func DataFingerprint(data [][]float64) string {
	h := sha256.New()
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(data)))
	for _, row := range data {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(row)))
		for _, v := range row {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(v)))
		}
		if len(buf) >= 1<<16 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// captureVariables copies every variable of store to the host.
func captureVariables(store *model.Store) ([]SavedVariable, error) {
	var out []SavedVariable
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		sv := SavedVariable{Path: v.Path(), Trainable: v.Trainable, DType: t.Shape().DType.String(), Shape: append([]int(nil), t.Shape().Dimensions...)}
		if err := t.ConstBytes(func(data []byte) { sv.Data = append([]byte(nil), data...) }); err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		out = append(out, sv)
	}
	return out, nil
}

// restoreVariables writes saved variables into store, creating the ones it lacks. Every variable's
// dtype, shape and byte count are checked (see checkVariable) before its tensor is allocated.
func restoreVariables(store *model.Store, vars []SavedVariable) error {
	for _, sv := range vars {
		dtype, err := checkVariable(sv, false)
		if err != nil {
			return err
		}
		t := tensors.FromShape(shapes.Make(dtype, sv.Shape...))
		if err := t.MutableBytes(func(data []byte) { copy(data, sv.Data) }); err != nil {
			return fmt.Errorf("variable %s: %w", sv.Path, err)
		}
		v := store.GetVariable(sv.Path)
		if v == nil {
			if v, err = store.CreateVariable(sv.Path, t); err != nil {
				return fmt.Errorf("variable %s: %w", sv.Path, err)
			}
		} else if err := v.SetValue(t); err != nil {
			return fmt.Errorf("variable %s: %w", sv.Path, err)
		}
		// A variable created here is trainable by default: the random generator's state or
		// Adam's moments must not be, or the optimiser would update them.
		v.Trainable = sv.Trainable
	}
	return nil
}

// SaveCheckpoint writes cp to dir/checkpoint.json atomically: the previous checkpoint stays in
// place until the new one is completely written, then a rename replaces it.
func SaveCheckpoint(dir string, cp Checkpoint) error {
	cp.Format, cp.Version = CheckpointFormat, CheckpointVersion
	data, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	return files.WriteAtomic(filepath.Join(dir, CheckpointFile), data)
}

// LoadCheckpoint reads dir/checkpoint.json (a regular file no larger than the memory limit allows,
// see files.Read) and parses and checks it (see ParseCheckpoint).
func LoadCheckpoint(dir string) (Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	data, err := files.Read(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Checkpoint{}, fmt.Errorf("no checkpoint to resume from: %s does not exist", path)
		}
		return Checkpoint{}, fmt.Errorf("loading checkpoint: %w", err)
	}
	cp, err := ParseCheckpoint(data)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("loading checkpoint %s: %w", path, err)
	}
	return cp, nil
}

// ParseCheckpoint decodes the content of a checkpoint file and checks it (see Checkpoint.Validate).
// It allocates no tensor: the variables stay as bytes until a Trainer resumes from them.
func ParseCheckpoint(data []byte) (Checkpoint, error) {
	var cp Checkpoint
	if err := files.UnmarshalStrict(data, &cp); err != nil {
		return Checkpoint{}, fmt.Errorf("not a valid checkpoint (truncated or corrupt?): %w", err)
	}
	if err := cp.Validate(); err != nil {
		return Checkpoint{}, err
	}
	return cp, nil
}
