package export

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kactoily/privacydesk/store"
)

// csvSet writes one CSV per record kind to temporary files, then into the ZIP.
type csvSet struct {
	dir   string
	files map[string]*csvFile
	order []string
}

type csvFile struct {
	f   *os.File
	w   *csv.Writer
	row []string // reused: csv.Writer.Write keeps none of it
}

func (c *csvSet) write(rec store.Record) error {
	cf, ok := c.files[rec.Kind]
	if !ok {
		f, err := os.OpenFile(filepath.Join(c.dir, rec.Kind+".csv"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		cf = &csvFile{f: f, w: csv.NewWriter(f)} // csv.Writer buffers
		c.files[rec.Kind], c.order = cf, append(c.order, rec.Kind)
		head := []string{"id"}
		for _, fl := range rec.Fields {
			head = append(head, fl.Name)
		}
		if err := cf.w.Write(head); err != nil {
			return err
		}
	}
	row := append(cf.row[:0], strconv.FormatInt(rec.ID, 10))
	for _, fl := range rec.Fields {
		row = append(row, csvCell(fl.Value))
	}
	cf.row = row
	return cf.w.Write(row)
}

// csvCell formats a value for a spreadsheet, defusing formulas: a cell
// starting with = + - @ or a tab or carriage return is prefixed with ',
// unless the whole cell is a plain number such as -12.5.
func csvCell(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		s = x.UTC().Format(time.RFC3339)
	case string: // the common kinds without fmt's reflection: most of an export's cells
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	default:
		s = fmt.Sprint(x)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !plainNumber(s) {
		s = "'" + s
	}
	return s
}

// plainNumber reports whether all of s is a decimal number. Checking only a
// prefix would let "-1+cmd|' /C calc'!A0" through as the number -1.
func plainNumber(s string) bool {
	if strings.Trim(s, "0123456789.eE+-") != "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func (c *csvSet) addTo(zw *zip.Writer) error {
	for _, kind := range c.order {
		cf := c.files[kind]
		cf.w.Flush()
		if err := cf.w.Error(); err != nil {
			return err
		}
		if _, err := cf.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		w, err := zw.Create("csv/" + kind + ".csv")
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, cf.f); err != nil {
			return err
		}
		cf.f.Close()
	}
	return nil
}
