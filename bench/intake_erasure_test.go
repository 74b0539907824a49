package bench_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// Intake during the heavy erasure (issue 11): the same app, on a copy of
// the heavy store, takes POST /api/v1/requests from a closed loop of
// intakeBusyConns connections, first idle, then while the heavy customer's
// access request is collected (River workers, which also work the jobs
// intake queued: verification emails), then while Service.Fulfil erases
// the heavy customer (workers off again). The target is intake's p99 during the erasure
// over its idle p99; beside it, the erasure's write transactions under that
// load (the erasure target's "under intake load").
//
// intakeBusyConns is 8, not intake's 32: 32 connections saturate the app
// on this 2-CPU machine (requests queue behind each other, so the idle p99
// is already mostly queueing and hides what the erasure adds); at 8 the
// group commit still gathers batches but the latency is the service time
// of a filing and its wait for SQLite's write lock, which is what an
// erasure can lengthen.

const (
	intakeBusyConns = 8
	intakeBusyGoal  = 3.0
	intakeIdleFor   = 4 * time.Second
)

// TestIntakeDuringErasureReport prints the table and the
// intake-during-erasure target line.
func TestIntakeDuringErasureReport(t *testing.T) {
	reportOnly(t)
	template, _ := heavyTemplate(t)
	h, url := heavyIntake(t, template)
	p := newPoster(intakeBusyConns)
	defer p.close()
	p.closedLoop(url, intakeBusyConns, time.Second, intakeBody, http.StatusAccepted) // warm up

	idle := p.closedLoop(url, intakeBusyConns, intakeIdleFor, intakeBody, http.StatusAccepted)
	h.Watch.reset()

	// Collection of the heavy customer's access request by the workers.
	stop := make(chan struct{})
	got := make(chan load)
	go func() { got <- p.closedLoopUntil(url, intakeBusyConns, stop, intakeBody, http.StatusAccepted) }()
	collStart := time.Now()
	h.approved(t, "access")
	collTook := time.Since(collStart)
	close(stop)
	coll := <-got
	collSpans := h.Watch.reset()

	// The erasure, intake running throughout (runErasure files and
	// collects the deletion first, then times Fulfil alone).
	var busy load
	loaded := runErasure(t, h, func(done <-chan struct{}) {
		busy = p.closedLoopUntil(url, intakeBusyConns, done, intakeBody, http.StatusAccepted)
	})
	for _, l := range []load{idle, coll, busy} {
		if l.Failed > 0 {
			t.Fatalf("%d intake requests failed: %s", l.Failed, l.FirstErr)
		}
	}
	var intakeHeld []time.Duration
	for _, s := range loaded.Other {
		intakeHeld = append(intakeHeld, s.Held)
	}
	// Intake's batches begin by counting their addresses' recent filings
	// (models.CountRecentFilings); the rest is the workers': the
	// collection, River's own rows, and the emails of the requests intake
	// queued.
	var collIntake, collWorkers []time.Duration
	for _, s := range collSpans {
		if strings.HasPrefix(s.First, "SELECT email, type, count(*)") {
			collIntake = append(collIntake, s.Held)
		} else {
			collWorkers = append(collWorkers, s.Held)
		}
	}

	say("\n### Intake during the heavy erasure (SQLite)\n")
	say("One app on a copy of the heavy store; POST /api/v1/requests from a closed loop of %d keep-alive connections "+
		"(each sends its next request when the last is answered), idle for %s, then while the workers collect the heavy "+
		"customer's access request, then while Service.Fulfil erases the heavy customer. Write transactions timed below "+
		"database/sql (BEGIN IMMEDIATE returning → COMMIT returning).\n", intakeBusyConns, secs(intakeIdleFor))
	say("| intake, %d connections | requests | req/s | p50 | p99 | max |", intakeBusyConns)
	say("|---|--:|--:|--:|--:|--:|")
	for _, row := range []struct {
		name string
		l    load
	}{{"idle", idle}, {fmt.Sprintf("during the collection (%s)", secs(collTook)), coll},
		{fmt.Sprintf("during the erasure (%s)", secs(loaded.Took)), busy}} {
		say("| %s | %d | %.0f | %s | %s | %s |", row.name, row.l.OK, row.l.rate(), millis(quantile(row.l.Lat, .5)),
			millis(quantile(row.l.Lat, .99)), millis(slices.Max(row.l.Lat)))
	}
	ratio := float64(quantile(busy.Lat, .99)) / float64(quantile(idle.Lat, .99))
	collRatio := float64(quantile(coll.Lat, .99)) / float64(quantile(idle.Lat, .99))
	say("| **p99 during the erasure / idle** | | | | **%.2fx** | |", ratio)
	say("| p99 during the collection / idle | | | | %.2fx | |", collRatio)
	say("")
	say("| write transactions under this load | count | p50 | p99 | longest | its statements (first) |")
	say("|---|--:|--:|--:|--:|---|")
	l := loaded.longest()
	say("| the erasure's | %d | %s | %s | **%s** | %d (`%s`) |", len(loaded.Spans), millis(quantile(loaded.held(), .5)),
		millis(quantile(loaded.held(), .99)), millis(l.Held), l.Stmts, l.First)
	say("| intake's, during the erasure | %d | %s | %s | %s | |", len(intakeHeld), millis(quantile(intakeHeld, .5)),
		millis(quantile(intakeHeld, .99)), millis(slices.Max(append(intakeHeld, 0))))
	for _, row := range []struct {
		name string
		ds   []time.Duration
	}{{"intake's, during the collection", collIntake}, {"the workers', during the collection (collection, River, emails)", collWorkers}} {
		say("| %s | %d | %s | %s | %s | |", row.name, len(row.ds), millis(quantile(row.ds, .5)), millis(quantile(row.ds, .99)),
			millis(slices.Max(append(row.ds, 0))))
	}
	say("")
	target("intake-during-erasure", fmt.Sprintf("%.2fx", ratio), fmt.Sprintf("<=%.1fx", intakeBusyGoal), ratio <= intakeBusyGoal)
}
