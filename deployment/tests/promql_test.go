package tests

import (
	"strings"
	"testing"
	"unicode"
)

// promqlRefs lists the metric names and the label names a PromQL expression refers to:
// label names in matchers ({label="…"}) per metric, and label names in by/without/on/
// ignoring/group_left/group_right clauses. Strings, range selectors and numbers are
// skipped; an identifier followed by "(" is a function or aggregation.
type promqlRefs struct {
	metrics  []string
	matchers map[string][]string // metric → label names matched on it
	grouping []string
}

var promqlKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
}

func parsePromQL(t *testing.T, expr string) promqlRefs {
	t.Helper()
	refs := promqlRefs{matchers: map[string][]string{}}
	rs := []rune(expr)
	n := len(rs)
	i := 0
	skipSpace := func() {
		for i < n && unicode.IsSpace(rs[i]) {
			i++
		}
	}
	skipString := func() {
		q := rs[i]
		i++
		for i < n && rs[i] != q {
			if rs[i] == '\\' {
				i++
			}
			i++
		}
		i++
	}
	isIdentStart := func(r rune) bool { return r == '_' || r == ':' || unicode.IsLetter(r) }
	isIdent := func(r rune) bool { return isIdentStart(r) || unicode.IsDigit(r) }
	ident := func() string {
		s := i
		for i < n && isIdent(rs[i]) {
			i++
		}
		return string(rs[s:i])
	}
	// labelList reads "(a, b, …)" after a grouping keyword.
	labelList := func() {
		skipSpace()
		if i >= n || rs[i] != '(' {
			return
		}
		i++
		for i < n && rs[i] != ')' {
			skipSpace()
			if i < n && isIdentStart(rs[i]) {
				refs.grouping = append(refs.grouping, ident())
				continue
			}
			i++
		}
		i++
	}
	// selector reads "{a="x", b=~"y"}" for metric.
	selector := func(metric string) {
		i++ // {
		for i < n && rs[i] != '}' {
			skipSpace()
			switch {
			case i < n && (rs[i] == '"' || rs[i] == '\'' || rs[i] == '`'):
				skipString()
			case i < n && isIdentStart(rs[i]):
				refs.matchers[metric] = append(refs.matchers[metric], ident())
			default:
				i++
			}
		}
		i++
	}
	for i < n {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '\'' || r == '`':
			skipString()
		case r == '[':
			for i < n && rs[i] != ']' {
				i++
			}
			i++
		case r == '$': // a dashboard variable
			i++
			for i < n && (isIdent(rs[i]) || rs[i] == '{' || rs[i] == '}') {
				i++
			}
		case unicode.IsDigit(r) || (r == '.' && i+1 < n && unicode.IsDigit(rs[i+1])):
			for i < n && (unicode.IsDigit(rs[i]) || unicode.IsLetter(rs[i]) || rs[i] == '.') {
				i++
			}
		case r == '{': // selector without a metric name
			selector("")
		case isIdentStart(r):
			name := ident()
			skipSpace()
			switch {
			case promqlKeywords[strings.ToLower(name)]:
				if name == "by" || name == "without" || name == "on" || name == "ignoring" || name == "group_left" || name == "group_right" {
					labelList()
				}
			case i < n && rs[i] == '(':
				// function or aggregation
			case i < n && isIdentStart(rs[i]) && (peekIdent(rs[i:]) == "by" || peekIdent(rs[i:]) == "without"):
				// aggregation with its grouping first: "sum by (x) (…)"
			default:
				refs.metrics = append(refs.metrics, name)
				if i < n && rs[i] == '{' {
					selector(name)
				}
			}
		default:
			i++
		}
	}
	return refs
}

func TestParsePromQL(t *testing.T) {
	r := parsePromQL(t, `histogram_quantile(0.99, sum by (sink, le) (rate(bmpstream_sink_write_seconds_bucket{instance=~"$instance",sink!="x"}[$__rate_interval]))) * on (router) group_left (sys_name) bmpstream_router_info > 1e3`)
	if strings.Join(r.metrics, ",") != "bmpstream_sink_write_seconds_bucket,bmpstream_router_info" {
		t.Fatalf("metrics %v", r.metrics)
	}
	if strings.Join(r.matchers["bmpstream_sink_write_seconds_bucket"], ",") != "instance,sink" {
		t.Fatalf("matchers %v", r.matchers)
	}
	if strings.Join(r.grouping, ",") != "sink,le,router,sys_name" {
		t.Fatalf("grouping %v", r.grouping)
	}
}

// peekIdent returns the identifier at the start of rs.
func peekIdent(rs []rune) string {
	j := 0
	for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
		j++
	}
	return string(rs[:j])
}
