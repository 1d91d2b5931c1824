//go:build measure

package chat

// Scripting for ui/internal/measure (measure builds only).

// Ask types a message and sends it.
func (p *Page) Ask(text string) { p.input.SetText(text); p.send() }

// Replying reports whether a reply is still on its way (or not yet in the conversation).
func (p *Page) Replying() bool { return p.jobID != 0 || p.chatID == 0 || len(p.msgs) < 2 }

// Showing is the open conversation and its number of messages.
func (p *Page) Showing() (int64, int) { return p.chatID, len(p.msgs) }

// Open opens a conversation.
func (p *Page) Open(id int64) { p.openChat(id) }

// ScrollTo scrolls the conversation to a fraction of its length.
func (p *Page) ScrollTo(frac float32) { p.list.ScrollToOffset(frac * float32(len(p.msgs)) * 120) }

// ScrollToBottom scrolls to the last message.
func (p *Page) ScrollToBottom() { p.list.ScrollToBottom() }
