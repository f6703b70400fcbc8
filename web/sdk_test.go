package web

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// buildSettings is web/sdk/build.json: the settings npm run build and this
// test both use, so that the two builds agree byte for byte.
type buildSettings struct {
	EntryPoints   []string `json:"entryPoints"`
	Outfile       string   `json:"outfile"`
	Bundle        bool     `json:"bundle"`
	Format        string   `json:"format"`
	Target        string   `json:"target"`
	Platform      string   `json:"platform"`
	Minify        bool     `json:"minify"`
	Sourcemap     bool     `json:"sourcemap"`
	LegalComments string   `json:"legalComments"`
	Tsconfig      string   `json:"tsconfig"`
	Charset       string   `json:"charset"`
	// Property mangling (web/sdk/README.md, "Source conventions"): the
	// members whose names match MangleProps (a regular expression, as
	// esbuild's Go API takes it and as scripts/mangling.mjs hands it to the
	// JavaScript API) get short names in the built file.
	MangleProps  string `json:"mangleProps"`
	ReserveProps string `json:"reserveProps"`
	MangleQuoted bool   `json:"mangleQuoted"`
}

// TestSDKIsBuilt rebuilds the SDK from web/sdk/src with esbuild's Go API
// and fails when the committed (and embedded) tickroom.js differs: a
// change to the source must be built (npm run build in web/sdk) and
// committed with it.
func TestSDKIsBuilt(t *testing.T) {
	raw, err := os.ReadFile("sdk/build.json")
	if err != nil {
		t.Fatal(err)
	}
	var s buildSettings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a setting this test does not apply would make the builds differ
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("sdk/build.json: %v", err)
	}
	opts := api.BuildOptions{
		AbsWorkingDir:     mustAbs(t, "sdk"),
		EntryPoints:       s.EntryPoints,
		Outfile:           s.Outfile,
		Bundle:            s.Bundle,
		Write:             false,
		MinifyWhitespace:  s.Minify,
		MinifyIdentifiers: s.Minify,
		MinifySyntax:      s.Minify,
		Tsconfig:          s.Tsconfig,
		MangleProps:       s.MangleProps,
		ReserveProps:      s.ReserveProps,
		LogLevel:          api.LogLevelSilent,
	}
	if s.MangleQuoted {
		opts.MangleQuoted = api.MangleQuotedTrue
	}
	for _, check := range []struct {
		name string
		ok   bool
	}{
		{"format esm", s.Format == "esm"},
		{"platform browser", s.Platform == "browser"},
		{"target es2020", s.Target == "es2020"},
		{"no source map", !s.Sourcemap},
		{"legalComments none", s.LegalComments == "none"},
		{"charset utf8", s.Charset == "utf8"},
	} {
		if !check.ok {
			t.Fatalf("sdk/build.json: this test builds with %s; teach it the new setting", check.name)
		}
	}
	opts.Format, opts.Platform, opts.Target = api.FormatESModule, api.PlatformBrowser, api.ES2020
	opts.Sourcemap, opts.LegalComments, opts.Charset = api.SourceMapNone, api.LegalCommentsNone, api.CharsetUTF8
	res := api.Build(opts)
	for _, m := range res.Errors {
		t.Errorf("esbuild: %s (%v)", m.Text, m.Location)
	}
	if len(res.OutputFiles) != 1 {
		t.Fatalf("esbuild wrote %d files, want 1", len(res.OutputFiles))
	}
	built := res.OutputFiles[0].Contents
	committed, err := os.ReadFile(filepath.Join("sdk", s.Outfile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, committed) {
		t.Errorf("web/sdk/%s is stale: the source builds to %d bytes that differ from the committed %d; run npm run build in web/sdk and commit the result",
			s.Outfile, len(built), len(committed))
	}
	embedded, err := SDK().(interface{ ReadFile(string) ([]byte, error) }).ReadFile(filepath.Base(s.Outfile))
	if err == nil && !bytes.Equal(embedded, committed) {
		t.Errorf("the embedded SDK differs from web/sdk/%s", s.Outfile)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
