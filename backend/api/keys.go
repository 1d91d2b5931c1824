package api

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrNoKey means no key was given where one is needed.
var ErrNoKey = errors.New("no API key: paste a key from https://enter.pollinations.ai/keys or sign in")

// KeyError explains why a pasted key was refused before any request.
type KeyError struct{ Reason string }

func (e *KeyError) Error() string { return "this key cannot be used: " + e.Reason }

var keyChars = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// ValidateKey refuses what cannot be a Pollinations key: empty, masked as the dashboard shows it
// ("pk_xxxxxxx…"), truncated, or not an sk_/pk_ key.
func ValidateKey(key string) error {
	k := strings.TrimSpace(key)
	switch {
	case k == "":
		return ErrNoKey
	case strings.Contains(k, "…") || strings.Contains(k, "...") || strings.Contains(k, "•") || strings.Contains(k, "***"):
		return &KeyError{"it is the masked key the dashboard shows, not the key itself; copy the whole key when you create it at https://enter.pollinations.ai/keys"}
	case !strings.HasPrefix(k, "sk_") && !strings.HasPrefix(k, "pk_"):
		return &KeyError{"a Pollinations key starts with sk_ (secret) or pk_ (publishable)"}
	case strings.Contains(strings.ToLower(k[3:]), "xxxx"):
		return &KeyError{"it looks like a placeholder (xxxx), not a real key"}
	case !keyChars.MatchString(k):
		return &KeyError{"it contains characters a key never has (spaces, quotes or line breaks?)"}
	case len(k) < 16:
		return &KeyError{fmt.Sprintf("it is too short (%d characters): it may have been cut when copied", len(k))}
	case len(k) > 256:
		return &KeyError{"it is too long to be a key"}
	}
	return nil
}

// MaskKey shows a key the way it may be displayed: its type and a few characters.
func MaskKey(key string) string {
	k := strings.TrimSpace(key)
	if len(k) <= 10 {
		if len(k) >= 3 {
			return k[:3] + "…"
		}
		return "…"
	}
	return k[:7] + "…" + k[len(k)-4:]
}

// keyPattern has no word boundary on purpose: a key glued to other text ("key%3Dsk_…" in an
// escaped URL, "token_sk_…") must be masked too; masking a harmless "disk_usage_report" is the
// cheaper mistake.
var keyPattern = regexp.MustCompile(`(sk|pk)_[A-Za-z0-9_\-]{8,}`)

// Redact replaces anything that looks like a key in s by its mask, so that text can leave the
// client (errors, logs) safely.
func Redact(s string) string {
	return keyPattern.ReplaceAllStringFunc(s, MaskKey)
}

func bytesReader(b []byte) *strings.Reader { return strings.NewReader(string(b)) }
