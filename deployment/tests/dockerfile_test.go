package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
}

// parseDockerfile returns the instructions of each stage (a stage starts at FROM).
func parseDockerfile(t *testing.T, path string) [][]instruction {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" || len(stages) == 0 {
			stages = append(stages, nil)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

// shellWords splits s like a shell would for LABEL/ENV key=value lists (double quotes).
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, have = !inQuote, true
		case (r == ' ' || r == '\t') && !inQuote:
			if have {
				words = append(words, w.String())
				w.Reset()
				have = false
			}
		default:
			w.WriteRune(r)
			have = true
		}
	}
	if have {
		words = append(words, w.String())
	}
	return words
}

// dockerRuntime is what the Dockerfile's final stage sets.
type dockerRuntime struct {
	from       string
	user       string
	workdir    string
	stopSignal string
	entrypoint []string
	cmd        []string
	volumes    []string
	exposed    map[string]struct{}
	env        map[string]string
	labels     map[string]string
	copies     map[string]string // destination → source
	buildRun   string            // the build stage's RUN with "go build"
}

func readDockerfile(t *testing.T) dockerRuntime {
	t.Helper()
	stages := parseDockerfile(t, filepath.Join(root(t), "Dockerfile"))
	if len(stages) < 3 { // the global ARGs, the build stage, the runtime stage
		t.Fatalf("Dockerfile has %d stages, want a build and a runtime stage", len(stages))
	}
	rt := dockerRuntime{exposed: map[string]struct{}{}, env: map[string]string{}, labels: map[string]string{}, copies: map[string]string{}}
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				rt.buildRun = in.args
			}
		}
	}
	jsonList := func(in instruction) []string {
		var l []string
		if err := json.Unmarshal([]byte(in.args), &l); err != nil {
			t.Fatalf("%s %s: want the JSON (exec) form: %v", in.cmd, in.args, err)
		}
		return l
	}
	for _, in := range stages[len(stages)-1] {
		switch in.cmd {
		case "FROM":
			rt.from = in.args
		case "USER":
			rt.user = in.args
		case "WORKDIR":
			rt.workdir = in.args
		case "STOPSIGNAL":
			rt.stopSignal = in.args
		case "ENTRYPOINT":
			rt.entrypoint = jsonList(in)
		case "CMD":
			rt.cmd = jsonList(in)
		case "VOLUME":
			rt.volumes = jsonList(in)
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				rt.exposed[p] = struct{}{}
			}
		case "ENV", "LABEL":
			for _, w := range shellWords(in.args) {
				k, v, ok := strings.Cut(w, "=")
				if !ok {
					t.Fatalf("%s %s: want key=value pairs", in.cmd, in.args)
				}
				if in.cmd == "ENV" {
					rt.env[k] = v
				} else {
					rt.labels[k] = v
				}
			}
		case "COPY":
			var words []string
			for _, w := range strings.Fields(in.args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			rt.copies[words[len(words)-1]] = words[0]
		}
	}
	return rt
}
