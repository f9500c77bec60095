package loadtest

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// memSampler watches this process's heap (runtime.ReadMemStats, HeapInuse)
// and resident set (/proc/self/status VmRSS) every 50 ms, and keeps the peak
// of each since the last reset. Where the kernel lets a process reset its
// own high-water mark (/proc/self/clear_refs "5"), VmHWM is read too, so a
// spike between two samples is not missed.
type memSampler struct {
	mu         sync.Mutex
	heap, rss  uint64
	hwmResets  bool // VmHWM is since the last reset
	stop, done chan struct{}
}

func newMemSampler() *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	m.reset()
	go func() {
		defer close(m.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := procStatus("VmRSS")
	m.mu.Lock()
	m.heap = max(m.heap, ms.HeapInuse)
	m.rss = max(m.rss, rss)
	m.mu.Unlock()
}

// reset starts a new phase: the garbage of the last one is collected and
// returned to the system, and the peaks are forgotten.
func (m *memSampler) reset() {
	debug.FreeOSMemory()
	err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m.mu.Lock()
	m.heap, m.rss, m.hwmResets = 0, 0, err == nil
	m.mu.Unlock()
	m.sample()
}

// peak is the phase's peak heap in use and resident set, in bytes.
func (m *memSampler) peak() (heap, rss uint64) {
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	rss = m.rss
	if m.hwmResets {
		rss = max(rss, procStatus("VmHWM"))
	}
	return m.heap, rss
}

func (m *memSampler) close() {
	close(m.stop)
	<-m.done
}

// procStatus reads one "kB" field of /proc/self/status, in bytes (0 where
// there is no /proc).
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(field+":")) {
			continue
		}
		f := bytes.Fields(line[len(field)+1:])
		if len(f) == 0 {
			return 0
		}
		kb, _ := strconv.ParseUint(string(f[0]), 10, 64)
		return kb << 10
	}
	return 0
}
