package session

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/golang/glog"

	"github.com/bmpstream/bmpstream/pkg/bmp"
	"github.com/bmpstream/bmpstream/pkg/record"
)

// routerRecord fills a router record from Initiation or Termination TLVs.
func (s *Session) routerRecord(action string, tlvs []bmp.InfoTLV, recv time.Time) *record.Router {
	r := &record.Router{
		Head:               record.Head{Action: action, Sequence: s.nextSeq()},
		RouterPort:         s.remote.Port(),
		BMPVersion:         s.msg.Header.Version,
		CollectorTimestamp: recv,
	}
	for _, t := range tlvs {
		switch {
		case t.Type == bmp.InfoString:
			r.InfoStrings = append(r.InfoStrings, string(t.Value))
		case action == record.ActionInit && t.Type == bmp.InfoSysDescr:
			r.SysDescr = string(t.Value)
		case action == record.ActionInit && t.Type == bmp.InfoSysName:
			r.SysName = string(t.Value)
		case action == record.ActionTerm && t.Type == bmp.TermInfoReason && len(t.Value) == 2:
			code := binary.BigEndian.Uint16(t.Value)
			r.TermReason = &code
			r.TermReasonText = bmp.TerminationReasonName(code)
		default:
			r.OtherTLVs = append(r.OtherTLVs, record.TLV{Type: t.Type, Value: hex.EncodeToString(t.Value)})
		}
	}
	return r
}

func (s *Session) initiation(recv time.Time) {
	r := s.routerRecord(record.ActionInit, s.msg.Initiation.TLVs, recv)
	if r.SysName != "" {
		s.router.RouterName = r.SysName
		s.router.Cache()
		s.id = logValue(s.baseID + "/" + r.SysName)
	}
	r.RouterFields = s.router
	glog.Infof("router=%s event=initiation sys_name=%q sys_descr=%q", s.id, r.SysName, r.SysDescr)
	s.add(r, record.TypeRouter, s.router.RouterIP.Is4(), record.MD5{})
}

func (s *Session) termination(recv time.Time) {
	// The router's peers are all down now (RFC 7854 section 4.5): the peers still up get a
	// synthesized Peer Down before the Termination's record.
	s.terminated = true
	s.downAll(EndTermination, recv)
	r := s.routerRecord(record.ActionTerm, s.msg.Termination.TLVs, recv)
	r.RouterFields = s.router
	glog.Infof("router=%s event=termination reason=%q", s.id, r.TermReasonText)
	s.add(r, record.TypeRouter, s.router.RouterIP.Is4(), record.MD5{})
}

func (s *Session) statistics(recv time.Time) {
	h := &s.msg.Peer
	p := s.peer(h, recv)
	r := &record.Stats{
		Head:         record.Head{Sequence: s.nextSeq()},
		RouterFields: s.router,
		PeerFields:   p.fields,
		RIBFlags:     ribFlags(h, p),
	}
	for _, st := range s.msg.Stats.Stats {
		switch {
		case st.Known && st.PerAFI:
			r.AddPerAFI(st.Type, record.AFICount{AFI: st.AFI, SAFI: st.SAFI, Count: st.Value})
		case st.Known && r.SetCounter(st.Type, st.Value):
		default:
			r.Unknown = append(r.Unknown, record.TLV{Type: st.Type, Value: hex.EncodeToString(st.Raw)})
		}
	}
	s.add(r, record.TypeStatistics, h.Address.Is4(), p.hash)
}

func (s *Session) mirroring(recv time.Time) {
	h := &s.msg.Peer
	p := s.peer(h, recv)
	r := &record.RouteMirror{
		Head:         record.Head{Sequence: s.nextSeq()},
		RouterFields: s.router,
		PeerFields:   p.fields,
	}
	for _, t := range s.msg.Mirroring.TLVs {
		switch {
		case t.Type == bmp.MirrorBGPMessage:
			var typ uint8
			if len(t.Value) >= 19 {
				typ = t.Value[18]
			}
			r.Messages = append(r.Messages, record.MirroredMessage{BGPType: typ, Data: hex.EncodeToString(t.Value)})
		case t.Type == bmp.MirrorInformation && len(t.Value) == 2:
			r.InfoCodes = append(r.InfoCodes, binary.BigEndian.Uint16(t.Value))
		default:
			r.Other = append(r.Other, record.TLV{Type: t.Type, Value: hex.EncodeToString(t.Value)})
		}
	}
	s.add(r, record.TypeRouteMirror, h.Address.Is4(), p.hash)
}

// logValue quotes v when it would not read as one key=value field (a sysName with a
// space, a quote or an equals sign, or unprintable bytes).
func logValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"=") || strconv.Quote(v) != `"`+v+`"` {
		return strconv.Quote(v)
	}
	return v
}
