package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "pollinations-studio"

// imports lists each package of the module (with the given build tags) and what it imports,
// tests' imports included.
func imports(t *testing.T, tags string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", tags, "-f",
		`{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		graph[f[0]] = f[1:]
	}
	return graph
}

func under(pkg, dir string) bool {
	p := module + "/" + dir
	return pkg == p || strings.HasPrefix(pkg, p+"/")
}

// The import rules of docs/ARCHITECTURE.md, checked on the real import graph: a page knows
// only ui/kit (never another page); nothing outside ui/ imports Fyne; storage and audio import
// nothing of ours but internal/'s leaf helpers (one WAV reader, the mesh reader); the backend
// imports storage and internal/ only; the product does not contain the measuring code.
func TestImportRules(t *testing.T) {
	graph := imports(t, "ci,migrated_fynedo,no_emoji,measure")
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages", len(graph))
	}
	for pkg, deps := range graph {
		for _, d := range deps {
			switch {
			case under(pkg, "ui/pages") && under(d, "ui/pages") && pageOf(pkg) != pageOf(d):
				t.Errorf("page %s imports page %s: go through kit.Host and a navigation value", pkg, d)
			case under(pkg, "ui/pages") && (under(d, "ui/app") || under(d, "ui/internal")):
				t.Errorf("page %s imports %s: a page knows only its Host and ui/kit", pkg, d)
			case under(pkg, "ui/kit") && (under(d, "ui/pages") || under(d, "ui/app")):
				t.Errorf("%s imports %s: kit is below the pages and the shell", pkg, d)
			case (!under(pkg, "ui") || under(pkg, "cli")) && strings.HasPrefix(d, "fyne.io/"):
				t.Errorf("%s imports %s: only ui/ draws (and the command line does not)", pkg, d)
			case (under(pkg, "storage") || under(pkg, "audio")) && strings.HasPrefix(d, module+"/") && !under(d, "storage") && !under(d, "audio") && !under(d, "internal"):
				t.Errorf("%s imports %s: storage and audio import nothing of ours but the leaf helpers in internal/", pkg, d)
			case under(pkg, "internal") && strings.HasPrefix(d, module+"/") && !under(d, "internal"):
				t.Errorf("%s imports %s: internal/ holds leaf helpers (standard library only)", pkg, d)
			case under(pkg, "backend") && (under(d, "ui") || under(d, "audio") || under(d, "cli")):
				t.Errorf("%s imports %s: the backend imports only storage and internal/ of ours", pkg, d)
			case under(pkg, "storage") && under(d, "audio"), under(pkg, "audio") && under(d, "storage"):
				t.Errorf("%s imports %s: storage and audio import nothing of ours", pkg, d)
			}
		}
	}

	// Without the measure tag, nothing the app is built from reaches the measuring code.
	out, err := exec.Command("go", "list", "-tags", "migrated_fynedo,no_emoji", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, d := range strings.Fields(string(out)) {
		if under(d, "ui/internal") {
			t.Errorf("the product build contains %s: measuring code belongs behind the measure tag", d)
		}
		if under(d, "ui/kit/kittest") || d == "fyne.io/fyne/v2/test" {
			t.Errorf("the product build contains %s: test helpers belong to tests", d)
		}
	}
}

// pageOf is the page a package under ui/pages belongs to.
func pageOf(pkg string) string {
	rest := strings.TrimPrefix(pkg, module+"/ui/pages/")
	name, _, _ := strings.Cut(rest, "/")
	return name
}
