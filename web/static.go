package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// static serves a fixed set of files, each prepared once: its type, a
// strong ETag and, when it shrinks, a gzipped copy.
type static struct {
	files   map[string]*file
	headers http.Header // added to every answer
}

type file struct {
	body, gz []byte
	typ      string
	etag     string
}

// newStatic prepares every file of fsys, and extra files by name.
func newStatic(fsys fs.FS, extra map[string][]byte, headers http.Header) (*static, error) {
	s := &static{files: make(map[string]*file), headers: headers}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s.add(p, b)
		return nil
	})
	for name, b := range extra {
		s.add(name, b)
	}
	return s, err
}

func (s *static) add(name string, b []byte) {
	sum := sha256.Sum256(b)
	f := &file{body: b, typ: contentType(name), etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	if z.Len() < len(b) {
		f.gz = z.Bytes()
	}
	s.files[name] = f
}

// contentType names a file's type by its extension; text is UTF-8.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".ts":
		return "text/plain; charset=utf-8" // declarations: for reading, not running
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// lookup finds the file for a request path (relative to the handler's
// prefix): "" is index.html, and a name without an extension may leave
// off ".html".
func (s *static) lookup(p string) *file {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		p = "index.html"
	}
	if f := s.files[p]; f != nil {
		return f
	}
	if path.Ext(p) == "" {
		return s.files[p+".html"]
	}
	return nil
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range s.headers {
		h[k] = v
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f := s.lookup(r.URL.Path)
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", f.typ)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that a 304
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = f.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// etagMatches reports whether an If-None-Match list names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip with a
// non-zero weight.
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
