package tickroom

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/tickroom/tickroom"

// depRules is the "may not import" column of the layer table in DESIGN.md. A
// rule covers its package and every package below it (games/arena counts as
// games). dep names a package, or with "/..." a package and everything below
// it. A rule is checked against everything the package reaches, through any
// number of imports, except when direct is set: then only the package's own
// imports count, for standard packages that allowed ones reach anyway (fmt
// imports os).
var depRules = []struct {
	pkg, dep string
	direct   bool
	why      string
}{
	{"world", "net", false, "world does no I/O; transports own the network"},
	{"world", "net/http", false, "world does no I/O; transports own the network"},
	{"world", "os", true, "world does no I/O: files, environment and exit belong to main"},
	{"world", "os/exec", false, "world does no I/O"},
	{"world", "log", true, "world returns errors; the actor that calls it decides what to log"},
	{"world", "log/slog", true, "world returns errors; the actor that calls it decides what to log"},
	{"world", "github.com/anthdm/hollywood/...", false, "world is plain data; rooms own it, it does not know actors"},
	{"world", "github.com/lxzan/gws", false, "world knows nothing of connections"},
	{"world", "github.com/vmihailenco/msgpack/v5/...", false, "the wire format is netcode's, so world refactors do not change the wire"},
	{"world", "github.com/BurntSushi/toml/...", false, "packages never see TOML; the server package maps config onto options"},
	{"world", modulePath + "/games/...", false, "world is the engine; games build on it, never the other way"},

	// Games are written against the public game API only, as a game
	// developer's would be; that keeps the API honest.
	{"games", modulePath + "/actors/...", false, "a game knows world, not the actors that run it"},
	{"games", modulePath + "/transports/...", false, "a game knows world, not how frames travel"},
	{"games", modulePath + "/netcode/...", false, "a game knows world, not the wire"},
	{"games", "github.com/anthdm/hollywood/...", false, "a game knows world, not the actors that run it"},
	{"games", "os", true, "a game does no I/O: its settings come through the server"},
	{"games", "net", false, "a game does no I/O"},

	// Examples show what a game developer writes: the server package and
	// world, nothing below them.
	{"examples", modulePath + "/actors/...", true, "an example uses the server package, as a game developer would"},
	{"examples", modulePath + "/transports/...", true, "an example uses the server package, as a game developer would"},

	{"netcode", "github.com/anthdm/hollywood/...", false, "netcode is the wire format only, testable with bytes"},
	{"netcode", "github.com/lxzan/gws", false, "moving frames is the transports' job"},
	{"netcode", "net/http", false, "netcode encodes and decodes; it does no I/O"},
	{"netcode", "github.com/BurntSushi/toml/...", false, "packages never see TOML; the server package maps config onto options"},

	{"transports", modulePath + "/world/...", false, "transports move []byte frames and know nothing of games"},
	{"transports", modulePath + "/netcode/...", false, "transports move []byte frames and know nothing of the protocol"},
	{"transports", "github.com/anthdm/hollywood/...", false, "transports call a Handler; actors implement it"},
	{"transports", "github.com/BurntSushi/toml/...", false, "packages never see TOML; the server package maps config onto options"},

	// transports' rules cover httpwire too; these say it again for httpwire
	// alone, which both sides import, so it stays bytes even if transports
	// ever gets more room.
	{"transports/httpwire", "github.com/lxzan/gws", false, "httpwire is the HTTP transports' byte format; the client imports it"},
	{"transports/httpwire", modulePath + "/netcode/...", false, "httpwire is the HTTP transports' byte format, frames are opaque"},
	{"transports/httpwire", modulePath + "/world/...", false, "httpwire is the HTTP transports' byte format, frames are opaque"},
	{"transports/httpwire", "github.com/anthdm/hollywood/...", false, "httpwire is the HTTP transports' byte format; the client imports it"},

	{"actors", "github.com/BurntSushi/toml/...", false, "packages never see TOML; the server package maps config onto options"},
	{"actors", "os/signal", false, "only the server package installs signal handlers"},

	{"client", modulePath + "/actors/...", false, "the Go client speaks the wire protocol like any other client"},
	// Exactly transports, without "/...": transports/httpwire, the format
	// both sides share, is allowed.
	{"client", modulePath + "/transports", false, "the client shares the HTTP transports' format (transports/httpwire), not the server's code"},

	{"loadtest", modulePath + "/actors/...", false, "load tests measure the server from outside, as its clients see it"},

	// The cluster's wire messages are generated protobuf and nothing else,
	// so that every node, and the tests that play a peer, can link them.
	{"internal/clusterpb", modulePath + "/actors/...", false, "the cluster's messages are plain protobuf; the actors send them"},
	{"internal/clusterpb", modulePath + "/world/...", false, "frames cross nodes as bytes: the room's node encoded them"},
	{"internal/clusterpb", modulePath + "/netcode/...", false, "frames cross nodes as bytes: the room's node encoded them"},
	{"internal/clusterpb", "github.com/anthdm/hollywood/...", false, "hollywood carries the messages; they do not know it"},
	{"world", "google.golang.org/protobuf/...", false, "world is plain data; protobuf is the cluster's wire"},
	{"netcode", "google.golang.org/protobuf/...", false, "netcode is the client wire format; protobuf is the cluster's"},
	{"transports", "google.golang.org/protobuf/...", false, "transports move []byte frames; protobuf is the cluster's wire"},

	{"internal/metricname", modulePath + "/...", false, "metric names are a leaf: the server and loadtest both import it, so it may import neither"},
	{"internal/metricname", thirdParty, false, "metric names are string constants; loadtest would reach whatever they imported"},
}

