package bgp

import "unicode/utf8"

// NOTIFICATION error codes (RFC 4271 section 4.5, RFC 7313, RFC 9687).
const (
	NotifMessageHeaderError  uint8 = 1
	NotifOpenMessageError    uint8 = 2
	NotifUpdateMessageError  uint8 = 3
	NotifHoldTimerExpired    uint8 = 4
	NotifFSMError            uint8 = 5
	NotifCease               uint8 = 6
	NotifRouteRefreshError   uint8 = 7
	NotifSendHoldTimeExpired uint8 = 8
)

// Cease subcodes (RFC 4486, RFC 8203, RFC 8538, RFC 9384).
const (
	CeaseMaxPrefixes            uint8 = 1
	CeaseAdminShutdown          uint8 = 2
	CeasePeerDeconfigured       uint8 = 3
	CeaseAdminReset             uint8 = 4
	CeaseConnectionRejected     uint8 = 5
	CeaseOtherConfigChange      uint8 = 6
	CeaseConnectionCollision    uint8 = 7
	CeaseOutOfResources         uint8 = 8
	CeaseHardReset              uint8 = 9
	CeaseBFDDown                uint8 = 10
	MaxShutdownCommunicationLen       = 255 // RFC 9003 (RFC 8203 allowed 128)
)

// ParseNotification decodes one NOTIFICATION message (header included, exactly one
// message): error code, subcode and data (aliasing msg).
func ParseNotification(msg []byte) (*Notification, error) {
	if err := checkMessage(msg, MsgNotification); err != nil {
		return nil, err
	}
	return &Notification{Code: msg[19], Subcode: msg[20], Data: msg[21:len(msg):len(msg)]}, nil
}

// ShutdownMessage returns the shutdown communication of a Cease / Administrative
// Shutdown or Administrative Reset NOTIFICATION (RFC 8203, RFC 9003): a length byte
// followed by that many bytes of UTF-8. It returns false when the NOTIFICATION is of
// another kind, has no data, a zero length, a length running past the data, or text that
// is not valid UTF-8. Bytes after the communication are ignored.
func (n *Notification) ShutdownMessage() (string, bool) {
	if n.Code != NotifCease || (n.Subcode != CeaseAdminShutdown && n.Subcode != CeaseAdminReset) {
		return "", false
	}
	if len(n.Data) == 0 {
		return "", false
	}
	l := int(n.Data[0])
	if l == 0 || l > len(n.Data)-1 {
		return "", false
	}
	text := n.Data[1 : 1+l]
	if !utf8.Valid(text) {
		return "", false
	}
	return string(text), true
}

// NotificationCodeName returns the IANA name of an error code ("Cease"), or "" when it is
// unassigned.
func NotificationCodeName(code uint8) string {
	switch code {
	case NotifMessageHeaderError:
		return "Message Header Error"
	case NotifOpenMessageError:
		return "OPEN Message Error"
	case NotifUpdateMessageError:
		return "UPDATE Message Error"
	case NotifHoldTimerExpired:
		return "Hold Timer Expired"
	case NotifFSMError:
		return "Finite State Machine Error"
	case NotifCease:
		return "Cease"
	case NotifRouteRefreshError:
		return "ROUTE-REFRESH Message Error"
	case NotifSendHoldTimeExpired:
		return "Send Hold Timer Expired"
	}
	return ""
}

// NotificationSubcodeName returns the IANA name of an error subcode of code ("Peer
// De-configured" for 6/3), or "" when it is unassigned (or code has no subcodes).
func NotificationSubcodeName(code, sub uint8) string {
	switch code {
	case NotifMessageHeaderError:
		switch sub {
		case 0:
			return "Unspecific"
		case 1:
			return "Connection Not Synchronized"
		case 2:
			return "Bad Message Length"
		case 3:
			return "Bad Message Type"
		}
	case NotifOpenMessageError:
		switch sub {
		case 0:
			return "Unspecific"
		case 1:
			return "Unsupported Version Number"
		case 2:
			return "Bad Peer AS"
		case 3:
			return "Bad BGP Identifier"
		case 4:
			return "Unsupported Optional Parameter"
		case 5, 8, 9, 10:
			return "Deprecated"
		case 6:
			return "Unacceptable Hold Time"
		case 7:
			return "Unsupported Capability"
		case 11:
			return "Role Mismatch"
		}
	case NotifUpdateMessageError:
		switch sub {
		case 0:
			return "Unspecific"
		case 1:
			return "Malformed Attribute List"
		case 2:
			return "Unrecognized Well-known Attribute"
		case 3:
			return "Missing Well-known Attribute"
		case 4:
			return "Attribute Flags Error"
		case 5:
			return "Attribute Length Error"
		case 6:
			return "Invalid ORIGIN Attribute"
		case 7:
			return "Deprecated"
		case 8:
			return "Invalid NEXT_HOP Attribute"
		case 9:
			return "Optional Attribute Error"
		case 10:
			return "Invalid Network Field"
		case 11:
			return "Malformed AS_PATH"
		}
	case NotifFSMError:
		switch sub {
		case 0:
			return "Unspecified Error"
		case 1:
			return "Receive Unexpected Message in OpenSent State"
		case 2:
			return "Receive Unexpected Message in OpenConfirm State"
		case 3:
			return "Receive Unexpected Message in Established State"
		}
	case NotifCease:
		switch sub {
		case CeaseMaxPrefixes:
			return "Maximum Number of Prefixes Reached"
		case CeaseAdminShutdown:
			return "Administrative Shutdown"
		case CeasePeerDeconfigured:
			return "Peer De-configured"
		case CeaseAdminReset:
			return "Administrative Reset"
		case CeaseConnectionRejected:
			return "Connection Rejected"
		case CeaseOtherConfigChange:
			return "Other Configuration Change"
		case CeaseConnectionCollision:
			return "Connection Collision Resolution"
		case CeaseOutOfResources:
			return "Out of Resources"
		case CeaseHardReset:
			return "Hard Reset"
		case CeaseBFDDown:
			return "BFD Down"
		}
	case NotifRouteRefreshError:
		if sub == 1 {
			return "Invalid Message Length"
		}
	}
	return ""
}
