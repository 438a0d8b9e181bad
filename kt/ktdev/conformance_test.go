package ktdev_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kt-fdw/kt_fdw/kt/internal/golden"
	"github.com/kt-fdw/kt_fdw/kt/ktdev"
	"github.com/kt-fdw/kt_fdw/kt/wire"
)

// TestConformance replays every golden transcript, in numeric order, against
// one fresh dev server with the capture's layout and compares the replies
// byte for byte.
//
// The server's clock is set to each recorded Date header, so Date headers
// and clock-derived xt values match exactly. What is still masked, and why:
//   - 003 report: sizes, serv_* and sys_* values (host- and run-dependent).
//   - 004/005 status: size and realsize (KT's memory/file footprint).
//   - 053 request 2: the first key of a hash DB (KT's hash order is not
//     reproduced; the dev server's hash order is a fixed FNV order).
//   - 060 / 094: the echo script's thid (KT's worker thread id).
//   - 069 ulog_list and 099 replication: the dev server has no update log;
//     it answers like a ktserver without -ulog (400 / 0xBF + close), which
//     is checked instead of the capture.
//   - Location headers: the capture's port 19780 becomes the server's port.
//
// Setup the capture did between files without recording it is re-created in
// setupBefore.
func TestConformance(t *testing.T) {
	transcripts := golden.Load(t)
	var now atomic.Int64
	now.Store(time.Now().Unix())
	srv := ktdev.NewTestServer(t,
		ktdev.WithDBs(ktdev.GoldenDBs...),
		ktdev.WithTestScripts(),
		ktdev.WithClock(func() time.Time { return time.Unix(now.Load(), 0) }),
	)
	r := &replayer{t: t, srv: srv, now: &now}
	for _, tr := range transcripts {
		setupBefore(t, srv, tr.Number)
		r.file(tr)
	}
}

// setupBefore re-creates records the capture session wrote between files
// without a transcript (deduced from what the later files read).
func setupBefore(t *testing.T, srv *ktdev.Server, number int) {
	tree := srv.DB("1")
	require.NotNil(t, tree)
	switch number {
	case 45: // match_* read apple, apricot, avocado from DB 1
		require.NoError(t, tree.Update(func(tx *ktdev.Tx) error {
			for _, k := range []string{"apple", "apricot", "avocado"} {
				tx.Set(k, "fruit", ktdev.XTAbsent)
			}
			return nil
		}))
	case 50: // cursor files scan DB 1 holding exactly a..d = Va..Vd
		require.NoError(t, tree.Update(func(tx *ktdev.Tx) error {
			tx.Clear()
			for _, k := range []string{"a", "b", "c", "d"} {
				tx.Set(k, "V"+k, ktdev.XTAbsent)
			}
			return nil
		}))
	}
}

type replayer struct {
	t    *testing.T
	srv  *ktdev.Server
	now  *atomic.Int64
	conn net.Conn
	br   *bufio.Reader
}

var dateRe = regexp.MustCompile(`\r\nDate: ([^\r]+)\r\n`)

func (r *replayer) dial() {
	if r.conn != nil {
		_ = r.conn.Close()
	}
	c, err := net.Dial("tcp", r.srv.Addr())
	require.NoError(r.t, err)
	r.conn, r.br = c, bufio.NewReader(c)
}

func (r *replayer) file(tr *golden.Transcript) {
	parent := r.t
	defer func() { r.t = parent }()
	parent.Run(tr.Name, func(t *testing.T) {
		r.t = t
		r.dial()
		defer func() { _ = r.conn.Close(); r.conn = nil }()
		conn := -1
		for i := range tr.Exchanges {
			ex := &tr.Exchanges[i]
			if conn != -1 && ex.Connection != conn {
				r.dial()
			}
			conn = ex.Connection
			r.exchange(tr, ex)
		}
	})
}

