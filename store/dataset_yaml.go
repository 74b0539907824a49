package store

import (
	"errors"
	"fmt"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/token"

	"github.com/kactoily/privacydesk/internal/yamlwords"
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
		e.Msg = fmt.Sprintf("expected %s, got %s", yamlwords.OfType(te.DstType), yamlwords.OfType(te.SrcType))
	}
}
