package e2e

// Test harness: binaries, loopback ports, TLS material, and the redis-server
// and livekit-server processes the end-to-end tests run against.
//
// Every process is started by this file, tracked by its PID, and stopped by a
// t.Cleanup (SIGTERM, then SIGKILL after a bound; a livekit-server gets
// SIGABRT first and its goroutine dump is logged). Every wait polls with a
// bound; the one fixed wait is liveKitSettle, before a node's SIGTERM.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

const (
	installHint = "run `bash scripts/install-test-deps.sh` and `. ~/.cache/livekit-infra/env` " +
		"(or set LIVEKIT_SERVER_BIN / REDIS_SERVER_BIN)"

	pollInterval = 100 * time.Millisecond

	// Bounds. Generous for a loaded 2-core CI machine; a healthy run takes a
	// small fraction of each.
	redisReadyTimeout   = 20 * time.Second
	liveKitReadyTimeout = 60 * time.Second
	stopGrace           = 30 * time.Second
	// liveKitSettle: how long a node has answered GET / before the harness
	// SIGTERMs it. livekit-server v1.13.5 drops a SIGTERM that comes too
	// early: LivekitServer.Start serves HTTP, sleeps 100 ms, and only then
	// marks itself running; Stop, on a server not yet running, logs "exit
	// requested" and returns without stopping anything, and the node runs
	// until a second signal or SIGKILL (pkg/service/server.go Start/Stop,
	// cmd/server/main.go). Nothing outside the process shows that mark, so
	// the harness leaves ten times LiveKit's sleep, as any real scale-in
	// does. A node that cannot drain still hangs on SIGTERM.
	liveKitSettle = time.Second
	logTailLines  = 60
)

// ---------------------------------------------------------------------------
// Binaries

// missingPrereq skips the test, or fails it when CI=true so that CI cannot
// pass by silently skipping the end-to-end tests.
func missingPrereq(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; " + installHint
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and a prerequisite is missing: %s", msg)
	}
	t.Skip(msg)
}

// defaultCacheRoot mirrors the cache location in scripts/install-test-deps.sh.
func defaultCacheRoot() string {
	if v := os.Getenv("LIVEKIT_INFRA_CACHE"); v != "" {
		return v
	}
	if v := os.Getenv("XDG_CACHE_HOME"); v != "" {
		return filepath.Join(v, "livekit-infra")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "livekit-infra")
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// liveKitBinary returns the livekit-server to test: $LIVEKIT_SERVER_BIN, or
// the install script's cache entry for the pinned livekit.Version. It checks
// the binary reports that version.
func liveKitBinary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("LIVEKIT_SERVER_BIN")
	source := "LIVEKIT_SERVER_BIN"
	if path == "" {
		source = "the install-test-deps cache"
		path = filepath.Join(defaultCacheRoot(), "bin", "livekit-server-"+livekit.Version, "livekit-server")
	}
	if !isExecutable(path) {
		missingPrereq(t, "livekit-server %s not found (looked at %q from %s)", livekit.Version, path, source)
	}
	versionChecked.Lock()
	defer versionChecked.Unlock()
	if versionChecked.ok[path] {
		return path
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", path, err, out)
	}
	want := strings.TrimPrefix(livekit.Version, "v")
	if !strings.Contains(string(out), want) {
		t.Fatalf("%s reports %q, want version %s (components/livekit.Version); rebuild with scripts/install-test-deps.sh",
			path, strings.TrimSpace(string(out)), want)
	}
	versionChecked.ok[path] = true
	return path
}

// versionChecked remembers binaries whose version was already checked.
var versionChecked = struct {
	sync.Mutex
	ok map[string]bool
}{ok: map[string]bool{}}

// redisBinary returns $REDIS_SERVER_BIN or redis-server from PATH.
func redisBinary(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("REDIS_SERVER_BIN"); path != "" {
		if !isExecutable(path) {
			missingPrereq(t, "REDIS_SERVER_BIN=%q is not an executable file", path)
		}
		return path
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		missingPrereq(t, "redis-server not found on PATH")
	}
	return path
}

// ---------------------------------------------------------------------------
// Ports

