package api

import "testing"

func TestSpeechLimit(t *testing.T) {
	for model, want := range map[string]int{
		"elevenlabs": MaxSpeechChars, "": MaxSpeechChars, "eleven-dialogue": MaxDialogueChars,
		"elevenlabs/eleven-v3:dialogue": MaxDialogueChars,
	} {
		if got := SpeechLimit(model); got != want {
			t.Errorf("%q: %d, want %d", model, got, want)
		}
	}
}
