package app

import "strings"

// Validate checks the Kafka settings (brokers, topic settings, compression, TLS files,
// SASL) when the Kafka output is enabled, so that --check-config and the start of the
// collector report them with the other invalid settings, before anything starts.
func (f *kafkaFeature) Validate(o *Options) error {
	if strings.TrimSpace(f.servers) == "" {
		return nil
	}
	_, _, err := f.config(o)
	return err
}
