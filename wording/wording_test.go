package wording

import (
	"strings"
	"testing"
)

var values = map[string]string{"request_id": "R7K2M9QX4T", "due_date": "2 January 2027", "link": "https://x.test/s?t=1", "store": "Kactoily"}

func TestFillSubstitutesOnlyNamedPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Request {{request_id}} is due {{ due_date }}", "Request R7K2M9QX4T is due 2 January 2027"},
		{"{{link}}{{link}}", "https://x.test/s?t=1https://x.test/s?t=1"},
		{"no placeholders", "no placeholders"},
		{"{{request_type}} left empty", " left empty"},
		// Template syntax that is no placeholder is shown as written.
		{"{{.}}", "{{.}}"},
		{`{{template "layout" .}}`, `{{template "layout" .}}`},
		{"{{call .Request.Email}}", "{{call .Request.Email}}"},
		{"{{.Request.Email}} {{printf \"%s\" .}}", "{{.Request.Email}} {{printf \"%s\" .}}"},
		{"{{define \"x\"}}{{end}}", "{{define \"x\"}}{{end}}"},
		// CVE-2024-45053 (Fides): Jinja-style payloads must stay literal too.
		{"{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
		{"{% for x in y %}{{x}}{% endfor %}", "{% for x in y %}{{x}}{% endfor %}"},
		{"${7*7} <%= 7*7 %> #{7*7}", "${7*7} <%= 7*7 %> #{7*7}"},
		{"<script>alert(1)</script> {{request_id}}", "<script>alert(1)</script> R7K2M9QX4T"},
		// A value is never re-scanned for placeholders.
		{"{{store}}", "Kactoily"},
	} {
		if got := Fill(c.in, values); got != c.want {
			t.Errorf("Fill(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Fill("{{link}}", map[string]string{"link": "{{request_id}}"}); got != "{{request_id}}" {
		t.Errorf("a value was expanded again: %q", got)
	}
}

func TestCheckRefusesBrokenPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, wantErr string }{
		{"Request {{request_id", "never closes"},
		{"Due {{due_date}", "never closes"},
		{"Hello {{customer_name}}", "{{customer_name}} is not a placeholder"},
		{"{{ Request_ID }}", "{{Request_ID}} is not a placeholder"},
		{"bad \xff byte", "not valid UTF-8"},
		{"a NUL \x00 byte", "control character"},
		{"a vertical tab \v here", "control character"},
	} {
		err := Check(c.in)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("Check(%q) = %v, want an error containing %q", c.in, err, c.wantErr)
		}
	}
	for _, ok := range []string{"", "plain", "{{request_id}} {{ link }}", "{{.}}", `{{template "x"}}`, "{{call .F}}", "}} {{store}} }}"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	if !strings.Contains(Check("{{nope}}").Error(), "{{request_id}}, {{request_type}}") {
		t.Error("the error does not list the placeholders that exist")
	}
}

func TestCheckSubjectIsOneShortLine(t *testing.T) {
	if err := CheckSubject("Hi\r\nBcc: victim@example.com"); err == nil {
		t.Error("a subject with a line break was accepted")
	}
	if err := CheckSubject(strings.Repeat("é", MaxSubject+1)); err == nil {
		t.Error("a subject over the limit was accepted")
	}
	if err := CheckSubject(strings.Repeat("é", MaxSubject)); err != nil {
		t.Errorf("a subject at the limit was refused: %v", err)
	}
	if err := CheckSubject("Confirm here: {{ link }}"); err == nil || !strings.Contains(err.Error(), "{{link}} cannot go in a subject") {
		t.Errorf("a subject with the secret link was accepted: %v", err)
	}
	if err := CheckText(strings.Repeat("a", MaxText+1)); err == nil {
		t.Error("a text over the limit was accepted")
	}
	if err := CheckText("Line one\nline two {{link}}"); err != nil {
		t.Errorf("a paragraph with a line break was refused: %v", err)
	}
}