var (
	portsMu    sync.Mutex
	portsTaken = map[string]bool{}
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago and has
// not been handed out before in this test binary.
func freePort(t testing.TB) int {
	t.Helper()
	return pickPort(t, "tcp")
}

// freeUDPPort is freePort for UDP (LiveKit's muxed media port).
func freeUDPPort(t testing.TB) int {
	t.Helper()
	return pickPort(t, "udp")
}

func pickPort(t testing.TB, network string) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		var port int
		switch network {
		case "tcp":
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("listen tcp: %v", err)
			}
			port = l.Addr().(*net.TCPAddr).Port
			_ = l.Close()
		case "udp":
			c, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("listen udp: %v", err)
			}
			port = c.LocalAddr().(*net.UDPAddr).Port
			_ = c.Close()
		default:
			t.Fatalf("unknown network %q", network)
		}
		key := network + "/" + strconv.Itoa(port)
		// Stay clear of the product's fixed ports: components/livekit refuses
		// a media port equal to one of them.
		if portsTaken[key] || port < 1024 || port == livekit.SignalPort ||
			port == livekit.RTCTCPPort || port == livekit.PrometheusPort {
			continue
		}
		portsTaken[key] = true
		return port
	}
	t.Fatalf("no free %s port found", network)
	return 0
}

// freeUDPRange returns n consecutive UDP ports on 127.0.0.1 that were free a
// moment ago and have not been handed out before in this test binary.
func freeUDPRange(t testing.TB, n int) (start, end int) {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen udp: %v", err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port
		_ = c.Close()
		if base < 1024 || base+n-1 > 65535 {
			continue
		}
		free := true
		for p := base; p < base+n && free; p++ {
			if portsTaken["udp/"+strconv.Itoa(p)] || p == livekit.SignalPort || p == livekit.RTCTCPPort || p == livekit.PrometheusPort {
				free = false
				break
			}
			c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				free = false
				break
			}
			_ = c.Close()
		}
		if !free {
			continue
		}
		for p := base; p < base+n; p++ {
			portsTaken["udp/"+strconv.Itoa(p)] = true
		}
		return base, base + n - 1
	}
	t.Fatalf("no %d consecutive free UDP ports found", n)
	return 0, 0
}

// ---------------------------------------------------------------------------
// TLS material

// testTLS is a throwaway CA and a server certificate for 127.0.0.1,
// ::1, localhost and any extra DNS names, as PEM files in a temp dir.
type testTLS struct {
	CACertFile     string
	ServerCertFile string
	ServerKeyFile  string
	Roots          *x509.CertPool
}

