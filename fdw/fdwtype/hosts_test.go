package fdwtype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHostListOption(t *testing.T) {
	for _, tc := range []struct {
		host string
		port int
		want []string
		ok   bool
	}{
		{"kt1", 1978, []string{"kt1:1978"}, true},
		{"kt1,kt2", 1978, []string{"kt1:1978", "kt2:1978"}, true},
		{" kt1 , kt2:1979 ", 1978, []string{"kt1:1978", "kt2:1979"}, true},
		{"::1", 1978, []string{"[::1]:1978"}, true},
		{"[::1]:2000,127.0.0.1", 1978, []string{"[::1]:2000", "127.0.0.1:1978"}, true},
		{"kt1,,kt2", 1978, nil, false},
		{"kt1:", 1978, nil, false},
		{"kt1:99999", 1978, nil, false},
		{"kt 1", 1978, nil, false},
		{"", 1978, nil, false},
	} {
		ok, _ := checkHostList(tc.host)
		assert.Equal(t, tc.ok, ok, "%q", tc.host)
		if tc.ok {
			assert.Equal(t, tc.want, ServerOptions{Host: tc.host, Port: tc.port}.Addrs(), "%q", tc.host)
		}
	}
	assert.Equal(t, "kt1:1978,kt2:1978", ServerOptions{Host: "kt1,kt2", Port: 1978}.Addr())
}
