package session

import "testing"

// TestLogValue: a router label stays one key=value field whatever its sysName.
func TestLogValue(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:179/r1":        "192.0.2.1:179/r1",
		"192.0.2.1:179/core r1":   `"192.0.2.1:179/core r1"`,
		`192.0.2.1:179/a"b`:       `"192.0.2.1:179/a\"b"`,
		"192.0.2.1:179/k=v":       `"192.0.2.1:179/k=v"`,
		"192.0.2.1:179/bad\xff":   `"192.0.2.1:179/bad\xff"`,
		"192.0.2.1:179/tab\there": `"192.0.2.1:179/tab\there"`,
		"192.0.2.1:179/routeur-é": "192.0.2.1:179/routeur-é",
		"":                        `""`,
	} {
		if got := logValue(in); got != want {
			t.Errorf("logValue(%q) = %s, want %s", in, got, want)
		}
	}
}
