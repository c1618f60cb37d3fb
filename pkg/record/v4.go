package record

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// V4Fields are the BMPv4 (draft-ietf-grow-bmp-tlv) fields of a route record (and the
// TLVs a BMPv3 router appended after the UPDATE): the route's
// Path Status TLV (draft-ietf-grow-bmp-path-marking-tlv) and the other Route Monitoring
// TLVs that apply to it. Route records embed it and call appendTo from their AppendJSON;
// internal/session's Ctx.V4Fields fills it. The zero value writes nothing.
type V4Fields struct {
	// PathStatus names the status bits ("best", "primary", "add_path"…); PathStatusCode
	// is the 32-bit bitmap. Both are set when the route has a Path Status TLV.
	PathStatus     []string `json:"path_status,omitempty"`
	PathStatusCode *uint32  `json:"path_status_code,omitempty"`
	// PathStatusReason names the reason code ("not_preferred_med"…, "unknown" for codes
	// without a name); PathStatusReasonCode is the code. Set when the TLV has a non-zero
	// reason code.
	PathStatusReason     string  `json:"path_status_reason,omitempty"`
	PathStatusReasonCode *uint16 `json:"path_status_reason_code,omitempty"`
	// BMPTLVs are the other Route Monitoring TLVs that apply to the route (index 0, its
	// NLRI index, or a group listing it), in message order.
	BMPTLVs []BMPTLV `json:"bmp_tlvs,omitempty"`
	// TrailingBytes is the hex of bytes a BMPv3 router sent after the BGP UPDATE of the
	// route's Route Monitoring message when they are not TLVs (when they are, they are in
	// BMPTLVs, without index). RFC 7854 allows none; see BMP.md.
	TrailingBytes string `json:"bmp_trailing_bytes,omitempty"`
}

// IsZero reports whether f carries nothing.
func (f *V4Fields) IsZero() bool {
	return f.PathStatusCode == nil && len(f.BMPTLVs) == 0 && f.TrailingBytes == ""
}

func (f *V4Fields) appendTo(o *obj) {
	if f.PathStatusCode != nil {
		o.strs("path_status", f.PathStatus)
		o.u64("path_status_code", uint64(*f.PathStatusCode))
		if f.PathStatusReasonCode != nil {
			o.str("path_status_reason", f.PathStatusReason)
			o.u64("path_status_reason_code", uint64(*f.PathStatusReasonCode))
		}
	}
	appendBMPTLVs(o, f.BMPTLVs)
	o.strNE("bmp_trailing_bytes", f.TrailingBytes)
}

// BMPTLV is a BMPv4 TLV rendered as {"type":…, "index":…, "pen":…, "value":"<hex>"}:
// index only for indexed (Route Monitoring) TLVs, pen (IANA Private Enterprise Number)
// only for enterprise-specific ones (E-bit set in Type; Value is then what follows
// the PEN).
type BMPTLV struct {
	Type     uint16
	Index    uint16
	HasIndex bool
	PEN      uint32
	HasPEN   bool
	Value    []byte
}

func (t *BMPTLV) appendJSON(dst []byte) []byte {
	o := openObj(dst)
	o.u64("type", uint64(t.Type))
	if t.HasIndex {
		o.u64("index", uint64(t.Index))
	}
	if t.HasPEN {
		o.u64("pen", uint64(t.PEN))
	}
	o.hexBytes("value", t.Value)
	return o.close()
}

// MarshalJSON renders the TLV as AppendJSON does (for encoding/json users).
func (t BMPTLV) MarshalJSON() ([]byte, error) { return t.appendJSON(nil), nil }

// UnmarshalJSON reads what MarshalJSON writes.
func (t *BMPTLV) UnmarshalJSON(b []byte) error {
	var aux struct {
		Type  uint16  `json:"type"`
		Index *uint16 `json:"index"`
		PEN   *uint32 `json:"pen"`
		Value string  `json:"value"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	v, err := hex.DecodeString(aux.Value)
	if err != nil {
		return err
	}
	*t = BMPTLV{Type: aux.Type, Value: v}
	if aux.Index != nil {
		t.Index, t.HasIndex = *aux.Index, true
	}
	if aux.PEN != nil {
		t.PEN, t.HasPEN = *aux.PEN, true
	}
	return nil
}

// String renders the TLV compactly for logs and tests: "type=5 index=1 value=0000008a".
func (t BMPTLV) String() string {
	s := "type=" + strconv.Itoa(int(t.Type))
	if t.HasIndex {
		s += " index=" + strconv.Itoa(int(t.Index))
	}
	if t.HasPEN {
		s += " pen=" + strconv.FormatUint(uint64(t.PEN), 10)
	}
	return s + " value=" + hex.EncodeToString(t.Value)
}

func appendBMPTLVs(o *obj, tlvs []BMPTLV) {
	if len(tlvs) == 0 {
		return
	}
	o.key("bmp_tlvs")
	o.b = append(o.b, '[')
	for i := range tlvs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = tlvs[i].appendJSON(o.b)
	}
	o.b = append(o.b, ']')
}
