package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// call is one request of a load: the request, and what makes its answer
// wrong beyond a non-2xx status (nil: nothing more). keep, when set, is
// given the body of a good answer (the writes keep the ids they were told).
type call struct {
	req  *http.Request
	keep func(body []byte) error
}

// result is one load's measure; its rate counts the answered requests only.
type result struct {
	Requests int
	Errors   int
	FirstErr string
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r result) reqPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// newClient is a keep-alive client for conns connections that does not
// follow redirects (a page that redirects to the sign-in is an error here).
func newClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// drive runs conns workers, each sending next's requests one after another
// until the duration has passed, and measures each request from send to the
// last byte of the answer. A request in flight when the time is up is
// waited for (up to the client's timeout, then an error); the rate is the
// answered requests over the time until the last one ended.
func drive(ctx context.Context, client *http.Client, conns int, d time.Duration, seed uint64, next func(rng *rand.Rand) (call, error)) result {
	var mu sync.Mutex
	var all []time.Duration
	res := result{}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var lat []time.Duration
			errs, first := 0, ""
			for time.Now().Before(deadline) && ctx.Err() == nil {
				c, err := next(rng)
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				t0 := time.Now()
				err = do(client, c)
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			res.Errors += errs
			if res.FirstErr == "" {
				res.FirstErr = first
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(all)
	slices.Sort(all)
	res.P50, res.P99 = percentile(all, 0.50), percentile(all, 0.99)
	return res
}

// do sends one call and reads its whole answer.
func do(client *http.Client, c call) error {
	resp, err := client.Do(c.req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: %d %.200s", c.req.Method, c.req.URL.RequestURI(), resp.StatusCode, body)
	}
	if c.keep != nil {
		return c.keep(body)
	}
	return nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
