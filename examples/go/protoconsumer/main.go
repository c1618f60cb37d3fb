// Command protoconsumer is an example consumer of bmpstream's protobuf output written
// with the generated Go package of schemas/bmpstream/v1 (protoc-gen-go), not with
// bmpstream's own record package: it reads a proto dump file (bmpstream
// --dump=file --dump-format=proto, a sequence of varint-length-delimited
// bmpstream.v1.Record messages, read with protodelim) and prints the number of records
// per type and, with -json, every record as protojson.
//
//	go run ./examples/go/protoconsumer records.pb
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/encoding/protojson"

	bmpstreamv1 "github.com/bmpstream/bmpstream/schemas/bmpstream/v1"
)

func main() {
	asJSON := flag.Bool("json", false, "print every record as protojson")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: protoconsumer [-json] FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	counts, err := consume(f, func(r *bmpstreamv1.Record) error {
		if !*asJSON {
			return nil
		}
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(r)
		if err == nil {
			_, err = fmt.Printf("%s\n", b)
		}
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !*asJSON {
		names := make([]string, 0, len(counts))
		for n := range counts {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("%s\t%d\n", n, counts[n])
		}
	}
}

// consume reads every Record of r, calls each for it and counts the records per type
// (the name of the oneof case that is set: "unicast_prefix", "peer", …).
func consume(r io.Reader, each func(*bmpstreamv1.Record) error) (map[string]int, error) {
	br := bufio.NewReader(r)
	counts := map[string]int{}
	for {
		rec := &bmpstreamv1.Record{}
		if err := protodelim.UnmarshalFrom(br, rec); err != nil {
			if errors.Is(err, io.EOF) {
				return counts, nil
			}
			return counts, err
		}
		if rec.GetSchemaVersion() != "v1" {
			return counts, fmt.Errorf("schema version %q, want v1", rec.GetSchemaVersion())
		}
		m := rec.ProtoReflect()
		fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("record"))
		if fd == nil {
			return counts, errors.New("record without a value")
		}
		counts[string(fd.Name())]++
		if err := each(rec); err != nil {
			return counts, err
		}
	}
}