// thirdParty, as a rule's dep, matches every package outside the standard
// library and this module.
const thirdParty = "third-party"

// clockFuncs are the time functions that read the clock or wait on it.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "AfterFunc": true,
	"Tick": true, "NewTimer": true, "NewTicker": true,
}

// listedPackage is the part of `go list -json` output the tests read.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string // everything reached, not counting tests
	Error      *packageError
	DepsErrors []*packageError // e.g. an import that cannot be found
}

type packageError struct{ Err string }

// listModule runs `go list -e -json` on every package of the module. The
// other packages are written in parallel with this one and may not build yet;
// -e keeps them listed, with their Error set, instead of failing the run.
func listModule(t *testing.T) []listedPackage {
	t.Helper()
	// go test puts its own GOROOT/bin first on PATH.
	cmd := exec.Command("go", "list", "-e", "-json", modulePath+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// under reports whether path is pattern, or below it when pattern ends in
// "/...", or outside the standard library and the module for thirdParty.
func under(path, pattern string) bool {
	if pattern == thirdParty {
		// Only standard packages have no dot in their first element.
		first, _, _ := strings.Cut(path, "/")
		return strings.Contains(first, ".") && !under(path, modulePath+"/...")
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// TestDeps enforces the layers: each package reaches only what its layer may
// use, whatever import path gets it there. Rules for a package that does not
// exist yet check nothing.
func TestDeps(t *testing.T) {
	t.Parallel()
	reported := make(map[string]bool) // a broken package shows in each importer's DepsErrors
	for _, p := range listModule(t) {
		// A package go list cannot load has an incomplete Deps, so its rules
		// cannot pass.
		for _, e := range append([]*packageError{p.Error}, p.DepsErrors...) {
			if e != nil && !reported[e.Err] {
				reported[e.Err] = true
				t.Errorf("go list %s: %s", p.ImportPath, e.Err)
			}
		}
		for _, r := range depRules {
			if !under(p.ImportPath, modulePath+"/"+r.pkg+"/...") {
				continue
			}
			reached, verb := p.Deps, "depends on"
			if r.direct {
				reached, verb = p.Imports, "imports"
			}
			for _, d := range reached {
				if under(d, r.dep) {
					t.Errorf("%s %s %s: %s", p.ImportPath, verb, d, r.why)
					break // one line per rule is enough
				}
			}
		}
	}
}

// TestWorldReadsNoClock scans the sources of world and of the games for
// clock reads, which an import rule cannot catch: they need package time for
// time.Duration. A room passes the tick and its duration in; reading the
// clock would break replays.
func TestWorldReadsNoClock(t *testing.T) {
	t.Parallel()
	for _, p := range listModule(t) {
		if !under(p.ImportPath, modulePath+"/world/...") && !under(p.ImportPath, modulePath+"/games/...") {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Errorf("parse %s: %v", path, err)
				continue
			}
			for _, call := range clockCalls(f) {
				t.Errorf("%s: reads the clock with time.%s; take the tick and its duration as arguments",
					fset.Position(call.Pos()), call.Name)
			}
		}
	}
}

// clockCalls returns the uses of clockFuncs in f, under whatever name f
// imports package time, dot imports included.
func clockCalls(f *ast.File) []*ast.Ident {
	pkgName := ""
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "time" {
			pkgName = "time"
			if imp.Name != nil {
				pkgName = imp.Name.Name
			}
		}
	}
	if pkgName == "" || pkgName == "_" {
		return nil
	}
	var found []*ast.Ident
	var visit func(ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && x.Name == pkgName && clockFuncs[n.Sel.Name] {
				found = append(found, n.Sel)
			}
			ast.Inspect(n.X, visit)
			return false // n.Sel alone is a field or method, not a dot-imported name
		case *ast.Ident:
			if pkgName == "." && clockFuncs[n.Name] {
				found = append(found, n)
			}
		}
		return true
	}
	ast.Inspect(f, visit)
	return found
}
