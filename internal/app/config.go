package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Configuration sources, lowest precedence first: a flag's value comes from its default,
// the --config file, a BMPSTREAM_* environment variable or the command line.
const (
	SourceDefault = "default"
	SourceFile    = "file"
	SourceEnv     = "env"
	SourceFlag    = "flag"
)

// EnvPrefix starts the environment variable of every flag: BMPSTREAM_SOURCE_PORT sets
// --source-port (upper case, dashes turned into underscores).
const EnvPrefix = "BMPSTREAM_"

// SecretAnnotation marks a flag whose value --print-config masks; see MarkSecret.
const SecretAnnotation = "bmpstream_secret"

// MarkSecret makes --print-config mask the value of the flag name (passwords, tokens).
// Flags whose name contains password, passwd, secret, token or credential are masked
// without it.
func MarkSecret(fs *pflag.FlagSet, name string) {
	_ = fs.SetAnnotation(name, SecretAnnotation, []string{"true"})
}

// notConfigurable are flags that only make sense on the command line.
var notConfigurable = map[string]bool{"config": true, "print-config": true, "check-config": true, "version": true, "help": true}

// configFlags are the --config and --print-config flags.
type configFlags struct {
	path  string
	print bool
	check bool
}

func addConfigFlags(fs *pflag.FlagSet) *configFlags {
	c := &configFlags{}
	fs.StringVar(&c.path, "config", "", "YAML file setting any flag, keys named like the flags (also $BMPSTREAM_CONFIG); precedence: defaults < file < BMPSTREAM_* environment < command line")
	fs.BoolVar(&c.print, "print-config", false, "print the effective configuration (YAML, with every value's source) and exit")
	fs.BoolVar(&c.check, "check-config", false, "validate the configuration (flags, --config file, environment) and exit: 0 if valid, 2 with the errors if not")
	return c
}

// EnvName returns the environment variable that sets the flag name.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// configSources records where every flag's value comes from.
type configSources struct {
	file string            // the --config path, if any
	of   map[string]string // flag name → Source*
}

func (s *configSources) source(name string) string {
	if src, ok := s.of[name]; ok {
		return src
	}
	return SourceDefault
}

// describe names where the value of flag name was set, for error messages.
func (s *configSources) describe(name string) string {
	switch s.source(name) {
	case SourceFile:
		return fmt.Sprintf("key %q in config file %s", name, s.file)
	case SourceEnv:
		return "environment variable " + EnvName(name)
	case SourceFlag:
		return "flag --" + name
	}
	return "default of --" + name
}

// applyConfig completes fs, already parsed from the command line, with the config file
// (path, or $BMPSTREAM_CONFIG when empty) and then the environment (environ, as
// os.Environ), for the flags the command line did not set. Unknown keys and invalid values
// are errors that name the key, line and flag; BMPSTREAM_* variables that match no flag
// are reported to warn and ignored (tests and tools use that prefix too).
func applyConfig(fs *pflag.FlagSet, path string, environ []string, warn io.Writer) (*configSources, error) {
	src := &configSources{of: make(map[string]string)}
	fs.Visit(func(f *pflag.Flag) { src.of[f.Name] = SourceFlag })
	env := make(map[string]string)
	for _, kv := range environ {
		if name, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, EnvPrefix) {
			env[name] = val
		}
	}
	if path == "" {
		path = env[EnvPrefix+"CONFIG"]
	}
	delete(env, EnvPrefix+"CONFIG")
	if path != "" {
		src.file = path
		if err := applyFile(fs, path, src); err != nil {
			return src, err
		}
	}
	return src, applyEnv(fs, env, src, warn)
}

