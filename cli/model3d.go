package cli

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
)

// model3d is `model3d [PROMPT] [--image FILE|URL] -o OUT.glb [--model M] [--resolution R]
// [--seed S] [--json]`: a picture (or, for the models that take text, a prompt) made into a
// 3D model, saved to the library and written to OUT.
func (c *command) model3d(args []string) error {
	fs := newFlagSet("model3d", c.env)
	out := fs.String("o", "", "output file: .glb (.ply from nvidia/asset-harvester) (required)")
	img := fs.String("image", "", "the picture: a local FILE (uploaded once) or an http(s) URL")
	model := fs.String("model", "", "3D model (default "+jobs.Default3DModel+"; hyper3d/rodin-2.5 takes a prompt alone)")
	resolution := fs.String("resolution", "", "low|medium|high (models that take it; default low)")
	var seed optInt64
	fs.Var(&seed, "seed", "`int` seed (random when not given)")
	asJSON := fs.Bool("json", false, "print the saved library item as JSON on stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	prompt := strings.TrimSpace(strings.Join(pos, " "))
	if prompt, err = readPromptArg(prompt, c.env.Stdin); err != nil {
		return err
	}
	if prompt == "" && *img == "" {
		return usagef("model3d: give --image FILE|URL, or a PROMPT for a model that takes text")
	}
	if err := requireOutput("model3d", *out, nil); err != nil {
		return err
	}
	req := api.Model3DRequest{Prompt: prompt, Model: *model, Resolution: *resolution, Seed: seed.v}
	if *img != "" {
		req.Image = []string{*img}
	}
	if err := jobs.Check3D(req); err != nil {
		return usagef("model3d: %s", refusal(err))
	}
	name := *model
	if name == "" {
		name = jobs.Default3DModel
	}
	note, err := c.check3DModel(name, req)
	if err != nil {
		return err
	}
	c.progress("generating a 3D model%s; this takes a minute or more…", note)
	it, lib, err := c.runJob(jobs.Request{Model3D: &req}, jobHooks{libraryNote: true})
	if err != nil {
		return streamErr(err)
	}
	defer lib.Close()
	if err := copyMedia(lib, it, *out); err != nil {
		return err
	}
	c.progress("saved %s (%s, model %s%s)", *out, it.ContentType, it.ModelUsed, itemCost(it))
	if want := map[string]string{api.ContentTypeGLB: ".glb", api.ContentTypePLY: ".ply"}[it.ContentType]; want != "" &&
		!strings.EqualFold(filepath.Ext(*out), want) {
		c.progress("note: %s holds a %s file (%s)", *out, strings.TrimPrefix(want, "."), it.ContentType)
	}
	if *asJSON {
		return c.printItem(lib, it)
	}
	return nil
}

// check3DModel looks the model up in the 3D catalogue: a request it would refuse (no picture
// for an image-only model, a resolution it does not take) is a usage mistake, found before
// anything is uploaded or paid for; otherwise it returns the estimate's note. Without the
// catalogue, nothing is refused here (the service says).
func (c *command) check3DModel(name string, req api.Model3DRequest) (string, error) {
	cl, err := c.client(false)
	if err != nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	ms, err := cl.Models(ctx, "3d")
	if err != nil {
		return "", nil
	}
	m, ok := api.FindModel(ms, name)
	if !ok {
		return "", usagef("model3d: no 3D model %q that this key may use (`models` lists them)", name)
	}
	if err := jobs.Check3DModel(m, req); err != nil {
		return "", usagef("model3d: %s", refusal(err))
	}
	e := jobs.Estimate(m, jobs.EstimateParams{Resolution: req.Resolution}, nil)
	if !e.Known {
		return "", nil
	}
	return ", " + e.Label, nil
}

// refusal is an API refusal's message without its kind prefix.
func refusal(err error) string {
	if e, ok := api.AsError(err); ok && e.Message != "" {
		return e.Message
	}
	return err.Error()
}
