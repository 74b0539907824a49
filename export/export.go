package export

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/klauspost/compress/flate"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kactoily/privacydesk/org"
	"github.com/kactoily/privacydesk/store"
	"github.com/kactoily/privacydesk/templates"
)

// Source is what an export reads from one part of the store: its name
// (the data/<name>.json file), its title for the customer, and its records.
// Every store.Source is one.
type Source interface {
	Name() string
	Label() string
	Collect(ctx context.Context, db *gorm.DB, s store.Subject, emit func(store.Record) error) (store.Counts, error)
}

var _ Source = store.Source(nil)

// Facts are what index.html states besides the records: who answers,
// to which request and when, and what the privacy policy says.
type Facts struct {
	Store     string    // the organization's name, such as "Kactoily"
	RequestID string    // the access request answered; it starts the file's name
	Generated time.Time // the export's date, as the page shows it
	Policy    org.PolicyStatement
	Rights    []org.Right // the requests the privacy center offers
	// PrivacyCenter is the absolute URL of the privacy center's new-request
	// page, linked from the rights; empty, the page names them without links.
	PrivacyCenter string
}

// File is a written export.
type File struct {
	Path      string // dir/<request id>-<random>.zip
	SizeBytes int64
	SHA256    string // of the whole file, hex
}

// exportIndex is the readable summary at the top of every export.
var exportIndex = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"thousands": func(n int) string { return Thousands(int64(n)) },
	"minus":     func(a, b int) int { return a - b },
	"lower":     strings.ToLower,
}).ParseFS(templates.FS, "export/index.html"))

// summary is what index.html shows.
type summary struct {
	Email   string
	Facts   Facts
	Sources []sourceSummary
}

type sourceSummary struct {
	Name, Title string
	Counts      []kindCount
	Fields      []fieldInfo
}

type kindCount struct {
	Kind string
	N    int
}

type fieldInfo struct {
	Kind, Name, Category, Purpose, Retention string
	Redacted                                 bool
}

// Build writes the subject's access export into dir (created if missing)
// and returns it: data/<source>.json per source, csv/<kind>.csv per record
// kind, and index.html, a readable page of the latest records of each kind.
// Records stream from db straight to disk, so memory stays bounded whatever
// the history size. The ZIP is written in a temporary folder under dir and
// renamed into place once complete, so a failed build leaves no file.
// Errors: the file system's, a source's (named), or the page's rendering.
func Build(ctx context.Context, dir string, db *gorm.DB, sources []Source, subject store.Subject, facts Facts) (*File, error) {
	if facts.RequestID == "" {
		return nil, errors.New("export: no request id")
	}
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
	final := filepath.Join(dir, facts.RequestID+"-"+hex.EncodeToString(b)+".zip")
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
	// The ZIP's entries are written one after another, each closed before
	// the next starts, so one compressor (about 1 MiB) serves them all.
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw != nil {
			fw.Reset(out)
			return fw, nil
		}
		var err error
		fw, err = flate.NewWriter(out, flate.BestSpeed)
		return fw, err
	})
	csvs := &csvSet{dir: work, files: map[string]*csvFile{}}
	sum := summary{Email: subject.Email, Facts: facts}
	ic := newIndexCollector(kindSpecsOf(sources))
	for _, src := range sources {
		ss, err := writeSourceJSON(ctx, zw, db, src, subject, csvs, ic)
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
	if err := exportIndex.Execute(w, buildIndexView(sum, ic)); err != nil {
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
	return &File{Path: final, SizeBytes: info.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeSourceJSON streams one source's records into data/<source>.json as
// {"source":…, "records":[{"kind","id","data"}…], "fields":{kind:{field:{…}}}}
// and each record into its kind's CSV, keeping what index.html shows in ic.
func writeSourceJSON(ctx context.Context, zw *zip.Writer, db *gorm.DB, src Source, subj store.Subject, csvs *csvSet, ic *indexCollector) (sourceSummary, error) {
	ss := sourceSummary{Name: src.Name(), Title: sourceTitle(src)}
	w, err := zw.Create("data/" + src.Name() + ".json")
	if err != nil {
		return ss, err
	}
	enc := json.NewEncoder(w)
	fmt.Fprintf(w, "{\"source\":%q,\"records\":[", src.Name())
	first := true
	fields := map[string]map[string]fieldInfo{}
	var buf []byte
	counts, err := collectConcurrently(ctx, src, db, subj, func(rec store.Record) error {
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
