package ui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/textutil"
	lib "pollinations-studio/storage"
)

// chatPage: conversations kept in the library, replies streamed and rendered as Markdown.
type chatPage struct {
	s          *Studio
	model      *widget.Select
	modelNames map[string]string
	input      *pasteEntry
	sendB      *widget.Button
	stopB      *widget.Button
	list       *widget.List
	rendered   map[fyne.CanvasObject]textutil.Part // what each piece of a row shows now
	rowSig     map[fyne.CanvasObject]string        // which message, in which state, each row shows
	shownGen   int                                 // bumped when rows must be drawn again whatever they show
	empty      fyne.CanvasObject                   // the hint shown while the conversation is empty
	msgs       []lib.Message
	chatID     int64
	jobID      int64
	streaming  strings.Builder
	lastRender time.Time
	chats      []lib.Item
	chatList   *widget.List
	system     *widget.Entry
	temp       *widget.Slider
	maxTokens  *widget.Entry
	effort     *widget.Select
	attach     []string
	attachL    *widget.Label
	attachB    *widget.Button
	clearB     *widget.Button
	siblings   map[int64]lib.SiblingPosition
	editing    *lib.Message // a user message being edited: the next send branches from it
	content    fyne.CanvasObject

	chatSearch *widget.Entry
	chatSeq    int // the latest conversation search; older answers are dropped
	reasoning  strings.Builder
	// openReasoning holds the messages whose reasoning is unfolded (0: the streaming reply).
	openReasoning map[int64]bool
}

