package metrics

import (
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bmpstream/bmpstream/internal/memory"
	"github.com/bmpstream/bmpstream/internal/server"
	"github.com/bmpstream/bmpstream/internal/session"
	"github.com/bmpstream/bmpstream/pkg/publisher"
	"github.com/bmpstream/bmpstream/pkg/record"
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("bmpstream_"+name, help, labels, nil)
}

// The metrics; docs/metrics.md describes each one.
var (
	descBuildInfo = desc("build_info", "Build information: always 1.", "version", "go_version")

	descConnOpen   = desc("connections_open", "BMP connections currently open, by router address.", "router")
	descConnTotal  = desc("connections_total", "BMP connections accepted and admitted, by router address.", "router")
	descMessages   = desc("bmp_messages_total", "Complete BMP messages received, by router address and BMP message type.", "router", "type")
	descBytes      = desc("received_bytes_total", "Bytes of complete BMP messages received, by router address.", "router")
	descPeersUp    = desc("peers_up", "Monitored peers up on the router's open connections (per-peer state: repeated Peer Up or Peer Down messages count once).", "router")
	descRouterInfo = desc("router_info", "The sysName a router announced in its last Initiation message: always 1.", "router", "sys_name")
	descForgotten  = desc("routers_forgotten_total", "Disconnected routers whose series were removed to bound the number of series.")

	descRecords    = desc("records_total", "Records produced by the sessions, by record type.", "type")
	descDecodeErrs = desc("decode_errors_total", "Messages or message parts that could not be decoded, by kind.", "kind")
	descAddPath    = desc("add_path_mismatches_total", "NLRI sections that parsed only with the ADD-PATH setting opposite to the negotiated one.")
	descWarnings   = desc("decode_warnings_total", "Router quirks accepted because the bytes parse cleanly another known way, by kind.", "kind")
	descEnded      = desc("sessions_ended_total", "BMP sessions ended, by reason.", "reason")
	descRefused    = desc("connections_refused_total", "Connections refused before their session started, by reason.", "reason")

	descMemBytes      = desc("memory_bytes", "Memory accounted against --memory-limit, by component: read_buffers, session_batches, peer_state, queued_batches.", "component")
	descMemLimit      = desc("memory_limit_bytes", "The memory budget (--memory-limit; 0: none).")
	descMemPaused     = desc("memory_backpressure_seconds_total", "Time sessions spent with reading paused because the memory budget was exceeded.")
	descMemPauses     = desc("memory_backpressure_pauses_total", "Reads paused because the memory budget was exceeded.")
	descMemExceeded   = desc("memory_exceeded_total", "Reads that went on over the memory budget because no queued output was left to drain.")
	descQueueDepth    = desc("queue_depth_batches", "Batches waiting in the sink's queue.", "sink")
	descQueueCap      = desc("queue_capacity_batches", "Capacity of the sink's queue, in batches.", "sink")
	descPending       = desc("sink_records_pending", "Records accepted into the sink's queue and not yet written.", "sink")
	descBackpressure  = desc("backpressure_seconds_total", "Time sessions spent waiting for room in the sink's full queue (reading from routers paused).", "sink")
	descWriteSeconds  = desc("sink_write_seconds", "Duration of the sink's write of one batch.", "sink")
	descSinkRecords   = desc("sink_records_total", "Records handed to the sink's write (delivered or failed).", "sink")
	descSinkFailed    = desc("sink_records_failed_total", "Records the sink reported as lost by a failed write.", "sink")
	descSinkDropped   = desc("sink_records_dropped_total", "Records dropped before the sink: queue full with the drop policy, or given up at shutdown.", "sink")
	allDescs          = []*prometheus.Desc{descBuildInfo, descConnOpen, descConnTotal, descMessages, descBytes, descPeersUp, descRouterInfo, descForgotten, descRecords, descDecodeErrs, descAddPath, descWarnings, descEnded, descRefused, descMemBytes, descMemLimit, descMemPaused, descMemPauses, descMemExceeded, descQueueDepth, descQueueCap, descPending, descBackpressure, descWriteSeconds, descSinkRecords, descSinkFailed, descSinkDropped}
	writeBucketsSlice = publisher.WriteBuckets[:]
)

