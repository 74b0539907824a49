package export

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kactoily/privacydesk/store"
)

// appendRecordJSON appends rec as {"kind":…,"id":…,"data":{field:value…}}
// and a newline, the data in the record's field order. It writes what
// encoding/json would (HTML-safe escaping included) without a map and
// reflection per record: the heavy-customer benchmark (BENCHMARKS.md)
// found that encoding half of an access export's time.
func appendRecordJSON(b []byte, rec store.Record) []byte {
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, rec.Kind)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, rec.ID, 10)
	b = append(b, `,"data":{`...)
	for i, f := range rec.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, f.Value)
	}
	return append(b, "}}\n"...)
}

// appendJSONValue appends one Field.Value; kinds other than those a Field
// holds go through encoding/json.
func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		if j, err := x.MarshalJSON(); err == nil {
			return append(b, j...)
		}
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes it by default.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		j, _ := json.Marshal(s) // replaces invalid bytes with U+FFFD
		return append(b, j...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		if j := i + plainRun(s[i:]); j > i { // most of a record's text needs no escaping: copy it at once
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// plainASCII marks the bytes appendJSONString copies as they are.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// plainRun is the length of the prefix of s that needs no escaping.
func plainRun(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !plainASCII[c] {
			return i
		}
	}
	return len(s)
}