func newChatPage(s *Studio) *chatPage {
	p := &chatPage{s: s, modelNames: map[string]string{}, openReasoning: map[int64]bool{}, rendered: map[fyne.CanvasObject]textutil.Part{},
		rowSig: map[fyne.CanvasObject]string{}}
	p.model = widget.NewSelect(nil, func(string) { p.modelChanged() })
	p.model.PlaceHolder = "Loading models…"
	p.input = newPasteEntry(p.paste)
	p.input.SetPlaceHolder("Message… (Ctrl+Enter sends; paste or drop images and audio to attach them)")
	p.input.Wrapping = fyne.TextWrapWord
	p.input.SetMinRowsVisible(3)
	p.sendB = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), p.send)
	p.sendB.Importance = widget.HighImportance
	p.stopB = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if p.jobID != 0 {
			s.jobs.Cancel(p.jobID)
		}
	})
	p.stopB.Disable()
	newChat := widget.NewButtonWithIcon("New chat", theme.ContentAddIcon(), func() {
		if p.jobID != 0 {
			return // a reply is streaming: finish or stop it first
		}
		p.chatID, p.msgs, p.editing = 0, nil, nil
		p.chatList.UnselectAll()
		p.redraw()
	})
	regen := widget.NewButtonWithIcon("Regenerate", theme.ViewRefreshIcon(), p.regenerate)
	copyB := widget.NewButtonWithIcon("Copy reply", theme.ContentCopyIcon(), func() {
		for i := len(p.msgs) - 1; i >= 0; i-- {
			if p.msgs[i].Role == "assistant" {
				s.app.Clipboard().SetContent(p.msgs[i].Content)
				return
			}
		}
	})
	p.system = widget.NewMultiLineEntry()
	p.system.SetPlaceHolder("System prompt (optional): how the assistant should behave")
	p.system.SetMinRowsVisible(2)
	p.temp = widget.NewSlider(0, 2)
	p.temp.Step = 0.1
	p.temp.SetValue(1)
	p.maxTokens = widget.NewEntry()
	p.maxTokens.SetPlaceHolder("the model's default")
	p.effort = widget.NewSelect([]string{"default", "none", "low", "medium", "high"}, nil)
	p.effort.SetSelected("default")
	p.attachL = widget.NewLabel("")
	p.attachB = widget.NewButtonWithIcon("Attach…", theme.ContentAddIcon(), p.chooseAttachment)
	p.clearB = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() {
		p.attach = nil
		p.showAttachments()
	})
	p.clearB.Importance = widget.LowImportance
	p.clearB.Hide()
	prefs := s.app.Preferences()
	presets := widget.NewSelect(prefs.StringList("chatPresets"), func(name string) {
		p.system.SetText(prefs.String("chatPreset." + name))
	})
	presets.PlaceHolder = "Saved system prompts"
	savePreset := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() {
		name := widget.NewEntry()
		name.SetPlaceHolder("Preset name")
		dialog.ShowForm("Save system prompt", "Save", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", name)}, func(ok bool) {
			n := strings.TrimSpace(name.Text)
			if !ok || n == "" {
				return
			}
			p.savePreset(presets, n, p.system.Text)
		}, s.win)
	})
	options := widget.NewAccordion(widget.NewAccordionItem("Options", widget.NewForm(
		widget.NewFormItem("Preset", container.NewBorder(nil, nil, nil, savePreset, presets)),
		widget.NewFormItem("System", p.system),
		widget.NewFormItem("Temperature", p.temp),
		widget.NewFormItem("Max tokens", p.maxTokens),
		widget.NewFormItem("Reasoning effort", p.effort),
	)))
	export := widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), p.export)
	p.chatSearch = widget.NewEntry()
	p.chatSearch.SetPlaceHolder("Search conversations")
	p.chatSearch.OnChanged = func(string) { p.reloadChats() }
	p.chatList = widget.NewList(func() int { return len(p.chats) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("conversation")
			l.Truncation = fyne.TextTruncateEllipsis
			rename := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil)
			del := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
			rename.Importance, del.Importance = widget.LowImportance, widget.LowImportance
			return container.NewBorder(nil, nil, nil, container.NewHBox(rename, del), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.chats) {
				return
			}
			c := o.(*fyne.Container)
			it := p.chats[i]
			c.Objects[0].(*widget.Label).SetText(it.Prompt)
			btns := c.Objects[1].(*fyne.Container)
			btns.Objects[0].(*widget.Button).OnTapped = func() { p.askRename(it) }
			btns.Objects[1].(*widget.Button).OnTapped = func() { p.trashChat(it.ID) }
		})
	p.chatList.OnSelected = func(i widget.ListItemID) {
		if i < len(p.chats) && p.chats[i].ID != p.chatID {
			p.openChat(p.chats[i].ID)
		}
	}
	p.list = widget.NewList(func() int { return len(p.msgs) + p.streamingRow() }, p.newRow, p.updateRow)
	top := container.NewVBox(container.NewBorder(nil, nil, heading("Chat"), container.NewHBox(regen, copyB, export), p.model), options)
	bottom := container.NewBorder(container.NewBorder(nil, nil, p.attachB, p.clearB, p.attachL), nil, nil, container.NewVBox(p.sendB, p.stopB), p.input)
	p.empty = container.NewCenter(widget.NewLabelWithStyle("Start a conversation: replies stream in and are kept in your library.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	conv := container.NewPadded(container.NewBorder(top, bottom, nil, nil, container.NewStack(p.empty, p.list)))
	side := container.NewBorder(container.NewVBox(newChat, p.chatSearch), nil, nil, nil, p.chatList)
	split := container.NewHSplit(side, conv)
	split.Offset = 0.22
	p.content = split
	s.onAccount(p.fillModels)
	return p
}

// newRow is a message: who wrote it with its actions, the reply as Markdown parts (prose, and
// code blocks with a copy button), and the model's reasoning folded under it.
func (p *chatPage) newRow() fyne.CanvasObject {
	who := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), nil)
	count := widget.NewLabel("")
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), nil)
	edit := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil)
	cp := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), nil)
	for _, b := range []*widget.Button{prev, next, edit, cp} {
		b.Importance = widget.LowImportance
	}
	header := container.NewHBox(who, layout.NewSpacer(), prev, count, next, edit, cp)
	fold := widget.NewButtonWithIcon("Reasoning", theme.MenuExpandIcon(), nil)
	fold.Importance = widget.LowImportance
	fold.Alignment = widget.ButtonAlignLeading
	reasoning := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	reasoning.Wrapping = fyne.TextWrapWord
	return container.NewVBox(header, container.NewVBox(), fold, reasoning)
}

