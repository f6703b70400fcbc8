package transports

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// drain pops every queued frame and returns "class:head" strings.
func drain(q *sendQueue) []string {
	var got []string
	var s slot
	for q.pop(&s) {
		c := "c"
		if s.class == ClassState {
			c = "s"
		}
		got = append(got, c+":"+string(s.head[:s.headLen])+string(s.body))
	}
	return got
}

func TestSendQueueOrder(t *testing.T) {
	type push struct {
		class Class
		head  string
	}
	tests := []struct {
		name   string
		pushes []push
		want   []string
	}{
		{
			name:   "control frames keep order",
			pushes: []push{{ClassControl, "1"}, {ClassControl, "2"}, {ClassControl, "3"}},
			want:   []string{"c:1", "c:2", "c:3"},
		},
		{
			name:   "newer state replaces queued state at the tail",
			pushes: []push{{ClassControl, "1"}, {ClassState, "a"}, {ClassState, "b"}, {ClassState, "c"}},
			want:   []string{"c:1", "s:c"},
		},
		{
			name:   "newer state follows control frames queued after the stale one",
			pushes: []push{{ClassControl, "1"}, {ClassState, "a"}, {ClassControl, "2"}, {ClassState, "b"}, {ClassState, "c"}},
			want:   []string{"c:1", "c:2", "s:c"},
		},
		{
			name:   "control queued before state is written first",
			pushes: []push{{ClassControl, "1"}, {ClassControl, "2"}, {ClassState, "a"}},
			want:   []string{"c:1", "c:2", "s:a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newSendQueue(4)
			for _, p := range tt.pushes {
				q.push(p.class, []byte(p.head), nil, 4)
			}
			if got := drain(&q); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSendQueueStateAfterPopIsAppended(t *testing.T) {
	q := newSendQueue(4)
	q.push(ClassState, []byte("a"), nil, 4)
	var s slot
	q.pop(&s) // the writer has taken "a": it must not be overwritten
	if got := q.push(ClassState, []byte("b"), nil, 4); got != pushed {
		t.Errorf("push after pop = %v, want pushed", got)
	}
	if got := string(s.head[:s.headLen]); got != "a" {
		t.Errorf("popped slot changed to %q", got)
	}
	if got, want := drain(&q), []string{"s:b"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSendQueueOverflow(t *testing.T) {
	q := newSendQueue(3)
	for i := range 3 {
		if got := q.push(ClassControl, []byte(fmt.Sprint(i)), nil, 3); got != pushed {
			t.Fatalf("push %d = %v, want pushed", i, got)
		}
	}
	// A state frame still fits: the bound is on control frames.
	if got := q.push(ClassState, []byte("s"), nil, 3); got != pushed {
		t.Errorf("state push on full control queue = %v, want pushed", got)
	}
	if got := q.push(ClassControl, []byte("x"), nil, 3); got != overflow {
		t.Errorf("control push on full queue = %v, want overflow", got)
	}
	// A lower limit (SetOptions) applies; a higher one is clamped to the ring.
	q.clear()
	q.push(ClassControl, nil, nil, 1)
	if got := q.push(ClassControl, nil, nil, 1); got != overflow {
		t.Errorf("push over lowered limit = %v, want overflow", got)
	}
	q.clear()
	for range 3 {
		q.push(ClassControl, nil, nil, 100)
	}
	if got := q.push(ClassControl, nil, nil, 100); got != overflow {
		t.Errorf("push over ring capacity = %v, want overflow", got)
	}
}

func TestSendQueueWrapsAround(t *testing.T) {
	q := newSendQueue(2)
	var got []string
	var s slot
	for i := range 10 {
		q.push(ClassControl, []byte(fmt.Sprint(i)), nil, 2)
		q.push(ClassState, []byte(fmt.Sprint(i)), nil, 2)
		for q.pop(&s) {
			got = append(got, fmt.Sprintf("%d:%s", s.class, s.head[:s.headLen]))
		}
	}
	if len(got) != 20 || got[18] != "0:9" || got[19] != "1:9" {
		t.Errorf("got %v", got)
	}
}

func TestSendQueueNoAllocs(t *testing.T) {
	q := newSendQueue(64)
	head, body := []byte("head"), make([]byte, 1024)
	var s slot
	allocs := testing.AllocsPerRun(1000, func() {
		q.push(ClassControl, head, body, 64)
		q.push(ClassState, head, body, 64)
		q.push(ClassState, head, body, 64)   // supersedes the tail
		q.push(ClassControl, head, body, 64) // an event behind the state
		q.push(ClassState, head, body, 64)   // supersedes from the middle
		for q.pop(&s) {
		}
	})
	if allocs != 0 {
		t.Errorf("push/pop allocate %v times per run, want 0", allocs)
	}
}

// Removing a stale state frame from the middle works when the ring has
// wrapped around.
func TestSendQueueRemoveAcrossWrap(t *testing.T) {
	q := newSendQueue(4) // 5 slots
	var s slot
	for range 3 {
		q.push(ClassControl, []byte("x"), nil, 4)
		q.pop(&s)
	}
	for _, p := range []struct {
		class Class
		head  string
	}{{ClassControl, "1"}, {ClassState, "a"}, {ClassControl, "2"}, {ClassControl, "3"}, {ClassState, "b"}} {
		q.push(p.class, []byte(p.head), nil, 4)
	}
	if got, want := drain(&q), []string{"c:1", "c:2", "c:3", "s:b"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// The ring grows as frames wait, from minQueueSlots up to the control
// capacity + 1, keeping order whatever the ring's position: random pushes
// and pops are checked against a plain slice with the same rules.
func TestSendQueueGrowsInOrder(t *testing.T) {
	const limit = 13
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		q := newSendQueue(limit)
		var model []string // "c:N" and "s:N", oldest first
		var s slot
		for i := range 300 {
			head := []byte(fmt.Sprint(i))
			switch op := rng.IntN(10); {
			case op < 4:
				controls := 0
				for _, m := range model {
					if m[0] == 'c' {
						controls++
					}
				}
				res := q.push(ClassControl, head, nil, limit)
				if want := controls < limit; (res == pushed) != want {
					t.Fatalf("round %d op %d: control push = %v with %d queued", round, i, res, controls)
				}
				if res == pushed {
					model = append(model, "c:"+string(head))
				}
			case op < 7:
				q.push(ClassState, head, nil, limit)
				model = slices.DeleteFunc(model, func(m string) bool { return m[0] == 's' })
				model = append(model, "s:"+string(head))
			default:
				if q.pop(&s) {
					c := "c"
					if s.class == ClassState {
						c = "s"
					}
					if got := c + ":" + string(s.head[:s.headLen]); len(model) == 0 || got != model[0] {
						t.Fatalf("round %d op %d: popped %s, want %v", round, i, got, model)
					}
					model = model[1:]
				} else if len(model) > 0 {
					t.Fatalf("round %d op %d: pop found nothing, want %v", round, i, model)
				}
			}
			if len(q.slots) > limit+1 {
				t.Fatalf("ring grew to %d slots, past %d", len(q.slots), limit+1)
			}
		}
		if got := drain(&q); !slices.Equal(got, model) {
			t.Fatalf("round %d: drained %v, want %v", round, got, model)
		}
	}
}
