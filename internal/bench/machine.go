package bench

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"os"
	"runtime"
	"strings"
)

// Machine describes where the benchmark ran.
type Machine struct {
	CPUModel string `json:"cpu_model"`
	// Cores is the number of logical CPUs usable by this process.
	Cores int `json:"cores"`
	// GoVersion is the toolchain bmpbench was built with; CollectorGo the one the
	// collector binary was built with (empty when its build info cannot be read).
	GoVersion   string `json:"go_version"`
	CollectorGo string `json:"collector_go_version,omitempty"`
	Kernel      string `json:"kernel,omitempty"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages when the benchmark started:
	// a load above Cores means the numbers were taken on a busy machine.
	LoadAvg string `json:"load_avg,omitempty"`
}

// ReadMachine describes this machine; collector is the collector binary's path.
func ReadMachine(collector string) Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, err := buildinfo.ReadFile(collector); err == nil {
		m.CollectorGo = bi.GoVersion
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadAvg = LoadAvg()
	return m
}

// LoadAvg returns the 1, 5 and 15 minute load averages, or "" when unknown.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the first "model name" of /proc/cpuinfo (x86), else the first
// "Hardware", "Model" or "cpu model" line (other architectures), else "unknown".
func cpuModel(b []byte) string {
	alt := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			return v
		case "Hardware", "Model", "cpu model":
			if alt == "" {
				alt = v
			}
		}
	}
	if alt == "" {
		return "unknown"
	}
	return alt
}