// row is the widgets of a message row, as newRow made them.
type row struct {
	who, count, reasoning      *widget.Label
	prev, next, edit, cp, fold *widget.Button
	parts                      *fyne.Container
}

func rowOf(o fyne.CanvasObject) row {
	c := o.(*fyne.Container)
	h := c.Objects[0].(*fyne.Container)
	return row{who: h.Objects[0].(*widget.Label), prev: h.Objects[2].(*widget.Button), count: h.Objects[3].(*widget.Label),
		next: h.Objects[4].(*widget.Button), edit: h.Objects[5].(*widget.Button), cp: h.Objects[6].(*widget.Button),
		parts: c.Objects[1].(*fyne.Container), fold: c.Objects[2].(*widget.Button), reasoning: c.Objects[3].(*widget.Label)}
}

func (p *chatPage) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
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
	r := rowOf(o)
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
			setEnabled(r.prev, pos.Prev != 0)
			setEnabled(r.next, pos.Next != 0)
			r.prev.OnTapped = func() { p.flip(pos.Prev) }
			r.next.OnTapped = func() { p.flip(pos.Next) }
		}
		if m.Role == "user" {
			r.edit.Show()
			r.edit.OnTapped = func() { p.startEdit(m) }
		}
		r.cp.Show()
		r.cp.OnTapped = func() { p.s.app.Clipboard().SetContent(m.Content) }
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
	p.list.SetItemHeight(i, o.(*fyne.Container).MinSize().Height)
}

// chunkBytes is the size of the pieces a long reply is drawn in: while a reply streams only its
// last piece changes, so each redraw parses a few kilobytes of Markdown, not the whole answer,
// and the finished reply needs no redraw at all.
const chunkBytes = 2000

// reasoningTailBytes is how much of a reasoning still streaming the fold shows.
const reasoningTailBytes = 3000

// renderParts draws a message's Markdown into box, reusing the widgets already there: prose as
// rich text, code blocks in monospace with a button that copies the block. A piece that already
// shows the same text is left alone: the list calls back for every row it lays out (twice for a
// row whose height changes), and re-parsing unchanged Markdown there is what stalls scrolling.
func (p *chatPage) renderParts(box *fyne.Container, parts []textutil.Part) {
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
			rt, ok := have.(*widget.RichText)
			if !ok {
				rt = widget.NewRichText()
				rt.Wrapping = fyne.TextWrapWord
			}
			rt.ParseMarkdown(part.Text)
			have = rt
		} else {
			c, ok := have.(*fyne.Container)
			if !ok {
				code := widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyleCodeBlock})
				code.Wrapping = fyne.TextWrapBreak
				cp := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), nil)
				cp.Importance = widget.LowImportance
				c = container.NewBorder(nil, nil, nil, container.NewVBox(cp), code)
			}
			code := c.Objects[0].(*widget.RichText)
			code.Segments[0].(*widget.TextSegment).Text = part.Text
			code.Refresh()
			text := part.Text
			c.Objects[1].(*fyne.Container).Objects[0].(*widget.Button).OnTapped = func() {
				p.s.app.Clipboard().SetContent(text)
			}
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

func (p *chatPage) streamingRow() int {
	if p.jobID != 0 {
		return 1
	}
	return 0
}

