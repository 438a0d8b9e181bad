package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunServesAndStops(t *testing.T) {
	pr, pw := io.Pipe()
	stop := make(chan os.Signal, 1)
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() { done <- run([]string{"-port", "0", "-scr-test", ":", "%"}, pw, &stderr, stop) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ktdev listening on ")
	require.True(t, ok, "listening line: %q", line)
	assert.True(t, strings.HasPrefix(addr, "127.0.0.1:"))

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte("GET /rpc/play_script?name=echo&_a=1 HTTP/1.1\r\n\r\n"))
	require.NoError(t, err)
	reply, err := bufio.NewReader(c).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK\r\n", reply)

	stop <- syscall.SIGTERM
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
}

func TestHelpSaysNotAReplacement(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"-h"}, io.Discard, &stderr, nil)
	require.Error(t, err)
	assert.Contains(t, stderr.String(), "NOT a replacement")
	assert.Contains(t, stderr.String(), "-tls-cert")
}

func TestBadFlags(t *testing.T) {
	tests := [][]string{
		{"-fault", "explode"},
		{"-tls-client-ca", "x.pem"},
		{"-port", "0", "bad.db"},
	}
	for _, args := range tests {
		err := run(args, io.Discard, io.Discard, nil)
		assert.Error(t, err, "%v", args)
	}
}
