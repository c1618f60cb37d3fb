package record

// AFICount is one per-AFI/SAFI statistics value.
type AFICount struct {
	AFI   uint16 `json:"afi"`
	SAFI  uint8  `json:"safi"`
	Count uint64 `json:"count"`
}

// Stats is a Statistics Report. Every counter the router reported is present, including
// zeros (goBMP drops zero counters). Types bmpstream does not know are kept in
// unknown_stats with their value in hex.
type Stats struct {
	Head
	RouterFields
	PeerFields
	// Counters, by IANA statistics type (goBMP's field names).
	RejectedInbound           *uint64    `json:"prefixes_rejected_inbound,omitempty"`       // 0
	DuplicatePrefix           *uint64    `json:"duplicate_prefix,omitempty"`                // 1
	DuplicateWithdraws        *uint64    `json:"duplicate_withdraws,omitempty"`             // 2
	InvalidatedCluster        *uint64    `json:"invalidated_due_cluster,omitempty"`         // 3
	InvalidatedASPath         *uint64    `json:"invalidated_due_aspath,omitempty"`          // 4
	InvalidatedOriginatorID   *uint64    `json:"invalidated_due_originator_id,omitempty"`   // 5
	InvalidatedASConfed       *uint64    `json:"invalidated_due_asconfed,omitempty"`        // 6
	AdjRIBIn                  *uint64    `json:"ads_rib_in,omitempty"`                      // 7
	LocRIB                    *uint64    `json:"local_rib,omitempty"`                       // 8
	PerAFIAdjRIBIn            []AFICount `json:"per_afi_adj_ribs_in,omitempty"`             // 9
	PerAFILocRIB              []AFICount `json:"per_afi_loc_rib,omitempty"`                 // 10
	UpdatesAsWithdraw         *uint64    `json:"updates_as_withdraw,omitempty"`             // 11
	PrefixesAsWithdraw        *uint64    `json:"prefixes_as_withdraw,omitempty"`            // 12
	DuplicateUpdates          *uint64    `json:"duplicate_updates,omitempty"`               // 13
	PrePolicyAdjRIBOut        *uint64    `json:"pre_policy_adj_rib_out,omitempty"`          // 14
	PostPolicyAdjRIBOut       *uint64    `json:"post_policy_adj_rib_out,omitempty"`         // 15
	PerAFIPrePolicyAdjRIBOut  []AFICount `json:"per_afi_pre_policy_adj_rib_out,omitempty"`  // 16
	PerAFIPostPolicyAdjRIBOut []AFICount `json:"per_afi_post_policy_adj_rib_out,omitempty"` // 17
	Unknown                   []TLV      `json:"unknown_stats,omitempty"`
	RIBFlags
}

// SetCounter stores the value of a scalar statistics type; it returns false for a type
// that is not a scalar counter known to this schema.
func (s *Stats) SetCounter(typ uint16, v uint64) bool {
	p := s.counter(typ)
	if p == nil {
		return false
	}
	val := v
	*p = &val
	return true
}

// AddPerAFI appends a per-AFI/SAFI value of type 9, 10, 16 or 17; false for other types.
func (s *Stats) AddPerAFI(typ uint16, c AFICount) bool {
	switch typ {
	case 9:
		s.PerAFIAdjRIBIn = append(s.PerAFIAdjRIBIn, c)
	case 10:
		s.PerAFILocRIB = append(s.PerAFILocRIB, c)
	case 16:
		s.PerAFIPrePolicyAdjRIBOut = append(s.PerAFIPrePolicyAdjRIBOut, c)
	case 17:
		s.PerAFIPostPolicyAdjRIBOut = append(s.PerAFIPostPolicyAdjRIBOut, c)
	default:
		return false
	}
	return true
}

func (s *Stats) counter(typ uint16) **uint64 {
	switch typ {
	case 0:
		return &s.RejectedInbound
	case 1:
		return &s.DuplicatePrefix
	case 2:
		return &s.DuplicateWithdraws
	case 3:
		return &s.InvalidatedCluster
	case 4:
		return &s.InvalidatedASPath
	case 5:
		return &s.InvalidatedOriginatorID
	case 6:
		return &s.InvalidatedASConfed
	case 7:
		return &s.AdjRIBIn
	case 8:
		return &s.LocRIB
	case 11:
		return &s.UpdatesAsWithdraw
	case 12:
		return &s.PrefixesAsWithdraw
	case 13:
		return &s.DuplicateUpdates
	case 14:
		return &s.PrePolicyAdjRIBOut
	case 15:
		return &s.PostPolicyAdjRIBOut
	}
	return nil
}

var statFieldOrder = []struct {
	typ  uint16
	name string
}{
	{0, "prefixes_rejected_inbound"}, {1, "duplicate_prefix"}, {2, "duplicate_withdraws"},
	{3, "invalidated_due_cluster"}, {4, "invalidated_due_aspath"},
	{5, "invalidated_due_originator_id"}, {6, "invalidated_due_asconfed"},
	{7, "ads_rib_in"}, {8, "local_rib"}, {11, "updates_as_withdraw"},
	{12, "prefixes_as_withdraw"}, {13, "duplicate_updates"},
	{14, "pre_policy_adj_rib_out"}, {15, "post_policy_adj_rib_out"},
}

func appendAFICounts(o *obj, k string, cs []AFICount) {
	if len(cs) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i := range cs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		c := openObj(o.b)
		c.u64("afi", uint64(cs[i].AFI))
		c.u64("safi", uint64(cs[i].SAFI))
		c.u64("count", cs[i].Count)
		o.b = c.close()
	}
	o.b = append(o.b, ']')
}

// AppendJSON appends the record as one JSON object.
func (s *Stats) AppendJSON(dst []byte) []byte {
	o := openObj(dst)
	s.Head.appendTo(&o, TypeStatistics)
	s.RouterFields.appendTo(&o)
	s.PeerFields.appendTo(&o)
	for _, f := range statFieldOrder {
		if p := *s.counter(f.typ); p != nil {
			o.u64(f.name, *p)
		}
	}
	appendAFICounts(&o, "per_afi_adj_ribs_in", s.PerAFIAdjRIBIn)
	appendAFICounts(&o, "per_afi_loc_rib", s.PerAFILocRIB)
	appendAFICounts(&o, "per_afi_pre_policy_adj_rib_out", s.PerAFIPrePolicyAdjRIBOut)
	appendAFICounts(&o, "per_afi_post_policy_adj_rib_out", s.PerAFIPostPolicyAdjRIBOut)
	appendTLVs(&o, "unknown_stats", s.Unknown)
	s.RIBFlags.appendTo(&o)
	return o.close()
}
