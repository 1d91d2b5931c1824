package api

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// redactHandler passes every log record through Redact (and masks the client's own key
// exactly, wherever it appears), so that no line a caller's handler writes can carry a key,
// whatever attribute a future call site adds.
type redactHandler struct {
	h   slog.Handler
	key string
}

func newRedactLogger(l *slog.Logger, key string) *slog.Logger {
	return slog.New(&redactHandler{h: l.Handler(), key: key})
}

func (r *redactHandler) redact(s string) string {
	if r.key != "" && strings.Contains(s, r.key) {
		s = strings.ReplaceAll(s, r.key, MaskKey(r.key))
	}
	return Redact(s)
}

func (r *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.redact(v.String()))
	case slog.KindGroup:
		in := v.Group()
		out := make([]any, len(in))
		for i, g := range in {
			out[i] = r.attr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		// Errors, Stringers, URLs, headers, structs: rendered to text, then redacted.
		return slog.String(a.Key, r.redact(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v} // numbers, durations, times, bools carry no key
}

func (r *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, r.redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(red), key: r.key}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), key: r.key}
}
