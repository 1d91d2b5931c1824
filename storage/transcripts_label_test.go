package storage

import "testing"

func TestSpeakerLabel(t *testing.T) {
	for in, want := range map[string]string{"": "", "A": "Speaker A", "speaker_1": "Speaker 1", "Ana": "Ana", " Ana  Lee ": "Ana Lee"} {
		if got := SpeakerLabel(in); got != want {
			t.Errorf("SpeakerLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
