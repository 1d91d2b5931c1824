// Package chat is the chat page: conversations kept in the library, replies streamed and
// rendered as Markdown, branches from regenerated and edited messages.
package chat

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/textutil"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// Page: conversations kept in the library, replies streamed and rendered as Markdown.
type Page struct {
	h          kit.Host
	model      *widget.Select
	modelNames map[string]string
	input      *pasteEntry
	sendB      *widget.Button
	stopB      *widget.Button
	list       *widget.List
	rendered   map[fyne.CanvasObject]textutil.Part // what each piece of a row shows now
	rowSig     map[fyne.CanvasObject]string        // which message, in which state, each row shows
	loaded     *loadedImages                       // reply images the user chose to load (links.go)
	shownGen   int                                 // bumped when rows must be drawn again whatever they show
	rowsDrawn  int                                 // rows drawn afresh, not left as they were (tests bound it)
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
	pasteB     *widget.Button // attaches the clipboard's picture
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

// New builds the chat page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, modelNames: map[string]string{}, openReasoning: map[int64]bool{}, rendered: map[fyne.CanvasObject]textutil.Part{},
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
			h.Jobs().Cancel(p.jobID)
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
				h.Clipboard().SetContent(p.msgs[i].Content)
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
	p.pasteB = widget.NewButtonWithIcon("Paste image", theme.ContentPasteIcon(), p.pasteImage)
	p.clearB = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() {
		p.attach = nil
		p.showAttachments()
	})
	p.clearB.Importance = widget.LowImportance
	p.clearB.Hide()
	prefs := h.Preferences()
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
		}, h.Window())
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
		func() fyne.CanvasObject { return newChatRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.chats) {
				return
			}
			r, it := o.(*chatRow), p.chats[i]
			r.title.SetText(it.Prompt)
			r.rename.OnTapped = func() { p.askRename(it) }
			r.del.OnTapped = func() { p.trashChat(it.ID) }
		})
	p.chatList.OnSelected = func(i widget.ListItemID) {
		if i < len(p.chats) && p.chats[i].ID != p.chatID {
			p.openChat(p.chats[i].ID)
		}
	}
	p.list = widget.NewList(func() int { return len(p.msgs) + p.streamingRow() }, p.newRow, p.updateRow)
	top := container.NewVBox(container.NewBorder(nil, nil, kit.Heading("Chat"), container.NewHBox(regen, copyB, export), p.model), options)
	bottom := container.NewBorder(container.NewBorder(nil, nil, container.NewHBox(p.attachB, p.pasteB), p.clearB, p.attachL), nil, nil, container.NewVBox(p.sendB, p.stopB), p.input)
	p.empty = container.NewCenter(widget.NewLabelWithStyle("Start a conversation: replies stream in and are kept in your library.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	conv := container.NewPadded(container.NewBorder(top, bottom, nil, nil, container.NewStack(p.empty, p.list)))
	side := container.NewBorder(container.NewVBox(newChat, p.chatSearch), nil, nil, nil, p.chatList)
	split := container.NewHSplit(side, conv)
	split.Offset = 0.22
	p.content = split
	h.OnAccount(p.fillModels)
	h.OnJob(p.onJob)
	return p
}

// chatRow is a conversation in the list: its title, and buttons to rename and delete it.
type chatRow struct {
	widget.BaseWidget
	root        *fyne.Container
	title       *widget.Label
	rename, del *widget.Button
}

func newChatRow() *chatRow {
	r := &chatRow{title: widget.NewLabel("conversation"), rename: widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil),
		del: widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)}
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.rename.Importance, r.del.Importance = widget.LowImportance, widget.LowImportance
	r.root = container.NewBorder(nil, nil, nil, container.NewHBox(r.rename, r.del), r.title)
	r.ExtendBaseWidget(r)
	return r
}

func (r *chatRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.root) }

func (p *Page) streamingRow() int {
	if p.jobID != 0 {
		return 1
	}
	return 0
}