func applyFile(fs *pflag.FlagSet, path string, src *configSources) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil
	}
	if top.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s line %d: want a mapping of flag names to values", path, top.Line)
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		where := fmt.Sprintf("config file %s line %d", path, k.Line)
		name := k.Value
		if alias, ok := configAliases[name]; ok {
			name = alias
		}
		if line, dup := seen[name]; dup {
			return fmt.Errorf("%s: key %q already set on line %d", where, k.Value, line)
		}
		seen[name] = k.Line
		f := fs.Lookup(name)
		if f == nil || notConfigurable[name] {
			return fmt.Errorf("%s: unknown key %q (keys are flag names: see bmpstream --help)", where, k.Value)
		}
		if src.of[name] == SourceFlag {
			continue // the command line wins
		}
		var values []string
		list := false
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			return fmt.Errorf("%s: key %q has no value", where, k.Value)
		case v.Kind == yaml.ScalarNode:
			values = []string{v.Value}
		case v.Kind == yaml.SequenceNode:
			list = true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("%s: key %q: list items must be plain values", where, k.Value)
				}
				values = append(values, item.Value)
			}
		default:
			return fmt.Errorf("%s: key %q: a mapping is not a flag value", where, k.Value)
		}
		if err := setValue(fs, f, values, list); err != nil {
			return fmt.Errorf("%s: key %q: %w", where, k.Value, err)
		}
		src.of[name] = SourceFile
	}
	return nil
}

// configAliases are config-file keys that name a flag differently (a list of values for a
// repeatable flag reads better in the plural).
var configAliases = map[string]string{"active-routers": "active-router"}

func applyEnv(fs *pflag.FlagSet, env map[string]string, src *configSources, warn io.Writer) error {
	byEnv := make(map[string]*pflag.Flag)
	fs.VisitAll(func(f *pflag.Flag) { byEnv[EnvName(f.Name)] = f })
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		val := env[name]
		f := byEnv[name]
		if f == nil || notConfigurable[f.Name] {
			fmt.Fprintf(warn, "bmpstream: warning: environment variable %s matches no setting, ignored\n", name)
			continue
		}
		if src.of[f.Name] == SourceFlag {
			continue
		}
		if err := setValue(fs, f, []string{val}, false); err != nil {
			return fmt.Errorf("environment variable %s=%q: %w", name, val, err)
		}
		src.of[f.Name] = SourceEnv
	}
	return nil
}

// setValue sets f as the command line would, replacing (not appending to) a list value
// set by a lower-precedence source. A scalar value of a list flag is split at commas.
func setValue(fs *pflag.FlagSet, f *pflag.Flag, values []string, list bool) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var items []string
		for _, v := range values {
			if !list {
				for _, part := range strings.Split(v, ",") {
					if part = strings.TrimSpace(part); part != "" {
						items = append(items, part)
					}
				}
				continue
			}
			items = append(items, strings.TrimSpace(v))
		}
		if err := sv.Replace(items); err != nil {
			return fmt.Errorf("invalid value %q for --%s: %w", strings.Join(values, ","), f.Name, err)
		}
		f.Changed = true
		return nil
	}
	v := strings.Join(values, ",")
	if err := fs.Set(f.Name, v); err != nil {
		return fmt.Errorf("invalid value %q for --%s: %w", v, f.Name, unwrapSetError(err))
	}
	return nil
}

// unwrapSetError drops pflag's own "invalid argument … for … flag" wrapping, if any.
func unwrapSetError(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

var secretWords = []string{"password", "passwd", "secret", "token", "credential"}

func isSecret(f *pflag.Flag) bool {
	if len(f.Annotations[SecretAnnotation]) > 0 {
		return true
	}
	name := strings.ToLower(f.Name)
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

const masked = "********"

// printConfig writes the effective configuration as YAML that --config accepts, each
// value commented with its source; secrets are masked.
func printConfig(w io.Writer, fs *pflag.FlagSet, src *configSources) error {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	fs.VisitAll(func(f *pflag.Flag) {
		if notConfigurable[f.Name] {
			return
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: f.Name}
		var val *yaml.Node
		secret := isSecret(f)
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			val = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, item := range sv.GetSlice() {
				if secret {
					item = masked
				}
				val.Content = append(val.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: item})
			}
		} else {
			s := f.Value.String()
			if secret && s != "" {
				s = masked
			}
			val = &yaml.Node{Kind: yaml.ScalarNode, Value: s}
			if f.Value.Type() == "string" || s == "" {
				val.Tag = "!!str"
			}
		}
		comment := src.source(f.Name)
		switch comment {
		case SourceEnv:
			comment += " " + EnvName(f.Name)
		case SourceFile:
			comment += " " + src.file
		}
		val.LineComment = comment
		doc.Content = append(doc.Content, key, val)
	})
	head := "# bmpstream effective configuration: every setting, with its source (default, file, env, flag)\n"
	if src.file != "" {
		head += "# config file: " + src.file + "\n"
	}
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}
