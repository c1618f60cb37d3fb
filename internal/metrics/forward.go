package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bmpstream/bmpstream/internal/forward"
)

var (
	descFwdSessions  = prometheus.NewDesc("bmpstream_forward_sessions", "Router sessions being forwarded (--intercept).", nil, nil)
	descFwdConnected = prometheus.NewDesc("bmpstream_forward_connected", "Downstream connections up (--intercept).", nil, nil)
	descFwdBuffered  = prometheus.NewDesc("bmpstream_forward_buffered_bytes", "Bytes waiting in the per-router forwarding buffers.", nil, nil)
	descFwdMessages  = prometheus.NewDesc("bmpstream_forward_messages_total", "BMP messages completely written to the downstream collector.", nil, nil)
	descFwdBytes     = prometheus.NewDesc("bmpstream_forward_bytes_total", "Bytes completely written to the downstream collector.", nil, nil)
	descFwdDropMsgs  = prometheus.NewDesc("bmpstream_forward_dropped_messages_total", "BMP messages not forwarded (buffer full, or still buffered when the router session ended).", nil, nil)
	descFwdDropBytes = prometheus.NewDesc("bmpstream_forward_dropped_bytes_total", "Bytes of the BMP messages not forwarded.", nil, nil)
	descFwdConnects  = prometheus.NewDesc("bmpstream_forward_connects_total", "Downstream connections established, by kind (first or reconnect).", []string{"kind"}, nil)
	descFwdErrors    = prometheus.NewDesc("bmpstream_forward_errors_total", "Downstream connection failures, by operation (dial, write).", []string{"op"}, nil)
)

// forwardCollector reads the intercept forwarder's counters at scrape time.
type forwardCollector struct{ st *forward.Stats }

func (c forwardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFwdSessions, descFwdConnected, descFwdBuffered, descFwdMessages,
		descFwdBytes, descFwdDropMsgs, descFwdDropBytes, descFwdConnects, descFwdErrors} {
		ch <- d
	}
}

func (c forwardCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.st
	g := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	n := func(d *prometheus.Desc, v uint64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	g(descFwdSessions, float64(st.Sessions.Load()))
	g(descFwdConnected, float64(st.Connected.Load()))
	g(descFwdBuffered, float64(st.Buffered.Load()))
	n(descFwdMessages, st.ForwardedMessages.Load())
	n(descFwdBytes, st.ForwardedBytes.Load())
	n(descFwdDropMsgs, st.DroppedMessages.Load())
	n(descFwdDropBytes, st.DroppedBytes.Load())
	reconnects := st.Reconnects.Load()
	n(descFwdConnects, st.Connects.Load()-min(reconnects, st.Connects.Load()), "first")
	n(descFwdConnects, reconnects, "reconnect")
	n(descFwdErrors, st.DialErrors.Load(), "dial")
	n(descFwdErrors, st.WriteErrors.Load(), "write")
}

// SetForward makes the intercept forwarder's counters visible (call once, when
// --intercept is on).
func (m *Metrics) SetForward(st *forward.Stats) {
	if st != nil {
		m.reg.MustRegister(forwardCollector{st})
	}
}
