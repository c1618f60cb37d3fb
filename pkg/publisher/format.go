package publisher

import (
	"fmt"

	"github.com/bmpstream/bmpstream/pkg/record"
)

// Format is the encoding a message sink (Kafka, NATS) publishes records in.
type Format int

const (
	// FormatJSON publishes each record's JSON object (the default).
	FormatJSON Format = iota
	// FormatProto publishes each record's protobuf message (bmpstream.v1.<Type>, see
	// schemas/); the content-type header names the message.
	FormatProto
)

// ParseFormat parses "json" (or "") and "proto".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "json", "":
		return FormatJSON, nil
	case "proto", "protobuf":
		return FormatProto, nil
	}
	return FormatJSON, fmt.Errorf("unknown format %q (want json or proto)", s)
}

func (f Format) String() string {
	if f == FormatProto {
		return "proto"
	}
	return "json"
}

// Needs is the batch encoding the format reads.
func (f Format) Needs() record.Encodings {
	if f == FormatProto {
		return record.EncProto
	}
	return record.EncJSON
}

// Value returns record i of b in format f (raw records: their bytes, in either format).
func (f Format) Value(b *record.Batch, i int) []byte {
	if f == FormatProto {
		return b.Proto(i)
	}
	return b.Record(i)
}

// Message headers (Kafka record headers, NATS message headers) naming a record's
// encoding, so that a consumer decodes without guessing.
const (
	// HeaderContentType is "application/json" or "application/x-protobuf;
	// messageType=bmpstream.v1.<Message>".
	HeaderContentType = "content-type"
	// HeaderSchema is the schema version (record.SchemaVersion, "v1").
	HeaderSchema = "bmpstream-schema"
)

// ContentType is the content-type header value of a parsed record of type t in format f
// ("" for raw records, which are not JSON or protobuf).
func ContentType(f Format, t record.Type) string {
	if t == record.TypeRaw {
		return ""
	}
	if f == FormatProto {
		return "application/x-protobuf; messageType=" + record.ProtoMessageName(t)
	}
	return "application/json"
}