func (p *chatPage) fillModels() {
	p.modelNames = map[string]string{}
	var labels []string
	sel := ""
	for _, m := range p.s.Models("text") {
		l := p.s.modelLabel(m)
		labels = append(labels, l)
		p.modelNames[l] = m.Name
		if m.Name == p.s.defaultModel("text", "openai") {
			sel = l
		}
	}
	p.model.Options = labels
	if p.model.Selected == "" && sel != "" {
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
}

// send adds the user's message to the conversation and streams the reply.
func (p *chatPage) send() {
	text := strings.TrimSpace(p.input.Text)
	if text == "" || p.jobID != 0 {
		return
	}
	model := p.modelNames[p.model.Selected]
	s := p.s
	if c := s.Client(); c == nil || !c.HasKey() {
		s.showError(errNoKey)
		return
	}
	chatID := p.chatID
	history := append([]lib.Message(nil), p.msgs...)
	if p.editing != nil {
		// Resend from the edited message: its earlier version stays as a sibling.
		for i, m := range history {
			if m.ID == p.editing.ID {
				history = history[:i]
				break
			}
		}
		p.editing = nil
	}
	system := strings.TrimSpace(p.system.Text)
	base, err := p.request(model)
	if err != nil {
		s.showError(err)
		return
	}
	attach := append([]string(nil), p.attach...)
	for _, a := range attach {
		if err := p.takes(a); err != nil {
			s.showError(fmt.Errorf("%w, or remove the attachment", err))
			return
		}
	}
	p.sendB.Disable()
	go func() {
		if chatID == 0 {
			id, err := s.lib.NewChat(s.ctx, shorten(text, 60), model, "")
			if err != nil {
				s.showError(err)
				s.RunOnUI(p.sendB.Enable)
				return
			}
			chatID = id
		}
		var parent *int64
		if n := len(history); n > 0 {
			parent = &history[n-1].ID
		}
		user := &lib.Message{ChatID: chatID, ParentID: parent, Role: "user", Content: text, Attachments: attach}
		if _, err := s.lib.AddMessage(s.ctx, user); err != nil {
			s.showError(err)
			s.RunOnUI(p.sendB.Enable)
			return
		}
		wire, err := wireMessages(system, append(history, *user))
		if err != nil {
			s.showError(err)
			s.RunOnUI(p.sendB.Enable)
			return
		}
		s.RunOnUI(func() {
			p.chatID = chatID
			p.msgs = append(history, *user)
			p.input.SetText("")
			p.attach = nil
			p.showAttachments()
			req := base
			req.Messages = wire
			id, ok := s.submit(jobs.Request{Chat: &jobs.ChatTurn{ChatID: chatID, ParentMessageID: &user.ID, Request: req}})
			if ok {
				p.jobID = id
				p.streaming.Reset()
				p.reasoning.Reset()
				p.stopB.Enable()
			} else {
				p.sendB.Enable()
			}
			p.redraw()
			p.list.ScrollToBottom()
		})
	}()
}

// onJob follows the reply (UI goroutine); Markdown is re-rendered at most every 100 ms.
func (p *chatPage) onJob(ev jobs.Event) {
	if ev.ID != p.jobID || p.jobID == 0 {
		return
	}
	p.streaming.WriteString(ev.TextDelta)
	p.reasoning.WriteString(ev.ReasoningDelta)
	final := ev.State == jobs.Done || ev.State == jobs.Failed || ev.State == jobs.Canceled
	if !final {
		if time.Since(p.lastRender) > 100*time.Millisecond {
			p.lastRender = time.Now()
			p.list.RefreshItem(len(p.msgs))
			p.list.ScrollToBottom()
		}
		return
	}
	p.jobID = 0
	p.stopB.Disable()
	p.sendB.Enable()
	if ev.State == jobs.Failed && !api.IsKind(ev.Err, api.KindIncomplete) {
		p.s.showError(ev.Err)
	}
	chatID := p.chatID
	go func() {
		msgs, err := p.s.lib.Messages(p.s.ctx, chatID)
		if err != nil {
			return
		}
		sibs, _ := p.s.lib.SiblingPositions(p.s.ctx, chatID)
		p.s.RunOnUI(func() {
			if p.chatID == chatID {
				p.msgs, p.siblings = msgs, sibs
				p.redraw()
				p.list.ScrollToBottom()
			}
		})
		p.loadChats()
	}()
}

// loadChats lists the conversations in the library, newest first (from any goroutine).
func (p *chatPage) loadChats() { p.s.RunOnUI(p.reloadChats) }

// reloadChats searches the conversations for what the search box holds (UI goroutine). Only
// the latest search's answer is shown, so fast typing cannot leave an older list behind.
func (p *chatPage) reloadChats() {
	p.chatSeq++
	seq, text := p.chatSeq, strings.TrimSpace(p.chatSearch.Text)
	q := lib.Query{Kinds: []lib.Kind{lib.KindChat}, Text: text, Limit: 200}
	go func() {
		page, err := p.s.lib.Search(p.s.ctx, q)
		if err != nil {
			p.s.showError(fmt.Errorf("searching the conversations: %w", err))
			return
		}
		p.s.RunOnUI(func() {
			if seq != p.chatSeq {
				return
			}
			p.chats = page.Items
			p.chatList.Refresh()
			// Keep the open conversation highlighted wherever it now is.
			p.chatList.UnselectAll()
			for i, it := range p.chats {
				if it.ID == p.chatID {
					p.chatList.Select(i)
				}
			}
		})
	}()
}

// askRename asks for a conversation's new title.
func (p *chatPage) askRename(it lib.Item) {
	name := widget.NewEntry()
	name.SetText(it.Prompt)
	dialog.ShowForm("Rename conversation", "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("Title", name)}, func(ok bool) {
		if ok {
			p.renameChat(it.ID, name.Text)
		}
	}, p.s.win)
}

