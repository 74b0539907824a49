package store

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"
)

// explainYAMLError rewrites a decoding error in the file's own terms: the
// key whose value is wrong, on the key's line, and a type mismatch as
// "expected text, got a list" rather than Go's type names.
func explainYAMLError(e *DatasetError, ye yaml.Error) {
	tk := ye.GetToken()
	if tk != nil && tk.Prev != nil && tk.Prev.Type == token.MappingValueType && tk.Prev.Prev != nil {
		key := tk.Prev.Prev
		e.Field = key.Value
		if key.Position != nil {
			e.Line = key.Position.Line
		}
	}
	var te *yaml.TypeError
	if errors.As(ye, &te) {
		e.Msg = fmt.Sprintf("expected %s, got %s", describeType(te.DstType), describeType(te.SrcType))
	}
}

// describeType names a Go type as a YAML value of it is written.
func describeType(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping (key: value)"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return t.String()
}