func (p *Page) fillModels() {
	p.modelNames = map[string]string{}
	var labels []string
	sel := ""
	models := p.h.Models("text")
	// The default may be stored under an alias ("openai") or an older id: match through the
	// catalogue, never by the exact string.
	want := api.Canonical(models, kit.DefaultModel(p.h.Preferences(), "text", "openai"))
	for _, m := range models {
		l := kit.ModelLabel(m, p.h.Allowed)
		labels = append(labels, l)
		p.modelNames[l] = m.Name
		if m.Name == want {
			sel = l
		}
	}
	if sel == "" && len(labels) > 0 {
		sel = labels[0] // the stored default is gone from the catalogue: still offer a model
	}
	p.model.Options = labels
	if p.model.Selected == "" && sel != "" {
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
}

// send adds the user's message to the conversation and streams the reply.
func (p *Page) send() {
	text := strings.TrimSpace(p.input.Text)
	if text == "" || p.jobID != 0 {
		return
	}
	model := p.modelNames[p.model.Selected]
	h := p.h
	if !h.HasKey() {
		h.ShowError(kit.ErrNoKey)
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
		h.ShowError(err)
		return
	}
	attach := append([]string(nil), p.attach...)
	for _, a := range attach {
		if err := p.takes(a); err != nil {
			h.ShowError(fmt.Errorf("%w, or remove the attachment", err))
			return
		}
	}
	p.sendB.Disable()
	go func() {
		if chatID == 0 {
			id, err := h.Library().NewChat(h.Context(), kit.Shorten(text, 60), model, "")
			if err != nil {
				h.ShowError(err)
				h.RunOnUI(p.sendB.Enable)
				return
			}
			chatID = id
		}
		var parent *int64
		if n := len(history); n > 0 {
			parent = &history[n-1].ID
		}
		user := &lib.Message{ChatID: chatID, ParentID: parent, Role: "user", Content: text, Attachments: attach}
		if _, err := h.Library().AddMessage(h.Context(), user); err != nil {
			h.ShowError(err)
			h.RunOnUI(p.sendB.Enable)
			return
		}
		wire, err := wireMessages(system, append(history, *user))
		if err != nil {
			h.ShowError(err)
			h.RunOnUI(p.sendB.Enable)
			return
		}
		h.RunOnUI(func() {
			p.chatID = chatID
			p.msgs = append(history, *user)
			p.input.SetText("")
			p.attach = nil
			p.showAttachments()
			req := base
			req.Messages = wire
			id, ok := h.Submit(jobs.Request{Chat: &jobs.ChatTurn{ChatID: chatID, ParentMessageID: &user.ID, Request: req}})
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
func (p *Page) onJob(ev jobs.Event) {
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
		p.h.ShowError(ev.Err)
	}
	chatID := p.chatID
	go func() {
		msgs, err := p.h.Library().Messages(p.h.Context(), chatID)
		if err != nil {
			return
		}
		sibs, _ := p.h.Library().SiblingPositions(p.h.Context(), chatID)
		p.h.RunOnUI(func() {
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
func (p *Page) loadChats() { p.h.RunOnUI(p.reloadChats) }

// Start lists the conversations once every page exists.
func (p *Page) Start() { p.loadChats() }

// reloadChats searches the conversations for what the search box holds (UI goroutine). Only
// the latest search's answer is shown, so fast typing cannot leave an older list behind.
func (p *Page) reloadChats() {
	p.chatSeq++
	seq, text := p.chatSeq, strings.TrimSpace(p.chatSearch.Text)
	q := lib.Query{Kinds: []lib.Kind{lib.KindChat}, Text: text, Limit: 200}
	go func() {
		page, err := p.h.Library().Search(p.h.Context(), q)
		if err != nil {
			p.h.ShowError(fmt.Errorf("searching the conversations: %w", err))
			return
		}
		p.h.RunOnUI(func() {
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
func (p *Page) askRename(it lib.Item) {
	name := widget.NewEntry()
	name.SetText(it.Prompt)
	dialog.ShowForm("Rename conversation", "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("Title", name)}, func(ok bool) {
		if ok {
			p.renameChat(it.ID, name.Text)
		}
	}, p.h.Window())
}

// renameChat sets a conversation's title (its item's prompt).
func (p *Page) renameChat(id int64, title string) {
	title = strings.TrimSpace(title)
	if title == "" {
		return
	}
	go func() {
		it, err := p.h.Library().Item(p.h.Context(), id)
		if err == nil {
			it.Prompt = title
			err = p.h.Library().UpdateItem(p.h.Context(), it)
		}
		if err != nil {
			p.h.ShowError(fmt.Errorf("renaming the conversation: %w", err))
			return
		}
		p.loadChats()
	}()
}

// trashChat moves a conversation to the library's trash (it can be restored from there).
func (p *Page) trashChat(id int64) {
	if id == p.chatID {
		if p.jobID != 0 {
			p.h.ShowError(fmt.Errorf("a reply is still being written in this conversation: stop it first"))
			return
		}
		p.chatID, p.msgs, p.editing = 0, nil, nil
		p.redraw()
	}
	go func() {
		if err := p.h.Library().Trash(p.h.Context(), id); err != nil {
			p.h.ShowError(fmt.Errorf("moving the conversation to the trash: %w", err))
			return
		}
		p.loadChats()
	}()
}

// redraw draws every row again (the conversation or its messages changed).
func (p *Page) redraw() {
	p.shownGen++
	// The hint would show through the gaps between messages.
	if len(p.msgs)+p.streamingRow() > 0 {
		p.empty.Hide()
	} else {
		p.empty.Show()
	}
	p.list.Refresh()
}

// selectModel picks the model a conversation was held with, whatever name it was stored
// under (an alias, or the id the service used then); it reports false when the catalogue no
// longer lists it, and the picker stays as it is.
func (p *Page) selectModel(stored string) bool {
	return kit.SelectStored(p.model, p.modelNames, p.h.Models("text"), stored)
}

func (p *Page) openChat(id int64) {
	if p.jobID != 0 {
		return // a reply is streaming: finish or stop it first
	}
	for _, it := range p.chats {
		if it.ID == id && it.ModelRequested != "" {
			p.selectModel(it.ModelRequested)
		}
	}
	go func() {
		msgs, err := p.h.Library().Messages(p.h.Context(), id)
		if err != nil {
			p.h.ShowError(err)
			return
		}
		sibs, _ := p.h.Library().SiblingPositions(p.h.Context(), id)
		p.h.RunOnUI(func() {
			p.chatID, p.msgs, p.siblings = id, msgs, sibs
			p.redraw()
			p.list.ScrollToBottom()
		})
	}()
}

// regenerate asks again for the last reply; the earlier answer stays as a sibling.
func (p *Page) regenerate() {
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
		p.h.ShowError(err)
		return
	}
	req, err := p.request(p.modelNames[p.model.Selected])
	if err != nil {
		p.h.ShowError(err)
		return
	}
	req.Messages = wire
	user := p.msgs[last]
	p.msgs = p.msgs[:last+1]
	id, ok := p.h.Submit(jobs.Request{Chat: &jobs.ChatTurn{ChatID: p.chatID, ParentMessageID: &user.ID, Request: req}})
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
func (p *Page) export() {
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
			if err := p.h.Library().ExportChat(p.h.Context(), chatID, format, w); err != nil {
				p.h.ShowError(err)
			}
		}()
	}, p.h.Window())
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
			if kit.IsImageFile(a) {
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

// request is the chat request the options describe, without its messages.
func (p *Page) request(model string) (api.ChatRequest, error) {
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
func (p *Page) flip(to int64) {
	if to == 0 || p.jobID != 0 {
		return
	}
	chatID := p.chatID
	go func() {
		if err := p.h.Library().SelectSibling(p.h.Context(), to); err != nil {
			p.h.ShowError(err)
			return
		}
		p.h.RunOnUI(func() { p.openChat(chatID) })
	}()
}

// startEdit puts a user message back in the input; sending it starts a new branch from there.
func (p *Page) startEdit(m lib.Message) {
	if p.jobID != 0 {
		return
	}
	msg := m
	p.editing = &msg
	p.input.SetText(m.Content)
	p.h.Window().Canvas().Focus(p.input)
}

// savePreset keeps a system prompt under a name in the app's preferences.
func (p *Page) savePreset(sel *widget.Select, name, text string) {
	prefs := p.h.Preferences()
	names := prefs.StringList("chatPresets")
	if !slices.Contains(names, name) {
		names = append(names, name)
		prefs.SetStringList("chatPresets", names)
	}
	prefs.SetString("chatPreset."+name, text)
	sel.Options = names
	sel.Refresh()
}

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary sends the message (Ctrl+Enter).
func (p *Page) Primary() { p.send() }
