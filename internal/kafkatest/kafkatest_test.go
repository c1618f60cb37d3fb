package kafkatest

import (
	"strings"
	"testing"
)

// TestCheck: the checker finds every kind of problem it reports.
func TestCheck(t *testing.T) {
	want := []Record{
		{Topic: "a", Key: "k1", Value: "1"}, {Topic: "a", Key: "k1", Value: "2"}, {Topic: "a", Key: "k1", Value: "3"},
		{Topic: "a", Key: "k2", Value: "x"}, {Topic: "b", Key: "k1", Value: "y"},
	}
	rec := func(topic, key, value string, part int32) Record {
		return Record{Topic: topic, Key: key, Value: value, Partition: part}
	}
	cases := []struct {
		name string
		got  []Record
		want Report
	}{
		{"clean", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "2", 0), rec("a", "k2", "x", 1), rec("a", "k1", "3", 0), rec("b", "k1", "y", 0)},
			Report{}},
		{"missing", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "3", 0), rec("a", "k2", "x", 0)},
			Report{Missing: 2}},
		{"replay", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "2", 0), rec("a", "k1", "1", 0), rec("a", "k1", "2", 0),
			rec("a", "k1", "3", 0), rec("a", "k2", "x", 0), rec("b", "k1", "y", 0)}, Report{Replays: 2}},
		{"misordered", []Record{rec("a", "k1", "2", 0), rec("a", "k1", "1", 0), rec("a", "k1", "3", 0), rec("a", "k2", "x", 0), rec("b", "k1", "y", 0)},
			Report{Misordered: 1}},
		{"wrong topic", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "2", 0), rec("a", "k1", "3", 0), rec("a", "k2", "x", 0), rec("c", "k1", "y", 0)},
			Report{Unexpected: 1, Missing: 1}},
		{"wrong key", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "2", 0), rec("a", "k1", "3", 0), rec("a", "k3", "x", 0), rec("b", "k1", "y", 0)},
			Report{Unexpected: 1, Missing: 1}},
		{"split key", []Record{rec("a", "k1", "1", 0), rec("a", "k1", "2", 1), rec("a", "k1", "3", 0), rec("a", "k2", "x", 0), rec("b", "k1", "y", 0)},
			Report{SplitKeys: 1}},
	}
	for _, tc := range cases {
		got := Check(want, tc.got)
		if got.Missing != tc.want.Missing || got.Replays != tc.want.Replays || got.Unexpected != tc.want.Unexpected ||
			got.Misordered != tc.want.Misordered || got.SplitKeys != tc.want.SplitKeys {
			t.Errorf("%s: %s", tc.name, got)
		}
		if got.Clean() != (tc.name == "clean") {
			t.Errorf("%s: Clean() = %t", tc.name, got.Clean())
		}
	}
}

// TestExpect: topic and key from the record's own fields.
func TestExpect(t *testing.T) {
	const rh, ph = "d0f88d6c87767262ba8e93d6acccd784", "f12cfb7950a4c1a9c4e2f8fb50a0bbfb"
	cases := []struct {
		line  string
		split bool
		topic string
		key   string
	}{
		{`{"type":"unicast_prefix","router_hash":"` + rh + `","peer_hash":"` + ph + `","is_ipv4":true}`, true, "p.parsed.unicast_prefix_v4", rh + ph},
		{`{"type":"unicast_prefix","router_hash":"` + rh + `","peer_hash":"` + ph + `","is_ipv4":false}`, true, "p.parsed.unicast_prefix_v6", rh + ph},
		{`{"type":"unicast_prefix","router_hash":"` + rh + `","peer_hash":"` + ph + `","is_ipv4":false}`, false, "p.parsed.unicast_prefix", rh + ph},
		{`{"type":"mvpn","router_hash":"` + rh + `","peer_hash":"` + ph + `","is_ipv4":false}`, false, "p.parsed.mvpn_v6", rh + ph},
		{`{"type":"evpn","router_hash":"` + rh + `","peer_hash":"` + ph + `","is_ipv4":true}`, true, "p.parsed.evpn", rh + ph},
		{`{"type":"router","action":"init","router_hash":"` + rh + `"}`, true, "p.parsed.router", rh},
	}
	for _, tc := range cases {
		r := Expect(t, "p", tc.split, tc.line)
		if r.Topic != tc.topic || r.Key != tc.key || r.Value != tc.line {
			t.Errorf("%s split=%t: %+v", tc.line, tc.split, r)
		}
	}
	if s := stringField(`{"a":"x"}`, "b"); s != "" || !strings.Contains(TopicRE("a.b"), `a\.b`) {
		t.Error("helpers")
	}
}
