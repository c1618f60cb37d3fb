package record

import (
	"net/netip"
	"time"
)

// TLV is an information TLV kept as received (type and hex value).
type TLV struct {
	Type  uint16 `json:"type"`
	Value string `json:"value"`
}

func appendTLVs(o *obj, k string, tlvs []TLV) {
	if len(tlvs) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i := range tlvs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		t := openObj(o.b)
		t.u64("type", uint64(tlvs[i].Type))
		t.str("value", tlvs[i].Value)
		o.b = t.close()
	}
	o.b = append(o.b, ']')
}

// Router is a router-level event: a BMP session's Initiation ("init") or Termination
// ("term"). goBMP publishes neither; bmpstream does, so consumers see session boundaries.
// A session that ends without a Termination message still ends with a "term" record, then
// marked Synthesized, with the EndReason.
type Router struct {
	Head
	RouterFields
	RouterPort         uint16    `json:"router_port"`
	BMPVersion         uint8     `json:"bmp_version"`
	CollectorTimestamp time.Time `json:"collector_timestamp"`
	SysName            string    `json:"sys_name,omitempty"`
	SysDescr           string    `json:"sys_descr,omitempty"`
	InfoStrings        []string  `json:"info_strings,omitempty"`
	// TermReason is the Termination reason code (RFC 7854 4.5) and TermReasonText its name.
	TermReason     *uint16 `json:"term_reason,omitempty"`
	TermReasonText string  `json:"term_reason_text,omitempty"`
	// OtherTLVs holds TLVs of other types.
	OtherTLVs []TLV `json:"other_tlvs,omitempty"`
	// Synthesized marks a "term" record the collector made because the session ended
	// without a Termination message; EndReason says how it ended (eof, reset, timeout,
	// shutdown, framing_error, read_error, output_error: see internal/session/end.go).
	Synthesized bool   `json:"synthesized,omitempty"`
	EndReason   string `json:"end_reason,omitempty"`

	LocalAddr netip.AddrPort `json:"-"`
}

// AppendJSON appends the record as one JSON object.
func (r *Router) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	r.Head.appendTo(&o, TypeRouter)
	r.RouterFields.appendTo(&o)
	o.u64("router_port", uint64(r.RouterPort))
	o.u64("bmp_version", uint64(r.BMPVersion))
	o.time("collector_timestamp", r.CollectorTimestamp)
	o.strNE("sys_name", r.SysName)
	o.strNE("sys_descr", r.SysDescr)
	o.strsNE("info_strings", r.InfoStrings)
	if r.TermReason != nil {
		o.u64("term_reason", uint64(*r.TermReason))
	}
	o.strNE("term_reason_text", r.TermReasonText)
	appendTLVs(&o, "other_tlvs", r.OtherTLVs)
	if r.Synthesized {
		o.boolean("synthesized", true)
	}
	o.strNE("end_reason", r.EndReason)
	return o.close()
}