// renameChat sets a conversation's title (its item's prompt).
func (p *chatPage) renameChat(id int64, title string) {
	title = strings.TrimSpace(title)
	if title == "" {
		return
	}
	go func() {
		it, err := p.s.lib.Item(p.s.ctx, id)
		if err == nil {
			it.Prompt = title
			err = p.s.lib.UpdateItem(p.s.ctx, it)
		}
		if err != nil {
			p.s.showError(fmt.Errorf("renaming the conversation: %w", err))
			return
		}
		p.loadChats()
	}()
}

// trashChat moves a conversation to the library's trash (it can be restored from there).
func (p *chatPage) trashChat(id int64) {
	if id == p.chatID {
		if p.jobID != 0 {
			p.s.showError(fmt.Errorf("a reply is still being written in this conversation: stop it first"))
			return
		}
		p.chatID, p.msgs, p.editing = 0, nil, nil
		p.redraw()
	}
	go func() {
		if err := p.s.lib.Trash(p.s.ctx, id); err != nil {
			p.s.showError(fmt.Errorf("moving the conversation to the trash: %w", err))
			return
		}
		p.loadChats()
	}()
}

// redraw draws every row again (the conversation or its messages changed).
func (p *chatPage) redraw() {
	p.shownGen++
	// The hint would show through the gaps between messages.
	if len(p.msgs)+p.streamingRow() > 0 {
		p.empty.Hide()
	} else {
		p.empty.Show()
	}
	p.list.Refresh()
}

func (p *chatPage) openChat(id int64) {
	if p.jobID != 0 {
		return // a reply is streaming: finish or stop it first
	}
	go func() {
		msgs, err := p.s.lib.Messages(p.s.ctx, id)
		if err != nil {
			p.s.showError(err)
			return
		}
		sibs, _ := p.s.lib.SiblingPositions(p.s.ctx, id)
		p.s.RunOnUI(func() {
			p.chatID, p.msgs, p.siblings = id, msgs, sibs
			p.redraw()
			p.list.ScrollToBottom()
		})
	}()
}