func (r *replayer) exchange(tr *golden.Transcript, ex *golden.Exchange) {
	t := r.t
	where := fmt.Sprintf("%s request %d", tr.Name, ex.N)
	if m := dateRe.FindSubmatch(ex.Response); m != nil {
		d, err := time.Parse(time.RFC1123, string(m[1]))
		require.NoError(t, err, where)
		r.now.Store(d.Unix())
	}
	require.NoError(t, r.conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err := r.conn.Write(ex.Request)
	require.NoError(t, err, where)

	switch {
	case tr.Number == 99:
		// no update log: 0xBF, then the server closes
		b, err := r.br.ReadByte()
		require.NoError(t, err, where)
		require.Equal(t, wire.MagicError, b, where)
		r.expectClosed(where)
		return
	case ex.NoResponse:
		if ex.Closed {
			r.expectClosed(where)
		}
		return
	case ex.Binary && tr.Number == 94:
		got, err := wire.ReadPlayScriptReply(r.br)
		require.NoError(t, err, where)
		want, err := wire.ReadPlayScriptReply(bufio.NewReader(bytes.NewReader(ex.Response)))
		require.NoError(t, err, where)
		require.Equal(t, withoutThid(want), withoutThid(got), where)
	case ex.Binary:
		got := make([]byte, len(ex.Response))
		_, err := io.ReadFull(r.br, got)
		require.NoError(t, err, where)
		require.Equal(t, fmt.Sprintf("% x", ex.Response), fmt.Sprintf("% x", got), where)
	default:
		head := bytes.HasPrefix(ex.Request, []byte("HEAD "))
		want := splitResponses(t, ex.Response, head)
		if tr.Number == 69 {
			want = []string{"HTTP/1.1 400 Bad Request\r\nServer: KyotoTycoon/0.9.56b\r\nDate: " +
				dateRe.FindStringSubmatch(string(ex.Response))[1] + "\r\nContent-Length: 42\r\n" +
				"Content-Type: text/tab-separated-values\r\n\r\nERROR\tno update log allows no replication\n"}
		}
		for i, w := range want {
			got, err := readResponse(r.br, head)
			require.NoError(t, err, "%s response %d", where, i+1)
			w = strings.ReplaceAll(w, "http://localhost:19780/", fmt.Sprintf("http://localhost:%d/", r.srv.Port()))
			w, got = maskResponse(tr.Number, ex.N, w), maskResponse(tr.Number, ex.N, got)
			require.Equal(t, w, got, "%s response %d", where, i+1)
		}
	}
	if ex.Closed {
		r.expectClosed(where)
	}
}

func (r *replayer) expectClosed(where string) {
	require.NoError(r.t, r.conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, err := r.br.Read(make([]byte, 1))
	require.Equal(r.t, 0, n, "%s: unexpected bytes", where)
	require.ErrorIs(r.t, err, io.EOF, "%s: connection should be closed", where)
}

func withoutThid(pairs []wire.Pair) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		if string(p.Key) != "thid" {
			m[string(p.Key)] = string(p.Value)
		}
	}
	return m
}

// readResponse reads one HTTP response (head: no body follows).
func readResponse(br *bufio.Reader, head bool) (string, error) {
	var buf bytes.Buffer
	length := 0
	for {
		line, err := br.ReadString('\n')
		buf.WriteString(line)
		if err != nil {
			return buf.String(), err
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if !head && length > 0 {
		body := make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			return buf.String(), err
		}
		buf.Write(body)
	}
	return buf.String(), nil
}

func splitResponses(t *testing.T, data []byte, head bool) []string {
	br := bufio.NewReader(bytes.NewReader(data))
	var out []string
	for {
		if _, err := br.Peek(1); err != nil {
			return out
		}
		resp, err := readResponse(br, head)
		require.NoError(t, err, "recorded response")
		out = append(out, resp)
	}
}

var (
	contentLengthRe = regexp.MustCompile(`\r\nContent-Length: \d+\r\n`)
	dbSizeRe        = regexp.MustCompile(`size=\d+`)
)

// maskResponse blanks the values listed in TestConformance's comment.
func maskResponse(file, req int, resp string) string {
	maskLines := func(keep func(key string) bool) string {
		head, body, _ := strings.Cut(resp, "\r\n\r\n")
		head = contentLengthRe.ReplaceAllString(head, "\r\nContent-Length: *\r\n")
		lines := strings.Split(body, "\n")
		for i, l := range lines {
			k, v, ok := strings.Cut(l, "\t")
			if !ok || keep(k) {
				continue
			}
			if strings.HasPrefix(k, "db_") && k != "db_total_size" {
				lines[i] = k + "\t" + dbSizeRe.ReplaceAllString(v, "size=*")
				continue
			}
			lines[i] = k + "\t*"
		}
		return head + "\r\n\r\n" + strings.Join(lines, "\n")
	}
	switch {
	case file == 3:
		return maskLines(func(k string) bool {
			return !strings.HasPrefix(k, "serv_") && !strings.HasPrefix(k, "sys_") && !strings.HasPrefix(k, "db_")
		})
	case file == 4 || file == 5:
		return maskLines(func(k string) bool { return k != "size" && k != "realsize" })
	case file == 53 && req == 2:
		return maskLines(func(k string) bool { return k != "key" })
	case file == 60:
		return maskLines(func(k string) bool { return k != "_thid" })
	}
	return resp
}
