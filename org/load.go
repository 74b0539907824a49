package org

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/kactoily/privacydesk/internal/yamlwords"
)

// builtin is Kactoily's organization file, the default.
//
//go:embed kactoily.yaml
var builtin []byte

// builtinName names the built-in file in errors and logs.
const builtinName = "built-in org/kactoily.yaml"

// Error is a mistake in an organization file: where it is and what is wrong.
type Error struct {
	File  string
	Line  int
	Field string // the key's path, such as third_parties[1].email; empty for a syntax error
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Default returns Kactoily's facts, from the built-in organization file.
// It panics if that file is broken, which its tests rule out, as
// template.Must does for a broken built-in template.
func Default() *Facts {
	f, err := Parse(builtinName, builtin)
	if err != nil {
		panic(err)
	}
	return f
}

// Load reads the organization file at path; "" means the built-in one.
// It returns an error if the file cannot be read, or an *Error naming the
// line and field of the first mistake in it.
func Load(path string) (*Facts, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("organization file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads an organization file's contents (YAML; every key known, every
// required one present); name is the file's name in errors. It returns an
// *Error naming the line and field of the first mistake.
func Parse(name string, data []byte) (*Facts, error) {
	var in orgFile
	if err := yaml.UnmarshalWithOptions(data, &in, yaml.Strict()); err != nil {
		return nil, decodeError(name, data, err)
	}
	facts, field, msg := in.facts()
	if msg != "" {
		return nil, &Error{File: name, Line: lineOf(data, field), Field: field, Msg: msg}
	}
	return facts, nil
}

// orgFile is the organization file's shape; kactoily.yaml is the example.
type orgFile struct {
	Name         string          `yaml:"name"`
	Website      string          `yaml:"website"`
	Description  string          `yaml:"description"`
	Contact      orgContact      `yaml:"contact"`
	Statements   PolicyStatement `yaml:"statements"`
	Policy       orgPolicy       `yaml:"policy"`
	ThirdParties []orgThirdParty `yaml:"third_parties"`
}

type orgContact struct {
	PrivacyEmail  string `yaml:"privacy_email"`
	PostalAddress string `yaml:"postal_address"`
}

type orgPolicy struct {
	Updated string `yaml:"updated"`
	Text    string `yaml:"text"`
}

type orgThirdParty struct {
	Name   string   `yaml:"name"`
	Email  string   `yaml:"email"`
	ToldOf []string `yaml:"told_of"`
	Holds  string   `yaml:"holds"`
}

// decodeError turns the YAML library's error into an *Error: its line,
// the key at fault, and what was expected in words rather than Go types.
func decodeError(name string, data []byte, err error) error {
	out := &Error{File: name, Line: 1, Msg: err.Error()}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return out
	}
	out.Msg = ye.GetMessage()
	tk := ye.GetToken()
	if tk != nil && tk.Position != nil {
		out.Line = tk.Position.Line
		out.Field = indexFile(data).at[[2]int{tk.Position.Line, tk.Position.Column}]
	}
	var unknown *yaml.UnknownFieldError
	var te *yaml.TypeError
	var ne *yaml.UnexpectedNodeTypeError
	switch {
	case errors.As(err, &unknown):
		out.Msg = "unknown field (check its spelling and indentation)"
	case errors.As(err, &te):
		out.Msg = fmt.Sprintf("want %s, got %s", yamlwords.OfType(te.DstType), yamlwords.OfType(te.SrcType))
	case errors.As(err, &ne):
		out.Msg = fmt.Sprintf("want %s, got %s", yamlwords.OfNode(ne.Expected), yamlwords.OfNode(ne.Actual))
	}
	return out
}

// fileIndex maps the file's fields to lines and back: the line of each
// field's path (such as third_parties[1].email), and the path of the node
// at each line and column.
type fileIndex struct {
	line map[string]int
	at   map[[2]int]string
}

func indexFile(data []byte) fileIndex {
	ix := fileIndex{line: map[string]int{}, at: map[[2]int]string{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return ix
	}
	for _, d := range f.Docs {
		ix.walk(d.Body, "")
	}
	return ix
}

func (ix fileIndex) mark(n ast.Node, path string) {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return
	}
	p := n.GetToken().Position
	if _, ok := ix.line[path]; !ok {
		ix.line[path] = p.Line
	}
	if _, ok := ix.at[[2]int{p.Line, p.Column}]; !ok || path != "" {
		ix.at[[2]int{p.Line, p.Column}] = path
	}
}

func (ix fileIndex) walk(n ast.Node, path string) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			ix.walk(mv, path)
		}
	case *ast.MappingValueNode:
		p := join(n.Key.String())
		ix.mark(n.Key, p)
		ix.mark(n.Value, p)
		ix.walk(n.Value, p)
	case *ast.SequenceNode:
		ix.mark(n, path)
		for i, v := range n.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			ix.mark(v, p)
			ix.walk(v, p)
		}
	}
}

// lineOf returns the line of the field at path, or of the nearest
// enclosing field that exists (a missing field is reported where it belongs).
func lineOf(data []byte, path string) int {
	ix := indexFile(data)
	for p := path; p != ""; {
		if l, ok := ix.line[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

// facts checks the file and returns its facts, or the path of the first
// field at fault and what is wrong with it.
func (in orgFile) facts() (f *Facts, field, msg string) {
	if field, msg = in.check(); msg != "" {
		return nil, field, msg
	}
	updated, _ := time.Parse(time.DateOnly, strings.TrimSpace(in.Policy.Updated)) // checked
	f = &Facts{Name: strings.TrimSpace(in.Name), Website: strings.TrimSpace(in.Website),
		Description: strings.TrimSpace(in.Description), PrivacyEmail: normalEmail(in.Contact.PrivacyEmail),
		PostalAddress: strings.TrimSpace(in.Contact.PostalAddress), Statements: in.Statements,
		PolicyText: in.Policy.Text, PolicyUpdated: updated}
	for _, tp := range in.ThirdParties {
		types, scopes, _ := NoticeKinds(tp.ToldOf) // checked
		f.ThirdParties = append(f.ThirdParties, ThirdParty{Name: strings.TrimSpace(tp.Name),
			Email: normalEmail(tp.Email), Types: types, Scopes: scopes, Holds: strings.TrimSpace(tp.Holds)})
	}
	return f, "", ""
}