// regenerate asks again for the last reply; the earlier answer stays as a sibling.
func (p *chatPage) regenerate() {
	if p.jobID != 0 || p.chatID == 0 {
		return
	}
	last := -1
	for i := len(p.msgs) - 1; i >= 0; i-- {
		if p.msgs[i].Role == "user" {
			last = i
			break
		}
	}
	if last < 0 {
		return
	}
	wire, err := wireMessages(strings.TrimSpace(p.system.Text), p.msgs[:last+1])
	if err != nil {
		p.s.showError(err)
		return
	}
	req, err := p.request(p.modelNames[p.model.Selected])
	if err != nil {
		p.s.showError(err)
		return
	}
	req.Messages = wire
	user := p.msgs[last]
	p.msgs = p.msgs[:last+1]
	id, ok := p.s.submit(jobs.Request{Chat: &jobs.ChatTurn{ChatID: p.chatID, ParentMessageID: &user.ID, Request: req}})
	if ok {
		p.jobID = id
		p.streaming.Reset()
		p.reasoning.Reset()
		p.stopB.Enable()
		p.sendB.Disable()
	}
	p.redraw()
}

// export saves the conversation as Markdown (or JSON when the file name ends in .json).
func (p *chatPage) export() {
	if p.chatID == 0 {
		return
	}
	chatID := p.chatID
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		format := "md"
		if strings.EqualFold(w.URI().Extension(), ".json") {
			format = "json"
		}
		go func() {
			defer w.Close()
			if err := p.s.lib.ExportChat(p.s.ctx, chatID, format, w); err != nil {
				p.s.showError(err)
			}
		}()
	}, p.s.win)
	d.SetFileName("conversation.md")
	d.Show()
}

// wireMessages turns the conversation into the request's messages: the system prompt first,
// attachments as image or audio parts.
func wireMessages(system string, msgs []lib.Message) ([]api.Message, error) {
	var out []api.Message
	if system != "" {
		out = append(out, api.Message{Role: "system", Content: system})
	}
	for _, m := range msgs {
		wm := api.Message{Role: m.Role, Content: m.Content}
		for _, a := range m.Attachments {
			var part api.Part
			var err error
			if isImageFile(a) {
				part, err = api.ImagePartFromFile(a)
			} else {
				part, err = api.AudioPartFromFile(a)
			}
			if err != nil {
				return nil, fmt.Errorf("attachment %s: %w", filepath.Base(a), err)
			}
			wm.Parts = append(wm.Parts, part)
		}
		out = append(out, wm)
	}
	return out, nil
}

func isImageFile(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg", ".webp", ".gif":
		return true
	}
	return false
}

func (p *chatPage) chooseAttachment() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.addAttachment(r.URI().Path())
	}, p.s.win)
	var exts []string
	if m, ok := p.current(); !ok || m.AcceptsImages() {
		exts = append(exts, ".png", ".jpg", ".jpeg", ".webp", ".gif")
	}
	if m, ok := p.current(); !ok || m.AcceptsAudio() {
		exts = append(exts, ".wav", ".mp3")
	}
	d.SetFilter(fstorage.NewExtensionFileFilter(exts))
	d.Show()
}

// current is the picked model's catalogue entry.
func (p *chatPage) current() (api.Model, bool) {
	return api.FindModel(p.s.Models("text"), p.modelNames[p.model.Selected])
}

// takes says why the picked model cannot take a file as an attachment (nil when it can).
func (p *chatPage) takes(path string) error {
	name := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(path))
	m, known := p.current()
	switch {
	case isImageFile(path):
		if known && !m.AcceptsImages() {
			return fmt.Errorf("%s does not take images (%s): pick a model that accepts images", m.Name, name)
		}
	case ext == ".wav" || ext == ".mp3":
		if known && !m.AcceptsAudio() {
			return fmt.Errorf("%s does not take audio (%s): pick a model that accepts audio", m.Name, name)
		}
	default:
		return fmt.Errorf("%s: chat takes images (png, jpg, webp, gif) and audio (wav, mp3)", name)
	}
	return nil
}

