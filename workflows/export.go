package workflows

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/models"
	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/templates"
)

// exportIndex is the readable summary at the top of every export.
var exportIndex = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"thousands": func(n int) string { return Thousands(int64(n)) },
	"minus":     func(a, b int) int { return a - b },
	"lower":     strings.ToLower,
}).ParseFS(templates.FS, "export/index.html"))

// exportSummary is what index.html shows.
type exportSummary struct {
	Store     string
	Request   *models.Request
	Generated time.Time
	Sources   []sourceSummary
	Policy    org.PolicyStatement
}

type sourceSummary struct {
	Name   string
	Counts []kindCount
	Fields []fieldInfo
}

type kindCount struct {
	Kind string
	N    int
}

type fieldInfo struct {
	Kind, Name, Category, Purpose, Retention string
	Redacted                                 bool
}

// buildExport writes the requester's ZIP under the data folder and records
// it: data/<source>.json per source, csv/<kind>.csv per record kind, and
// index.html, a readable page of the latest records of each kind. Records stream from the store straight to disk, so memory
// stays bounded whatever the history size.
func (s *Service) buildExport(ctx context.Context, r *models.Request) (*models.Export, error) {
	if e, err := models.LatestExport(ctx, s.DB.DB, r.ID); err == nil {
		return e, nil // built by an earlier run of this job
	}
	dir := filepath.Join(s.Settings.DataDir, "exports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	final := filepath.Join(dir, r.ID+"-"+hex.EncodeToString(b)+".zip")
	tmp := filepath.Join(work, "export.zip")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 64<<10)
	zw := zip.NewWriter(bw)
	// The fastest deflate level: several times faster than the default on
	// this text for a slightly larger file (BENCHMARKS.md, heavy customer).
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	csvs := &csvSet{dir: work, files: map[string]*csvFile{}}
	sum := exportSummary{Store: s.Settings.Org.Name, Request: r, Generated: s.now(), Policy: s.Settings.Org.Statements}
	ic := newIndexCollector()
	for _, src := range s.sources {
		ss, err := s.writeSourceJSON(ctx, zw, src, r, csvs, ic)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", src.Name(), err)
		}
		sum.Sources = append(sum.Sources, ss)
	}
	if err := csvs.addTo(zw); err != nil {
		return nil, err
	}
	w, err := zw.Create("index.html")
	if err != nil {
		return nil, err
	}
	center := ""
	if s.Settings.BaseURL != "" {
		center = s.Settings.BaseURL + "/requests/new"
	}
	if err := exportIndex.Execute(w, buildIndexView(sum, ic, center)); err != nil {
		return nil, fmt.Errorf("render index.html: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	e := &models.Export{RequestID: r.ID, Path: final, SizeBytes: info.Size(), SHA256: hex.EncodeToString(h.Sum(nil)),
		CreatedAt: s.now(), ExpiresAt: s.now().Add(ExportLife)}
	err = s.DB.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return s.audit(ctx, tx, r, "system", "export_built", map[string]any{"bytes": e.SizeBytes, "sha256": e.SHA256})
	})
	if err != nil {
		os.Remove(final)
		return nil, err
	}
	return e, nil
}

// writeSourceJSON streams one source's records into data/<source>.json as
// {"source":…, "records":[{"kind","id","data"}…], "fields":{kind:{field:{…}}}}
// and each record into its kind's CSV, keeping what index.html shows in ic.
func (s *Service) writeSourceJSON(ctx context.Context, zw *zip.Writer, src store.Source, r *models.Request, csvs *csvSet, ic *indexCollector) (sourceSummary, error) {
	ss := sourceSummary{Name: src.Name()}
	w, err := zw.Create("data/" + src.Name() + ".json")
	if err != nil {
		return ss, err
	}
	enc := json.NewEncoder(w)
	fmt.Fprintf(w, "{\"source\":%q,\"records\":[", src.Name())
	first := true
	fields := map[string]map[string]fieldInfo{}
	var buf []byte
	counts, err := collectConcurrently(ctx, src, s.Store.DB, store.Subject{Email: r.Email}, func(rec store.Record) error {
		kf := fields[rec.Kind]
		if kf == nil {
			kf = map[string]fieldInfo{}
			fields[rec.Kind] = kf
		}
		for _, f := range rec.Fields {
			if len(kf) == len(rec.Fields) && !f.Redacted {
				continue // every record of a kind has the same fields: only a redaction changes what is known
			}
			if _, ok := kf[f.Name]; !ok || f.Redacted {
				kf[f.Name] = fieldInfo{Kind: rec.Kind, Name: f.Name, Category: f.Category,
					Purpose: f.Purpose, Retention: f.Retention, Redacted: f.Redacted}
			}
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		ic.add(src.Name(), rec)
		buf = appendRecordJSON(buf[:0], rec)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		return csvs.write(rec)
	})
	if err != nil {
		return ss, err
	}
	io.WriteString(w, "],\"fields\":")
	if err := enc.Encode(fields); err != nil {
		return ss, err
	}
	io.WriteString(w, "}\n")
	for k, n := range counts {
		ss.Counts = append(ss.Counts, kindCount{k, n})
	}
	sort.Slice(ss.Counts, func(i, j int) bool { return ss.Counts[i].Kind < ss.Counts[j].Kind })
	for _, kind := range sortedKeys(fields) {
		for _, name := range sortedKeys(fields[kind]) {
			ss.Fields = append(ss.Fields, fields[kind][name])
		}
	}
	return ss, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// csvSet writes one CSV per record kind to temporary files, then into the ZIP.
type csvSet struct {
	dir   string
	files map[string]*csvFile
	order []string
}

type csvFile struct {
	f *os.File
	w *csv.Writer
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
	row := make([]string, 1, 1+len(rec.Fields))
	row[0] = strconv.FormatInt(rec.ID, 10)
	for _, fl := range rec.Fields {
		row = append(row, csvCell(fl.Value))
	}
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
