package route53

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Route 53 health-checker rules (Route 53 Developer Guide, "How Amazon
// Route 53 determines whether a health check is healthy" and "Values that
// you specify when you create or update health checks"):
//   - every checker region sends one request per RequestInterval;
//   - an HTTP(S) request passes when it connects within 4 s and gets a 2xx
//     or 3xx status within 2 s after connecting;
//   - a checker changes its view of the endpoint after FailureThreshold
//     consecutive requests that contradict it (both ways);
//   - the endpoint is healthy when more than 18 % of the checkers see it
//     healthy;
//   - a new health check is healthy until the checkers have seen enough.
//
// Route 53 runs several checkers per region; the model runs one per
// checker region, their requests spread evenly over the interval.
const (
	ConnectTimeout  = 4 * time.Second
	ResponseTimeout = 2 * time.Second
	// HealthyFraction of the checkers must be exceeded for a healthy
	// endpoint.
	HealthyFraction = 0.18
)

// ProbeRequest is one request of one checker.
type ProbeRequest struct {
	Check   HealthCheck
	Checker string // the checker region
	// ConnectTimeout is the (scaled) time to connect; the context's
	// deadline adds the (scaled) response timeout.
	ConnectTimeout time.Duration
}

// Probe sends one health-check request; nil means it passed.
type Probe func(ctx context.Context, req ProbeRequest) error

// CheckerOptions configures StartCheckers.
type CheckerOptions struct {
	// Scale divides every Route 53 duration (request interval, connect and
	// response timeouts): 10 turns a 10 s interval into 1 s. 0 means 1.
	Scale float64
	Probe Probe
	// OnChange, if set, is called (from a checker goroutine) when a health
	// check's status changes.
	OnChange func(hc HealthCheck, healthy bool, at time.Time)
}

// Checkers runs the health checkers of a set of health checks in real time
// until Stop.
type Checkers struct {
	opts   CheckerOptions
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	checks map[string]*checkState
}

// Change is a change of a health check's status.
type Change struct {
	At      time.Time
	Healthy bool
}

type checkState struct {
	hc       HealthCheck
	checkers []string
	views    []bool // each checker's view: healthy?
	streak   []int  // consecutive results contradicting the view
	healthy  bool
	changes  []Change
}

// Scaled returns d divided by the options' scale.
func (o CheckerOptions) Scaled(d time.Duration) time.Duration {
	if o.Scale <= 0 {
		return d
	}
	return time.Duration(float64(d) / o.Scale)
}

// StartCheckers starts one goroutine per checker region of every check.
func StartCheckers(checks []HealthCheck, opts CheckerOptions) (*Checkers, error) {
	if opts.Probe == nil {
		return nil, errors.New("route53.StartCheckers: no Probe")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Checkers{opts: opts, cancel: cancel, checks: map[string]*checkState{}}
	start := time.Now()
	for _, hc := range checks {
		if _, dup := c.checks[hc.ID]; dup {
			cancel()
			return nil, fmt.Errorf("route53.StartCheckers: health check id %q twice", hc.ID)
		}
		regions := hc.Regions
		if len(regions) == 0 {
			regions = DefaultCheckerRegions
		}
		st := &checkState{hc: hc, checkers: regions, healthy: true,
			views: make([]bool, len(regions)), streak: make([]int, len(regions))}
		for i := range st.views {
			st.views[i] = true
		}
		c.checks[hc.ID] = st
		interval := opts.Scaled(time.Duration(hc.RequestInterval) * time.Second)
		for i := range regions {
			first := start.Add(interval * time.Duration(i) / time.Duration(len(regions)))
			c.wg.Add(1)
			go c.run(ctx, st, i, first, interval)
		}
	}
	return c, nil
}

func (c *Checkers) run(ctx context.Context, st *checkState, i int, first time.Time, interval time.Duration) {
	defer c.wg.Done()
	next := first
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		next = next.Add(interval)
		req := ProbeRequest{Check: st.hc, Checker: st.checkers[i], ConnectTimeout: c.opts.Scaled(ConnectTimeout)}
		pctx, cancel := context.WithTimeout(ctx, c.opts.Scaled(ConnectTimeout+ResponseTimeout))
		err := c.opts.Probe(pctx, req)
		cancel()
		if ctx.Err() != nil {
			return
		}
		c.record(st, i, err == nil)
	}
}

func (c *Checkers) record(st *checkState, i int, passed bool) {
	c.mu.Lock()
	if passed == st.views[i] {
		st.streak[i] = 0
	} else if st.streak[i]++; st.streak[i] >= st.hc.FailureThreshold {
		st.views[i], st.streak[i] = passed, 0
	}
	up := 0
	for _, v := range st.views {
		if v {
			up++
		}
	}
	healthy := float64(up)/float64(len(st.views)) > HealthyFraction
	changed := healthy != st.healthy
	now := time.Now()
	if changed {
		st.healthy = healthy
		st.changes = append(st.changes, Change{At: now, Healthy: healthy})
	}
	c.mu.Unlock()
	if changed && c.opts.OnChange != nil {
		c.opts.OnChange(st.hc, healthy, now)
	}
}

// Healthy is the health check's status (false for an unknown id).
func (c *Checkers) Healthy(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.checks[id]
	return ok && st.healthy
}

// Changes lists the status changes of a health check so far.
func (c *Checkers) Changes(id string) []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.checks[id]; ok {
		return append([]Change(nil), st.changes...)
	}
	return nil
}

// Stop ends every checker and waits for them.
func (c *Checkers) Stop() {
	c.cancel()
	c.wg.Wait()
}

// HTTPProbe is an HTTP(S) health-check request: it passes on a 2xx or 3xx
// status (redirects are not followed), connecting within connectTimeout and
// answering before ctx's deadline. A fresh connection each time, as each
// checker request is.
func HTTPProbe(ctx context.Context, url string, connectTimeout time.Duration) error {
	client := &http.Client{
		Transport: &http.Transport{
			DialContext:       (&net.Dialer{Timeout: connectTimeout}).DialContext,
			DisableKeepAlives: true,
			Proxy:             nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return nil
}
