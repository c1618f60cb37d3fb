package e2e

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// norm turns a Go value into what encoding/json decodes it to (numbers become float64,
// structs and maps become map[string]any), so expectations compare with decoded records.
func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// obj is an expectation written with Go values; it is normalised before comparison.
type obj map[string]any

// volatile fields are checked separately (identities, per-message times, order).
var volatile = map[string]bool{"sequence": true, "hash": true, "router_hash": true, "peer_hash": true,
	"timestamp": true, "collector_timestamp": true, "base_attrs": true, "base_attr_hash": true}

// diffFields compares every non-volatile field of got with want: missing, unexpected and
// different fields are all reported.
func diffFields(got map[string]any, want obj) []string {
	w := norm(want).(map[string]any)
	var out []string
	for k, v := range w {
		g, ok := got[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s missing (want %s)", k, js(v)))
		case !reflect.DeepEqual(g, v):
			out = append(out, fmt.Sprintf("%s = %s, want %s", k, js(g), js(v)))
		}
	}
	for k, g := range got {
		if _, ok := w[k]; !ok && !volatile[k] {
			out = append(out, fmt.Sprintf("unexpected %s = %s", k, js(g)))
		}
	}
	sort.Strings(out)
	return out
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkFields reports the differences between a record and its expectation.
func checkFields(t *testing.T, what string, got map[string]any, want obj) {
	t.Helper()
	if d := diffFields(got, want); len(d) > 0 {
		t.Errorf("%s:\n  %s\n  record: %s", what, strings.Join(d, "\n  "), js(got))
	}
}

var md5Hex = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkCommon checks what every record of one BMP session shares: the sequence runs
// 1..N without a gap, every record names the router (TCP peer 127.0.0.1, hash of the
// init record, sysName), hashes are MD5 hex, and times parse.
func checkCommon(t *testing.T, rs []rec, sysName string) {
	t.Helper()
	if len(rs) == 0 {
		t.Fatal("no records")
	}
	rhash := rs[0].str("router_hash")
	if want := record.RouterHash(netip.MustParseAddr(routerAddr)).String(); rhash != want {
		t.Errorf("router_hash %q, want %q (MD5 of the router address)", rhash, want)
	}
	for i, r := range rs {
		if r.num("sequence") != float64(i+1) {
			t.Fatalf("record %d has sequence %v: the sequence must run 1..N without a gap%s", i, r["sequence"], summary(rs[:i+1], 5))
		}
		if r.str("router_ip") != routerAddr || r.str("router_hash") != rhash || r.str("router_name") != sysName {
			t.Errorf("%v: router identity %v/%v/%v, want %s/%s/%s", r, r["router_ip"], r["router_hash"], r["router_name"], routerAddr, rhash, sysName)
		}
		for _, k := range []string{"hash", "peer_hash"} {
			if r.has(k) && !md5Hex.MatchString(r.str(k)) {
				t.Errorf("%v: %s %v is not an MD5 in hex", r, k, r[k])
			}
		}
		for _, k := range []string{"timestamp", "collector_timestamp"} {
			if r.has(k) {
				if _, err := time.Parse(time.RFC3339Nano, r.str(k)); err != nil {
					t.Errorf("%v: %s: %v", r, k, err)
				}
			}
		}
		if !r.has("collector_timestamp") {
			t.Errorf("%v: no collector_timestamp", r)
		}
	}
}

// capability returns the values of capability code in a Peer Up's adv_cap or recv_cap.
func capability(r rec, field string, code int) []string {
	caps, _ := r[field].(map[string]any)
	list, _ := caps[fmt.Sprint(code)].([]any)
	var out []string
	for _, c := range list {
		m, _ := c.(map[string]any)
		v, _ := m["capability_value"].(string)
		out = append(out, v)
	}
	return out
}

// checkActions checks, per prefix of one view, the sequence of actions (in stream order)
// against want(prefix), and that the add and del records of a prefix share their hash.
func checkActions(t *testing.T, view string, rs []rec, want map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	hash := map[string]string{}
	for _, r := range filter(rs, func(r rec) bool { return isRoute(view, "")(r) }) {
		k := r.key()
		got[k] = append(got[k], r.str("action"))
		if h, ok := hash[k]; ok && h != r.str("hash") {
			t.Errorf("%s %s: hash %s differs from the earlier record's %s", view, k, r.str("hash"), h)
		}
		hash[k] = r.str("hash")
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s %s: actions %v, want %v", view, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: unexpected records %v", view, k, g)
		}
	}
}
