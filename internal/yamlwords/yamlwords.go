// Package yamlwords names YAML value types the way the author of a
// configuration file (a dataset file, the organization file) writes them,
// for errors such as "expected a whole number, got text".
package yamlwords

import (
	"reflect"

	"github.com/goccy/go-yaml/ast"
)

// OfType names the YAML value a Go type decodes from.
func OfType(t reflect.Type) string {
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
		if t.Elem().Kind() == reflect.String {
			return "a list of text"
		}
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a set of fields (key: value)"
	case reflect.Pointer:
		return OfType(t.Elem())
	}
	return t.String()
}

// OfNode names a YAML node type.
func OfNode(t ast.NodeType) string {
	switch t {
	case ast.SequenceType:
		return "a list"
	case ast.MappingType, ast.MappingValueType:
		return "a set of fields (key: value)"
	case ast.StringType, ast.LiteralType:
		return "text"
	case ast.IntegerType:
		return "a whole number"
	case ast.FloatType:
		return "a number"
	case ast.BoolType:
		return "true or false"
	case ast.NullType:
		return "nothing"
	}
	return t.YAMLName()
}
