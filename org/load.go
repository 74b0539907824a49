package org

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// builtin is Kactoily's organization file, the default.
//
//go:embed kactoily.yaml
var builtin []byte

// BuiltinName names the built-in file in errors and logs.
const BuiltinName = "built-in org/kactoily.yaml"

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
	f, err := Parse(BuiltinName, builtin)
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
		return nil, decodeError(name, err)
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
func decodeError(name string, err error) error {
	out := &Error{File: name, Line: 1, Msg: err.Error()}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return out
	}
	out.Msg = ye.GetMessage()
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		out.Line = tk.Position.Line
	}
	var unknown *yaml.UnknownFieldError
	var te *yaml.TypeError
	switch {
	case errors.As(err, &unknown):
		out.Field, out.Msg = ye.GetToken().Value, "unknown field (check its spelling and indentation)"
	case errors.As(err, &te):
		if te.StructFieldName != nil {
			out.Field = yamlKey(*te.StructFieldName)
		}
		out.Msg = fmt.Sprintf("want %s, got %s", kindOf(te.DstType), kindOf(te.SrcType))
	}
	return out
}

// yamlKey maps the decoder's "type.GoField" to the field's YAML key.
func yamlKey(structField string) string {
	_, goName, _ := strings.Cut(structField, ".")
	for _, t := range []reflect.Type{reflect.TypeFor[orgFile](), reflect.TypeFor[orgContact](),
		reflect.TypeFor[orgPolicy](), reflect.TypeFor[orgThirdParty](), reflect.TypeFor[PolicyStatement]()} {
		if f, ok := t.FieldByName(goName); ok {
			return f.Tag.Get("yaml")
		}
	}
	return goName
}

// kindOf names a type as the file's author knows it.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of text"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a set of fields"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// lineOf returns the line of the field at path in data, or of the nearest
// enclosing field that exists (a missing field is reported where it belongs).
func lineOf(data []byte, path string) int {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 1
	}
	for p := path; ; {
		if n := nodeAt(f, p); n != nil && n.GetToken() != nil && n.GetToken().Position != nil {
			return n.GetToken().Position.Line
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

func nodeAt(f *ast.File, path string) ast.Node {
	if path == "" {
		return nil
	}
	yp, err := yaml.PathString("$." + path)
	if err != nil {
		return nil
	}
	n, err := yp.FilterFile(f)
	if err != nil {
		return nil
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		return mv.Key
	}
	return n
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