func newTestTLS(t testing.TB, extraNames ...string) *testTLS {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(t),
		Subject:               pkix.Name{CommonName: "livekit-infra e2e test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: randomSerial(t),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		DNSNames:     append([]string{"localhost"}, extraNames...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKeyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}

	m := &testTLS{
		CACertFile:     filepath.Join(dir, "ca.crt"),
		ServerCertFile: filepath.Join(dir, "server.crt"),
		ServerKeyFile:  filepath.Join(dir, "server.key"),
		Roots:          x509.NewCertPool(),
	}
	m.Roots.AddCert(caCert)
	writePEM(t, m.CACertFile, "CERTIFICATE", caDER, 0o644)
	writePEM(t, m.ServerCertFile, "CERTIFICATE", srvDER, 0o644)
	writePEM(t, m.ServerKeyFile, "PRIVATE KEY", srvKeyDER, 0o600)
	return m
}

func randomSerial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

func writePEM(t testing.TB, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// randomToken returns n random bytes, hex encoded (2n characters).
func randomToken(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// ---------------------------------------------------------------------------
// Polling

// permanent wraps an error that should end an eventually() loop at once
// (e.g. the process under test exited).
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// eventually polls check until it returns nil, and fails the test with the
// last error if that takes longer than timeout. It returns how long it took.
func eventually(t testing.TB, timeout time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		var p *permanent
		if errors.As(err, &p) {
			t.Fatalf("%s: %v", what, p.err)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s; last: %v", what, timeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// ---------------------------------------------------------------------------
// Processes

// process is one child started by the harness, with its output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once Wait returned
	waitErr error         // Wait's result; read after done is closed

	// dumpOnHang: the child is a Go program run with GOTRACEBACK=all. When
	// it outlives the grace, it gets SIGABRT first (the Go runtime prints
	// every goroutine's stack to stderr and exits) so that a forced stop
	// shows what the process was waiting for.
	dumpOnHang bool
}

// stopResult tells how a process ended.
type stopResult struct {
	Err    error         // nil for exit status 0
	Forced bool          // SIGABRT/SIGKILL was needed after the grace period
	Took   time.Duration // from SIGTERM to exit
	Dump   string        // what a dumpOnHang process printed from SIGTERM on
}

// String leaves the dump out: callers print a result in their messages,
// and liveKitNode.Stop logs the dump once.
func (r stopResult) String() string {
	return fmt.Sprintf("err=%v forced=%v took=%s", r.Err, r.Forced, r.Took.Round(time.Millisecond))
}

// dumpWait bounds how long a SIGABRTed Go process takes to print its
// goroutines and exit before it is SIGKILLed.
const dumpWait = 10 * time.Second

func startProcess(t testing.TB, name, bin string, args, env []string, logPath string) *process {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child holds its own descriptor
	fmt.Fprintf(logFile, "=== %s: starting %s at %s\n", name, bin, time.Now().Format(time.RFC3339Nano))

	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	configureChild(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Logf("%s: started pid %d, log %s", name, cmd.Process.Pid, logPath)
	return p
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the PID, waits up to grace, then SIGKILLs it
// (a dumpOnHang process gets SIGABRT and dumpWait first).
func (p *process) stop(grace time.Duration) stopResult {
	start := time.Now()
	if done, err := p.exited(); done {
		return stopResult{Err: err}
	}
	var termAt int64 // the log's size at SIGTERM: what follows is the stop
	if st, err := os.Stat(p.logPath); err == nil {
		termAt = st.Size()
	}
	sigErr := p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return stopResult{Err: p.waitErr, Took: time.Since(start)}
	case <-time.After(grace):
	}
	res := stopResult{Forced: true}
	if sigErr != nil {
		res.Dump = fmt.Sprintf("(SIGTERM not sent: %v)\n", sigErr)
	}
	if p.dumpOnHang {
		_ = p.cmd.Process.Signal(syscall.SIGABRT)
		select {
		case <-p.done:
		case <-time.After(dumpWait):
		}
		res.Dump += readFrom(p.logPath, termAt)
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	res.Err, res.Took = p.waitErr, time.Since(start)
	return res
}

// readFrom returns a file's content from offset on.
func readFrom(path string, offset int64) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	if offset > int64(len(data)) {
		offset = 0
	}
	return string(data[offset:])
}

// logTail returns the last n lines of a log file.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// printTailOnFailure logs the end of a process log once the test has ended,
// if it failed.
func printTailOnFailure(t testing.TB, name, path string) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- last %d lines of %s (%s) ----\n%s\n---- end of %s log ----",
				logTailLines, name, path, logTail(path, logTailLines), name)
		}
	})
}

// ---------------------------------------------------------------------------
// Redis

// redisOptions configures a test Redis the way managed caches are set up:
// TLS only, the default user protected by a password (ElastiCache's AUTH
// token, Azure's access key, Memorystore's AUTH string) and optionally a
// named ACL user (ElastiCache RBAC / Redis 6+ ACLs).
type redisOptions struct {
	Password    string // default user's password (requirepass); required
	ACLUser     string // optional named user with full access
	ACLPassword string
}

// redisServer is a TLS-only redis-server on 127.0.0.1.
type redisServer struct {
	t        testing.TB
	bin      string
	dir      string
	confPath string
	logPath  string
	opts     redisOptions
	tls      *testTLS

	Port int
	Addr string // 127.0.0.1:Port

	mu   sync.Mutex
	proc *process // nil while stopped
}

