// Command invites-embedded-db runs an embedded, MongoDB wire-compatible
// database (FerretDB v1 with its SQLite backend) for development and CI.
//
// Usage:
//
//	invites-embedded-db --listen 127.0.0.1:0 --data-dir ./data [--exit-on-stdin-eof]
//
// Once the server accepts connections and answers a ping, it prints exactly
// one line to stdout:
//
//	READY mongodb://127.0.0.1:<port>/
//
// All logging goes to stderr (warn level and above). The process exits with
// code 0 on SIGTERM/SIGINT and, with --exit-on-stdin-eof, when stdin is closed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"

	"invites/embedded-db/deferredlog"
)

const (
	readyTimeout    = 30 * time.Second
	shutdownTimeout = 15 * time.Second
)

func main() {
	os.Exit(run())
}

func run() int {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dataDir := flag.String("data-dir", "", "directory for the SQLite database files (created if missing)")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit when stdin is closed (for use as a child process)")
	logLevel := flag.String("log-level", "warn", "FerretDB log level on stderr: debug, info, warn or error")
	flag.Parse()

	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "invites-embedded-db: "+format+"\n", args...)
		return 1
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fail("--log-level %q: %v", *logLevel, err)
	}
	// Deferred: FerretDB attaches every statement's arguments to a debug logger (see deferredlog).
	logger := slog.New(deferredlog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	slog.SetDefault(logger)

	// The embeddable package reports ferretdbVersion "unknown"; fill in the
	// real module version so clients (buildInfo/serverStatus) can see it.
	if v := ferretDBModuleVersion(); v != "" {
		version.Get().Version = v
	}

	// The engine's heap is small (a few tens of MiB) and short-lived garbage is most of what a
	// write allocates: collecting at 4x the live heap instead of 2x took 12% off its CPU per
	// invite at 32 in flight. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	if *dataDir == "" {
		return fail("--data-dir is required")
	}

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return fail("data dir: %v", err)
	}
	if err = os.MkdirAll(dir, 0o700); err != nil {
		return fail("data dir: %v", err)
	}

	if _, _, err = net.SplitHostPort(*listen); err != nil {
		return fail("--listen %q: %v", *listen, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if *exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}

	// ferretdb.New binds the TCP listener synchronously, so port 0 is fine:
	// the actual address is known right after New returns.
	// A 64 MiB page cache (SQLite's default is 2 MiB) for the indexes of large collections: with
	// 1M invites stored the create rate measured 0.63x the empty-collection rate with it, 0.43x
	// without. FerretDB adds its own pragmas (WAL, busy timeout); synchronous keeps its durable default.
	// temp_store(memory): every multi-row INSERT keeps a statement journal (to undo itself on a
	// duplicate _id), which otherwise goes to a temporary file: 12% of the engine's CPU per invite
	// at 32 in flight went to those writes (bench/README.md).
	sqliteURL := "file:" + dir + "/?_pragma=cache_size(-65536)&_pragma=temp_store(memory)"
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fail("%v", err)
	}

	uri := f.MongoDBURI()
	addr, err := addrFromURI(uri)
	if err != nil {
		return fail("%v", err)
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	if err = waitReady(ctx, addr); err != nil {
		cancel()
		<-done
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return 0 // stopped before becoming ready
		}
		return fail("not ready: %v", err)
	}

	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(w, "READY %s\n", uri)
	if err = w.Flush(); err != nil {
		cancel()
		<-done
		return fail("stdout: %v", err)
	}

	<-ctx.Done()

	select {
	case err = <-done:
		if err != nil {
			return fail("%v", err)
		}
	case <-time.After(shutdownTimeout):
		fmt.Fprintln(os.Stderr, "invites-embedded-db: shutdown timed out, exiting anyway")
	}

	return 0
}

// ferretDBModuleVersion returns the FerretDB module version compiled in, e.g. "v1.24.2+invites-patches".
func ferretDBModuleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range bi.Deps {
		if dep.Path == "github.com/FerretDB/FerretDB" {
			// build.sh replaces the module with a patched copy of the same version.
			if dep.Replace != nil {
				return dep.Version + "+invites-patches"
			}
			return dep.Version
		}
	}
	return ""
}

// addrFromURI extracts host:port from a "mongodb://host:port/" URI.
func addrFromURI(uri string) (string, error) {
	const prefix = "mongodb://"
	if len(uri) < len(prefix) || uri[:len(prefix)] != prefix {
		return "", fmt.Errorf("unexpected URI %q", uri)
	}
	rest := uri[len(prefix):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest, nil
}

// waitReady polls addr until the server answers a wire-protocol ping.
func waitReady(ctx context.Context, addr string) error {
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if lastErr = ping(addr); lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return lastErr
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ping sends OP_MSG {ping: 1, $db: "admin"} and checks for ok: 1.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))

	var doc bytes.Buffer
	doc.Write([]byte{0, 0, 0, 0}) // length placeholder
	doc.WriteByte(0x10)           // int32
	doc.WriteString("ping\x00")
	_ = binary.Write(&doc, binary.LittleEndian, int32(1))
	doc.WriteByte(0x02) // string
	doc.WriteString("$db\x00")
	_ = binary.Write(&doc, binary.LittleEndian, int32(len("admin")+1))
	doc.WriteString("admin\x00")
	doc.WriteByte(0x00)
	d := doc.Bytes()
	binary.LittleEndian.PutUint32(d[0:4], uint32(len(d)))

	const opMsg = 2013
	msgLen := 16 + 4 + 1 + len(d)
	msg := make([]byte, 0, msgLen)
	msg = binary.LittleEndian.AppendUint32(msg, uint32(msgLen))
	msg = binary.LittleEndian.AppendUint32(msg, 1) // requestID
	msg = binary.LittleEndian.AppendUint32(msg, 0) // responseTo
	msg = binary.LittleEndian.AppendUint32(msg, opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, 0) // flagBits
	msg = append(msg, 0)                           // section kind 0: body
	msg = append(msg, d...)

	if _, err = conn.Write(msg); err != nil {
		return err
	}

	hdr := make([]byte, 16)
	if _, err = io.ReadFull(conn, hdr); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint32(hdr[0:4])
	if n < 16 || n > 16<<20 {
		return fmt.Errorf("bad reply length %d", n)
	}
	if op := binary.LittleEndian.Uint32(hdr[12:16]); op != opMsg {
		return fmt.Errorf("unexpected reply opCode %d", op)
	}
	body := make([]byte, n-16)
	if _, err = io.ReadFull(conn, body); err != nil {
		return err
	}

	// Look for the double element "ok" == 1.0 in the reply body.
	okElem := append([]byte{0x01}, "ok\x00"...)
	i := bytes.Index(body, okElem)
	if i < 0 || i+len(okElem)+8 > len(body) {
		return errors.New("reply has no ok field")
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(body[i+len(okElem):]))
	if v != 1 {
		return fmt.Errorf("ping not ok: %v", v)
	}
	return nil
}
