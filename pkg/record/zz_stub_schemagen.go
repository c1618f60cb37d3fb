//go:build schemagen

package record

// Stand-ins for the generated code (zz_clone.go, zz_proto.go), used only to build the
// generator itself (go run -tags schemagen ./internal/tools/schemagen).

func cloneValue(v Value, c *cloner) Value           { return nil }
func cloneBaseAttrs(dst, src *BaseAttrs, c *cloner) {}

func (*Router) AppendProto(b []byte) []byte        { return b }
func (*Router) UnmarshalProto(b []byte) error      { return nil }
func (*Peer) AppendProto(b []byte) []byte          { return b }
func (*Peer) UnmarshalProto(b []byte) error        { return nil }
func (*UnicastPrefix) AppendProto(b []byte) []byte { return b }
func (*UnicastPrefix) UnmarshalProto(b []byte) error {
	return nil
}
func (*Stats) AppendProto(b []byte) []byte         { return b }
func (*Stats) UnmarshalProto(b []byte) error       { return nil }
func (*RouteMirror) AppendProto(b []byte) []byte   { return b }
func (*RouteMirror) UnmarshalProto(b []byte) error { return nil }
func (*L3VPNPrefix) AppendProto(b []byte) []byte   { return b }
func (*L3VPNPrefix) UnmarshalProto(b []byte) error { return nil }
func (*EVPN) AppendProto(b []byte) []byte          { return b }
func (*EVPN) UnmarshalProto(b []byte) error        { return nil }
func (*LSNode) AppendProto(b []byte) []byte        { return b }
func (*LSNode) UnmarshalProto(b []byte) error      { return nil }
func (*LSLink) AppendProto(b []byte) []byte        { return b }
func (*LSLink) UnmarshalProto(b []byte) error      { return nil }
func (*LSPrefix) AppendProto(b []byte) []byte      { return b }
func (*LSPrefix) UnmarshalProto(b []byte) error    { return nil }
func (*LSSRv6SID) AppendProto(b []byte) []byte     { return b }
func (*LSSRv6SID) UnmarshalProto(b []byte) error   { return nil }
func (*SRPolicy) AppendProto(b []byte) []byte      { return b }
func (*SRPolicy) UnmarshalProto(b []byte) error    { return nil }
func (*Flowspec) AppendProto(b []byte) []byte      { return b }
func (*Flowspec) UnmarshalProto(b []byte) error    { return nil }
func (*VPLSPrefix) AppendProto(b []byte) []byte    { return b }
func (*VPLSPrefix) UnmarshalProto(b []byte) error  { return nil }
func (*RTCPrefix) AppendProto(b []byte) []byte     { return b }
func (*RTCPrefix) UnmarshalProto(b []byte) error   { return nil }
func (*MVPNPrefix) AppendProto(b []byte) []byte    { return b }
func (*MVPNPrefix) UnmarshalProto(b []byte) error  { return nil }
func (*UnknownNLRI) AppendProto(b []byte) []byte   { return b }
func (*UnknownNLRI) UnmarshalProto(b []byte) error { return nil }