// startRedis writes a redis.conf into a temp dir, starts redis-server and
// waits until it answers an authenticated PING over TLS.
func startRedis(t testing.TB, tlsFiles *testTLS, opts redisOptions) *redisServer {
	t.Helper()
	if opts.Password == "" {
		t.Fatal("startRedis: a password is required")
	}
	bin := redisBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	r := &redisServer{
		t: t, bin: bin, dir: dir, opts: opts, tls: tlsFiles,
		confPath: filepath.Join(dir, "redis.conf"),
		logPath:  filepath.Join(dir, "redis.log"),
		Port:     port,
		Addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
	}
	var conf strings.Builder
	line := func(args ...string) {
		for i, a := range args {
			if i > 0 {
				conf.WriteByte(' ')
			}
			conf.WriteString(a)
		}
		conf.WriteByte('\n')
	}
	line("bind", "127.0.0.1")
	line("protected-mode", "yes")
	line("port", "0") // no plaintext listener
	line("tls-port", strconv.Itoa(port))
	line("tls-cert-file", strconv.Quote(tlsFiles.ServerCertFile))
	line("tls-key-file", strconv.Quote(tlsFiles.ServerKeyFile))
	line("tls-ca-cert-file", strconv.Quote(tlsFiles.CACertFile))
	line("tls-auth-clients", "no") // no client certificates, like managed caches
	// Quoted: the password comes from the program's plan. redis.conf reads
	// "..." with \" and \\ escapes, as strconv.Quote writes them for ASCII.
	line("requirepass", strconv.Quote(opts.Password))
	if opts.ACLUser != "" {
		line("user", strconv.Quote(opts.ACLUser), "on", strconv.Quote(">"+opts.ACLPassword), "~*", "&*", "+@all")
	}
	line("save", `""`)
	line("appendonly", "no")
	line("daemonize", "no")
	line("dir", strconv.Quote(dir))
	line("logfile", `""`)
	line("loglevel", "notice")
	if err := os.WriteFile(r.confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	printTailOnFailure(t, "redis-server", r.logPath)
	t.Cleanup(r.Stop)
	r.start()
	return r
}

func (r *redisServer) start() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc != nil {
		r.t.Fatal("redis: already running")
	}
	// Restart() reuses the port; retry briefly if the old socket lingers.
	start := time.Now()
	for {
		p := startProcess(r.t, "redis-server", r.bin, []string{r.confPath}, os.Environ(), r.logPath)
		err := r.waitReady(p)
		if err == nil {
			r.proc = p
			return
		}
		p.stop(5 * time.Second)
		if !errors.Is(err, errRedisExited) || time.Since(start) > redisReadyTimeout {
			r.t.Fatalf("redis-server on %s: %v\n%s", r.Addr, err, logTail(r.logPath, logTailLines))
		}
		time.Sleep(pollInterval)
	}
}

var errRedisExited = errors.New("redis-server exited during startup")

func (r *redisServer) waitReady(p *process) error {
	deadline := time.Now().Add(redisReadyTimeout)
	var last error
	for time.Now().Before(deadline) {
		if done, err := p.exited(); done {
			return fmt.Errorf("%w (%v)", errRedisExited, err)
		}
		reply, err := r.Do("PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		last = fmt.Errorf("PING: reply %v, err %v", reply, err)
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("not ready within %s: %v", redisReadyTimeout, last)
}

// Stop ends redis-server (SIGTERM, then SIGKILL) by PID. Safe to call twice.
func (r *redisServer) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return
	}
	res := r.proc.stop(10 * time.Second)
	r.t.Logf("redis-server: pid %d stopped (err=%v forced=%v took=%s)", r.proc.pid(), res.Err, res.Forced, res.Took.Round(time.Millisecond))
	r.proc = nil
}

// Restart starts redis-server again on the same port, with the same config
// (and, as with `save ""`, an empty keyspace).
func (r *redisServer) Restart() {
	r.t.Helper()
	r.Stop()
	r.start()
}

// Do runs one command as the default user (AUTH <password>).
func (r *redisServer) Do(args ...string) (any, error) {
	return r.DoAs("", r.opts.Password, args...)
}

