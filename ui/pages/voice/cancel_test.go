package voice

import (
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/sim"
	"pollinations-studio/ui/kit/kittest"
)

// A running tool shows its progress and can be cancelled; nothing is kept.
func TestCancelWhileRunning(t *testing.T) {
	h, p := newPage(t)
	// A service that takes long to answer: the job is cancelled meanwhile, not waited for.
	h.Sim.Inject(sim.Fault{PathPrefix: "/v1/audio/voice-isolator", Latency: time.Hour})
	h.UI(func() {
		p.setFile(tone(t, "long.wav", 5))
		p.tool.SetSelected(ToolIsolate)
		p.runB.OnTapped()
	})
	h.Eventually("the job running, with Cancel", func() bool {
		return p.jobID != 0 && p.cancelB.Visible() && p.progress.Visible() && p.runB.Disabled()
	})
	h.UI(func() { p.cancelB.OnTapped() })
	h.Eventually("the job cancelled", func() bool { return p.jobID == 0 && p.state.Text == "Canceled." })
	h.UI(func() {
		if p.cancelB.Visible() || p.progress.Visible() || p.runB.Disabled() || p.result.valid {
			t.Error("after Cancel the page is not ready for another run")
		}
	})
}

// A failure is shown with its way out: a free account cannot use the paid-only tools.
func TestFailureIsShown(t *testing.T) {
	h := kittest.New(t, "free")
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	h.UI(func() {
		p.setFile(tone(t, "memo.wav", 5))
		p.tool.SetSelected(ToolStems)
		p.runB.OnTapped()
	})
	h.Eventually("the error", func() bool { return len(h.Errors()) > 0 })
	h.Eventually("the page ready again", func() bool { return p.jobID == 0 && !p.runB.Disabled() })
	if msg := h.Errors()[0].Error(); !strings.Contains(strings.ToLower(msg), "paid") && !strings.Contains(strings.ToLower(msg), "pollen") {
		t.Errorf("the error says %q", msg)
	}
}
