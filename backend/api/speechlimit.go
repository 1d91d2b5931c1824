package api

import "strings"

// MaxDialogueChars is the longest script a dialogue model takes (all turns together).
const MaxDialogueChars = 2000

// SpeechLimit is the longest text a speech model reads in one request, in characters.
func SpeechLimit(model string) int {
	if strings.Contains(strings.ToLower(model), "dialogue") {
		return MaxDialogueChars
	}
	return MaxSpeechChars
}
