package yamlwords

import (
	"reflect"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

func TestGoTypesAndYAMLNodesGetTheSameWords(t *testing.T) {
	for _, tc := range []struct {
		typ  reflect.Type
		node ast.NodeType
		want string
	}{
		{reflect.TypeFor[string](), ast.StringType, "text"},
		{reflect.TypeFor[bool](), ast.BoolType, "true or false"},
		{reflect.TypeFor[int](), ast.IntegerType, "a whole number"},
		{reflect.TypeFor[float64](), ast.FloatType, "a number"},
		{reflect.TypeFor[[]int](), ast.SequenceType, "a list"},
		{reflect.TypeFor[map[string]string](), ast.MappingType, "a set of fields (key: value)"},
	} {
		if got := OfType(tc.typ); got != tc.want {
			t.Errorf("OfType(%v) = %q, want %q", tc.typ, got, tc.want)
		}
		if got := OfNode(tc.node); got != tc.want {
			t.Errorf("OfNode(%v) = %q, want %q", tc.node, got, tc.want)
		}
	}
	if got := OfType(reflect.TypeFor[*[]string]()); got != "a list of text" {
		t.Errorf("OfType(*[]string) = %q, want a list of text", got)
	}
}
