package cli

import (
	"fmt"

	"pollinations-studio/backend/sim"
)

func (c *command) sim(args []string) error {
	fs := newFlagSet("sim", c.env)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	fast := fs.Bool("fast", false, "answer without the real service's latencies")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	opts := sim.Options{}
	if *fast {
		opts.TimeScale = 0.01
	}
	s, err := sim.Start(*addr, opts)
	if err != nil {
		return fmt.Errorf("starting the simulator: %w", err)
	}
	defer s.Close()
	fmt.Fprintln(c.env.Stdout, s.URL())
	for _, k := range s.Keys() {
		fmt.Fprintf(c.env.Stdout, "%s %s\n", k.Kind, k.Key)
	}
	c.progress("simulator serving at %s (set POLLINATIONS_BASE_URL and POLLINATIONS_ENTER_URL to it); Ctrl+C stops it", s.URL())
	<-c.ctx.Done()
	return nil
}
