package etsyfake

import "time"

// quota counts the app's requests: fixed one-second windows and a sliding
// 24-hour window. The caller holds Server.mu.
type quota struct {
	second  time.Time   // start of the current second window
	inSec   int         // requests in it
	day     []time.Time // times of the requests in the last 24 h, oldest first
	dayHead int         // day[:dayHead] have left the window
}

// prune drops requests older than 24 h.
func (q *quota) prune(now time.Time) {
	cut := now.Add(-24 * time.Hour)
	for q.dayHead < len(q.day) && !q.day[q.dayHead].After(cut) {
		q.dayHead++
	}
	if q.dayHead > 1024 && q.dayHead*2 > len(q.day) {
		q.day = append(q.day[:0], q.day[q.dayHead:]...)
		q.dayHead = 0
	}
}

func (q *quota) roll(now time.Time) {
	if sec := now.Truncate(time.Second); !sec.Equal(q.second) {
		q.second, q.inSec = sec, 0
	}
	q.prune(now)
}

// take counts one request whatever the limits.
func (q *quota) take(now time.Time) {
	q.roll(now)
	q.inSec++
	q.day = append(q.day, now)
}

// admit counts one request when the limits allow it and returns what is
// left of the second and of the day.
func (q *quota) admit(now time.Time, perSecond, perDay int) (sec, day int, ok bool) {
	q.roll(now)
	used := len(q.day) - q.dayHead
	if q.inSec >= perSecond || used >= perDay {
		return 0, 0, false
	}
	q.take(now)
	return perSecond - q.inSec, perDay - (used + 1), true
}
