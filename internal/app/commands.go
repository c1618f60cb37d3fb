package app

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Command is a bmpstream subcommand: "bmpstream NAME [flags] [args]". The collector
// itself runs when the first argument is a flag or there is none; any other first
// argument must name a command, or bmpstream exits 2 with a usage message (a typo never
// starts a collector).
type Command struct {
	Name string
	// Synopsis follows "bmpstream NAME" in the usage, e.g. "[flags] FILE|DIR...".
	Synopsis string
	// Summary is one line for the usage.
	Summary string
	// Run runs the command with the arguments after its name and returns the exit code
	// (0 success, 1 failure, 2 usage error). --help prints to stdout and returns 0.
	Run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]Command{}

// RegisterCommand adds a subcommand; call it from an init function in the command's own
// file (one line per command, so commands do not edit each other's code).
func RegisterCommand(c Command) {
	if _, dup := commands[c.Name]; dup {
		panic("bmpstream: command " + c.Name + " registered twice")
	}
	commands[c.Name] = c
}

// commandNames returns the registered names, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// commandUsage is the usage lines of every subcommand.
func commandUsage() string {
	var b strings.Builder
	for _, n := range commandNames() {
		c := commands[n]
		syn := "bmpstream " + c.Name + " " + c.Synopsis
		fmt.Fprintf(&b, "  %-33s %s\n", strings.TrimSpace(syn), c.Summary)
	}
	return b.String()
}

// unknownCommand reports a first argument that is neither a flag nor a command.
func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "bmpstream: unknown command %q", name)
	if near := closestCommand(name); near != "" {
		fmt.Fprintf(stderr, " (did you mean %q?)", near)
	}
	fmt.Fprintf(stderr, "\n\nUsage:\n  %-33s %s\n%sRun 'bmpstream --help' for the collector's flags.\n",
		"bmpstream [flags]", "run the collector", commandUsage())
	return 2
}

// closestCommand returns the command within edit distance 2 of name, if any.
func closestCommand(name string) string {
	best, bestD := "", 3
	for _, n := range commandNames() {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein (optimal string alignment) distance, so a swap
// of two letters ("inpsect") counts 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
