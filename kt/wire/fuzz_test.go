package wire

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fuzz targets: every decoder of untrusted bytes must not panic, and what it
// decodes must survive an encode/decode round trip. The seeds run as
// ordinary tests.

func FuzzDecodeTSV(f *testing.F) {
	seeds := []string{"a\tb\n", "a\tfirst\na\tsecond\nnotab\nt\tx\ty\r\n", "a2V5\tYmluCWtleQoA\n",
		"q=09key\ta=3Db", "%a6V%a2%00\t%03%27%ac\n", "plain\tyes", "\t\n\r\n", "=\r\t%", ""}
	for _, s := range seeds {
		for _, enc := range []byte{0, 'B', 'Q', 'U'} {
			f.Add([]byte(s), enc)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, letter byte) {
		enc := EncodingFromLetter(letter)
		pairs := DecodeTSV(nil, body, enc)
		// re-encoding with each encoding and decoding gives the same pairs
		for _, out := range []Encoding{Base64, URL, QuotedPrintable} {
			var again []byte
			for _, p := range pairs {
				again = AppendTSVPair(again, out, p.Key, p.Value)
			}
			require.Equal(t, strPairs(pairs), strPairs(DecodeTSV(nil, again, out)))
		}
	})
}

func FuzzDecodeColumn(f *testing.F) {
	for _, s := range []string{"YQ==", "plain", "%zz%4", "=\r\n=0", "a+b", "\x00x"} {
		f.Add([]byte(s))
	}
	f.Add([]byte("YQ==\nYg=="))
	f.Add([]byte("Y\r\nQ=\n="))
	f.Fuzz(func(t *testing.T, data []byte) {
		// the standard-library fast path agrees with the KC decoder
		nul := bytes.IndexByte(data, 0)
		if nul < 0 {
			nul = len(data)
		}
		require.Equal(t, appendBase64Decoded([]byte{}, data[:nul]), AppendDecoded([]byte{}, Base64, data))
		for _, enc := range []Encoding{Base64, URL, QuotedPrintable} {
			_ = AppendDecoded(nil, enc, data)
			// data as a value survives its own encoding
			got := AppendDecoded(nil, enc, AppendEncoded(nil, enc, data))
			require.True(t, bytes.Equal(data, got), "enc %v", enc)
		}
	})
}

func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{"key=japan", "b=x%09y&a=1", "a;b=;=c&&", " \t%2B+\xe3=\x7f", "%", "k=%4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs := DecodeForm(nil, data)
		// what was decoded survives URL-encoding into a form again
		var again []byte
		for i, p := range pairs {
			if i > 0 {
				again = append(again, '&')
			}
			again = AppendEncoded(again, URL, p.Key)
			again = append(again, '=')
			again = AppendEncoded(again, URL, p.Value)
		}
		require.Equal(t, strPairs(pairs), strPairs(DecodeForm(nil, again)))
	})
}

func FuzzContentType(f *testing.F) {
	for _, s := range []string{"text/tab-separated-values; colenc=B", "TEXT/TAB-SEPARATED-VALUES;COLENC=\"u\"", "application/x-www-form-urlencoded", "x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, enc := ParseContentType(data)
		if kind != BodyTSV {
			require.Equal(t, Raw, enc)
		}
	})
}

func binarySeeds(f *testing.F) {
	f.Add((&SetBulkRequest{Records: golden090Records()}).Append(nil))
	f.Add((&KeysRequest{Magic: MagicGetBulk, Keys: golden090Records()}).Append(nil))
	f.Add((&KeysRequest{Magic: MagicRemoveBulk, Flags: FlagNoReply, Keys: golden090Records()}).Append(nil))
	f.Add((&PlayScriptRequest{Name: []byte("echo"), Pairs: pairsOf("a", "1", "", "")}).Append(nil))
	f.Add(AppendGetBulkReply(nil, golden090Records()))
	f.Add(AppendGetBulkReply(nil, golden090Records()[:1]))
	f.Add(AppendPlayScriptReply(nil, pairsOf("a", "1")))
	f.Add(AppendCountReply(nil, MagicSetBulk, 3))
	f.Add([]byte{MagicError})
	f.Add([]byte{0xb8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x20, 0, 0, 0})
	f.Add([]byte{})
}

func FuzzReadRequest(f *testing.F) {
	binarySeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadRequest(reader(data))
		if err != nil {
			return
		}
		again := m.Append(nil)
		require.Equal(t, data[:len(again)], again, "re-encoding gives the bytes read")
		m2, err := ReadRequest(reader(again))
		require.NoError(t, err)
		require.Equal(t, again, m2.Append(nil))
	})
}

func FuzzReadReplies(f *testing.F) {
	binarySeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if recs, err := ReadGetBulkReply(reader(data), nil); err == nil {
			again := AppendGetBulkReply(nil, recs)
			require.Equal(t, data[:len(again)], again)
		}
		if pairs, err := ReadPlayScriptReply(reader(data)); err == nil {
			again := AppendPlayScriptReply(nil, pairs)
			require.Equal(t, data[:len(again)], again)
		}
		if v, xt, found, err := ReadGetOneReply(reader(data), []byte("bk1")); err == nil && found {
			recs, err := ReadGetBulkReply(reader(data), nil)
			require.NoError(t, err, "the general decoder reads what the one-key decoder read")
			require.Len(t, recs, 1)
			require.Equal(t, "bk1", string(recs[0].Key))
			require.Equal(t, string(recs[0].Value), string(v))
			require.Equal(t, recs[0].XT, xt)
		}
		for _, magic := range []byte{MagicSetBulk, MagicRemoveBulk} {
			if n, err := ReadCountReply(reader(data), magic); err == nil {
				require.Equal(t, data[:5], AppendCountReply(nil, magic, n))
			}
		}
	})
}
