package deferredlog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// The same calls through a plain text handler and through the deferred one write the same lines.
func TestWritesWhatTheBaseHandlerWrites(t *testing.T) {
	write := func(wrap func(slog.Handler) slog.Handler) string {
		var buf bytes.Buffer
		base := slog.NewTextHandler(&buf, &slog.HandlerOptions{
			Level: slog.LevelInfo,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		})
		l := slog.New(wrap(base))
		l.With("conn", "127.0.0.1:1").WithGroup("sql").With("args", []any{"a b", 2}).Info("statement", "rows", 1)
		l.With("skipped", "x").Debug("below the level")
		l.WithGroup("").With().Warn("bare")
		return buf.String()
	}
	plain := write(func(h slog.Handler) slog.Handler { return h })
	deferred := write(func(h slog.Handler) slog.Handler { return New(h) })
	if deferred != plain {
		t.Fatalf("deferred handler wrote\n%s\nplain handler wrote\n%s", deferred, plain)
	}
	if !strings.Contains(plain, `sql.args="[a b 2]"`) || strings.Contains(plain, "below the level") {
		t.Fatalf("unexpected output:\n%s", plain)
	}
}

// Attributes of a logger whose level is off are never formatted.
func TestDoesNotFormatAttributesOfDisabledRecords(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	formatted := false
	l.With("args", formatterFunc(func() string { formatted = true; return "doc" })).Debug("statement")
	if formatted || buf.Len() != 0 {
		t.Fatalf("formatted=%v, output %q", formatted, buf.String())
	}
	l.With("args", formatterFunc(func() string { formatted = true; return "doc" })).Warn("slow statement")
	if !formatted || !strings.Contains(buf.String(), "args=doc") {
		t.Fatalf("formatted=%v, output %q", formatted, buf.String())
	}
}

type formatterFunc func() string

func (f formatterFunc) String() string { return f() }
