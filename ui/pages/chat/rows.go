// The conversation's rows: a message's header and actions, its Markdown in pieces (prose, and
// code blocks with a copy button), and its reasoning folded under it.

package chat

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/textutil"
	"pollinations-studio/ui/kit"
)

// msgRow is a message: who wrote it with its actions, the reply as Markdown parts (prose, and
// code blocks with a copy button), and the model's reasoning folded under it.
type msgRow struct {
	widget.BaseWidget
	root                       *fyne.Container
	who, count, reasoning      *widget.Label
	prev, next, edit, cp, fold *widget.Button
	parts                      *fyne.Container
}

func (r *msgRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.root) }

func (p *Page) newRow() fyne.CanvasObject {
	r := &msgRow{who: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		prev: widget.NewButtonWithIcon("", theme.NavigateBackIcon(), nil), count: widget.NewLabel(""),
		next: widget.NewButtonWithIcon("", theme.NavigateNextIcon(), nil), edit: widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil),
		cp: widget.NewButtonWithIcon("", theme.ContentCopyIcon(), nil), parts: container.NewVBox(),
		fold:      widget.NewButtonWithIcon("Reasoning", theme.MenuExpandIcon(), nil),
		reasoning: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})}
	for _, b := range []*widget.Button{r.prev, r.next, r.edit, r.cp, r.fold} {
		b.Importance = widget.LowImportance
	}
	r.fold.Alignment = widget.ButtonAlignLeading
	r.reasoning.Wrapping = fyne.TextWrapWord
	header := container.NewHBox(r.who, layout.NewSpacer(), r.prev, r.count, r.next, r.edit, r.cp)
	r.root = container.NewVBox(header, r.parts, r.fold, r.reasoning)
	r.ExtendBaseWidget(r)
	return r
}

// codeBlock is a code block of a reply: the code in monospace and a button that copies it.
type codeBlock struct {
	widget.BaseWidget
	root *fyne.Container
	code *widget.RichText
	cp   *widget.Button
}

func newCodeBlock() *codeBlock {
	c := &codeBlock{code: widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyleCodeBlock}),
		cp: widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), nil)}
	c.code.Wrapping = fyne.TextWrapBreak
	c.cp.Importance = widget.LowImportance
	c.root = container.NewBorder(nil, nil, nil, container.NewVBox(c.cp), c.code)
	c.ExtendBaseWidget(c)
	return c
}

func (c *codeBlock) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.root) }