// DoAs runs one command on a fresh TLS connection (go-redis, RESP2, no
// retries), authenticated as user (empty: the default user; empty
// password: no AUTH). Replies are go-redis's: string, int64, []any; a
// Redis error reply is the error (isRedisErr).
func (r *redisServer) DoAs(user, password string, args ...string) (any, error) {
	c := redis.NewClient(&redis.Options{
		Addr:     r.Addr,
		Username: user,
		Password: password,
		Protocol: 2,
		TLSConfig: &tls.Config{
			RootCAs:    r.tls.Roots,
			ServerName: "127.0.0.1",
			MinVersion: tls.VersionTLS12,
		},
		DialTimeout:           2 * time.Second,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		DisableIdentity:       true,
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	cmd := make([]any, len(args))
	for i, a := range args {
		cmd[i] = a
	}
	return c.Do(ctx, cmd...).Result()
}

// ---------------------------------------------------------------------------
// LiveKit

// liveKitNode is one livekit-server process on 127.0.0.1.
type liveKitNode struct {
	t       testing.TB
	Port    int
	URL     string // http://127.0.0.1:Port, for the server SDK
	logPath string

	mu      sync.Mutex
	proc    *process
	readyAt time.Time // when GET / first answered 200; zero until then
	stopped *stopResult
}

// liveKitEnvVars are read by livekit-server besides LIVEKIT_CONFIG; they are
// removed from the child's environment so a developer's shell cannot change
// the config under test.
var liveKitEnvVars = []string{"REDIS_HOST", "REDIS_PASSWORD", "NODE_IP", "UDP_PORT"}

// startLiveKit runs livekit-server with configYAML as its whole config (the
// LIVEKIT_CONFIG environment variable) and waits for GET / to return 200.
// The signaling port is read from the YAML's `port`.
func startLiveKit(t testing.TB, configYAML string) *liveKitNode {
	t.Helper()
	n := launchLiveKit(t, configYAML)
	n.waitReady(t)
	return n
}

// launchLiveKit is startLiveKit without the wait: several nodes launched
// first and then waited for (waitReady) boot side by side.
func launchLiveKit(t testing.TB, configYAML string) *liveKitNode {
	t.Helper()
	bin := liveKitBinary(t)
	var head struct {
		Port int `yaml:"port"`
	}
	if err := yaml.Unmarshal([]byte(configYAML), &head); err != nil || head.Port == 0 {
		t.Fatalf("startLiveKit: config needs a `port` (err=%v):\n%s", err, configYAML)
	}
	env := liveKitEnv(configYAML)

	n := &liveKitNode{
		t:       t,
		Port:    head.Port,
		URL:     "http://127.0.0.1:" + strconv.Itoa(head.Port),
		logPath: filepath.Join(t.TempDir(), fmt.Sprintf("livekit-%d.log", head.Port)),
	}
	name := fmt.Sprintf("livekit-server:%d", head.Port)
	printTailOnFailure(t, name, n.logPath)
	n.proc = startProcess(t, name, bin, nil, env, n.logPath)
	n.proc.dumpOnHang = true
	t.Cleanup(func() { n.Stop() })
	return n
}

// waitReady waits for a launched node's GET / to return 200.
func (n *liveKitNode) waitReady(t testing.TB) {
	t.Helper()
	name := fmt.Sprintf("livekit-server:%d", n.Port)
	took := eventually(t, liveKitReadyTimeout, name+" ready (GET / = 200)", func() error {
		if done, err := n.proc.exited(); done {
			// livekit-server v1.13.5 prints startup errors (bad config,
			// unreachable Redis) and exits with status 0.
			if err == nil {
				err = errors.New("exit status 0")
			}
			return &permanent{fmt.Errorf("exited during startup (%v); see the log tail below", err)}
		}
		code, body, err := n.Health()
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("GET / = %d %q", code, body)
		}
		return nil
	})
	n.mu.Lock()
	n.readyAt = time.Now()
	n.mu.Unlock()
	t.Logf("%s: ready after %s", name, took.Round(time.Millisecond))
	n.checkLoopbackOnly(t)
}

// socketAddr is a socket a process listens on (TCP) or holds (UDP).
type socketAddr struct {
	Proto string // tcp or udp
	IP    net.IP
	Port  int
}

func (a socketAddr) String() string {
	return a.Proto + " " + net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}

// checkLoopbackOnly fails the test if the node listens anywhere but on
// loopback: the loopback overrides (loopbackConfig) must keep every server
// a test starts off the host's other interfaces. It runs when the node is
// ready and again before it stops, after media sockets have opened.
func (n *liveKitNode) checkLoopbackOnly(t testing.TB) {
	t.Helper()
	if done, _ := n.proc.exited(); done {
		return
	}
	socks, err := openSockets(n.proc.pid())
	if errors.Is(err, errors.ErrUnsupported) {
		return
	}
	if err != nil {
		t.Errorf("livekit-server:%d: list its sockets: %v", n.Port, err)
		return
	}
	for _, s := range socks {
		if !s.IP.IsLoopback() {
			t.Errorf("livekit-server:%d listens on %s, beyond loopback", n.Port, s)
		}
	}
}

// liveKitEnv is the test's environment without LiveKit's own variables, plus
// LIVEKIT_CONFIG=configYAML.
func liveKitEnv(configYAML string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LIVEKIT_") || contains(liveKitEnvVars, k) {
			continue
		}
		env = append(env, kv)
	}
	// GOTRACEBACK=all: a node SIGABRTed after a hung stop prints every
	// goroutine, not only the one that took the signal.
	return append(env, "LIVEKIT_CONFIG="+configYAML, "GOTRACEBACK=all")
}

