package app

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/publisher/file"
)

// OptionError is an invalid setting; Flag names it (without dashes).
type OptionError struct {
	Flag string
	Msg  string
}

func (e *OptionError) Error() string { return "--" + e.Flag + ": " + e.Msg }

func optErr(flag, format string, args ...any) error {
	return &OptionError{Flag: flag, Msg: fmt.Sprintf(format, args...)}
}

// Validator is implemented by features that check their settings once the configuration
// is complete (command line, file and environment), before anything starts.
type Validator interface {
	Validate(o *Options) error
}

// validateOptions checks the core settings.
func validateOptions(o *Options) error {
	var errs []error
	if o.SourcePort < 0 || o.SourcePort > 65535 {
		errs = append(errs, optErr("source-port", "%d is out of range 0-65535", o.SourcePort))
	}
	if o.BindAddress != "" && !validHost(o.BindAddress) {
		errs = append(errs, optErr("bind-address", "%q is neither an IP address nor a host name", o.BindAddress))
	}
	switch o.Dump {
	case "", "console":
	case "file":
		if o.MsgFile == "" {
			errs = append(errs, optErr("msg-file", "required with --dump=file"))
		}
	default:
		errs = append(errs, optErr("dump", "%q is not an output (want console or file)", o.Dump))
	}
	if o.MsgFile != "" {
		dir := filepath.Dir(o.MsgFile)
		if st, err := os.Stat(dir); err != nil {
			errs = append(errs, optErr("msg-file", "directory of %s: %v", o.MsgFile, err))
		} else if !st.IsDir() {
			errs = append(errs, optErr("msg-file", "%s is not a directory", dir))
		}
	}
	if _, err := file.ParseFormat(o.dumpFormat()); err != nil {
		errs = append(errs, optErr("dump-format", "%v", err))
	}
	if _, err := publisher.ParseFormat(o.Format); err != nil {
		errs = append(errs, optErr("format", "%v", err))
	}
	if o.MaxMessageSize < 6 || int64(o.MaxMessageSize) > math.MaxUint32 {
		errs = append(errs, optErr("max-message-size", "%d is out of range 6 (the BMP common header) to %d", o.MaxMessageSize, uint64(math.MaxUint32)))
	}
	if o.QueueSize < 1 {
		errs = append(errs, optErr("queue-size", "%d: must be at least 1", o.QueueSize))
	}
	if o.ShutdownTimeout <= 0 {
		errs = append(errs, optErr("shutdown-timeout", "%s: must be positive", o.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// validHost accepts an IP address (IPv6 with or without brackets) or a DNS host name.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false // all-numeric top label: a mistyped IPv4 address
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// validate checks the core settings and those of every feature that is a Validator.
func validate(o *Options, features []Feature) error {
	errs := []error{validateOptions(o)}
	for _, f := range features {
		if v, ok := f.(Validator); ok {
			errs = append(errs, v.Validate(o))
		}
	}
	return errors.Join(errs...)
}

// configure runs after the command line is parsed: it applies the config file and the
// environment, validates (including the config file's values that the command line or
// the environment override), and prints the configuration for --print-config. exit tells
// Main to return code.
func configure(cl *commandLine, args []string, stdout, stderr io.Writer) (code int, exit bool) {
	src, err := applyConfig(cl.fs, cl.cf.path, os.Environ(), stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bmpstream:", err)
		return 2, true
	}
	verr := validate(cl.o, cl.features)
	if src.file != "" {
		verr = errors.Join(verr, checkOverridden(args, src))
	}
	if cl.cf.print {
		if err := printConfig(stdout, cl.fs, src); err != nil {
			fmt.Fprintln(stderr, "bmpstream:", err)
			return 1, true
		}
	}
	if verr != nil {
		fmt.Fprintln(stderr, "bmpstream: invalid configuration:")
		for _, line := range describeErrors(verr, src) {
			fmt.Fprintln(stderr, "  "+line)
		}
		return 2, true
	}
	if cl.cf.check {
		where := "flags and environment"
		if src.file != "" {
			where = src.file
		}
		fmt.Fprintf(stdout, "bmpstream: configuration OK (%s)\n", where)
		return 0, true
	}
	return 0, cl.cf.print
}

// checkOverridden checks the config file's values that a flag or an environment variable
// overrides, so a wrong value in the file is found now rather than the day the override
// goes: a shadow command line takes args and then every key of the file, and is
// validated; the errors about overridden keys are returned.
func checkOverridden(args []string, src *configSources) error {
	shadow := newCommandLine(io.Discard, io.Discard)
	if err := shadow.fs.Parse(args); err != nil {
		return nil // the real command line parsed: cannot happen
	}
	ssrc := &configSources{file: src.file, of: make(map[string]string)}
	if err := applyFile(shadow.fs, src.file, ssrc); err != nil {
		return fmt.Errorf("%w (overridden, but the file is wrong)", err)
	}
	overridden := make(map[string]bool)
	for name, s := range ssrc.of {
		if s == SourceFile && src.source(name) != SourceFile {
			overridden[name] = true
		}
	}
	var errs []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var oe *OptionError
		if errors.As(e, &oe) && overridden[oe.Flag] {
			errs = append(errs, fmt.Errorf("--%s (key %q in config file %s, overridden by %s): %s",
				oe.Flag, oe.Flag, src.file, src.describe(oe.Flag), oe.Msg))
		}
	}
	if err := validate(shadow.o, shadow.features); err != nil {
		walk(err)
	}
	return errors.Join(errs...)
}

// describeErrors lists the errors of err (joined or single), each OptionError with where
// its value came from.
func describeErrors(err error, src *configSources) []string {
	var list []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		list = append(list, e)
	}
	walk(err)
	var out []string
	for _, e := range list {
		var oe *OptionError
		if errors.As(e, &oe) && (src.source(oe.Flag) == SourceFile || src.source(oe.Flag) == SourceEnv) {
			out = append(out, fmt.Sprintf("--%s (%s): %s", oe.Flag, src.describe(oe.Flag), oe.Msg))
			continue
		}
		out = append(out, e.Error())
	}
	return out
}