func (p *Page) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	// A row that already shows this message as it is needs nothing: the list calls back for
	// every visible row each time one row's height changes, and redoing them all is what made
	// jumps through a long conversation stall.
	sig := ""
	if i < len(p.msgs) {
		m := p.msgs[i]
		sig = fmt.Sprintf("%d|%d|%d|%d|%v|%v|%v", p.shownGen, i, m.ID, len(m.Content)+len(m.Reasoning), m.Partial, p.siblings[m.ID], p.openReasoning[m.ID])
		if p.rowSig[o] == sig {
			return
		}
	}
	if len(p.rowSig) > 4000 {
		p.rowSig = map[fyne.CanvasObject]string{}
	}
	p.rowSig[o] = sig
	p.rowsDrawn++
	r := o.(*msgRow)
	for _, w := range []fyne.CanvasObject{r.prev, r.count, r.next, r.edit} {
		w.Hide()
	}
	var content, reasoning string
	var key int64 // whose reasoning fold this is (0: the reply being written)
	if i >= len(p.msgs) {
		r.who.SetText("Assistant (writing…)")
		content, reasoning = p.streaming.String(), p.reasoning.String()
		if len(reasoning) > reasoningTailBytes {
			// The fold shows how the model is thinking now, not all it has thought.
			reasoning = "…" + reasoning[len(reasoning)-reasoningTailBytes:]
		}
		r.cp.Hide()
	} else {
		m := p.msgs[i]
		key, content, reasoning = m.ID, m.Content, m.Reasoning
		label := map[string]string{"user": "You", "assistant": "Assistant"}[m.Role]
		if m.Role == "assistant" && m.Model != "" {
			label += " · " + m.Model
		}
		if m.Partial {
			label += " · stopped"
		}
		r.who.SetText(label)
		if pos, ok := p.siblings[m.ID]; ok && pos.Count > 1 {
			// Regenerated replies and edited messages: flip between the versions.
			r.count.SetText(fmt.Sprintf("%d / %d", pos.Index, pos.Count))
			r.count.Show()
			r.prev.Show()
			r.next.Show()
			kit.SetEnabled(r.prev, pos.Prev != 0)
			kit.SetEnabled(r.next, pos.Next != 0)
			r.prev.OnTapped = func() { p.flip(pos.Prev) }
			r.next.OnTapped = func() { p.flip(pos.Next) }
		}
		if m.Role == "user" {
			r.edit.Show()
			r.edit.OnTapped = func() { p.startEdit(m) }
		}
		r.cp.Show()
		r.cp.OnTapped = func() { p.h.Clipboard().SetContent(m.Content) }
	}
	p.renderParts(r.parts, textutil.ChunkProse(textutil.SplitFences(content), chunkBytes))
	if reasoning == "" {
		r.fold.Hide()
		r.reasoning.Hide()
	} else {
		r.fold.Show()
		open := p.openReasoning[key]
		if open {
			r.fold.SetIcon(theme.MenuDropUpIcon())
			r.reasoning.SetText(reasoning)
			r.reasoning.Show()
		} else {
			r.fold.SetIcon(theme.MenuExpandIcon())
			r.reasoning.Hide()
		}
		r.fold.OnTapped = func() {
			p.openReasoning[key] = !open
			p.list.RefreshItem(i)
		}
	}
	p.list.SetItemHeight(i, o.MinSize().Height)
}

// chunkBytes is the size of the pieces a long reply is drawn in: while a reply streams only its
// last piece changes, so each redraw parses a few kilobytes of Markdown, not the whole answer,
// and the finished reply needs no redraw at all.
const chunkBytes = 2000

// reasoningTailBytes is how much of a reasoning still streaming the fold shows.
const reasoningTailBytes = 3000

// renderParts draws a message's Markdown into box, reusing the widgets already there: prose as
// rich text (images as placeholders, links behind a confirmation: links.go), code blocks in monospace with a button that copies the block. A piece that already
// shows the same text is left alone: the list calls back for every row it lays out (twice for a
// row whose height changes), and re-parsing unchanged Markdown there is what stalls scrolling.
func (p *Page) renderParts(box *fyne.Container, parts []textutil.Part) {
	if len(parts) == 0 {
		parts = []textutil.Part{{}}
	}
	if len(p.rendered) > 4000 {
		p.rendered = map[fyne.CanvasObject]textutil.Part{} // rows the list has dropped; redrawn if seen again
	}
	objs := box.Objects
	if len(objs) > len(parts) {
		objs = objs[:len(parts)]
	}
	changed := len(objs) != len(box.Objects)
	for i, part := range parts {
		var have fyne.CanvasObject
		if i < len(objs) {
			have = objs[i]
		}
		if have != nil && p.rendered[have] == part {
			continue
		}
		if !part.Code {
			b, ok := have.(*proseBlock)
			if !ok {
				b = newProseBlock()
			}
			p.showProse(b, part.Text) // made safe: showing a reply loads nothing
			have = b
		} else {
			c, ok := have.(*codeBlock)
			if !ok {
				c = newCodeBlock()
			}
			c.code.Segments[0].(*widget.TextSegment).Text = part.Text
			c.code.Refresh()
			text := part.Text
			c.cp.OnTapped = func() { p.h.Clipboard().SetContent(text) }
			have = c
		}
		p.rendered[have] = part
		changed = true
		if i < len(objs) {
			objs[i] = have
		} else {
			objs = append(objs, have)
		}
	}
	if !changed {
		return
	}
	box.Objects = objs
	// Lay out again without refreshing every piece (a refresh re-measures all of its text).
	box.Layout.Layout(box.Objects, box.Size())
	canvas.Refresh(box)
}