// liveKitListNodes runs `livekit-server list-nodes` with configYAML: LiveKit's
// own listing of the node registry in Redis (RedisRouter.ListNodes, the list
// a node's router uses to place rooms). It returns the printed table.
// livekit-server exits 0 even when it fails, so callers check the content.
func liveKitListNodes(t testing.TB, configYAML string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, liveKitBinary(t), "list-nodes")
	cmd.Env = liveKitEnv(configYAML)
	configureChild(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("livekit-server list-nodes: %v\n%s", err, out)
	}
	return string(out)
}

var healthClient = &http.Client{Timeout: 2 * time.Second}

// Health is GET / on the signaling port: status, body.
func (n *liveKitNode) Health() (int, string, error) {
	return n.Get(livekit.HealthPath)
}

// Get is GET path on the signaling port: status, body (up to 4 KiB).
func (n *liveKitNode) Get(path string) (int, string, error) {
	resp, err := healthClient.Get(n.URL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body), err
}

// PID of the running process.
func (n *liveKitNode) PID() int { return n.proc.pid() }

// Stop sends SIGTERM (LiveKit drains and exits), SIGKILLs after stopGrace,
// and reports how it ended. Later calls return the first result.
func (n *liveKitNode) Stop() stopResult {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped != nil {
		return *n.stopped
	}
	n.checkLoopbackOnly(n.t)
	if !n.readyAt.IsZero() {
		if wait := liveKitSettle - time.Since(n.readyAt); wait > 0 {
			time.Sleep(wait) // see liveKitSettle
		}
	}
	res := n.proc.stop(stopGrace)
	n.stopped = &res
	n.t.Logf("livekit-server:%d: pid %d stopped (err=%v forced=%v took=%s)",
		n.Port, n.proc.pid(), res.Err, res.Forced, res.Took.Round(time.Millisecond))
	if res.Forced {
		if droppedSIGTERM(res.Dump) {
			n.t.Logf("livekit-server:%d logged \"exit requested\" but no stop ran: LiveKit dropped the SIGTERM as one sent before it marked itself running (see liveKitSettle)", n.Port)
		}
		n.t.Logf("---- livekit-server:%d did not exit within %s of SIGTERM; its log from SIGTERM on, with its goroutines at SIGABRT ----\n%s\n---- end of goroutine dump ----",
			n.Port, stopGrace, res.Dump)
	}
	return res
}

// droppedSIGTERM tells, from a forced stop's dump, that LiveKit logged the
// SIGTERM, no Stop is left running, and Start still waits for one: Stop
// returned early, as it does before the server is marked running.
func droppedSIGTERM(dump string) bool {
	return strings.Contains(dump, "exit requested") &&
		strings.Contains(dump, "service.(*LivekitServer).Start(") &&
		!strings.Contains(dump, "service.(*LivekitServer).Stop(")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
