package storage

import "testing"

func TestSpeakerLabel(t *testing.T) {
	for in, want := range map[string]string{"": "", "A": "Speaker A", "speaker_1": "Speaker 1", "Ana": "Ana", " Ana  Lee ": "Ana Lee",
		"b": "Speaker B", "12": "Speaker 12", "SPEAKER_2": "Speaker 2", "Al": "Al", "Jo": "Jo", "AL": "AL", "1234": "1234"} {
		if got := SpeakerLabel(in); got != want {
			t.Errorf("SpeakerLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
