package kt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Benchmarks run against the dev server in this process, or a real KT with
// KT_TEST_ADDR. Compare BenchmarkGet with BenchmarkPlainSocketGet (the same
// request written by hand on a raw buffered connection) and
// BenchmarkNetHTTPGet.

func benchClient(b *testing.B) (*Client, string) {
	b.Helper()
	_, target := newTestClient(b) // clears the DBs
	c, err := NewClient(Config{Addr: target.Addr})
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	return c, target.Addr
}

func BenchmarkGetWithOpTimeout(b *testing.B) {
	_, addr := benchClient(b)
	c, err := NewClient(Config{Addr: addr, OpTimeout: 5 * time.Second})
	require.NoError(b, err)
	defer c.Close()
	ctx := context.Background()
	require.NoError(b, c.Set(ctx, "", []byte("bench-key"), bytes.Repeat([]byte("v"), 100)))
	key := []byte("bench-key")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "", key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	require.NoError(b, c.Set(ctx, "", []byte("bench-key"), bytes.Repeat([]byte("v"), 100)))
	key := []byte("bench-key")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Get(ctx, "", key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	key, value := []byte("bench-key"), bytes.Repeat([]byte("v"), 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Set(ctx, "", key, value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainSocketGet is the baseline: a fixed get request written on a
// raw bufio connection, reply parsed just enough to find the body.
func BenchmarkPlainSocketGet(b *testing.B) {
	c, addr := benchClient(b)
	require.NoError(b, c.Set(context.Background(), "", []byte("bench-key"), bytes.Repeat([]byte("v"), 100)))
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer nc.Close()
	body := "key\tbench-key\n"
	req := []byte("POST /rpc/get HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/tab-separated-values\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	br := bufio.NewReaderSize(nc, 64<<10)
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			if line[0] == 'C' && bytes.HasPrefix(line, []byte("Content-Length: ")) {
				n, _ = strconv.Atoi(string(bytes.TrimSpace(line[16:])))
			}
		}
		if _, err := io.ReadFull(br, buf[:n]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetHTTPGet is the same call through net/http, for comparison.
func BenchmarkNetHTTPGet(b *testing.B) {
	c, addr := benchClient(b)
	require.NoError(b, c.Set(context.Background(), "", []byte("bench-key"), bytes.Repeat([]byte("v"), 100)))
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := "http://" + addr + "/rpc/get"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hc.Post(url, "text/tab-separated-values", strings.NewReader("key\tbench-key\n"))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}

func bulkRecords(n int, binary bool) []Record {
	recs := make([]Record, n)
	for i := range recs {
		v := bytes.Repeat([]byte{'a' + byte(i%26)}, 100)
		if binary {
			for j := range v {
				v[j] = byte(i*7 + j*13)
			}
		}
		recs[i] = Record{Key: fmt.Appendf(nil, "key-%06d", i), Value: v}
	}
	return recs
}

func BenchmarkBulk(b *testing.B) {
	const batch = 1000
	for _, binary := range []bool{false, true} {
		kind := "text"
		if binary {
			kind = "binary"
		}
		recs := bulkRecords(batch, binary)
		keys := make([][]byte, batch)
		brecs := make([]BinRecord, batch)
		bkeys := make([]BinRecord, batch)
		for i, r := range recs {
			keys[i] = r.Key
			brecs[i] = BinRecord{Key: r.Key, Value: r.Value, XT: XTNever}
			bkeys[i] = BinRecord{Key: r.Key}
		}
		b.Run("HTTP/SetBulk/"+kind, func(b *testing.B) {
			c, _ := benchClient(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(batch * 100)
			for b.Loop() {
				if n, err := c.SetBulk(ctx, "", recs, false); err != nil || n != batch {
					b.Fatal(n, err)
				}
			}
		})
		b.Run("HTTP/GetBulk/"+kind, func(b *testing.B) {
			c, _ := benchClient(b)
			ctx := context.Background()
			_, err := c.SetBulk(ctx, "", recs, false)
			require.NoError(b, err)
			b.ReportAllocs()
			b.SetBytes(batch * 100)
			for b.Loop() {
				if got, err := c.GetBulk(ctx, "", keys, false); err != nil || len(got) != batch {
					b.Fatal(len(got), err)
				}
			}
		})
		b.Run("Binary/SetBulk/"+kind, func(b *testing.B) {
			c, _ := benchClient(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(batch * 100)
			for b.Loop() {
				if n, err := c.BinSetBulk(ctx, brecs, false); err != nil || n != batch {
					b.Fatal(n, err)
				}
			}
		})
		b.Run("Binary/GetBulk/"+kind, func(b *testing.B) {
			c, _ := benchClient(b)
			ctx := context.Background()
			_, err := c.BinSetBulk(ctx, brecs, false)
			require.NoError(b, err)
			b.ReportAllocs()
			b.SetBytes(batch * 100)
			for b.Loop() {
				if got, err := c.BinGetBulk(ctx, bkeys); err != nil || len(got) != batch {
					b.Fatal(len(got), err)
				}
			}
		})
	}
}

// cannedServer answers every HTTP request with reply, allocating nothing per
// record, so allocation counts of the client can be measured.
func cannedServer(t *testing.T, reply []byte) string {
	return fakeServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if err := readRequest(br); err != nil {
				return
			}
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	})
}

// TestBulkAllocationsPerRecord: the client's cost in allocations of a bulk
// call does not grow with the number of records (beyond a small constant).
func TestBulkAllocationsPerRecord(t *testing.T) {
	allocs := func(n int, binary bool) float64 {
		recs := bulkRecords(n, binary)
		keys := make([][]byte, n)
		var body bytes.Buffer
		enc := "text/tab-separated-values"
		if binary {
			enc += "; colenc=B"
		}
		for i, r := range recs {
			keys[i] = r.Key
			if binary {
				fmt.Fprintf(&body, "%s\t%s\n", b64("_"+string(r.Key)), b64(string(r.Value)))
			} else {
				fmt.Fprintf(&body, "_%s\t%s\n", r.Key, r.Value)
			}
		}
		if binary {
			body.WriteString(b64("num") + "\t" + b64(strconv.Itoa(n)) + "\n")
		} else {
			body.WriteString("num\t" + strconv.Itoa(n) + "\n")
		}
		reply := fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: %s\r\n\r\n%s", body.Len(), enc, body.Bytes())
		addr := cannedServer(t, reply)
		c, err := NewClient(Config{Addr: addr, OpTimeout: 5 * time.Second})
		require.NoError(t, err)
		defer c.Close()
		ctx := context.Background()
		return testing.AllocsPerRun(20, func() {
			got, err := c.GetBulk(ctx, "", keys, false)
			if err != nil || len(got) != n {
				t.Fatalf("get_bulk: %d records, %v", len(got), err)
			}
			if _, err := c.SetBulk(ctx, "", recs, false); err != nil {
				t.Fatalf("set_bulk: %v", err)
			}
		})
	}
	for _, binary := range []bool{false, true} {
		small, large := allocs(10, binary), allocs(2000, binary)
		t.Logf("binary=%v: allocations for 10 records %.0f, for 2000 records %.0f", binary, small, large)
		require.Less(t, large-small, 40.0, "allocations must not grow per record")
	}
}

func b64(s string) string {
	return string(appendB64(nil, []byte(s)))
}