// wantsDrop tells whether a file dropped on the chat page is for the next message: images, and
// audio when the model takes audio. Other audio and video go on to transcription.
func (p *chatPage) wantsDrop(path string) bool {
	if isImageFile(path) {
		return true
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".wav", ".mp3":
		m, ok := p.current()
		return ok && m.AcceptsAudio()
	}
	return false
}

// addAttachment adds a file to the next message, or says why the model cannot take it.
func (p *chatPage) addAttachment(path string) {
	if err := p.takes(path); err != nil {
		p.s.showError(err)
		return
	}
	p.attach = append(p.attach, path)
	p.showAttachments()
}

func (p *chatPage) showAttachments() {
	if len(p.attach) == 0 {
		p.attachL.SetText("")
		p.clearB.Hide()
		return
	}
	names := make([]string, len(p.attach))
	for i, a := range p.attach {
		names[i] = filepath.Base(a)
	}
	p.attachL.SetText("Attached: " + strings.Join(names, ", "))
	p.clearB.Show()
}

// paste attaches files copied in a file manager; it reports false for ordinary text, which the
// input then pastes as usual.
func (p *chatPage) paste(clip string) bool {
	paths, ok := textutil.PastedFiles(clip)
	if !ok {
		return false
	}
	for _, path := range paths {
		p.addAttachment(path)
	}
	return true
}

// modelChanged offers attachments only to models whose catalogue entry takes them.
func (p *chatPage) modelChanged() {
	m, ok := p.current()
	setEnabled(p.attachB, !ok || m.AcceptsImages() || m.AcceptsAudio())
}

// request is the chat request the options describe, without its messages.
func (p *chatPage) request(model string) (api.ChatRequest, error) {
	temp := p.temp.Value
	r := api.ChatRequest{Model: model, Temperature: &temp}
	if t := strings.TrimSpace(p.maxTokens.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n <= 0 {
			return r, fmt.Errorf("max tokens is a whole number above zero (or empty for the model's default), not %q", t)
		}
		r.MaxTokens = n
	}
	if e := p.effort.Selected; e != "" && e != "default" {
		r.ReasoningEffort = e
	}
	return r, nil
}

// pasteEntry is the message input: pasting files copied in a file manager attaches them.
type pasteEntry struct {
	widget.Entry
	onPaste func(clip string) bool
}

func newPasteEntry(onPaste func(string) bool) *pasteEntry {
	e := &pasteEntry{onPaste: onPaste}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut takes a paste of files as attachments and leaves the rest to the entry.
func (e *pasteEntry) TypedShortcut(s fyne.Shortcut) {
	if ps, ok := s.(*fyne.ShortcutPaste); ok && ps.Clipboard != nil && e.onPaste(ps.Clipboard.Content()) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// flip shows another version of a message (and the branch that follows it).
func (p *chatPage) flip(to int64) {
	if to == 0 || p.jobID != 0 {
		return
	}
	chatID := p.chatID
	go func() {
		if err := p.s.lib.SelectSibling(p.s.ctx, to); err != nil {
			p.s.showError(err)
			return
		}
		p.s.RunOnUI(func() { p.openChat(chatID) })
	}()
}

// startEdit puts a user message back in the input; sending it starts a new branch from there.
func (p *chatPage) startEdit(m lib.Message) {
	if p.jobID != 0 {
		return
	}
	msg := m
	p.editing = &msg
	p.input.SetText(m.Content)
	p.s.win.Canvas().Focus(p.input)
}

// savePreset keeps a system prompt under a name in the app's preferences.
func (p *chatPage) savePreset(sel *widget.Select, name, text string) {
	prefs := p.s.app.Preferences()
	names := prefs.StringList("chatPresets")
	if !containsString(names, name) {
		names = append(names, name)
		prefs.SetStringList("chatPresets", names)
	}
	prefs.SetString("chatPreset."+name, text)
	sel.Options = names
	sel.Refresh()
}
