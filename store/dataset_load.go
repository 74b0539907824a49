package store

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

//go:embed datasets/demo.yaml
var demoDataset []byte

// DemoDatasetPath is the name errors and checks give the built-in demo file.
const DemoDatasetPath = "store/datasets/demo.yaml"

// Datasets are the loaded and validated dataset files of one store
// database: the person lookup and the sources, ready to use.
type Datasets struct {
	// Files are the parsed files, in the order given.
	Files []*DatasetFile
	// Person is the one person lookup of the files (nil when none has one).
	Person *PersonSpec

	engines []*Engine
}

// A DatasetError is a problem in a dataset file: where it is and what is
// wrong. Line is 0 when the problem has no single place (a missing file).
type DatasetError struct {
	File  string
	Line  int
	Field string // the YAML path, such as sources[1].tables[0].erase.keep.reason
	Msg   string
}

// Error returns "file:line: field: message".
func (e *DatasetError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// DatasetErrors are all the problems found in the loaded files, each a
// *DatasetError, in file and line order.
type DatasetErrors []*DatasetError

// Error lists the problems, one per line.
func (es DatasetErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// DemoDatasets returns the built-in dataset of the demo store
// (store/datasets/demo.yaml). It panics if the embedded file is invalid,
// which the package's tests rule out.
func DemoDatasets() *Datasets {
	f, err := ParseDataset(DemoDatasetPath, demoDataset)
	if err != nil {
		panic(err)
	}
	d, err := NewDatasets(f)
	if err != nil {
		panic(err)
	}
	return d
}

// DemoDatasetYAML returns the text of the built-in demo dataset file.
func DemoDatasetYAML() []byte { return bytes.Clone(demoDataset) }

// LoadDatasets reads and validates dataset files; a folder stands for its
// *.yaml and *.yml files, in name order. Errors: a DatasetErrors listing
// every problem with file:line, or the error reading a file.
func LoadDatasets(paths ...string) (*Datasets, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("dataset files: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, err := filepath.Glob(filepath.Join(p, pat))
			if err != nil {
				return nil, err
			}
			found = append(found, m...)
		}
		sort.Strings(found)
		if len(found) == 0 {
			return nil, fmt.Errorf("dataset folder %s has no .yaml or .yml file", p)
		}
		files = append(files, found...)
	}
	if len(files) == 0 {
		return nil, errors.New("no dataset file given")
	}
	var parsed []*DatasetFile
	var errs DatasetErrors
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("dataset files: %w", err)
		}
		f, err := ParseDataset(p, data)
		var de DatasetErrors
		if errors.As(err, &de) {
			errs = append(errs, de...)
			continue
		}
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return NewDatasets(parsed...)
}

// ParseDataset decodes one dataset file strictly (an unknown field, a
// wrong type or a duplicate key is an error) and checks it on its own:
// required fields, known words, references between its tables. Errors: a
// DatasetErrors naming path:line and the field of each problem.
func ParseDataset(path string, data []byte) (*DatasetFile, error) {
	f := &DatasetFile{}
	if err := yaml.UnmarshalWithOptions(data, f, yaml.Strict()); err != nil {
		return nil, DatasetErrors{yamlError(path, err)}
	}
	f.Path = path
	loc := newLocator(path, data)
	if errs := validateFile(f, loc); len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// yamlError turns a goccy error into a DatasetError with its position.
func yamlError(path string, err error) *DatasetError {
	var ye yaml.Error
	if errors.As(err, &ye) {
		e := &DatasetError{File: path, Msg: ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line = tk.Position.Line
		}
		explainYAMLError(e, ye)
		return e
	}
	return &DatasetError{File: path, Msg: err.Error()}
}

// A locator maps a YAML path to the line it is on.
type locator struct {
	path string
	file *ast.File
}

func newLocator(path string, data []byte) *locator {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		f = nil
	}
	return &locator{path: path, file: f}
}