// collector reads the collector's counters at scrape time.
type collector Metrics

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := (*Metrics)(c)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descBuildInfo, 1, m.opts.Version, goVersion())

	m.mu.Lock()
	routers := make([]*routerStats, 0, len(m.routers))
	for _, r := range m.routers {
		routers = append(routers, r)
	}
	forgotten := m.forgotten
	srv, queues, sinks, mem := m.srv, m.queues, m.sinks, m.mem
	m.mu.Unlock()
	sort.Slice(routers, func(i, j int) bool { return routers[i].addr.Less(routers[j].addr) })

	for _, r := range routers {
		gauge(descConnOpen, float64(r.open.Load()), r.label)
		counter(descConnTotal, float64(r.total.Load()), r.label)
		for t := range r.msgs {
			counter(descMessages, float64(r.msgs[t].Load()), r.label, msgTypeNames[t])
		}
		counter(descBytes, float64(r.bytes.Load()), r.label)
		gauge(descPeersUp, float64(max(r.peersUp.Load(), 0)), r.label)
		if name := r.sysName.Load(); name != nil {
			if mt, err := prometheus.NewConstMetric(descRouterInfo, prometheus.GaugeValue, 1, r.label, *name); err == nil {
				ch <- mt
			}
		}
	}
	counter(descForgotten, float64(forgotten))

	cs := m.opts.Counters
	for _, t := range record.Types() {
		counter(descRecords, float64(cs.RecordCount(t)), t.String())
	}
	for _, k := range session.ErrorKinds() {
		counter(descDecodeErrs, float64(cs.DecodeErrors[k].Load()), k.String())
	}
	counter(descAddPath, float64(cs.AddPathMismatches.Load()))
	for _, k := range session.WarningKinds() {
		counter(descWarnings, float64(cs.Warnings[k].Load()), k.String())
	}

	if srv != nil {
		for _, reason := range server.EndReasons {
			counter(descEnded, float64(srv.Stats.Ended(reason)), reason)
		}
		for reason, n := range srv.Stats.RefusedCounts() {
			if mt, err := prometheus.NewConstMetric(descRefused, prometheus.CounterValue, float64(n), reason); err == nil {
				ch <- mt
			}
		}
	}

	if mem != nil {
		for _, c := range memory.Components() {
			gauge(descMemBytes, float64(mem.Used(c)), c.String())
		}
		gauge(descMemLimit, float64(mem.Limit()))
		counter(descMemPaused, time.Duration(mem.PausedNanos.Load()).Seconds())
		counter(descMemPauses, float64(mem.Pauses.Load()))
		counter(descMemExceeded, float64(mem.Exceeded.Load()))
	}

	for i, q := range queues {
		s, sink := &q.Stats, sinks[i]
		gauge(descQueueDepth, float64(q.Len()), sink)
		gauge(descQueueCap, float64(q.Cap()), sink)
		gauge(descPending, float64(s.Pending()), sink)
		counter(descBackpressure, time.Duration(s.BlockedNanos.Load()).Seconds(), sink)
		counter(descSinkRecords, float64(s.Records.Load()), sink)
		counter(descSinkFailed, float64(s.Failed.Load()), sink)
		counter(descSinkDropped, float64(s.Dropped.Load()), sink)
		buckets := make(map[float64]uint64, len(writeBucketsSlice))
		var cum uint64
		for b, le := range writeBucketsSlice {
			cum += s.WriteLatency[b].Load()
			buckets[le] = cum
		}
		cum += s.WriteLatency[len(writeBucketsSlice)].Load()
		ch <- prometheus.MustNewConstHistogram(descWriteSeconds, cum,
			time.Duration(s.WriteNanos.Load()).Seconds(), buckets, sink)
	}
}
