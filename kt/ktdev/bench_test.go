package ktdev_test

import (
	"bufio"
	"fmt"
	"net"
	"testing"

	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

const benchBatch = 1000

func benchRecords(n int) []wire.BinRecord {
	recs := make([]wire.BinRecord, n)
	for i := range recs {
		recs[i] = wire.BinRecord{DB: 0, Key: []byte(fmt.Sprintf("key%08d", i)), Value: []byte("value-0123456789"), XT: wire.XTNever}
	}
	return recs
}

func benchConn(b *testing.B, srv *ktdev.Server) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c, bufio.NewReaderSize(c, 1<<16)
}

// BenchmarkBinarySetBulk measures binary set_bulk through TCP, reporting
// records per second (target: >= 400k/s).
func BenchmarkBinarySetBulk(b *testing.B) {
	for _, db := range []string{"*", "%"} {
		b.Run(db, func(b *testing.B) {
			srv := ktdev.NewTestServer(b, ktdev.WithDBs(db))
			c, br := benchConn(b, srv)
			recs := benchRecords(100 * benchBatch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				off := (i * benchBatch) % len(recs)
				req := &wire.SetBulkRequest{Records: recs[off : off+benchBatch]}
				if _, err := c.Write(req.Append(nil)); err != nil {
					b.Fatal(err)
				}
				if _, err := wire.ReadCountReply(br, wire.MagicSetBulk); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkBinaryGetBulk measures binary get_bulk of existing records.
func BenchmarkBinaryGetBulk(b *testing.B) {
	srv := ktdev.NewTestServer(b)
	c, br := benchConn(b, srv)
	recs := benchRecords(100 * benchBatch)
	for off := 0; off < len(recs); off += benchBatch {
		req := &wire.SetBulkRequest{Records: recs[off : off+benchBatch]}
		if _, err := c.Write(req.Append(nil)); err != nil {
			b.Fatal(err)
		}
		if _, err := wire.ReadCountReply(br, wire.MagicSetBulk); err != nil {
			b.Fatal(err)
		}
	}
	var out []wire.BinRecord
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := (i * benchBatch) % len(recs)
		req := &wire.KeysRequest{Magic: wire.MagicGetBulk, Keys: recs[off : off+benchBatch]}
		if _, err := c.Write(req.Append(nil)); err != nil {
			b.Fatal(err)
		}
		var err error
		out, err = wire.ReadGetBulkReply(br, out[:0])
		if err != nil || len(out) != benchBatch {
			b.Fatal(err, len(out))
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRPCGet measures single-record TSV-RPC get round trips.
func BenchmarkRPCGet(b *testing.B) {
	srv := ktdev.NewTestServer(b)
	c, br := benchConn(b, srv)
	req := []byte("POST /rpc/get HTTP/1.1\r\nContent-Type: text/tab-separated-values\r\nContent-Length: 6\r\n\r\nkey\tk\n")
	if _, err := c.Write([]byte("GET /rpc/set?key=k&value=v HTTP/1.1\r\n\r\n")); err != nil {
		b.Fatal(err)
	}
	readOne := func() {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
		}
	}
	readOne()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		readOne()
		if _, err := br.Discard(8); err != nil { // "value\tv\n"
			b.Fatal(err)
		}
	}
}