// errorf returns a DatasetError at field (a path such as
// sources[0].tables[1].kind), on the line of the deepest part of it that
// exists in the file.
func (l *locator) errorf(field, format string, args ...any) *DatasetError {
	return &DatasetError{File: l.path, Line: l.line(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (l *locator) line(field string) int {
	if l == nil || l.file == nil {
		return 0
	}
	for f := field; f != ""; {
		if p, err := yaml.PathString("$." + f); err == nil {
			if n, err := p.FilterFile(l.file); err == nil && n != nil {
				if tk := yamlKeyOf(l.file, n).GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line
				}
			}
		}
		i := strings.LastIndexAny(f, ".[")
		if i <= 0 {
			break
		}
		f = f[:i]
	}
	return 0
}

// NewDatasets checks parsed files together (one person lookup, unique
// source names, references to the person table) and builds their
// engines. Errors: a DatasetErrors.
func NewDatasets(files ...*DatasetFile) (*Datasets, error) {
	d := &Datasets{Files: files}
	var errs DatasetErrors
	names := map[string]string{}
	for _, f := range files {
		loc := locatorFor(f)
		if f.Person != nil {
			if d.Person != nil {
				errs = append(errs, loc.errorf("person", "a second person lookup: only one dataset file may have one"))
			}
			d.Person = f.Person
		}
		for i, s := range f.Sources {
			if other, ok := names[s.Name]; ok {
				errs = append(errs, loc.errorf(fmt.Sprintf("sources[%d].name", i), "source %q is already described in %s", s.Name, other))
			}
			names[s.Name] = f.Path
		}
	}
	for _, f := range files {
		errs = append(errs, crossCheck(f, d.Person, locatorFor(f))...)
	}
	errs = append(errs, checkEraseOrder(files)...)
	if len(errs) > 0 {
		return nil, errs
	}
	for _, f := range files {
		for i := range f.Sources {
			d.engines = append(d.engines, newEngine(d.Person, &f.Sources[i]))
		}
	}
	for _, e := range d.engines {
		e.all = d.engines
	}
	return d, nil
}

// checkEraseOrder checks that the source holding the person table erases
// after every other: deleting the account unlinks the rest.
func checkEraseOrder(files []*DatasetFile) DatasetErrors {
	var errs DatasetErrors
	for _, f := range files {
		for i, s := range f.Sources {
			if !slices.ContainsFunc(s.Tables, func(t TableSpec) bool { return t.Belongs.Person }) {
				continue
			}
			for _, g := range files {
				for _, o := range g.Sources {
					if o.Name != s.Name && o.EraseOrder >= s.EraseOrder {
						errs = append(errs, locatorFor(f).errorf(fmt.Sprintf("sources[%d].erase_order", i),
							"the source holding the person table must erase last, after %s (erase_order %d)", o.Name, o.EraseOrder))
					}
				}
			}
		}
	}
	return errs
}

// locatorFor returns the locator of a parsed file, re-reading it for the
// line numbers of errors found across files (none without a file).
func locatorFor(f *DatasetFile) *locator {
	if f.Path == DemoDatasetPath {
		return newLocator(f.Path, demoDataset)
	}
	if data, err := os.ReadFile(f.Path); err == nil {
		return newLocator(f.Path, data)
	}
	return &locator{path: f.Path}
}

// crossCheck checks what needs the person lookup: tables that belong to
// the person by account need one, and the person's source erases last.
func crossCheck(f *DatasetFile, p *PersonSpec, loc *locator) DatasetErrors {
	var errs DatasetErrors
	for i, s := range f.Sources {
		for j, t := range s.Tables {
			at := fmt.Sprintf("sources[%d].tables[%d].belongs", i, j)
			switch {
			case p == nil && (t.Belongs.Person || t.Belongs.CustomerID != ""):
				errs = append(errs, loc.errorf(at, "no dataset file has a person lookup (person:), so no table can belong by account"))
			case t.Belongs.Person && t.Table != p.Table:
				errs = append(errs, loc.errorf(at+".person", "table %s is not the person table %s", t.Table, p.Table))
			}
		}
	}
	return errs
}

// Sources returns one engine per described source, in the order the
// files describe them: the order they are shown and exported. The source
// holding the person table is an *AccountEngine.
func (d *Datasets) Sources() []Source {
	out := make([]Source, len(d.engines))
	for i, e := range d.engines {
		out[i] = e
		if e.holdsPerson() {
			out[i] = &AccountEngine{e}
		}
	}
	return out
}

// Engines returns one engine per described source, in the order the
// files describe them: the order they are shown and exported.
func (d *Datasets) Engines() []*Engine { return slices.Clone(d.engines) }
